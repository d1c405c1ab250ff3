"""The digital edition, read back: sRGB only, trim size, tagged with language and alt
texts, links that land on the right page, bookmarks, and small."""
import re

import pdfplumber
import pikepdf
import pytest
from conftest import CONTENT
from helpers import copy_content, edit, run
from pdftext import page_texts, words

from reportpress import pipeline

A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def digital(tmp_path_factory):
    out = tmp_path_factory.mktemp("digital") / "digital.pdf"
    return pipeline.build(CONTENT, pipeline.BuildOptions(output=out, edition="digital"))


def content_bytes(page):
    contents = page.obj.Contents
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    return b"".join(s.read_bytes() for s in streams)


def test_the_layout_audit_finds_nothing_in_the_digital_edition(digital):
    assert (digital.audit, digital.accepted) == ([], [])


def test_no_cmyk_anywhere(digital):
    with pikepdf.open(digital.pdf) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            assert not re.search(rb"(^|\s)[kK](\s|$)", content_bytes(page)), number
            for image in page.get_images().values():
                assert image.ColorSpace != pikepdf.Name.DeviceCMYK, number
            spaces = page.Resources.get("/ColorSpace", {})
            assert all("/DeviceCMYK" not in repr(cs) for cs in spaces.values()), number
        assert "/OutputIntents" not in pdf.Root


def test_pages_at_trim_size_without_bleed_or_marks(digital):
    with pikepdf.open(digital.pdf) as pdf:
        for page in pdf.pages:
            box = [float(v) for v in page.MediaBox]
            assert (round(box[2] - box[0], 1), round(box[3] - box[1], 1)) == (595.3, 841.9)
            for name in ("/TrimBox", "/BleedBox"):
                if name in page:
                    assert [float(v) for v in page[name]] == box


def test_tagged_with_language_title_and_ua_identifier(digital):
    with pikepdf.open(digital.pdf) as pdf:
        assert str(pdf.Root.Lang) == "nl"
        assert pdf.Root.MarkInfo.Marked
        assert "/StructTreeRoot" in pdf.Root
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        metadata = pdf.open_metadata()
        assert metadata["pdfuaid:part"] == "1"
        assert digital.book.title in metadata["dc:title"]


def struct_elements(node):
    if isinstance(node, pikepdf.Dictionary):
        yield node
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            yield from struct_elements(kid)


def test_every_photo_has_its_alt_text_and_headings_are_tagged(digital):
    with pikepdf.open(digital.pdf) as pdf:
        elements = list(struct_elements(pdf.Root.StructTreeRoot))
        alts = {str(e.Alt) for e in elements if e.get("/S") == "/Figure" and "/Alt" in e}
        tags = [str(e.get("/S")) for e in elements]
    expected = {s.figure.alt for _, s in digital.book.stories() if s.figure}
    assert expected and expected <= alts
    assert tags.count("/H1") >= 10 and tags.count("/H2") >= 40


def test_repeated_pull_quotes_are_not_read_twice(digital, build):
    """A pull quote that repeats the story's words is in the print PDF twice (text and
    quote) but in the digital edition once."""
    repeats = re.findall(r'<blockquote class="pull-quote" data-repeat="true">\s*<p>(.*?)</p>',
                         digital.html, re.S)
    assert repeats
    printed = " ".join(words(" ".join(build.pages)))
    digital_text = " ".join(words(" ".join(page_texts(digital.pdf))))
    for quote in repeats:
        needle = " ".join(words(quote))
        assert printed.count(needle) == 2 and digital_text.count(needle) == 1, quote


