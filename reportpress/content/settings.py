"""report.yaml: the book-wide settings (title, language, trim, colours, URLs …) read into a
model.Book, whose chapters chapters.py then reads."""
import datetime
import re

from .. import model, words
from . import chapters as chapter_kinds
from .fields import EDITION, RANGES, Fields, shown


def book(r, language=None):
    """report.yaml read into a model.Book in `language` (one of its languages; None: the
    main one, the first), with its chapters."""
    path = r.dir / "report.yaml"
    data = r.read_yaml(path)
    if data is None:  # all else follows from it: its errors would only mislead
        r.report.raise_if_errors()
    f = Fields(data, r.rel(path), r.report, [
        "title", "organisation", "year", "language", "languages", "currency", "output",
        "published", "trim",
        "bleed_mm", "overprint_below_pt", "process_only",
        "binding", "urls", "colours", "notes", "chapters"], "report.yaml")
    r.languages = languages(r, f)
    r.language = edition_language(r, f, language)
    EDITION.set((r.language, r.languages))  # (the texts below are read in it)
    trim = f.sub("trim", ["width_mm", "height_mm"], "trim")
    r.colours = colours(r, f)
    r.photos = r.photo_registry()
    book = model.Book(
        title=f.text("title", default=""),
        organisation=f.get("organisation", str, default=""),
        year=year(r, f),
        language=r.language,
        locale=locale(r, f),
        currency=currency(r, f),
        output_names=output_names(r, f),
        published=published(r, f),
        # (no size of its own: a trim missing or out of range stops the build below)
        trim_width_mm=trim.number("width_mm", None) if trim else None,
        trim_height_mm=trim.number("height_mm", None) if trim else None,
        bleed_mm=f.number("bleed_mm", 3),
        binding=binding(r, f),
        urls=urls(r, f),
        colours=r.colours,
        notes=notes(r, f),
        chapters=[],
        content_dir=r.dir,
        overprint_below_pt=overprint_below(r, f),
        process_only=f.get("process_only", bool, required=False, default=False),
        languages=r.languages,
    )
    r.urls, r.notes = book.urls, book.notes
    if book.locale:  # (else reported: no language to choose strings by)
        book.strings = words.load(book.language, r.dir, r.report, r.read_yaml,
                                  _languages_line(f), own=strings_file(r))
    book.chapters = chapter_kinds.read_all(r, f)
    return book


def languages(r, f):
    """The report's languages, the main one first: `languages: [nl, fr]`, or one
    `language: nl`. Each must be a tag Babel knows (reported, else)."""
    if "languages" not in f.data:
        return (f.get("language", str, default="nl"),)
    if "language" in f.data:
        r.report.error("report.yaml gives both `language` and `languages`: keep one",
                       f.file, f.key_line("language"),
                       hint="`languages: [nl, fr]` (the first the main one)")
    items = f.get("languages", list, default=[])
    found = []
    for item, line in zip(items, getattr(items, "item_lines", []), strict=False):
        if not isinstance(item, str) or not words.babel_locale(item):
            r.report.error(f"`languages`: {shown(item)} is no language tag (like nl, fr, en,"
                           " de or nl-BE)", f.file, line,
                           hint="the layout's words exist for: "
                           + ", ".join(words.shipped_languages()))
        elif item in found:
            r.report.error(f"`languages` names {item} twice", f.file, line)
        else:
            found.append(item)
    if not found and f.ok:
        r.report.error("`languages` must name at least one language, e.g. [nl, fr]", f.file,
                       f.key_line("languages"))
        r.report.raise_if_errors()
    return tuple(found)


def edition_language(r, f, language):
    """The language asked for (None: the main one), one the report is written in."""
    if language is None or language in r.languages:
        return language or r.languages[0]
    r.report.error(f"no {language} edition: report.yaml names "
                   + ", ".join(r.languages), f.file, _languages_line(f),
                   hint="add it to `languages:` (and its texts)")
    r.report.raise_if_errors()


def _languages_line(f):
    return f.key_line("languages" if "languages" in f.data else "language")


def strings_file(r):
    """The content's own strings (words.py): strings.yaml for the main language,
    strings.<language>.yaml for each other."""
    main = r.language == r.languages[0]
    return r.dir / ("strings.yaml" if main else f"strings.{r.language}.yaml")


def locale(r, f):
    """Babel's locale for the edition's language (how numbers are written), or ""
    (reported)."""
    locale = words.babel_locale(r.language)
    if not locale:
        r.report.error(f"`language` {shown(r.language)} is no language tag (like nl, fr,"
                          " en, de or nl-BE)", f.file, _languages_line(f),
                          hint="the layout's words exist for: "
                          + ", ".join(words.shipped_languages()))
    return locale or ""


def currency(r, f):
    """The amounts' currency, an ISO 4217 code (EUR, CHF, USD …)."""
    currency = f.get("currency", str, required=False, default="EUR")
    if not words.known_currency(currency):
        r.report.error(f"`currency` {shown(currency)} is no ISO 4217 currency code "
                          "(like EUR, CHF, USD)", f.file, f.key_line("currency"))
    return currency


