"""Preflight: PDFs built to fail are caught, named and placed; a clean one passes; and on the
real report, preflight reads the same facts as poppler (pdffonts, pdfimages, pdfinfo) and
pikepdf."""
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pdf_faults
import pikepdf
import pytest
from conftest import GHOSTSCRIPT, POPPLER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportpress import cli, preflight


@pytest.fixture
def made(tmp_path):
    """made(fault, **options) → (path, page of the fault) for a fault from pdf_faults."""
    def make(fault, **options):
        path = tmp_path / f"{fault.__name__}.pdf"
        return path, fault(path, **options)
    return make


def only(report, check):
    """The errors of one check, having made sure there are no others."""
    assert {f.check for f in report.errors} <= {check}, report.findings
    return [f for f in report.errors if f.check == check]


# --- a clean print PDF ----------------------------------------------------------------------

@GHOSTSCRIPT
def test_a_clean_cmyk_pdf_with_bleed_and_output_intent_passes(made):
    path, _ = made(pdf_faults.clean)
    report = preflight.check(path)
    assert report.findings == []
    assert report.ok
    assert preflight.main([str(path)]) == 0


@GHOSTSCRIPT
def test_what_preflight_reads_from_the_clean_pdf(made):
    path, _ = made(pdf_faults.clean)
    report = preflight.check(path)
    assert report.page_count == 4
    doc = report.document
    assert doc["pdfx_version"] == "PDF/X-4" and doc["trapped"] == "False"
    (intent,) = doc["output_intents"]
    assert intent["identifier"] == "FOGRA39"
    assert intent["profile"]["colour_space"] == "CMYK"
    assert "FOGRA39" in intent["profile"]["description"]
    for page in report.pages:
        assert page.trim_mm == (210, 297)
        assert page.bleed_mm == {"left": 3, "right": 3, "top": 3, "bottom": 3}
        assert set(page.colours) == {"DeviceCMYK"}
        assert set(page.colours["DeviceCMYK"]) == {"fill", "text", "image"}
        assert page.fonts == ["ABCDEF+Lato-Regular"]
        (image,) = page.images
        assert (image.width, image.height, image.colour) == (120, 120, "DeviceCMYK")
        assert image.ppi == (300, 300) and image.placed_mm == (10.2, 10.2)
        assert 100 < page.ink.max_percent <= 300
    (font,) = report.fonts
    assert (font.name, font.type, font.embedded, font.subset, font.pages) == \
        ("ABCDEF+Lato-Regular", "TrueType", True, True, [1, 2, 3, 4])


# --- each fault: caught, named, on its page -------------------------------------------------

ONE_PAGE_FAULTS = [
    (pdf_faults.rgb_image, "colour", "image /Photo (120 × 120 px) is DeviceRGB"),
    (pdf_faults.low_res_image, "images", "image /Fm0 > /Inner > /Small (40 × 40 px at 10.2 × "
                                         "10.2 mm) has 100 ppi: below the 200 ppi minimum"),
    (pdf_faults.rgb_text, "colour", "DeviceRGB used for text"),
    (pdf_faults.rgb_shading, "colour", "DeviceRGB used for fill (shading)"),
    (pdf_faults.unembedded_font, "fonts", "font Helvetica (Type 1) is not embedded"),
    (pdf_faults.type3_font, "fonts", "font Boxes is a Type 3 font"),
    (pdf_faults.ink_400, "ink", "total ink reaches 400 %, above the 300 % limit"),
    (pdf_faults.inline_rgb_image, "colour", "image [inline] (2 × 2 px) is DeviceRGB"),
    (pdf_faults.annotation_font, "fonts", "font Helvetica (Type 1) is not embedded"),
    (pdf_faults.same_named_subsets, "fonts", "2 different font programs are embedded under "
                                             "the one name ABCDEF+Lato-Regular"),
    (pdf_faults.white_overprint, "overprint", "white text is set to overprint"),
]




def case(fault, check, words):
    """Only the ink check renders with Ghostscript; the others are read without it."""
    return pytest.param(fault, check, words, id=fault.__name__,
                        marks=[GHOSTSCRIPT] if check == "ink" else [])


