"""The finance chapter for any organisation: a French A5 report (tests/fixtures/fr-a5) with a
finance chapter of three groups of lines and the chart of the whole as bars
(tests/fixtures/fr-a5-finances), built and read back: amounts written the French way, shares
adding up to 100, each entity's bars as wide as its amounts, the spread on facing pages;
wrong totals warned and bad lines refused with file and line."""
import re
import shutil

import pdfplumber
import pytest
from helpers import FIXTURES, edit
from hypothesis import given
from hypothesis import strategies as st
from pdftext import page_texts

from reportpress import cli, content, model, words
from reportpress.errors import ContentError

MM = 72 / 25.4
CHAPTER = "comptes/chapter.yaml"


def _fr(text):
    """Text as it reads back from the PDF: the no-break space Babel sets before € and %
    comes back as a space (the narrow no-break space between thousands stays)."""
    return text.replace("\u00a0", " ")


def _content(tmp_path):
    """fr-a5 with the finance chapter listed before its colophon."""
    folder = tmp_path / "content"
    shutil.copytree(FIXTURES / "fr-a5", folder)
    shutil.copytree(FIXTURES / "fr-a5-finances" / "comptes", folder / "comptes")
    edit(folder / "report.yaml", "  - colophon\n", "  - comptes\n  - colophon\n")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = _content(tmp_path_factory.mktemp("finances"))
    out = folder.parent / "rapport.pdf"
    assert cli.main(["--content", str(folder), "-o", str(out)]) == 0
    book, _ = content.load(folder)
    chapter = next(c for c in book.chapters if isinstance(c, model.FinancesChapter))
    texts = [re.sub(r"[ \t\r\n]+", " ", t) for t in page_texts(out)]  # (no-break spaces kept)
    lead = next(i for i, t in enumerate(texts) if chapter.title in t)
    return book, chapter, out, texts, lead


def test_the_chapter_is_a_spread_led_by_the_totals(built):
    book, chapter, _, texts, lead = built
    assert lead % 2 == 1  # (0-based: page lead + 1 is even, a left page)
    left, right = texts[lead], texts[lead + 1]
    for figures in chapter.grand_total.figures:
        assert _fr(words.amount(figures.total, "fr", book.currency)) in left
    for entity in chapter.entities:
        assert entity.name in right and entity.name not in left
    assert chapter.footnote in left
    assert chapter.title not in texts[lead + 2]


def test_amounts_are_written_the_french_way_and_shares_add_up_to_100(built):
    book, chapter, _, texts, lead = built
    right = texts[lead + 1]
    for entity in chapter.entities:
        for figures in entity.figures:
            assert sum(figures.shares) == 100
            assert _fr(words.amount(figures.total, "fr", book.currency)) in right
            for line, amount, share, _ in figures.items():
                printed = _fr(f"{line.label}{'*' if line.marked else ''} "
                              f"{words.percent(share, 'fr')} {words.amount(amount, 'fr', 'EUR')}")
                assert printed in right, printed
    assert "\u202f" in words.amount(663250, "fr", "EUR")  # (French groups with a thin space)


def _cmyk(colour):
    return tuple(round(v, 3) for v in colour.fractions)


def _bars(pdf_path, page_index, height_mm):
    """Filled rectangles `height_mm` high on a page (a bar's height is a share of the page's,
    finance-bar.css), in rows top to bottom: [[(x0, width, cmyk), …], …], each row left to
    right. (A border is drawn as a frame as large as its box: not a bar.)"""
    with pdfplumber.open(pdf_path) as pdf:
        rects = [r for r in pdf.pages[page_index].rects
                 if r["fill"] and abs(r["height"] - height_mm * MM) < 0.3
                 and len(r["non_stroking_color"] or ()) == 4]
    rows = {}
    for r in rects:
        colour = tuple(round(v, 3) for v in r["non_stroking_color"])
        rows.setdefault(round(r["top"]), []).append((r["x0"], r["width"], colour))
    return [sorted(rows[top]) for top in sorted(rows)]


def test_each_entitys_bars_are_as_wide_as_its_amounts(built):
    """Each group of each entity one bar across the text width, its parts in the lines'
    colours and as wide as their amounts (the grey track behind them left out)."""
    _, chapter, pdf, _, lead = built
    track = (0.0, 0.0, 0.0, 0.08)
    rows = [row for row in ([part for part in row if part[2] != track]
                            for row in _bars(pdf, lead + 1, 210 * 0.025)) if row]
    expected = [figures for entity in chapter.entities for figures in entity.figures]
    assert len(rows) == len(expected)
    widths = {sum(w for _, w, _ in row) for row in rows}
    assert max(widths) - min(widths) < 0.5  # every bar the same width: 100%
    for row, figures in zip(rows, expected, strict=True):
        parts = [(line, amount) for line, amount, *_ in figures.items() if amount]
        assert [c for _, _, c in row] == [_cmyk(line.colour) for line, _ in parts]
        whole = sum(w for _, w, _ in row)
        for (_, width, _), (_, amount) in zip(row, parts, strict=True):
            assert width / whole == pytest.approx(amount / figures.computed_total, abs=0.002)
        assert all(abs(row[i][0] + row[i][1] - row[i + 1][0]) < 0.1
                   for i in range(len(row) - 1))  # the parts touch: one bar