def year(r, f):
    year = f.get("year", int, default=None)
    low, high = RANGES["year"]
    if year is not None and not low <= year <= high:
        r.report.error(f"`year` must be between {low} and {high}, not {year}", f.file,
                          f.key_line("year"))
    return year or 0


def output_names(r, f):
    """{edition: file name} in the edition's language: `print: {nl: …, fr: …}`; a name
    given once is the main language's, and another's gets `-<language>` after it."""
    o = f.sub("output", ["print", "digital"], "output")
    names = {}
    for edition in ("print", "digital"):
        name = o.get(edition, str, default=edition) if o else edition
        given = o.data.get(edition) if o else None
        if not isinstance(given, dict) and r.language != r.languages[0]:
            name = f"{name}-{r.language}"
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            r.report.error(f"output.{edition} must be a plain file name "
                              "(letters, digits, - _ .)", f.file, o.key_line(edition))
        names[edition] = name
    return names


def overprint_below(r, f):
    """Black text under this size overprints in print (0: none does)."""
    value = f.get("overprint_below_pt", (int, float), default=12, required=False)
    if not 0 <= value <= 72:
        r.report.error("`overprint_below_pt` must be a size in points from 0 to 72 "
                          "(0: no black text overprints)", f.file,
                          f.key_line("overprint_below_pt"))
        return 12.0
    return float(value)


def published(r, f):
    """The publication date (default: 1 January after the report's year)."""
    value = f.get("published", object, required=False)
    if value is None:
        year = f.data.get("year")
        return f"{year + 1 if isinstance(year, int) and 0 < year < 9999 else 2000:04}-01-01"
    if not isinstance(value, datetime.date):
        r.report.error("`published` must be a date like 2023-06-30", f.file,
                          f.key_line("published"))
        return "2000-01-01"
    return value.isoformat()


def binding(r, f):
    binding = f.get("binding", str, default="saddle-stitch")
    if binding not in ("saddle-stitch", "perfect"):
        r.report.error("`binding` must be saddle-stitch or perfect", f.file,
                          f.key_line("binding"))
    return binding


def urls(r, f):
    urls = f.get("urls", dict, default={})
    for key, url in urls.items():
        if not isinstance(url, str) or not re.match(r"https?://[^\s<>\"']+$", url):
            r.report.error(f"urls.{key} must be a web address starting with https://",
                              f.file, urls.key_lines.get(key))
    for key in ("online", "website"):
        if key not in urls:
            r.report.error(f"urls needs `{key}`", f.file, f.key_line("urls"))
    return dict(urls)


def colours(r, f):
    """Each colour: [c, m, y, k] in percent, or a spot colour: {spot: NAME, cmyk: […]}
    (its CMYK the alternate, printed where spots are converted)."""
    colours = {}
    for name, value in (f.get("colours", dict, default={}) or {}).items():
        line = f.data["colours"].key_lines.get(name)
        spot = None
        if isinstance(value, dict) and set(value) == {"spot", "cmyk"}:
            spot, value = value["spot"], value["cmyk"]
            if not isinstance(spot, str) or not spot.strip() or len(spot) > 60:
                r.report.error(f"colour `{name}`: `spot` must be the ink's name "
                                  "(e.g. PANTONE 032 C)", f.file, line)
                continue
        if (not isinstance(value, list) or len(value) != 4 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100
                for v in value)):
            r.report.error(f"colour `{name}` must be [c, m, y, k] in percent (0–100), "
                              "or {spot: NAME, cmyk: [c, m, y, k]}", f.file, line)
            continue
        if sum(value) > 300:
            r.report.error(f"colour `{name}` has {sum(value)}% total ink; at most 300%",
                              f.file, line)
        colours[name] = model.Colour(name, *value, spot=spot.strip() if spot else None)
    check_spots(r, colours, f)
    return colours


def check_spots(r, colours, f):
    """A spot colour is found in the PDF by its CMYK alternate (spots.py): no other
    colour, nor a tint of one, nor a grey the layout uses, may share it."""
    for name, colour in colours.items():
        if not colour.spot:
            continue
        line = f.data["colours"].key_lines.get(name)
        if not max(colour.c, colour.m, colour.y):
            r.report.error(f"colour `{name}`: a spot colour's CMYK alternate must not "
                              "be a grey (the layout's greys would print in it)", f.file,
                              line)
        for other in colours.values():
            if other is not colour and _proportional(colour, other):
                r.report.error(f"colour `{name}` (spot {colour.spot}) and `{other.name}`"
                                  " have the same CMYK, or one is a tint of the other: "
                                  "give the spot an alternate of its own", f.file, line)


def notes(r, f):
    """{key: footnote text}, each a text (per language in a report of several)."""
    notes = f.get("notes", dict, required=False, default={})
    n = Fields(notes, f.file, r.report, list(notes), "notes")
    return {key: n.text(key, default="") for key in notes}


def _proportional(one, other):
    a, b = one.fractions, other.fractions
    if not max(a) or not max(b):
        return not max(a) and not max(b)
    ratio = max(b) / max(a)
    return all(abs(x * ratio - y) < 0.0005 for x, y in zip(a, b, strict=True))