@pytest.mark.parametrize("fault, check, words", [case(*fault) for fault in ONE_PAGE_FAULTS])
def test_a_fault_on_one_page_is_caught_and_named_with_its_page(made, fault, check, words):
    path, page = made(fault)
    report = preflight.check(path, max_ink=300 if check == "ink" else None)
    (error,) = only(report, check)
    assert error.page == page
    assert words in error.message
    assert error in report.on_page(page)
    assert f"page {page}: {words}" in str(error)
    no_ink = [] if check == "ink" else ["--no-ink"]
    assert preflight.main([str(path), "--brief", *no_ink]) == 1


def test_a_face_embedded_twice_under_two_tags_is_a_warning_on_its_page(made):
    path, page = made(pdf_faults.face_embedded_twice)
    report = preflight.check(path, max_ink=None)
    assert report.ok
    (warning,) = report.warnings
    assert (warning.check, warning.page) == ("fonts", page)
    assert warning.message == ("font Lato-Regular is embedded 2 times, as "
                               "ABCDEF+Lato-Regular and GHIJKL+Lato-Regular")


def test_small_black_text_that_knocks_out_of_colour_is_a_warning_on_its_page(made):
    path, page = made(pdf_faults.black_on_colour)
    report = preflight.check(path, max_ink=None)
    (warning,) = report.warnings
    assert (warning.check, warning.page) == ("overprint", page)
    assert warning.message.startswith("1 run(s) of black text under 12 pt knock out")
    assert preflight.check(path, max_ink=None, black_overprint_pt=9).warnings == []  # 10 pt


def test_small_black_text_that_overprints_its_colour_passes(made):
    path, _ = made(pdf_faults.black_on_colour, overprint=True)
    assert preflight.check(path, max_ink=None).findings == []


def test_an_unembedded_font_inside_nested_forms_is_found(made):
    path, page = made(pdf_faults.unembedded_font, page=3, in_form=True)
    report = preflight.check(path, max_ink=None)
    (error,) = only(report, "fonts")
    assert (error.page, error.message) == (3, "font Helvetica (Type 1) is not embedded")
    assert {f.name: f.pages for f in report.fonts}["Helvetica"] == [3]


def test_no_trimbox_and_no_bleedbox_is_no_bleed_on_every_page(made):
    path, _ = made(pdf_faults.no_bleed)
    report = preflight.check(path, max_ink=None)
    errors = only(report, "boxes")
    assert [e.page for e in errors] == [1, 2, 3, 4]
    assert all(e.message.startswith("no bleed: no TrimBox and no BleedBox") for e in errors)


@pytest.mark.parametrize("clipped", [False, True])
def test_a_photo_that_stops_at_the_trim_is_an_error_naming_page_and_side(made, clipped):
    path, page = made(pdf_faults.photo_to_the_trim, page=2, clipped=clipped)
    report = preflight.check(path, max_ink=None, min_ppi=1, warn_ppi=1)  # (a tiny image)
    errors = only(report, "bleed")
    assert {(f.page, re.search(r"at the (\w+)", f.message).group(1)) for f in errors} == {
        (2, "top"), (2, "bottom")}
    assert all("3.0 mm short of the bleed edge" in f.message for f in errors)


def test_bleed_under_3_mm_is_too_small(made):
    path, _ = made(pdf_faults.thin_bleed)
    report = preflight.check(path, max_ink=None)
    errors = only(report, "boxes")
    assert [e.page for e in errors] == [1, 2, 3, 4]
    assert "bleed too small: left 2.0 mm, right 2.0 mm, top 2.0 mm, bottom 2.0 mm" in \
        errors[0].message
    assert report.pages[0].bleed_mm == {"left": 2, "right": 2, "top": 2, "bottom": 2}


def test_42_pages_do_not_saddle_stitch(made):
    path, _ = made(pdf_faults.pages, count=42)
    report = preflight.check(path, max_ink=None)
    (error,) = only(report, "pages")
    assert error.page is None
    assert error.message.startswith("42 pages: saddle stitching needs a multiple of 4")
    assert "add 2 page(s) for 44 or remove 2 for 40" in error.message
    assert preflight.check(path, binding="perfect", max_ink=None).ok
    assert preflight.check(path, binding="none", max_ink=None).ok


