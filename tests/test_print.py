"""The print edition as the print shop receives it: PDF/X-4 with the FOGRA39 output
intent, CMYK only, 3 mm bleed, crop marks outside the bleed in registration colour, CMYK
images, a page count for saddle stitching, and a clean preflight."""
import re
import subprocess

import pikepdf
import pytest
from conftest import GHOSTSCRIPT, POPPLER

from reportpress import preflight

MM = 72 / 25.4


def boxes(page):
    return {name: [float(v) for v in page[name]] for name in ("/MediaBox", "/TrimBox",
                                                             "/BleedBox")}


def test_trim_bleed_and_room_for_marks(build):
    with pikepdf.open(build.pdf) as pdf:
        for page in pdf.pages:
            b = boxes(page)
            trim, bleed, media = b["/TrimBox"], b["/BleedBox"], b["/MediaBox"]
            assert (round((trim[2] - trim[0]) / MM), round((trim[3] - trim[1]) / MM)) == (210, 297)
            for i, sign in enumerate((-1, -1, 1, 1)):
                assert sign * (bleed[i] - trim[i]) == pytest.approx(3 * MM, abs=0.01)
                assert sign * (media[i] - bleed[i]) >= 6 * MM


def test_crop_marks_are_in_registration_colour_outside_the_bleed(build):
    with pikepdf.open(build.pdf) as pdf:
        page = pdf.pages[5]
        trim, bleed = boxes(page)["/TrimBox"], boxes(page)["/BleedBox"]
        space = page.Resources.ColorSpace.RegAll
        assert space[0] == pikepdf.Name.Separation and space[1] == pikepdf.Name.All
        last = page.obj.Contents[-1].read_bytes().decode()
        assert "/RegAll CS 1 SCN" in last
        lines = re.findall(r"([\d.-]+) ([\d.-]+) m ([\d.-]+) ([\d.-]+) l S", last)
        assert len(lines) == 8
        for x0, y0, x1, y1 in ((float(v) for v in line) for line in lines):
            outside = (max(x0, x1) <= bleed[0] or min(x0, x1) >= bleed[2]
                       or max(y0, y1) <= bleed[1] or min(y0, y1) >= bleed[3])
            assert outside, (x0, y0, x1, y1)
            def near(a, b):
                return abs(a - b) < 0.01

            vertical = any(near(x0, t) and near(x1, t) for t in trim[0::2])
            horizontal = any(near(y0, t) and near(y1, t) for t in trim[1::2])
            assert vertical or horizontal, (x0, y0, x1, y1)  # each mark extends a trim edge


def test_pdf_x4_with_the_fogra39_output_intent(build):
    with pikepdf.open(build.pdf) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == pikepdf.Name.GTS_PDFX
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert intent.DestOutputProfile.get("/N") == 4
        metadata = pdf.open_metadata()
        assert metadata["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
        assert str(pdf.trailer.Info.Trapped) == "/False"


@POPPLER
def test_images_are_cmyk_and_fonts_embedded_per_poppler(build):
    images = subprocess.run(["pdfimages", "-list", str(build.pdf)], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert images and {line.split()[5] for line in images} == {"cmyk"}
    fonts = subprocess.run(["pdffonts", str(build.pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts)


def test_page_count_suits_saddle_stitching(build):
    assert build.book.binding == "saddle-stitch" and len(build.pages) % 4 == 0


@GHOSTSCRIPT
def test_preflight_is_clean(build):
    report = preflight.check(build.pdf, binding=build.book.binding)
    assert report.ok, report.text(brief=True)
    kinds = {f.check for f in report.warnings}
    assert kinds <= {"images"}, report.text(brief=True)  # only soft-photo warnings remain
