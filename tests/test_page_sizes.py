"""Any page size: the mini report built at A4, A5, US Letter and 170 × 240 mm, read back:
each page is the trim report.yaml gives, every character stands inside it, and the layout
audit finds nothing set off the page."""
import pytest
from helpers import copy_content, edit, run
from pdftext import outside_trim

PT_PER_MM = 72 / 25.4
SIZES = {"A4": (210, 297), "A5": (148, 210), "US Letter": (215.9, 279.4),
         "170 × 240": (170, 240)}


@pytest.mark.parametrize("name", SIZES)
def test_every_text_box_stands_inside_the_trim(name, capsys, tmp_path):
    width, height = SIZES[name]
    content = copy_content(tmp_path)
    edit(content / "report.yaml", "width_mm: 210\n  height_mm: 297",
         f"width_mm: {width}\n  height_mm: {height}")
    # (smaller pages take more of them: any even count will do here)
    edit(content / "report.yaml", "binding: saddle-stitch", "binding: perfect")
    out = tmp_path / "out.pdf"
    code, err = run(capsys, "--content", content, "-o", out)
    assert code == 0, err
    assert "[off-page]" not in err
    outside, sizes = outside_trim(out)
    assert not outside, outside[:5]
    for size in sizes:
        assert size == pytest.approx((width * PT_PER_MM, height * PT_PER_MM), abs=0.1)
