"""A second organisation's report in French on A5 (tests/fixtures/fr-a5), built from its own
content folder and read back: the layout's words in French and none in Dutch, numbers the
French way, the language tagged, every character inside the trim."""
import re
import string

import pikepdf
import pytest
from helpers import FIXTURES
from pdftext import outside_trim, page_texts

from reportpress import cli, words
from reportpress.problems import Problems

PT_PER_MM = 72 / 25.4
NNBSP = "\u202f"  # French groups thousands and sets « » and : with a narrow no-break space


@pytest.fixture(scope="module")
def french(tmp_path_factory):
    """The PDF and its text, lines joined."""
    out = tmp_path_factory.mktemp("fr") / "rapport.pdf"
    assert cli.main(["--content", str(FIXTURES / "fr-a5"), "-o", str(out)]) == 0
    return out, re.sub(r"\s*\r?\n\s*", " ", " ".join(page_texts(out)))


def _fixed_words(text):
    """The words a string adds itself (its `{places}` left out), pieces of 3 letters or more."""
    pieces = [literal for literal, *_ in string.Formatter().parse(text)]
    return [p.strip(" .:()") for p in pieces if sum(c.isalpha() for c in p) >= 3]


def test_no_dutch_word_of_the_layout_is_printed(french):
    _, text = french
    report = Problems()
    nl, fr = (words.load(language, "/nonexistent", report, None) for language in ("nl", "fr"))
    assert not report.errors
    dutch = [w for key in nl if nl[key] != fr[key] for w in _fixed_words(nl[key])]
    assert "op de pagina hiernaast" in dutch and "Totaal" in dutch
    found = [w for w in dutch if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    assert not found


def test_the_layouts_words_and_quotes_are_french(french):
    _, text = french
    assert "Lisez l’histoire de Karim sur la page ci-contre." in text
    assert re.search(r"Lisez le témoignage de Léa en page \d+\.", text)
    assert "Découvrez-en plus en ligne. Scannez le QR code en page 2." in text
    assert f"Photo{NNBSP}: Essai (CC0 1.0)" in text
    assert f"«{NNBSP}Je n’avais jamais tenu un rabot." in text and f"nouveaux.{NNBSP}»" in text
    assert "Tél. +32 4 000 00 00" in text


def test_numbers_are_written_the_french_way(french):
    _, text = french
    assert f"1{NNBSP}284" in text and f"24{NNBSP}500" in text
    assert f"personnes accueillies{NNBSP}: 784 à Liège et 500 à Namur" in text
    assert not re.search(r"\d\.\d{3}\b", text)  # (no Dutch thousands)


def test_tagged_french_and_every_character_inside_the_a5_trim(french):
    pdf, _ = french
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == "fr"
    outside, sizes = outside_trim(pdf)
    assert not outside, outside[:5]
    assert all(size == pytest.approx((148 * PT_PER_MM, 210 * PT_PER_MM), abs=0.1) for size in sizes)

