"""Generated content — any Unicode, emoji, right-to-left text, endless words, empty
strings, huge numbers, deep Markdown — gives a PDF or a clean content error (exit 2),
never a crash (exit 1), a traceback or a hang. Bounded to stay within a few minutes."""
import json
import math
import re
import shutil

import yaml
from helpers import FIXTURES, run
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reportpress.pipeline import PROJECT as ROOT

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
LATIN = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F,
                                       blacklist_categories=("Cc", "Cs")), max_size=2000)
WORDS = st.one_of(
    TEXT, LATIN, LATIN,
    st.sampled_from(["", " ", "😀 emoji", "עברית מימין לשמאל", "العربية", "Ω" * 50]),
    st.integers(min_value=1, max_value=3000).map(lambda n: "x" * n),  # one endless word
    st.integers(min_value=1, max_value=60).map(lambda n: ">" * n + " diep"),
    st.integers(min_value=1, max_value=60).map(lambda n: "".join(f"{'  ' * i}- lijst\n"
                                                                  for i in range(n))),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=WORDS, body=WORDS, label=WORDS,
       value=st.one_of(st.integers(min_value=-10**30, max_value=10**30),
                       st.integers(min_value=0, max_value=10**9), TEXT))
def test_any_content_builds_or_fails_cleanly(tmp_path_factory, capsys, title, body, label,
                                             value):
    folder = tmp_path_factory.mktemp("fuzz")
    content = folder / "content"
    shutil.copytree(FIXTURES / "mini", content)
    story = content / "thema" / "tweede-verhaal.md"
    story.write_text("---\n" + yaml.safe_dump({"title": title}, allow_unicode=True)
                     + "---\n\n" + body + "\n", encoding="utf-8")
    chapter = content / "thema" / "chapter.yaml"
    data = yaml.safe_load(chapter.read_text(encoding="utf-8"))
    data["sections"][1]["key_figures"][0].update(value=value, label=label)
    chapter.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, err = run(capsys, "--content", content, "-o", folder / "out.pdf")
    event(f"exit {code}")
    assert "Traceback" not in err
    assert code in (0, 2), err
    assert (folder / "out.pdf").exists() == (code == 0)


def _leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))
    yield path


ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                      st.text(max_size=20), st.lists(st.integers(), max_size=3),
                      st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(file=st.sampled_from(["report.yaml", "thema/chapter.yaml", "photos.yaml",
                             "achterkant/chapter.yaml"]),
       choice=st.integers(min_value=0), value=ANY_VALUE)
def test_any_value_anywhere_in_the_yaml_fails_cleanly(tmp_path_factory, capsys, file, choice,
                                                       value):
    """Replace one value (or whole branch) of a YAML file by anything: a PDF or a content
    error with its file, never a crash."""
    folder = tmp_path_factory.mktemp("yamlfuzz")
    content = folder / "content"
    shutil.copytree(FIXTURES / "mini", content)
    path = content / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    leaves = list(_leaves(data))
    target = leaves[choice % len(leaves)]
    if target:
        parent = data
        for key in target[:-1]:
            parent = parent[key]
        parent[target[-1]] = value
    else:
        data = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, err = run(capsys, "--content", content, "-o", folder / "out.pdf")
    event(f"exit {code}")
    assert "Traceback" not in err
    assert code in (0, 2), err


# Every text field the layout reads as Markdown: (file, text there, the field holding {md},
# how the field is written: a YAML value, a line of a YAML block (`|-`) or Markdown).
MARKDOWN_FIELDS = [
    ("thema/eerste-verhaal.md", "caption: Strepen.", "caption: {md}", "value"),
    ("thema/eerste-verhaal.md", "title: Het eerste verhaal", "title: {md}", "value"),
    ("thema/chapter.yaml", "label: deelnemers", "label: {md}", "value"),
    ("thema/chapter.yaml", "    Een korte uitspraak uit het eerste verhaal.", "    {md}", "block"),
    ("thema/chapter.yaml", "  Een korte inleiding op het thema.", "  {md}", "block"),
    ("online/chapter.yaml", "  Sommige verhalen staan online.", "  {md}", "block"),
    ("achterkant/chapter.yaml", "partners: Met dank aan onze partners.", "partners: {md}",
     "value"),
    ("thema/chapter.yaml", "        label: scholen",
     "        label: scholen\n        parts:\n          - value: 56\n            label: {md}",
     "value"),
    ("thema/chapter.yaml", "sections:",
     "closing_photo:\n  photo: stripes\n  caption: {md}\nsections:", "value"),
    ("thema/tweede-verhaal.md", "Een tweede verhaal, met meer online.", "{md}", "markdown"),
]


