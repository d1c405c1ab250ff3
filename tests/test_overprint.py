"""Small 100 K text and black rules overprint in print; nothing else does."""
import subprocess

import pdf_faults
import pikepdf
import pytest
from conftest import GHOSTSCRIPT
from PIL import Image
from test_chunks import domain_chunk

from reportpress import overprint, preflight, render


def states(operations):
    """For each painting operator in the rewritten stream: whether overprint is on."""
    on, stack, found = False, [], []
    for operands, operator in operations:
        op = str(operator)
        if op == "gs" and operands[0] in (overprint.ON, overprint.OFF):
            on = operands[0] == overprint.ON
        elif op == "q":
            stack.append(on)
        elif op == "Q":
            on = stack.pop()
        elif op in overprint.TEXT_SHOWING | overprint.PAINTING:
            found.append((op, on))
    return found


SCRATCH = pikepdf.new()  # (a stream lives as long as its PDF)


def ops(text):
    return pikepdf.parse_content_stream(pikepdf.Stream(SCRATCH, text.encode()))


@pytest.mark.parametrize("content, expected", [
    # 9 pt 100 K text overprints; the box under it does not
    ("0.6 0 0 0 k 0 0 100 100 re f 0 0 0 1 k BT /F1 9 Tf (a) Tj ET",
     [("f", False), ("Tj", True)]),
    # as large as the limit: knocks out
    ("0 0 0 1 k BT /F1 12 Tf (a) Tj ET", [("Tj", False)]),
    # small, but scaled up by the CTM (0.75 × 16 = 12 pt): knocks out
    ("0.75 0 0 0.75 0 0 cm 0 0 0 1 k BT /F1 16 Tf (a) Tj ET", [("Tj", False)]),
    # white text and rich black never overprint
    ("0 0 0 0 k BT /F1 9 Tf (a) Tj ET 0.5 0.4 0.4 1 k BT /F1 9 Tf (b) Tj ET",
     [("Tj", False), ("Tj", False)]),
    # DeviceCMYK set by cs/scn, as WeasyPrint writes it; a 100 K rule overprints too
    ("/DeviceCMYK cs 0 0 0 1 scn BT /F1 8 Tf (a) Tj ET /DeviceCMYK CS 0 0 0 1 SCN 0 0 m 9 0 l S",
     [("Tj", True), ("S", True)]),
    # four numbers in another colour space are not CMYK
    ("/CS0 cs 0 0 0 1 scn BT /F1 8 Tf (a) Tj ET", [("Tj", False)]),
    # the state set inside q … Q ends with it; a fill after it knocks out
    ("q 0 0 0 1 k BT /F1 8 Tf (a) Tj ET Q 0 0 10 10 re f", [("Tj", True), ("f", False)]),
])
def test_what_overprints(content, expected):
    rewritten, changed = overprint._rewrite(ops(content), below_pt=12)
    assert states(rewritten) == expected
    assert changed == any(on for _, on in expected)


def test_the_knocked_out_fault_passes_preflight_once_set_to_overprint(tmp_path):
    path = tmp_path / "fault.pdf"
    page = pdf_faults.black_on_colour(path)
    assert [f.page for f in preflight.check(path, max_ink=None).warnings] == [page]
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        overprint.apply(pdf, 12)
        pdf.save(path)
    assert preflight.check(path, max_ink=None).findings == []


def test_overprint_written_with_the_pdf_is_overprint_set_after(tmp_path):
    """A build sets overprint as WeasyPrint writes each PDF (apply_while_written): every
    page of a domain chapter (small black text on tints, black rules) paints with the
    operators and states `apply` gives the file written without it."""
    html, args = domain_chunk()
    document = render.render(html, *args)
    render.write_pdf(document, tmp_path / "while.pdf", b"id", "print", overprint_below=12)
    render.write_pdf(document, tmp_path / "after.pdf", b"id", "print")
    with pikepdf.open(tmp_path / "after.pdf", allow_overwriting_input=True) as pdf:
        overprint.apply(pdf, 12)
        pdf.save(tmp_path / "after.pdf")
    with pikepdf.open(tmp_path / "while.pdf") as written, \
            pikepdf.open(tmp_path / "after.pdf") as after:
        assert len(written.pages) == len(after.pages) >= 4
        for ours, theirs in zip(written.pages, after.pages, strict=True):
            assert (pikepdf.unparse_content_stream(pikepdf.parse_content_stream(ours))
                    == pikepdf.unparse_content_stream(pikepdf.parse_content_stream(theirs)))
            assert ({name: dict(state.items()) for name, state in ours.Resources.ExtGState.items()}
                    == {name: dict(state.items())
                        for name, state in theirs.Resources.ExtGState.items()})
        overprinting = [on for page in written.pages
                        for _, on in states(pikepdf.parse_content_stream(page))]
        assert any(overprinting) and not all(overprinting)


def cyan_plate(path, page, folder):
    """The page's cyan separation as Ghostscript prints it (tiffsep: 0 is full ink)."""
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep",
                    "-r150", f"-dFirstPage={page}", f"-dLastPage={page}",
                    f"-sOutputFile={folder / 'page.tif'}", str(path)], check=True)
    return Image.open(folder / "page(Cyan).tif").convert("L")


@GHOSTSCRIPT
def test_overprinted_black_leaves_the_colour_under_it_whole(tmp_path):
    """Read back with Ghostscript's separations: knocked out, the cyan plate has a hole
    where the text is; overprinted, it has none."""
    path = tmp_path / "fault.pdf"
    page = pdf_faults.black_on_colour(path)
    box = [round(v * 150 / 72) for v in (100 + 5, 0, 100 + 295, 0)]
    knocked = cyan_plate(path, page, tmp_path)
    height = knocked.height
    area = (box[0], height - round(470 * 150 / 72), box[2], height - round(410 * 150 / 72))
    assert knocked.crop(area).getextrema()[1] == 255  # white paper shows in the cyan
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        overprint.apply(pdf, 12)
        pdf.save(path)
    assert cyan_plate(path, page, tmp_path).crop(area).getextrema()[1] < 255


def test_the_report_overprints_its_small_black_text(build):
    report = preflight.check(build.pdf, max_ink=None)
    assert not [f for f in report.findings if f.check == "overprint"]
    with pikepdf.open(build.pdf) as pdf:
        used = sum(op for page in pdf.pages for _, op in states(
            pikepdf.parse_content_stream(page)))
    assert used > 100  # runs of text (and rules) painted with overprint on
