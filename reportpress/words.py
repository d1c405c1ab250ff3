"""The layout's own words and the way numbers are written, in the report's language.

Every fixed word the layout prints comes from `layout/strings/<language>.yaml`, chosen by
`language:` in report.yaml, each string overridable in the content's `strings.yaml`.
Which strings the layout needs is read from the templates themselves (each `t("key", …)`
call), so a string missing in a language is a content error before anything is laid out,
never a gap in print. Numbers, amounts, shares and lists are written by Babel (CLDR data),
not by hand.
"""
import contextlib
import difflib
import functools
import hashlib
import json
import string
from pathlib import Path

import jinja2
from babel import Locale, UnknownLocaleError, lists, numbers
from markupsafe import Markup, escape

from . import CACHE, LAYOUT, output, yamlfile

LAYOUT_DIR = LAYOUT


# --- numbers -------------------------------------------------------------------------------

def babel_locale(language):
    """The Babel locale of a language tag (`nl`, `fr`, `nl-BE`), or None if CLDR has none."""
    try:
        return str(Locale.parse(language.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def known_currency(code):
    return isinstance(code, str) and code in numbers.list_currencies()


def number(value, locale):
    """24422 → 24.422 (nl), 24 422 (fr, narrow no-break space), 24,422 (en)."""
    return numbers.format_decimal(value, locale=locale)


@functools.lru_cache(maxsize=16)
def _whole_currency_pattern(locale):
    """The locale's currency pattern without decimals: the report states whole amounts."""
    pattern = numbers.parse_pattern(Locale.parse(locale).currency_formats["standard"].pattern)
    pattern.frac_prec = (0, 0)
    return pattern


def signed(value, locale):
    """A change with its sign as the language writes it: +78, -1.234 (nl), +78, -1 234 (fr);
    0 unsigned. The signs are CLDR's (some languages write a true minus, U+2212)."""
    symbols = Locale.parse(locale).number_symbols.get("latn", {})
    sign = (symbols.get("plusSign", "+") if value > 0 else
            symbols.get("minusSign", "-") if value < 0 else "")
    return sign + number(abs(value), locale)


def amount(value, locale, currency):
    """13916135 EUR → € 13.916.135 (nl), 13 916 135 € (fr), €13,916,135 (en)."""
    return _whole_currency_pattern(locale).apply(value, Locale.parse(locale),
                                                 currency=currency, currency_digits=False)


def percent(share, locale):
    """A whole percentage: 31 → 31% (nl, en), 31 % (fr, no-break space)."""
    return numbers.format_percent(share / 100, locale=locale)


def and_list(items, locale):
    """Items joined as the language lists them: a, b en c (nl), a, b et c (fr). Items that
    are markup stay markup; the joining words are escaped."""
    marks = [f"\x00{i}\x00" for i in range(len(items))]
    joined = str(escape(lists.format_list(marks, locale=locale))) if items else ""
    for mark, item in zip(marks, items, strict=True):
        joined = joined.replace(mark, str(escape(item)))
    return Markup(joined)


# --- strings -------------------------------------------------------------------------------

def translator(strings):
    """The templates' `t(key, **values)`: the string, its `{name}` places filled with the
    values (escaped, unless markup such as a page reference)."""
    def t(key, **values):
        return Markup(escape(strings[key])).format(**values)  # (every key checked on load)
    return t


def layout_needs(layout_dir=LAYOUT_DIR):
    """{key: (template, line, names of the values it gives)} for every `t("key", …)` in the
    layout's templates: what each language's strings must hold. Read again whenever a
    template changes (the proof's designer adds a string); kept for the next process, by
    the templates' contents (parsing them all is a tenth of reading the content)."""
    templates = [(path.relative_to(Path(layout_dir).parent), path.read_bytes())
                 for path in sorted(Path(layout_dir).rglob("*.html"))]
    digest = hashlib.sha256(jinja2.__version__.encode())
    for name, source in templates:
        digest.update(b"\0%s\0%d\0%s" % (str(name).encode(), len(source), source))
    kept = CACHE / "layout-needs" / f"{digest.hexdigest()[:32]}.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        return {key: (Path(template), line, frozenset(names))
                for key, (template, line, names) in json.loads(kept.read_text()).items()}
    needs = _needs(templates)
    with contextlib.suppress(OSError):  # (a cache that cannot be written: read each time)
        output.write_atomically(kept, lambda tmp: Path(tmp).write_text(json.dumps(
            {key: [str(template), line, sorted(names)]
             for key, (template, line, names) in needs.items()})))
    return needs


def _needs(templates):
    """layout_needs of the templates [(name, source)]."""
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    needs = {}
    for name, source in templates:
        tree = env.parse(source.decode("utf-8"))
        for call in tree.find_all(jinja2.nodes.Call):
            if (isinstance(call.node, jinja2.nodes.Name) and call.node.name == "t"
                    and call.args and isinstance(call.args[0], jinja2.nodes.Const)):
                names = frozenset(k.key for k in call.kwargs)
                known = needs.get(call.args[0].value, (None, None, frozenset()))[2]
                needs[call.args[0].value] = (name, call.lineno, known | names)
    return needs


def shipped_languages(layout_dir=LAYOUT_DIR):
    return sorted(p.stem for p in (Path(layout_dir) / "strings").glob("*.yaml"))


def load(language, content_dir, report, read_yaml, language_line=None, layout_dir=LAYOUT_DIR,
         own=None):
    """The strings for `language`: the layout's file for it (or for its base language:
    nl-BE → nl), with the content's strings.yaml (or `own`) over it. Problems go to
    `report`."""
    layout_dir, content_dir = Path(layout_dir), Path(content_dir)
    needs = layout_needs(layout_dir)
    strings, origin = {}, {}  # key → text; key → (file, line) it came from
    shipped = _shipped_file(language, layout_dir)
    if shipped:  # (the layout's own file: trusted, read as it is)
        _merge(yamlfile.parse(shipped.read_text(encoding="utf-8")),
               _rel(shipped, layout_dir.parent), strings, origin, report, needs)
    own = Path(own) if own else content_dir / "strings.yaml"
    if own.is_file():  # (the content's: read with every check content gets)
        _merge(read_yaml(own), _rel(own, content_dir.parent), strings, origin, report, needs)
    for key, (template, line, _) in sorted(needs.items()):
        if key not in strings:
            file = _rel(shipped, layout_dir.parent) if shipped else Path(
                content_dir.name) / "report.yaml"
            report.error(f"no string `{key}` for language `{language}` (the layout uses it "
                         f"in {template}:{line})", file, None if shipped else language_line,
                         hint=f"add `{key}:` to {content_dir.name}/{own.name}" + (
                             "" if shipped else "; languages with all strings: "
                             + ", ".join(shipped_languages(layout_dir))))
    _check_places(strings, origin, needs, report)
    return strings


PROOF = "proof"  # the section of a strings file with the proof page's own words


def proof_words(language, content_dir, layout_dir=LAYOUT_DIR):
    """{key: text} of the proof page's own words (buttons, labels, status lines) in
    `language`: the `proof:` section of the layout's strings for it, over the English
    one (a word it lacks is said in English), with the `proof:` section of the content's
    strings.yaml over both. Read leniently: the proof shows whatever a file says (the
    build reports a broken strings.yaml), and `{name}` places are filled in the page."""
    found = {}
    files = [Path(layout_dir) / "strings" / "en.yaml", _shipped_file(language,
                                                                    Path(layout_dir)),
             Path(content_dir) / "strings.yaml"]
    for file in files:
        try:
            section = yamlfile.parse(file.read_text(encoding="utf-8")).get(PROOF)
        except Exception:  # noqa: BLE001 (missing, unreadable, not a mapping: not shown)
            continue
        if isinstance(section, dict):
            found.update({str(key): text for key, text in section.items()
                          if isinstance(text, str) and (key in found or file == files[0])})
    return found


def _shipped_file(language, layout_dir):
    for name in (language, language.replace("_", "-").split("-")[0]):
        path = layout_dir / "strings" / f"{name}.yaml"
        if path.is_file():
            return path
    return None


def _merge(data, rel, strings, origin, report, needs):
    """Add the strings of one file; a key the layout does not use is reported (a typo)."""
    if data is None:  # (could not be read: reported)
        return
    if not isinstance(data, dict):
        report.error("a strings file maps each key to its text (`key: text` lines)", rel, 1)
        return
    for key, text in data.items():
        line = data.key_lines.get(key)
        if key == PROOF:  # (the proof page's words, not the layout's: proof_words)
            continue
        if key not in needs:
            close = difflib.get_close_matches(str(key), list(needs), n=1)
            report.error(f"`{key}` is no string the layout uses", rel, line,
                         hint=f"did you mean `{close[0]}`?" if close else
                         "the layout's strings are listed in layout/strings/nl.yaml")
        elif not isinstance(text, str):
            report.error(f"string `{key}` must be text, not {text!r:.40}", rel, line)
        else:
            strings[key], origin[key] = text, (rel, line)


def _check_places(strings, origin, needs, report):
    """A `{name}` the layout does not fill in would break the build: reported here."""
    for key, text in strings.items():
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:  # (an unmatched brace)
            names = {"{"}
        given = needs[key][2]
        if names - given:
            report.error(f"string `{key}` has a place the layout does not fill: "
                         + ", ".join(f"{{{n}}}" for n in sorted(names - given)), *origin[key],
                         hint="its places: " + (", ".join(f"{{{n}}}" for n in sorted(given))
                                               or "none") + " (write { and } as {{ and }})")


def _rel(path, base):
    path = Path(path)
    return path.relative_to(base) if path.is_relative_to(base) else path
