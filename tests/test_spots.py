"""Spot colours: a palette colour given as `{spot: NAME, cmyk: […]}` prints as a Separation
with its CMYK as the alternate, in text, fills, rules and SVG drawings; `--process-only`
prints it in CMYK; preflight lists the job's spots and names any other."""
import subprocess

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import GHOSTSCRIPT
from helpers import copy_content, edit, run
from PIL import Image

from reportpress import compose, preflight, render, spots

INK = "PANTONE 300 C"
THEMA = (1.0, 0.4, 0.0, 0.0)
SCRATCH = pikepdf.new()  # (a stream lives as long as its PDF)


def spot_content(tmp_path):
    content = copy_content(tmp_path)
    edit(content / "report.yaml", "thema: [100, 40, 0, 0]",
         f"thema: {{spot: {INK}, cmyk: [100, 40, 0, 0]}}")
    return content


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The mini report with its chapter colour a spot: built as it is and process only."""
    folder = tmp_path_factory.mktemp("spot")
    content = spot_content(folder)
    made = {}
    for name, extra in (("spot", []), ("process", ["--process-only"])):
        made[name] = folder / f"{name}.pdf"
        assert run_cli(["--content", content, "-o", made[name], *extra]) == 0
    return made


def run_cli(args):
    from reportpress import cli

    return cli.main([str(a) for a in args])


def painted_in(pdf_path):
    """{page: {what}} painted in the spot: text, fill (rules are filled boxes), and what
    forms (SVG) paint; read from each content stream and its colour spaces."""
    found = {}
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for holder, where in _holders(page.obj):
                spaces = holder.get("/Resources", {}).get("/ColorSpace", {})
                ours = {name for name, space in spaces.items()
                        if isinstance(space, pikepdf.Array) and str(space[0]) == "/Separation"
                        and str(space[1]) == f"/{INK}"}
                current = None
                for operands, operator in pikepdf.parse_content_stream(holder):
                    op = str(operator)
                    if op == "cs":
                        current = str(operands[0])
                    elif current in ours and op in ("Tj", "TJ", "f", "f*"):
                        found.setdefault(number, set()).add(
                            where + ("text" if op.startswith("T") else "fill"))
    return found


def _holders(page):
    yield page, ""
    for xobject in page.get("/Resources", {}).get("/XObject", {}).values():
        if xobject.get("/Subtype") == "/Form":
            yield xobject, "svg "


def separations(pdf_path):
    with pikepdf.open(pdf_path) as pdf:
        return {(str(space[1]), str(space[2]), tuple(float(v) for v in space[3].C1))
                for page in pdf.pages
                for space in page.Resources.get("/ColorSpace", {}).values()
                if isinstance(space, pikepdf.Array) and str(space[0]) == "/Separation"
                and str(space[1]) != "/All"}


def test_the_spot_is_a_separation_with_its_cmyk_alternate(built):
    assert separations(built["spot"]) == {(f"/{INK}", "/DeviceCMYK", THEMA)}
    assert separations(built["process"]) == set()


def test_text_fills_rules_and_svg_print_in_the_spot(built):
    found = painted_in(built["spot"])
    every = set().union(*found.values())
    assert {"text", "fill"} <= every  # headings; the opener's page, key figures' rules
    assert any(what.startswith("svg") for what in every) or _svg_in_page(built["spot"])
    assert painted_in(built["process"]) == {}


def _svg_in_page(pdf_path):
    """WeasyPrint draws small SVGs (the online sign) in the page's own content: a path
    (not a box) filled in the spot."""
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            current, path = None, []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "cs":
                    current = str(operands[0])
                elif op in ("m", "l", "c", "re", "h"):
                    path.append(op)
                elif op in ("f", "f*"):
                    if current and current.startswith("/RPSpot") and "c" in path:
                        return True
                    path = []
    return False


def test_spot_and_process_editions_look_the_same(built):
    """The alternate is the CMYK the process edition prints: on screen, the same pages."""
    def drawn(path):
        pdf = pdfium.PdfDocument(str(path))
        pages = [page.render(scale=0.5).to_pil().tobytes() for page in pdf]
        pdf.close()
        return pages

    assert drawn(built["spot"]) == drawn(built["process"])


def test_preflight_lists_the_jobs_spot_and_names_any_other(built, capsys):
    report = preflight.check(built["spot"], max_ink=None, allowed_spots=[INK])
    assert report.ok
    listed = [f.page for f in report.findings if f.check == "colour" and f.level == "info"]
    assert listed and all(INK in f.message for f in report.findings if f.check == "colour")
    code = preflight.main([str(built["spot"]), "--no-ink", "--allow-spot", "PANTONE 032 C"])
    assert code == 1
    errors = preflight.check(built["spot"], max_ink=None, allowed_spots=["PANTONE 032 C"]).errors
    assert sorted({e.page for e in errors}) == sorted(set(listed))
    assert all(f"spot colour {INK} used for" in e.message for e in errors)


@GHOSTSCRIPT
def test_ghostscript_separates_the_spot_onto_its_own_plate(built, tmp_path):
    """Read back by Ghostscript: the opener's colour is on the spot's plate, not on cyan."""
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", "-r20",
                    "-dFirstPage=2", "-dLastPage=2", f"-sOutputFile={tmp_path / 'p.tif'}",
                    str(built["spot"])], check=True)
    def inked(plate):  # the share of the sheet with ink on this plate (tiffsep: 0 is full)
        pixels = Image.open(tmp_path / f"p({plate}).tif").convert("L").histogram()
        return sum(pixels[:128]) / sum(pixels)

    assert inked(INK) > 0.5  # the opener's full page of colour
    assert inked("Cyan") < 0.02  # (only the crop marks, in registration colour)


def test_a_donut_chart_drawn_by_weasyprint_prints_in_the_spot(tmp_path):
    """A chart as the finances page draws it (SVG paths in a device-cmyk colour)."""
    brand = (0.0, 0.85, 0.7, 0.0)
    html = ('<link rel="stylesheet" href="report.css"><svg viewBox="0 0 100 100" width="40mm"'
            f' height="40mm"><path d="{compose.arc_path(0, 60)}" fill="device-cmyk(0% 85% 70%'
            f' 0%)"/><path d="{compose.arc_path(60, 40)}" fill="device-cmyk(90% 55% 0% 25%)"'
            '/></svg>')
    path = tmp_path / "chart.pdf"
    render.write_pdf(render.render(html, compose.LAYOUT_DIR, [compose.LAYOUT_DIR]), path, b"id")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        spots.apply(pdf, [("PANTONE 032 C", brand)])
        pdf.save(path)
    with pikepdf.open(path) as pdf:
        ops = [(operands, str(op)) for holder, _ in _holders(pdf.pages[0].obj)
               for operands, op in pikepdf.parse_content_stream(holder)]
    colours = [(o[0] if op == "cs" else tuple(float(v) for v in o)) for o, op in ops
               if op in ("cs", "scn")]
    assert pikepdf.Name("/RPSpot0") in colours and (0.9, 0.55, 0.0, 0.25) in colours
    assert brand not in colours  # painted in the spot, not in its alternate


@pytest.mark.parametrize("content, expected", [
    # the alternate, a tint of it, and another colour after it (its space set again)
    ("/DeviceCMYK cs 0 0.85 0.7 0 scn 0 0 9 9 re f 0 0.425 0.35 0 scn 0 0 9 9 re f "
     "0.5 0 0 0 scn 0 0 9 9 re f",
     "/DeviceCMYK cs /RPSpot0 cs 1 scn 0 0 9 9 re f /RPSpot0 cs 0.5 scn 0 0 9 9 re f "
     "/DeviceCMYK cs 0.5 0 0 0 scn 0 0 9 9 re f"),
    # k and K, and q … Q restoring what the content set
    ("q 0 0.85 0.7 0 K 0 0 m 9 9 l S Q 0 0 0 1 k",
     "q /RPSpot0 CS 1 SCN 0 0 m 9 9 l S Q 0 0 0 1 k"),
    # values in another space are left as they are
    ("/CS0 cs 0 0.85 0.7 0 scn", "/CS0 cs 0 0.85 0.7 0 scn"),
])
def test_how_colours_are_rewritten(content, expected):
    stream = pikepdf.Stream(SCRATCH, content.encode())
    rewritten, used = spots._rewrite(pikepdf.parse_content_stream(stream),
                                     [(0.0, 0.85, 0.7, 0.0)], [pikepdf.Name("/RPSpot0")])
    assert pikepdf.unparse_content_stream(rewritten).decode().split() == expected.split()
    assert used == ({0} if "RPSpot0" in expected else set())


@pytest.mark.parametrize("colours, message", [
    ("thema: {spot: X 1, cmyk: [0, 0, 0, 80]}", "must not be a grey"),
    ("thema: {spot: X 1, cmyk: [0, 42.5, 35, 0]}", "or one is a tint of the other"),
    ("thema: {spot: '', cmyk: [10, 40, 0, 0]}", "`spot` must be the ink's name"),
])
def test_a_spot_that_cannot_be_told_apart_is_a_content_error(tmp_path, capsys, colours,
                                                             message):
    content = copy_content(tmp_path)
    edit(content / "report.yaml", "thema: [100, 40, 0, 0]", colours)
    code, err = run(capsys, "--content", content, "-o", tmp_path / "x.pdf")
    assert code == 2 and message in err
    assert "report.yaml:" in err