def _written(markdown, new, how):
    """The Markdown as the field's file holds it."""
    if how == "value":
        return json.dumps(markdown)  # (a YAML double-quoted string)
    if how == "block":
        indent = new[:len(new) - len(new.lstrip())]
        return markdown.replace("\n", "\n" + indent)
    return markdown


TARGETS = st.sampled_from([
    "../../../../../../etc/passwd", "report.yaml", "photos/stripes.jpg", "/etc/hostname",
    "file:///etc/passwd", "javascript:alert(1)", "http://127.0.0.1:9/x", "//127.0.0.1/x",
    "data:text/html,x", "https://example.org/ok", "mailto:a@example.org", "#chapter-thema"])
MARKDOWN = st.lists(st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17F,
                                   blacklist_categories=("Cc", "Cs")), max_size=40),
    st.builds("[{}]({})".format, st.sampled_from(["pw", "hier", ""]), TARGETS),
    st.builds("![{}]({})".format, st.sampled_from(["x", ""]), TARGETS),
    st.builds("<{}>".format, TARGETS),
    st.sampled_from(['<img src="http://127.0.0.1:9/x">', "<link rel=attachment href=x>",
                     "www.example.org/a", "Beweging.net", "[r]: report.yaml\n\n[r]"]),
), min_size=1, max_size=4).map(" ".join)


def _link_targets(pdf_path):
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        return {str(annot.A.URI) for page in pdf.pages for annot in page.get("/Annots", [])
                if "/A" in annot and "/URI" in annot.A}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from(MARKDOWN_FIELDS), markdown=MARKDOWN)
def test_no_markdown_field_can_link_or_place_outside_the_web(tmp_path_factory, capsys, field,
                                                             markdown):
    """Any Markdown in any field: refused with the file named (exit 2), or a PDF whose
    links go only to the web or mail, with no path of this machine in it."""
    folder = tmp_path_factory.mktemp("mdfuzz")
    content = folder / "content"
    shutil.copytree(FIXTURES / "mini", content)
    file, old, new, how = field
    path = content / file
    text = path.read_text(encoding="utf-8")
    value = _written(markdown, new, how)
    path.write_text(text.replace(old, new.format(md=value), 1), encoding="utf-8")
    out = folder / "out.pdf"
    code, err = run(capsys, "--content", content, "-o", out, "--edition", "digital")
    event(f"exit {code}")
    assert "Traceback" not in err
    assert code in (0, 2), err
    if code == 2:
        assert "content/" in err, err
        return
    uris = _link_targets(out)
    assert all(uri.startswith(("https://", "mailto:")) or re.fullmatch(r"http://[\w.-]+\.[a-z]+"
                                                                        r"(/\S*)?", uri)
               for uri in uris), uris
    data = out.read_bytes()
    assert b"file:" not in data and str(folder).encode() not in data
    assert str(ROOT).encode() not in data


# report.yaml's numbers: (key, its text in the fixture, its line, the range it must keep)
NUMBERS = [("width_mm", "width_mm: 210", 9, (50, 600)),
           ("height_mm", "height_mm: 297", 10, (50, 600)),
           ("bleed_mm", "bleed_mm: 3", 11, (0, 10)),
           ("year", "year: 2023", 3, (1900, 2999))]
ANY_NUMBER = st.one_of(st.integers(min_value=-10**6, max_value=10**6),
                       st.floats(allow_nan=True, allow_infinity=True),
                       st.integers(min_value=0, max_value=700), st.booleans())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(number=st.sampled_from(NUMBERS), value=ANY_NUMBER)
def test_report_yaml_numbers_out_of_range_are_refused_at_their_line(tmp_path_factory, capsys,
                                                                     number, value):
    key, old, line, (low, high) = number
    folder = tmp_path_factory.mktemp("numbers")
    content = folder / "content"
    shutil.copytree(FIXTURES / "mini", content)
    report = content / "report.yaml"
    written = yaml.safe_dump(value).removesuffix("\n...\n").strip()
    report.write_text(report.read_text(encoding="utf-8").replace(
        old, f"{key}: {written}", 1), encoding="utf-8")
    fits = (not isinstance(value, bool) and math.isfinite(value) and low <= value <= high
            and (key != "year" or isinstance(value, int)))
    # (only the page size and bleed are built: a year in range changes nothing else)
    if fits and key == "year":
        return
    code, err = run(capsys, "--content", content, "-o", folder / "out.pdf")
    event("in range" if fits else "out of range")
    assert "Traceback" not in err
    if fits:
        assert code in (0, 2), err
    else:
        assert code == 2, err
        assert re.search(f"content/report.yaml:{line}: `{key}` (in report.yaml )?must be",
                         err), err
