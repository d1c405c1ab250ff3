"""glyphs.py reads the fonts' coverage without naming their glyphs: the same code points
as fontTools' own best cmap, font by font."""
from fontTools.ttLib import TTFont

from reportpress import PROJECT, glyphs


def test_each_fonts_code_points_are_its_best_cmaps():
    fonts = sorted((PROJECT / "fonts").glob("**/*.[ot]tf"))
    assert len(fonts) > 1
    for path in fonts:
        assert glyphs._code_points(path) == set(TTFont(path).getBestCmap()), path
