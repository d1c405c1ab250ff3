"""One content folder, two languages (tests/fixtures/bilingual: Dutch first, French): every
edition built with `make_pdf.py --all` and read back — each PDF in its own language only,
the same figures and photos, page references right in each — and the translation's gaps
(a paragraph left out, a figure changed, a text or a story missing, a source changed since)
reported with file and line."""
import dataclasses
import hashlib
import os
import re
import string
import subprocess
import sys
from collections import Counter

import pikepdf
import pytest
from conftest import ROOT
from helpers import FIXTURES, copy_content, edit, run
from pdftext import page_texts, words

from reportpress import cli, content
from reportpress import words as layout_words
from reportpress.content import translations
from reportpress.errors import ContentError
from reportpress.problems import Problems

BILINGUAL = FIXTURES / "bilingual"
NAMES = {("nl", "print"): "jaarverslag-2023", ("fr", "print"): "rapport-annuel-2023",
         ("nl", "digital"): "jaarverslag-2023-digitaal",
         ("fr", "digital"): "rapport-annuel-2023-numerique"}


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """{(language, edition): PDF}, all four built by one `make_pdf.py --all`."""
    folder = tmp_path_factory.mktemp("editions")
    assert cli.main(["--content", str(BILINGUAL), "--all", "-o", str(folder)]) == 0
    return {key: folder / f"{name}.pdf" for key, name in NAMES.items()}