def test_perfect_binding_needs_an_even_page_count(made):
    path, _ = made(pdf_faults.pages, count=5)
    (error,) = only(preflight.check(path, binding="perfect", max_ink=None), "pages")
    assert "5 pages: perfect binding needs an even count" in error.message
    assert preflight.main([str(path), "--binding", "perfect", "--no-ink"]) == 1


def test_a_pdf_without_output_intent_or_pdfx_keys_is_not_pdfx(made):
    path, _ = made(pdf_faults.no_output_intent)
    errors = only(preflight.check(path, max_ink=None), "pdfx")
    messages = " | ".join(e.message for e in errors)
    assert "no PDF/X output intent" in messages
    assert "no /GTS_PDFXVersion" in messages
    assert "/Trapped is not set" in messages
    assert all(e.page is None for e in errors)


def test_a_spot_the_job_does_not_print_is_an_error_and_one_it_does_is_listed(made, capsys):
    path, page = made(pdf_faults.spot_colour)
    (error,) = only(preflight.check(path, max_ink=None, allowed_spots=["PANTONE 032 C"]),
                    "colour")
    assert error.page == page
    assert error.message == ("spot colour PANTONE 286 C used for fill: not one of the job's "
                             "spot colours (PANTONE 032 C)")
    allowed = preflight.check(path, max_ink=None, allowed_spots=["PANTONE 286 C"])
    assert allowed.ok and allowed.warnings == []
    assert [(f.level, f.page) for f in allowed.findings] == [("info", page)]
    assert preflight.main([str(path), "--no-ink", "--allow-spot", "PANTONE 286 C"]) == 0
    assert preflight.main([str(path), "--no-ink", "--allow-spot", "X"]) == 1


def test_a_spot_colour_and_small_rich_black_text_are_warnings(made):
    path, page = made(pdf_faults.spot_colour)
    report = preflight.check(path, max_ink=None)
    assert report.ok
    (warning,) = report.warnings
    assert (warning.page, warning.check) == (page, "colour")
    assert "spot colour (Separation PANTONE 286 C) used for fill" in warning.message

    path, page = made(pdf_faults.rich_black_text)
    report = preflight.check(path, max_ink=None)
    (warning,) = report.warnings
    assert warning.page == page
    assert "small text (8.0 pt) in rich black C/M/Y/K 60/40/40/100" in warning.message


@GHOSTSCRIPT
def test_ink_limit_and_ppi_limits_are_settings(made):
    path, page = made(pdf_faults.ink_400)
    assert preflight.check(path, max_ink=400).ok
    assert preflight.main([str(path), "--max-ink", "400"]) == 0
    assert preflight.main([str(path), "--no-ink"]) == 0
    path, page = made(pdf_faults.low_res_image)
    report = preflight.check(path, min_ppi=90, warn_ppi=150, max_ink=None)
    assert report.ok
    (warning,) = report.warnings
    assert (warning.page, warning.check) == (page, "images")


def ink_as_it_is(path, page):
    """The page's ink reading from the file itself, not from the copy preflight renders
    (ink.light_copy)."""
    light_copy = preflight.ink.light_copy
    try:
        preflight.ink.light_copy = lambda pdf, *_: pdf.resolve()
        return preflight.check(path).pages[page - 1].ink
    finally:
        preflight.ink.light_copy = light_copy


@GHOSTSCRIPT
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(55, 100), st.booleans())
def test_registration_colour_reads_as_all_four_inks_in_the_copy_rendered(made, tint, in_form):
    """Ghostscript renders registration colour (/Separation /All: the crop marks) in the
    copy it reads the ink from as all four inks at the tint, in a colour space it renders
    faster (ink.PROCESS_ALL): the same total ink as the file itself gives. (Tints from 55 %:
    above the rest of the page's ink.)"""
    path, page = made(pdf_faults.registration_inside, tint=tint / 100, in_form=in_form)
    copied = preflight.check(path).pages[page - 1].ink
    assert copied == ink_as_it_is(path, page)
    assert abs(copied.max_percent - 4 * tint) <= 2  # (tints rounded to 255 steps, four times)
    light = preflight.ink.light_copy(path, preflight.check(path, max_ink=None), 50,
                                     path.with_suffix(".light.pdf"))
    with pikepdf.open(light) as pdf:
        written = b" ".join((obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj)
                            .unparse(resolved=True) for obj in pdf.objects)
    assert set(re.findall(rb"/Separation\s*(/[^\s/\[<]+)", written)) == {b"/All.as-process"}


