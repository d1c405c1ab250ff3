"""The layout's words by language: strings files, the content's overrides and what is
missing, each reported with file and line (exit code 2)."""
import shutil
from pathlib import Path

import pytest
from helpers import copy_content, edit, run

from reportpress import words
from reportpress.problems import Problems
from reportpress.yamlfile import parse


@pytest.fixture
def content(tmp_path):
    return copy_content(tmp_path)


def build(capsys, content, tmp_path):
    out = tmp_path / "out.pdf"
    code, err = run(capsys, "--content", content, "-o", out)
    assert "Traceback" not in err
    return code, err, out


def test_every_shipped_language_has_every_string_the_layout_uses():
    needs = words.layout_needs()
    assert {"opener.facing", "online.marker", "figure.credit", "finances.total"} <= set(needs)
    for language in ("nl", "fr", "en", "de"):
        report = Problems()
        strings = words.load(language, "/nonexistent", report, read_yaml=None)
        assert not report.errors, [str(p) for p in report.errors]
        assert set(strings) == set(needs)


def test_a_string_a_template_starts_using_is_needed_at_once(tmp_path, monkeypatch):
    """The strings the layout needs are read again when a template changes (the proof's
    designer adds a `t(…)` and saves), and kept for the next process as they were read."""
    monkeypatch.setattr(words, "CACHE", tmp_path / "cache")
    layout = tmp_path / "layout"
    shutil.copytree(words.LAYOUT_DIR, layout)
    before = words.layout_needs(layout)
    assert words.layout_needs(layout) == before == words._needs(
        [(path.relative_to(tmp_path), path.read_bytes())
         for path in sorted(layout.rglob("*.html"))])
    assert len(list((tmp_path / "cache" / "layout-needs").iterdir())) == 1
    template = layout / "components" / "qr.html"
    template.write_text(template.read_text() + '\n{{ t("qr.new", page=2) }}\n')
    after = words.layout_needs(layout)
    assert after["qr.new"] == (Path("layout/components/qr.html"),
                               template.read_text().count("\n"), frozenset({"page"}))
    assert after.keys() - before.keys() == {"qr.new"}
    report = Problems()
    words.load("nl", tmp_path / "content", report, None, layout_dir=layout)
    assert [str(p).split(" (")[0] for p in report.errors] == [
        "layout/strings/nl.yaml: no string `qr.new` for language `nl`"]


def test_a_language_without_strings_names_each_missing_key(capsys, content, tmp_path):
    edit(content / "report.yaml", "language: nl", "language: es")
    (content / "strings.yaml").write_text('opener.facing: "{pointer} en la página de al lado."\n')
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2 and not out.exists()
    assert "content/report.yaml:4: no string `online.marker` for language `es`" in err
    assert "no string `opener.facing`" not in err  # (the content gives it)
    assert "languages with all strings: de, en, fr, nl" in err


def test_a_key_missing_in_the_layouts_file_is_named_with_the_file(tmp_path):
    layout = tmp_path / "layout"
    shutil.copytree(words.LAYOUT_DIR, layout)
    nl = layout / "strings" / "nl.yaml"
    nl.write_text("".join(line for line in nl.read_text().splitlines(keepends=True)
                          if not line.startswith("finances.total:")))
    report = Problems()
    words.load("nl", tmp_path / "content", report, None, layout_dir=layout)
    assert [str(p).split(" (")[0] for p in report.errors] == [
        "layout/strings/nl.yaml: no string `finances.total` for language `nl`"]
    assert "layout/chapters/finances.html:" in str(report.errors[0])


def test_the_content_overrides_a_string_and_its_mistakes_are_reported(capsys, content,
                                                                         tmp_path):
    (content / "strings.yaml").write_text(
        'opener.facing: "{pointer} hiernaast."\n'
        'online.markr: "Meer online."\n'
        'figure.credit: "Foto: {credit} {lisence}"\n')
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "content/strings.yaml:2: `online.markr` is no string the layout uses" in err
    assert "did you mean `online.marker`?" in err
    assert "content/strings.yaml:3: string `figure.credit` has a place the layout does not " \
           "fill: {lisence}" in err


def test_an_override_replaces_the_layouts_string(tmp_path):
    report = Problems()
    content = tmp_path / "content"
    content.mkdir()
    (content / "strings.yaml").write_text('finances.total: "samen"\n')
    strings = words.load("nl", content, report, lambda p: parse(p.read_text()))
    assert not report.errors and strings["finances.total"] == "samen"
    assert words.translator(strings)("opener.page", pointer="<b>", page="7") == \
        "&lt;b&gt; op pagina 7."


def test_an_unknown_language_is_a_content_error(capsys, content, tmp_path):
    edit(content / "report.yaml", "language: nl", "language: klingon-x")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "content/report.yaml:4: `language` 'klingon-x' is no language" in err


def test_every_chapter_kind_is_one_complete_entry():
    from reportpress import content, model
    for name, kind in content.KINDS.items():
        assert (words.LAYOUT_DIR / kind.template).is_file(), name
        assert callable(kind.read), name
        assert issubclass(kind.model, model.Chapter), name
        assert f"chapters/{name}.css" in (words.LAYOUT_DIR / "report.css").read_text(), name


def test_an_unknown_kind_lists_the_known_ones(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "kind: domain", "kind: timeline")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert ("content/thema/chapter.yaml:1: `kind` must be one of: cover, online, letter, "
            "domain, stories, finances, locations, board, colophon, back-cover "
            "(got 'timeline')") in err