def _texts(value):
    """Every text in a part of the model (a Book, a chapter …), however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            found = getattr(value, item.name)
            if item.name not in NOT_PRINTED and not (item.name in IDS and isinstance(found, str)):
                yield from _texts(found)


NOT_PRINTED = ("strings", "source", "content_dir", "path", "kind", "refer", "size")
IDS = ("id", "story", "note")  # (a story's id, an opener's story, a key figure's note)


def _vocabulary(book):
    return {word for text in _texts([book.title, book.notes, book.chapters])
            for word in words(text) if len(word) >= 3 and not word.isdigit()}


def _fixed_words(text):
    pieces = [literal for literal, *_ in string.Formatter().parse(text)]
    return {w for p in pieces for w in words(p) if len(w) >= 3}


def test_each_edition_prints_its_own_languages_words_only(editions):
    nl_book, fr_book = (content.load(BILINGUAL, language)[0] for language in ("nl", "fr"))
    report = Problems()
    nl_strings, fr_strings = (layout_words.load(language, "/nonexistent", report, None)
                              for language in ("nl", "fr"))
    nl_only = _vocabulary(nl_book) - _vocabulary(fr_book)
    fr_only = _vocabulary(fr_book) - _vocabulary(nl_book)
    nl_only |= {w for key in nl_strings for w in _fixed_words(nl_strings[key])
                } - {w for key in fr_strings for w in _fixed_words(fr_strings[key])}
    fr_only |= {w for key in fr_strings for w in _fixed_words(fr_strings[key])
                } - {w for key in nl_strings for w in _fixed_words(nl_strings[key])}
    assert {"schrijnwerker", "houtatelier", "pagina"} <= nl_only
    assert {"menuisier", "bois", "page"} <= fr_only
    for edition in ("print", "digital"):
        dutch = set(words(" ".join(page_texts(editions["nl", edition]))))
        french = set(words(" ".join(page_texts(editions["fr", edition]))))
        assert not dutch & fr_only, edition
        assert not french & nl_only, edition
        # (and each says what its language's texts say: the test can see the words)
        assert len(dutch & nl_only) > 0.6 * len(_vocabulary(nl_book) - _vocabulary(fr_book))
        assert len(french & fr_only) > 0.6 * len(_vocabulary(fr_book) - _vocabulary(nl_book))


def test_each_pdf_is_tagged_with_its_language(editions):
    for (language, _), pdf in editions.items():
        with pikepdf.open(pdf) as doc:
            assert str(doc.Root.Lang) == language


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_print_editions_built_side_by_side_are_those_built_alone(editions, tmp_path,
                                                                  language):
    """--all builds the print editions in one process, sharing its layout workers (the
    main language's from the content as --all read it first): each has the bytes of the
    edition built on its own, with a cold cache."""
    alone = tmp_path / "alone.pdf"
    done = subprocess.run([sys.executable, "make_pdf.py", "--content", str(BILINGUAL),
                           "--lang", language, "-o", str(alone)], cwd=ROOT,
                          capture_output=True, text=True,
                          env=dict(os.environ, REPORTPRESS_CACHE=str(tmp_path / "cache")))
    assert done.returncode == 0, done.stderr
    assert alone.read_bytes() == editions[language, "print"].read_bytes()


def _figures(pdf):
    return Counter(translations.figures(" ".join(page_texts(pdf))))


def test_both_editions_print_the_same_figures(editions):
    for edition in ("print", "digital"):
        dutch, french = _figures(editions["nl", edition]), _figures(editions["fr", edition])
        assert {"1284", "24500", "784", "500", "412", "36"} <= set(dutch)
        assert dutch == french, (dutch - french, french - dutch)


def _images(pdf):
    """(page, width, height, digest of the image data) of every image placed."""
    found = []
    with pikepdf.open(pdf) as doc:
        for number, page in enumerate(doc.pages, 1):
            for _, image in page.get_images().items():
                found.append((number, int(image.Width), int(image.Height),
                              hashlib.sha256(image.read_raw_bytes()).hexdigest()))
    return found


def test_both_editions_place_the_same_photos_on_the_same_pages(editions):
    dutch = _images(editions["nl", "print"])
    assert len({digest for *_, digest in dutch}) >= 2  # (the cover and a story's photo)
    assert dutch == _images(editions["fr", "print"])


def _page_of(pages, text):
    found = [number for number, page in enumerate(pages, 1) if text in page]
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize("language, story, refers, qr", [
    ("nl", "Leren door te doen", r"Lees de getuigenis van Léa op pagina (\d+)\.",
     r"Scan de QR-code op pagina (\d+)\."),
    ("fr", "Apprendre en faisant", r"Lisez le témoignage de Léa en page (\d+)\.",
     r"Scannez le QR code en page (\d+)\.")])
def test_page_references_are_right_in_each_language(editions, language, story, refers, qr):
    pages = [re.sub(r"\s+", " ", page) for page in page_texts(editions[language, "print"])]
    text = " ".join(pages)
    assert int(re.search(refers, text)[1]) == _page_of(pages, story)
    assert int(re.search(qr, text)[1]) == _page_of(pages, "example.org/2023")
    facing = {"nl": "op de pagina hiernaast", "fr": "sur la page ci-contre"}[language]
    assert _page_of(pages, facing) + 1 == _page_of(
        pages, {"nl": "Het houtatelier", "fr": "L’atelier bois"}[language])


# --- the translation's gaps, with file and line -------------------------------------------

@pytest.fixture
def folder(tmp_path):
    return copy_content(tmp_path, "bilingual")


def _warnings(folder, language="fr"):
    _, report = content.load(folder, language)
    return [str(problem) for problem in report.warnings]


def _line(path, text):
    return next(number for number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _translations(capsys, *args):
    """(exit code, what it printed) of `make_pdf.py translations …`."""
    code = cli.main(["translations", *map(str, args)])
    return code, capsys.readouterr().out


def test_the_fixture_is_complete_and_current(capsys):
    assert _translations(capsys, "--content", BILINGUAL) == (0, "fr: complete and current\n")
    for language in ("nl", "fr"):
        assert _warnings(BILINGUAL, language) == []


def test_a_french_paragraph_left_out_is_reported_with_file_and_line(folder, capsys):
    story = folder / "opleiding" / "leren-door-te-doen.fr.md"
    source = story.with_name("leren-door-te-doen.md")
    left_out = _line(source, "Léa leidt elk jaar")
    edit(story, "Léa forme chaque année plus de 40 stagiaires aux métiers de l’accueil.\n\n",
         "")
    here = _line(story, "> Un stage réussi")
    expected = (f"content/opleiding/leren-door-te-doen.fr.md:{here}: 3 paragraph(s), its "
                f"source leren-door-te-doen.md has 4: the first that differs is here "
                f"(content/opleiding/leren-door-te-doen.md:{left_out} in nl)")
    for language in ("nl", "fr"):  # (the main edition lists every language's gaps)
        assert any(w.startswith(expected) for w in _warnings(folder, language))
    code, out = _translations(capsys, "--content", folder)
    assert code == 2 and "fr: 2 gap(s)" in out and expected in out
    assert "nl has 40" in out  # (its figure went with it)


@pytest.mark.parametrize("in_file, old, new", [
    ("woord-van-de-directeur.fr.md", "En 2023, 1 284 personnes", "En 2023, 1 248 personnes"),
    ("woord-van-de-directeur.md", "In 2023 stapten 1.284 mensen", "In 2023 stapten 1.248 mensen"),
])
def test_a_figure_changed_in_one_language_is_reported_with_file_and_line(folder, in_file,
                                                                        old, new):
    edit(folder / "voorwoord" / in_file, old, new)
    story = folder / "voorwoord" / "woord-van-de-directeur.fr.md"
    source_line = _line(story.with_name("woord-van-de-directeur.md"), "In 2023 stapten")
    here = _line(story, "En 2023,")
    nl, fr = ("1284", "1248") if in_file.endswith(".fr.md") else ("1248", "1284")
    expected = (f"content/voorwoord/woord-van-de-directeur.fr.md:{here}: the figures differ "
                f"from woord-van-de-directeur.md:{source_line}: nl has {nl}; fr has {fr}")
    assert any(w.startswith(expected) for w in _warnings(folder)), _warnings(folder)


def test_a_figure_changed_in_a_yaml_text_is_reported_with_file_and_line(folder):
    chapter = folder / "online" / "chapter.yaml"
    edit(chapter, "Bekijk ze online.", "Bekijk ze online: 12 films.")
    assert _warnings(folder) == [
        f"content/online/chapter.yaml:{_line(chapter, 'fr: |-')}: `text` in online/chapter.yaml:"
        " the figures differ between nl (12) and fr (none) (a figure is written once: check "
        "both) [translation]"]


def test_a_missing_text_and_a_missing_story_are_listed_at_once(folder, capsys):
    edit(folder / "opleiding" / "chapter.yaml", "title: {nl: Opleiding, fr: Formation}",
         "title: {nl: Opleiding}")
    edit(folder / "werk" / "chapter.yaml", "  label: {nl: opleidingsuren, fr: heures de "
         "formation}", "  label: opleidingsuren")
    (folder / "werk" / "houtatelier.fr.md").unlink()
    (folder / "werk" / "extra.fr.md").write_text("---\ntitle: De trop\n---\n\nTexte.\n")
    code, err = run(capsys, "--content", folder, "--lang", "fr", "-o",
                    folder.parent / "fr.pdf")
    assert code == 2 and "Traceback" not in err
    title, label = (_line(folder / name / "chapter.yaml", text) for name, text in (
        ("opleiding", "title:"), ("werk", "label: opleidingsuren")))
    assert f"error: content/opleiding/chapter.yaml:{title}: `title` in opleiding/chapter.yaml" \
           " has no fr text" in err
    assert f"error: content/werk/chapter.yaml:{label}: `label` in a key figure has no fr " \
           "text" in err
    assert "error: content/werk/houtatelier.md:1: story `houtatelier` has no fr " \
           "translation (houtatelier.fr.md)" in err
    # the Dutch edition builds, and says what the French one lacks
    warned = _warnings(folder, "nl")
    assert any(w.startswith(f"content/opleiding/chapter.yaml:{title}: `title`") for w in warned)
    assert any("story `houtatelier` has no fr translation" in w for w in warned)
    assert any(w.startswith("content/werk/extra.fr.md:1: a fr story with no story `extra`")
               for w in warned)


def test_a_translation_older_than_its_source_until_marked_current(folder, capsys):
    source = folder / "werk" / "houtatelier.md"
    story = source.with_name("houtatelier.fr.md")
    edit(source, "Het team van het atelier telt twaalf mensen.",
         "Het team van het atelier telt twaalf vaste medewerkers.")
    expected = (f"content/werk/houtatelier.fr.md:{_line(story, 'source:')}: houtatelier.md "
                "changed since this translation was marked current")
    assert any(w.startswith(expected) for w in _warnings(folder))
    code, out = _translations(capsys, "--content", folder)
    assert code == 2 and expected in out
    code, out = _translations(capsys, "--content", folder, "--mark-current", story)
    assert code == 0 and "marked current" in out
    assert f"source: {translations.fingerprint(source.read_text())}" in story.read_text()
    assert _warnings(folder) == []
    assert _translations(capsys, "--content", folder) == (0, "fr: complete and current\n")


def test_a_translation_gives_texts_only(folder):
    story = folder / "opleiding" / "leren-door-te-doen.fr.md"
    edit(story, "title: Apprendre en faisant",
         "title: Apprendre en faisant\nfigure:\n  caption: Une photo.")
    with pytest.raises(ContentError) as raised:
        content.load(folder, "fr")
    assert [str(p) for p in raised.value.problems] == [
        f"content/opleiding/leren-door-te-doen.fr.md:{_line(story, 'figure:')}: `figure:` "
        "is not in "
        "leren-door-te-doen.md, the story's main file: a translation gives the texts of what "
        "is there, no more (add it to the main file first)"]


@pytest.mark.parametrize("old, new, message", [
    ("languages: [nl, fr]", "languages: [nl, fr]\nlanguage: nl",
     "content/report.yaml:6: report.yaml gives both `language` and `languages`"),
    ("languages: [nl, fr]", "languages: [nl, xx-yy-zz]",
     "content/report.yaml:5: `languages`: 'xx-yy-zz' is no language tag"),
    ("title: {nl: Jaarverslag 2023, fr: Rapport annuel 2023}",
     "title: {nl: Jaarverslag 2023, fr: Rapport annuel 2023, en: Annual report}",
     "content/report.yaml:2: `title` in report.yaml: `'en'` is not one of the report's"),
])
def test_languages_mistakes_are_reported_with_file_and_line(folder, old, new, message):
    edit(folder / "report.yaml", old, new)
    with pytest.raises(ContentError) as raised:
        content.load(folder)
    assert any(str(p).startswith(message) for p in raised.value.problems), [
        str(p) for p in raised.value.problems]


def test_an_edition_in_a_language_the_report_has_not(capsys, folder, tmp_path):
    code, err = run(capsys, "--content", folder, "--lang", "de", "-o", tmp_path / "de.pdf")
    assert code == 2 and "content/report.yaml:5: no de edition: report.yaml names nl, fr" in err


def test_one_language_reports_keep_their_form():
    book, _ = content.load(FIXTURES / "mini")
    assert (book.language, book.languages) == ("nl", ("nl",))
    assert book.output_names == {"print": "testverslag", "digital": "testverslag-digitaal"}
    fr_book, _ = content.load(BILINGUAL, "fr")
    assert fr_book.output_names["print"] == "rapport-annuel-2023"
    assert fr_book.notes == {"schooljaar": "année scolaire 2022-2023"}


@pytest.mark.parametrize("text, figures", [
    ("1.284 mensen, 24.500 uren, 3,5 procent", ["1284", "24500", "3.5"]),
    ("1 284 personnes, 24\u202f500 heures, 3,5 pour cent", ["1284", "24500", "3.5"]),
    ("1,284 people in 2022-2023, see https://example.org/200", ["1284", "2022", "2023"]),
])
def test_figures_are_compared_however_each_language_writes_them(text, figures):
    assert translations.figures(text) == figures
