"""Font subsets, made with the fontTools pinned in requirements.txt, the same way for a
chunk's own fonts (render.py, in place of WeasyPrint's choice of subsetter) and for the
merged file's one program per face (fontmerge.py): every machine embeds the same bytes.
"""
import io
import logging

from fontTools import subset
from fontTools.misc.timeTools import timestampSinceEpoch
from fontTools.ttLib import TTFont

STAMP = timestampSinceEpoch(0)  # a subset's "modified" date: fixed, for the same bytes
# Lato's own head table has a pre-1970 'created' stamp; fontTools says so on every subset.
logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)


def subset_font(data, gids, index=0, hinting=False, notdef_outline=False):
    """A subset of the font file `data` keeping glyph ids (text is written as glyph ids),
    with the options WeasyPrint (70.0, pdf/fonts.py `_fonttools_subset`) uses."""
    options = subset.Options(retain_gids=True, passthrough_tables=True,
                             ignore_missing_glyphs=True, hinting=hinting,
                             desubroutinize=True, notdef_outline=notdef_outline)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    font = TTFont(io.BytesIO(data), fontNumber=index, recalcTimestamp=False)
    for tag in ("GSUB", "GPOS"):  # dropped from the subset anyway: gone first, they are
        if tag in font:  # not decompiled (Lato's kerning is most of a subset's time), and
            del font[tag]  # glyphs substitutions could reach are not kept: `gids` says all
    subsetter.subset(font)
    font["head"].modified = STAMP
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