def test_internal_links_land_on_the_page_they_name(digital):
    checked = 0
    with pikepdf.open(digital.pdf) as pdf:
        page_index = {page.obj.objgen: n for n, page in enumerate(pdf.pages, start=1)}
        names = pikepdf.NameTree(pdf.Root.Names.Dests) if "/Names" in pdf.Root else {}
        with pdfplumber.open(digital.pdf) as plumber:
            for number, page in enumerate(pdf.pages, start=1):
                for annot in page.get("/Annots", []):
                    dest = annot.get("/Dest") or (annot.get("/A") or {}).get("/D")
                    if dest is None:
                        continue
                    if isinstance(dest, pikepdf.String):  # a named destination
                        dest = names[str(dest)]
                        dest = dest.get("/D", dest) if isinstance(dest, pikepdf.Dictionary) \
                            else dest
                    target = page_index[dest[0].objgen]
                    xs, ys = sorted(float(v) for v in annot.Rect[0::2]), \
                        sorted(float(v) for v in annot.Rect[1::2])
                    x0, x1, y0, y1 = *xs, *ys
                    height = float(plumber.pages[number - 1].height)
                    text = "".join(  # the characters whose centre lies in the link
                        c["text"] for c in plumber.pages[number - 1].chars
                        if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
                        and y0 <= height - (c["top"] + c["bottom"]) / 2 <= y1).strip()
                    assert text == str(target), (number, text, target)
                    checked += 1
    assert checked >= 10


def test_web_addresses_and_qr_codes_are_links(digital):
    with pikepdf.open(digital.pdf) as pdf:
        uris = {str(a.A.URI) for p in pdf.pages for a in p.get("/Annots", [])
                if "/A" in a and "/URI" in a.A}
    assert digital.book.urls["online"] in uris
    assert {s.qr.url for _, s in digital.book.stories() if s.qr} <= uris
    assert "https://www.projeteurekaproject.com/infonl/" in uris


def test_bookmarks_for_chapters_and_stories(digital):
    with pikepdf.open(digital.pdf) as pdf, pdf.open_outline() as outline:
        titles = set()
        for item in outline.root:
            titles.add(item.title)
            titles |= {child.title for child in item.children}
    assert {c.title for c in digital.book.chapters if c.kind == "domain"} <= titles
    assert {s.title for _, s in digital.book.stories() if s.id != "voorwoord"} <= titles


def test_digital_is_under_a_third_of_the_print_pdf(digital, build):
    assert digital.pdf.stat().st_size * 3 < build.pdf.stat().st_size


def test_missing_alt_text_is_a_content_error_for_the_digital_edition(capsys, tmp_path):
    content = copy_content(tmp_path)
    edit(content / "thema" / "eerste-verhaal.md", "  alt: Blauwe en gele strepen.\n", "")
    code, err = run(capsys, "--content", content, "--edition", "digital",
                    "-o", tmp_path / "d.pdf")
    assert code == 2 and "story `eerste-verhaal`: its figure needs `alt:`" in err


def test_opener_quotes_are_artifacts_not_read_aloud(digital):
    """An opener's quote repeats its story: its text is marked as an artifact, and no
    BlockQuote structure element is left on an opener page."""
    openers = {page for anchor, page in digital.anchors.items() if anchor.startswith("opener-")}
    with pikepdf.open(digital.pdf) as pdf:
        page_numbers = {p.obj.objgen: n for n, p in enumerate(pdf.pages, start=1)}
        quote_pages = {page_numbers[e.Pg.objgen] for e in struct_elements(pdf.Root.StructTreeRoot)
                       if e.get("/S") == "/BlockQuote"}
        assert openers and not openers & quote_pages
        for number in openers:
            operators = [(str(op), [str(x) for x in operands][:1])
                         for operands, op in pikepdf.parse_content_stream(pdf.pages[number - 1])]
            assert ("BMC", ["/Artifact"]) in operators


def test_nothing_overprints_and_no_spot_colour_on_screen(digital):
    """Overprint and spot colours are for the press: the digital edition has neither."""
    with pikepdf.open(digital.pdf) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            states = page.Resources.get("/ExtGState", {})
            assert not any(state.get("/OP") or state.get("/op") for state in states.values()), \
                number
            spaces = page.Resources.get("/ColorSpace", {})
            assert not any(isinstance(space, pikepdf.Array) and space[0] == "/Separation"
                           for space in spaces.values()), number