def test_the_chart_of_the_whole_is_bars_as_long_as_the_amounts(built):
    """Each line of the whole one bar in its colour, as long as its amount against the
    largest of its group (which is as long as the text is wide)."""
    _, chapter, pdf, _, lead = built
    rows = _bars(pdf, lead, 210 * 0.02)
    lines = [(line, amount, max(figures.amounts)) for figures in chapter.grand_total.figures
             for line, amount, *_ in figures.items() if amount]
    assert len(rows) == len(lines)
    longest = max(row[0][1] for row in rows)
    for row, (line, amount, largest) in zip(rows, lines, strict=True):
        (_, width, colour), = row
        assert colour == _cmyk(line.colour)
        assert width / longest == pytest.approx(amount / largest, abs=0.002)


# --- content mistakes -----------------------------------------------------------------------

def _load(tmp_path, old, new):
    folder = _content(tmp_path)
    edit(folder / CHAPTER, old, new)
    return folder


def _line_of(folder, text, after=""):
    lines = (folder / CHAPTER).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_a_wrong_stated_total_is_warned_with_both_numbers_and_printed(tmp_path):
    folder = _load(tmp_path, "      total: 663250", "      total: 663251")
    book, report = content.load(folder)
    line = _line_of(folder, "total: 663251")
    found = {w.line: w.message for w in report.warnings if str(w.file).endswith(CHAPTER)}
    assert "663\u202f250" in found[line] and "663\u202f251" in found[line]
    # the entities' stated totals no longer add up to the grand total's: warned there too
    grand = _line_of(folder, "total: 914750")
    assert set(found) == {line, grand} and "914\u202f751" in found[grand]
    chapter = next(c for c in book.chapters if isinstance(c, model.FinancesChapter))
    assert chapter.entities[0].figures[0].total == 663251  # the stated figure is printed


def test_a_grand_total_that_differs_from_the_entities_is_warned_on_its_line(tmp_path):
    folder = _load(tmp_path, "    ventes: 508800", "    ventes: 508000")
    _, report = content.load(folder)
    messages = {w.line: w.message for w in report.warnings if str(w.file).endswith(CHAPTER)}
    line = _line_of(folder, "ventes: 508000")
    assert "508\u202f800" in messages[line] and "508\u202f000" in messages[line]


@pytest.mark.parametrize("old, new, says", [
    ("      dons: 12750\n", "", "needs `dons`"),
    ("      dons: 12750", "      dons: -12750", "must be 0 or more"),
    ("      dons: 12750", "      dons: beaucoup", "must be a whole number"),
    ("      dons: 12750", "      dons: 12.750", "must be a whole number"),
    ("        colour: formation\n        footnote", "        colour: violet\n        footnote",
     "unknown colour `violet`"),
    ("chart: bar", "chart: camembert", "`chart` must be donut or bar"),
    ("      - id: achats", "      - id: salaires", "used by another line"),
    ("    label: Charges\n", "", "needs `label`"),
])
def test_a_bad_line_is_a_content_error_with_file_and_line(tmp_path, old, new, says):
    folder = _load(tmp_path, old, new)
    with pytest.raises(ContentError) as raised:
        content.load(folder)
    found = [p for p in raised.value.problems if says in p.message]
    assert found, [str(p) for p in raised.value.problems]
    assert str(found[0].file).endswith(CHAPTER) and found[0].line


def test_the_error_points_at_the_line_that_is_wrong(tmp_path):
    folder = _load(tmp_path, "      dons: 12750", "      dons: beaucoup")
    with pytest.raises(ContentError) as raised:
        content.load(folder)
    problem, = raised.value.problems
    assert problem.line == _line_of(folder, "dons: beaucoup")
    assert "Atelier bois" in problem.message


# --- shares, for any amounts ----------------------------------------------------------------

GROUP = model.FinanceGroup("g", "", tuple(
    model.FinanceLine(f"l{i}", f"l{i}", model.Colour("x", 0, 0, 0, 100)) for i in range(6)))


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=6),
       st.integers(min_value=0, max_value=10**13))
def test_shares_add_up_to_100_and_the_stated_total_is_the_one_printed(amounts, stated):
    group = model.FinanceGroup("g", "", GROUP.lines[:len(amounts)])
    figures = model.Figures(group, tuple(amounts), stated)
    total = sum(amounts)
    assert figures.computed_total == total and figures.total == stated
    if total:
        assert sum(figures.shares) == 100
        assert sum(figures.fractions) == pytest.approx(1)
        for share, amount in zip(figures.shares, amounts, strict=True):
            assert abs(share - 100 * amount / total) < 1
    else:
        assert figures.shares == [0] * len(amounts) and not any(figures.fractions)
    assert model.Figures(group, tuple(amounts)).total == total  # none stated: the sum
