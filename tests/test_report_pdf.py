"""The real 2022 report, built once and read back from the PDF."""
import io
import re

import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from conftest import ROOT, SEED
from fontTools.ttLib import TTFont
from pdftext import words

from reportpress import cli, model

FONTS = sorted((ROOT / "fonts").glob("**/*.ttf"))


def joined(text):
    return " " + " ".join(words(text)) + " "


def page_of(build, text, after=0):
    """The first page (1-based) after page `after` whose text holds `text`, word by word."""
    needle = joined(text)
    for number, page in enumerate(build.pages, start=1):
        if number > after and needle in joined(page):
            return number
    return None


def test_page_count_is_that_of_a_real_report(build):
    assert 36 <= len(build.pages) <= 48


def test_the_layout_audit_finds_nothing_in_the_print_edition(build):
    """Issue 16: the 2022 report passes the audit by its layout, accepting nothing; the
    build's findings come as data (--json), preflight's with their check and page."""
    assert [f for f in build.findings if f["kind"] == "audit"] == []
    assert sorted((f["check"], f["page"]) for f in build.findings
                  if f["kind"] == "preflight") == [("images", 1), ("images", 6)]  # < 300 ppi


def test_every_chapter_and_story_title_is_printed(build):
    missing = [c.title for c in build.book.chapters
               if c.kind not in ("back-cover",) and page_of(build, c.title) is None]
    missing += [s.title for _, s in build.book.stories() if page_of(build, s.title) is None]
    assert missing == []


@pytest.mark.skipif(not SEED.exists(), reason="the seed text is not beside the checkout")
def test_all_of_the_seed_text_is_in_the_pdf(build):
    seed = words(SEED.read_text(encoding="utf-8"))
    # page numbers the seed typed ("op pagina 26") are computed by our layout instead
    seed_text = re.sub(r"op pagina \d+", "op pagina", " ".join(seed))
    seed = seed_text.split()
    printed = joined(" ".join(build.pages))
    printed_words = set(printed.split())
    assert sorted({w for w in seed if w not in printed_words}) == []
    # and in the same order: nearly every run of six words stands in the PDF as well
    # (runs that cross a page break of the original or of ours are the only misses)
    runs = [" " + " ".join(seed[i:i + 6]) + " " for i in range(len(seed) - 5)]
    found = sum(run in printed for run in runs)
    assert found / len(runs) > 0.95


def test_each_page_reference_points_at_its_target(build):
    checked = 0
    for chapter in build.book.chapters:
        opener = getattr(chapter, "opener", None)
        if not opener or opener.refer != "page":
            continue
        quote_page = page_of(build, opener.pointer)
        match = re.search(re.escape(opener.pointer) + r" op pagina (\d+)\.",
                          re.sub(r"\s+", " ", build.pages[quote_page - 1]))
        target = next(s for _, s in build.book.stories() if s.id == opener.story)
        assert match, chapter.id
        assert page_of(build, target.title, after=quote_page) == int(match.group(1)), chapter.id
        checked += 1
    assert checked >= 2


def test_online_references_point_at_the_page_with_the_qr_code(build):
    qr_page = page_of(build, build.book.urls["online"].split("://")[1])
    numbers = {int(n) for page in build.pages
               for n in re.findall(r"Scan de QR-code op pagina (\d+)", re.sub(r"\s+", " ", page))}
    numbers |= {int(n) for page in build.pages
                for n in re.findall(r"via de QR op pagina (\d+)", re.sub(r"\s+", " ", page))}
    assert numbers == {qr_page}
    assert qr_page == 2


def test_facing_references_are_true(build):
    checked = 0
    for chapter in build.book.chapters:
        opener = getattr(chapter, "opener", None)
        if not opener or opener.refer != "facing":
            continue
        quote_page = page_of(build, opener.pointer + " op de pagina hiernaast")
        story = next(s for _, s in build.book.stories() if s.id == opener.story)
        assert quote_page % 2 == 0, f"{chapter.id}: the quote must be on a left page"
        assert page_of(build, story.title, after=quote_page) == quote_page + 1, chapter.id
        checked += 1
    assert checked >= 3


def test_every_qr_code_decodes_to_its_url(build):
    expected = {build.book.urls["online"]}
    expected |= {s.qr.url for _, s in build.book.stories() if s.qr}
    found = set()
    pdf = pdfium.PdfDocument(str(build.pdf))
    for page in pdf:
        image = page.render(scale=200 / 72).to_pil()
        found |= {code.text for code in zxingcpp.read_barcodes(image)}
    pdf.close()
    assert found == expected


def test_shares_are_computed_from_the_figures(build):
    """The finance spread: the whole on the left page, the entities on the right, each
    line's share computed (rounded to add up to 100) and the stated totals printed."""
    finances = next(c for c in build.book.chapters if isinstance(c, model.FinancesChapter))
    page = page_of(build, finances.title)
    assert page % 2 == 0  # a left page: the spread faces
    left, right = (re.sub(r"\s+", " ", build.pages[p - 1]) for p in (page, page + 1))
    for entity, text in [*((e, right) for e in finances.entities),
                         (finances.grand_total, left)]:
        for figures in entity.figures:
            omzet = round(100 * figures.amounts[0] / figures.computed_total)
            assert f"{omzet}%" in text and f"{100 - omzet}%" in text, entity.name
            stated = f"{figures.stated_total:,}".replace(",", ".")
            assert stated in text, entity.name


def test_only_fonts_from_the_fonts_folder_are_embedded(build):
    """Every font in the PDF is embedded, and is one of ours (by its own name table)."""
    ours = {TTFont(path)["name"].getDebugName(4) for path in FONTS}
    embedded = set()
    with pikepdf.open(build.pdf) as pdf:
        for page in pdf.pages:
            for font in page.resources.get("/Font", {}).values():
                descendant = font.get("/DescendantFonts", [font])[0]
                descriptor = descendant.get("/FontDescriptor")
                assert descriptor is not None and "/FontFile2" in descriptor, font.BaseFont
                data = io.BytesIO(descriptor.FontFile2.read_bytes())
                embedded.add(TTFont(data)["name"].getDebugName(4))
    assert embedded and embedded <= ours, embedded - ours


def test_a_rebuild_from_the_cache_is_byte_identical(build, tmp_path):
    """(Cold builds, with caches of their own: test_determinism.py.)"""
    again = tmp_path / "again.pdf"
    assert cli.main(["-o", str(again)]) == 0
    assert again.read_bytes() == build.pdf.read_bytes()


def test_no_story_heading_is_left_alone_at_the_foot_of_a_page(build):
    """A story's title is followed on its own page by at least two lines of its text."""
    for _, story in build.book.stories():
        if story.id == "voorwoord":
            continue
        needle = " ".join(words(story.title))
        pages = [" ".join(words(page)) for page in build.pages]
        found = next((page for page in pages if needle and needle in page), None)
        assert found is not None, f"{story.id}: title not found"
        after = found.split(needle, 1)[1].split()
        assert len(after) >= 12, f"{story.id}: title at the foot of a page"
