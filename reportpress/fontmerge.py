"""One font program per face in a merged PDF.

Each chunk is a document of its own, so each embeds its own subset of every face it uses,
all under the one subset tag WeasyPrint derives from the face (8 different `CUXTZP+Lato`
programs in the 2022 report). A subset tag names one subset: RIPs and preflight tools that
take fonts by name can set one chunk's text with another chunk's glyphs. After the merge,
every face gets one subset holding the glyphs of all chunks, made from the file in fonts/
with the same fontTools options as WeasyPrint's, and every chunk's font dictionary points
to it (keeping its own widths and ToUnicode map).

This works because WeasyPrint keeps the glyph ids of the original font in its subsets
(retain_gids) and writes text as glyph ids (Identity-H, CIDToGIDMap /Identity): any chunk's
text reads the same from the merged subset. The tag is made from the glyph set, so the
same report gives the same tag.

With a `cache_dir`, a merged program is kept there (subsets.kept_subset): a rebuild whose
chunks use the same glyphs of a face (a story edit, a stylesheet save) takes it from there
rather than subsetting the face again.
"""
import hashlib
import io
import re
import zlib
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont

from . import subsets

TAGGED = re.compile(r"^/?[A-Z]{6}\+")


def one_program_per_face(pdf, fonts_dir, cache_dir=None, make_all=map):
    """Give each face in `pdf` (an open pikepdf.Pdf) one embedded subset; returns how many
    faces now have one. A face whose file is not in `fonts_dir` (found by its PostScript
    name) is left as it is. `cache_dir`: where merged programs are kept for the next
    merge (None: made each time); `make_all`: the map the subsets not kept are made
    through (subsets.kept_subsets)."""
    faces = _faces(pdf, _originals(Path(fonts_dir)))
    shared = [(name, original, list(fonts.values())) for (name, original), fonts
              in sorted(faces.items(), key=lambda item: item[0][0]) if original is not None]
    widths = [_all_widths(fonts) for _, _, fonts in shared]
    programs = subsets.kept_subsets(cache_dir, [(original, sorted(each)) for (_, original, _),
                                                each in zip(shared, widths, strict=True)],
                                    make_all)
    for (name, _, fonts), each, program in zip(shared, widths, programs, strict=True):
        _share_program(pdf, name, fonts, each, program)
    if cache_dir is not None:
        subsets.prune(Path(cache_dir))
    return len(shared)


def glyphs_by_face(paths, fonts_dir):
    """{(face, its file in `fonts_dir`): the glyph ids drawn with it} in the PDFs at
    `paths`: what one_program_per_face would subset each file to, were those PDFs all."""
    originals = _originals(Path(fonts_dir))
    used = {}
    for path in paths:
        with pikepdf.open(path) as pdf:
            for (name, original), fonts in _faces(pdf, originals).items():
                if original is not None:
                    used.setdefault((name, original), set()).update(
                        _all_widths(fonts.values()))
    return used


def _faces(pdf, originals):
    """{(face, its file or None): {objgen: Type0 font dictionary}} of `pdf`'s fonts, the
    file found by the PostScript name in `originals` (_originals)."""
    faces = {}
    for font in _type0_fonts(pdf):
        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
        original = originals.get(_postscript_name(program))
        faces.setdefault((_face(font), original), {})[font.objgen] = font
    return faces


def _face(font):
    """`Lato-Heavy` of `/HUXHCT+Lato-Heavy`."""
    return TAGGED.sub("", str(font.BaseFont)).lstrip("/")


def _postscript_name(program):
    """The font's PostScript name (subsets keep it)."""
    return TTFont(io.BytesIO(program), lazy=True)["name"].getDebugName(6)


def _originals(fonts_dir):
    """{PostScript name: file} for the fonts the build may use (a name that two files
    share names neither)."""
    found = {}
    for path in sorted(fonts_dir.rglob("*.[ot]tf")):
        name = TTFont(path, lazy=True)["name"].getDebugName(6)
        found[name] = None if name in found else path
    return found


def _type0_fonts(pdf):
    """Every embedded TrueType CID font reachable from a page (forms included), once."""
    fonts = {}
    for resources in _resources(pdf):
        for font in resources.get("/Font", {}).values():
            if _is_truetype_cid(font):
                fonts.setdefault(font.objgen, font)
    return [fonts[key] for key in sorted(fonts)]


def _resources(pdf):
    """Each resource dictionary of the pages and the forms they draw, once."""
    seen, todo = set(), [page.obj for page in pdf.pages]
    while todo:
        resources = todo.pop().get("/Resources")
        if resources is None:
            continue
        key = resources.objgen if resources.is_indirect else id(resources)
        if key in seen:
            continue
        seen.add(key)
        yield resources
        todo.extend(x for x in resources.get("/XObject", {}).values()
                    if x.get("/Subtype") == "/Form")


def _is_truetype_cid(font):
    if font.get("/Subtype") != "/Type0":
        return False
    descendant = font.DescendantFonts[0]
    return (descendant.get("/Subtype") == "/CIDFontType2"
            and descendant.get("/CIDToGIDMap") == "/Identity"
            and "/FontFile2" in descendant.get("/FontDescriptor", {}))


def _all_widths(fonts):
    """{gid: width} of the glyphs of all `fonts` (the same face)."""
    widths = {}
    for font in fonts:
        widths.update(_widths(font.DescendantFonts[0].W))
    return widths


def _share_program(pdf, name, fonts, widths, program):
    """Point all of `fonts` (the same face) at `program`, one subset with all their glyphs
    (`widths`). Each keeps its own widths and ToUnicode map: one glyph can stand for several
    characters (a hyphen for U+002D in one chunk and for a hyphenation's U+2010 in another)
    and each chunk's text reads as before."""
    gids = sorted(widths)
    base_font = pikepdf.Name(f"/{_tag(name, gids)}+{name}")
    descriptor = pikepdf.Dictionary(dict(fonts[0].DescendantFonts[0].FontDescriptor.items()))
    descriptor.FontName = base_font
    left, bottom, _, top = (float(v) for v in descriptor.FontBBox)
    descriptor.FontBBox = pikepdf.Array([left, bottom, max(widths.values()), top])
    stream = pikepdf.Stream(pdf, zlib.compress(program, 9))
    stream.Filter, stream.Length1 = pikepdf.Name.FlateDecode, len(program)
    descriptor.FontFile2 = stream
    descriptor = pdf.make_indirect(descriptor)
    for font in fonts:
        font.BaseFont = font.DescendantFonts[0].BaseFont = base_font
        font.DescendantFonts[0].FontDescriptor = descriptor


def _tag(name, gids):
    """Six capitals from the face and its glyphs: one subset, one tag."""
    digest = hashlib.sha256(f"{name} {gids}".encode()).digest()
    return "".join(chr(65 + byte % 26) for byte in digest[:6])


def _widths(array):
    """{gid: width} from a /W array of `first [w1 w2 …]` and `first last w` runs."""
    found, items, i = {}, list(array), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                found[first + offset] = width
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                found[gid] = items[i + 2]
            i += 3
    return found