@GHOSTSCRIPT
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["CMYK", "RGB", "L"]), st.lists(st.integers(0, 255), min_size=4,
                                                       max_size=4))
def test_ink_is_read_from_lighter_photos_as_from_the_full_size_ones(made, mode, values):
    """Ghostscript renders a copy whose JPEGs are decoded at the ink resolution (fast): the
    total ink it reads is the one the full-size photos give."""
    colour = values[0] if mode == "L" else tuple(values[:len(mode)])
    path, page = made(pdf_faults.photo, colour=colour, mode=mode)
    light = preflight.check(path).pages[page - 1].ink
    full = ink_as_it_is(path, page)
    # (within 5 points: a photo's edges sample differently at 50 dpi)
    assert abs(light.max_percent - full.max_percent) <= 5, (light, full)
    with tempfile.TemporaryDirectory() as cache:  # photos kept lighter: the same readings
        assert [preflight.check(path, cache_dir=cache).pages[page - 1].ink
                for _ in range(2)] == [light, light]
        assert len(list(Path(cache).glob("*.light-photo"))) == 1
    report = preflight.check(path, max_ink=None)
    assert preflight.ink.light_copy(path, report, preflight.INK_DPI, path.with_name("l.pdf")) \
        != path.resolve()  # (the photo was made lighter)
    if mode == "CMYK":  # the fixture is right: the photo's colour, or the page around it
        clean, _ = made(pdf_faults.clean)
        around = preflight.check(clean).pages[page - 1].ink.max_percent
        assert full.max_percent == pytest.approx(max(sum(values) * 100 / 255, around), abs=3)


def test_without_ghostscript_the_ink_check_is_an_error_not_a_pass(made, monkeypatch):
    path, _ = made(pdf_faults.clean)
    monkeypatch.setattr(preflight.ink.shutil, "which", lambda name: None)
    (error,) = only(preflight.check(path), "ink")
    assert "Ghostscript (gs) is not installed" in error.message


# --- the command line -----------------------------------------------------------------------

def test_json_output_lists_findings_with_their_pages(made, capsys):
    path, page = made(pdf_faults.rgb_text)
    assert cli.main(["preflight", str(path), "--json", "--no-ink"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["counts"]["error"] == 1
    assert data["findings"] == [{"level": "error", "check": "colour", "page": page,
                                 "message": "DeviceRGB used for text: print needs CMYK"}]
    assert data["pages"][page - 1]["colours"]["DeviceRGB"] == ["text"]
    assert data["fonts"][0]["name"] == "ABCDEF+Lato-Regular"


def test_text_output_is_a_page_by_page_list(made, capsys):
    path, page = made(pdf_faults.rgb_image)
    assert preflight.main([str(path), "--no-ink"]) == 1
    out = capsys.readouterr().out
    assert "Output intent   GTS_PDFX FOGRA39" in out
    assert "Page 3   trim 210 × 297 mm (A4) · bleed left 3 right 3 top 3 bottom 3 mm" in out
    assert "  image    /Photo: 120 × 120 px DeviceRGB, placed 10.2 × 10.2 mm → 300 ppi" in out
    assert re.search(r"ERROR +image /Photo .* is DeviceRGB", out)
    assert "Summary: 1 error(s), 0 warning(s), 0 note(s): NOT ready for print" in out


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"just some text, not a PDF\n", "not a PDF"),
    (b"%PDF-1.7\n this is broken beyond repair", "cannot"),
])
def test_a_missing_or_broken_file_exits_2_with_a_message(tmp_path, capsys, content, message):
    path = tmp_path / "file.pdf"
    if content is not None:
        path.write_bytes(content)
    assert preflight.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    if content is None:
        with pytest.raises(preflight.CannotCheck):
            preflight.check(path)


# --- the real report: preflight agrees with poppler and pikepdf -----------------------------

@pytest.fixture(scope="session")
def real(build):
    return preflight.check(build.pdf)


def run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        pytest.fail(f"{command[0]} is missing: apt-get install poppler-utils")


def columns(output):
    """Rows of poppler's fixed-width tables, cut where the dashed header line has gaps."""
    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    spans = [m.span() for m in re.finditer(r"-+", lines[rule])]
    return [[line[a:b if i < len(spans) - 1 else None].strip()
             for i, (a, b) in enumerate(spans)] for line in lines[rule + 1:] if line.strip()]


@POPPLER
def test_real_report_fonts_agree_with_pdffonts(build, real):
    theirs = {(row[0], row[1], row[3] == "yes", row[4] == "yes")
              for row in columns(run("pdffonts", str(build.pdf)))}
    ours = {(f.name, f.type, f.embedded, f.subset) for f in real.fonts}
    assert ours == theirs
    assert len(ours) >= 4


@POPPLER
def test_real_report_images_agree_with_pdfimages(build, real):
    colour = {"rgb": "rgb", "cmyk": "cmyk", "gray": "gray"}
    theirs = []
    for line in run("pdfimages", "-list", str(build.pdf)).splitlines()[2:]:
        cells = line.split()
        page, kind, width, height, space = int(cells[0]), cells[2], cells[3], cells[4], cells[5]
        if kind == "image":
            theirs.append((page, int(width), int(height), space, int(cells[-4])))
    ours = [(i.page, i.width, i.height, colour.get(i.kind, i.kind), i.ppi[0])
            for i in real.images]
    assert len(ours) == len(theirs) >= 10
    assert [o[:4] for o in ours] == [t[:4] for t in theirs]
    assert all(abs(o[4] - t[4]) <= 1 for o, t in zip(ours, theirs, strict=True))
    # and every image that is RGB is named as an error on its page
    for image in real.images:
        if image.kind == "rgb":
            assert any(image.name in f.message for f in real.on_page(image.page, "colour"))


@POPPLER
def test_real_report_boxes_agree_with_pdfinfo_and_pikepdf(build, real):
    boxes = {}
    for line in run("pdfinfo", "-box", "-f", "1", "-l", str(real.page_count),
                    str(build.pdf)).splitlines():
        m = re.match(r"Page\s+(\d+) (\w+Box):\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)",
                     line)
        if m:
            boxes[int(m[1]), m[2]] = [float(v) for v in m.group(3, 4, 5, 6)]
    with pikepdf.open(build.pdf) as pdf:
        assert real.page_count == len(pdf.pages) == len(build.pages)
        for page, info in zip(pdf.pages, real.pages, strict=True):
            for name in ("MediaBox", "TrimBox", "BleedBox"):
                ours = info.boxes[name]
                if ours is None:  # poppler then shows the CropBox; pikepdf has no such key
                    assert f"/{name}" not in page.obj
                    continue
                assert ours == pytest.approx(boxes[info.number, name], abs=0.01)
                assert ours == pytest.approx([float(v) for v in getattr(page, name.lower())],
                                             abs=0.001)


@GHOSTSCRIPT
def test_real_report_every_page_is_read_and_the_verdict_matches_the_exit_code(build, real,
                                                                              capsys):
    assert [p.number for p in real.pages] == list(range(1, len(build.pages) + 1))
    assert all(p.ink is not None and 0 <= p.ink.max_percent <= 400 for p in real.pages)
    assert all(p.fonts for p in real.pages if build.pages[p.number - 1].strip())
    code = preflight.main([str(build.pdf), "--json", "--no-ink"])
    data = json.loads(capsys.readouterr().out)
    assert code == (0 if data["ok"] else 1)
    assert data["page_count"] == real.page_count


@GHOSTSCRIPT
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 255), min_size=4, max_size=4))
def test_pages_all_in_devicecmyk_read_the_same_ink_without_colour_management(made, values):
    """Where everything is DeviceCMYK, Ghostscript renders without colour management (a
    fifth faster): the readings are the ones the output profile gives."""
    for path, _page in (made(pdf_faults.photo, colour=tuple(values), mode="CMYK"),
                        made(pdf_faults.ink_400)):
        report = preflight.check(path, max_ink=None)
        assert set(report.colour_kinds) == {"DeviceCMYK"}
        fast = preflight.measure_ink(path, report)
        report.colour_kinds["ICCBased RGB (N=3)"] = "rgb"  # something to separate
        assert preflight.measure_ink(path, report) == fast
