"""Font subsets, made with the fontTools pinned in requirements.txt, the same way for a
chunk's own fonts (render.py, in place of WeasyPrint's choice of subsetter) and for the
merged file's one program per face (fontmerge.py): every machine embeds the same bytes.

A subset depends only on the font file, the glyph ids, the options and this code: kept in a
folder under a hash of those (`kept_subset`), a rebuild takes the subsets whose glyphs did
not change from there (making them was the largest fixed cost of every rebuild).
"""
import hashlib
import io
import os
from pathlib import Path

import fontTools
from fontTools.misc.timeTools import timestampSinceEpoch
from fontTools.ttLib import TTFont

from .output import write_atomically  # (written whole: other builds read the folder)

STAMP = timestampSinceEpoch(0)  # a subset's "modified" date: fixed, for the same bytes


def subset_font(data, gids, index=0, hinting=False, notdef_outline=False):
    """A subset of the font file `data` keeping glyph ids (text is written as glyph ids),
    with the options WeasyPrint (70.0, pdf/fonts.py `_fonttools_subset`) uses."""
    # (the subsetter is loaded where subsets are made, the layout workers, which have it
    # from the fork server: not by the build's own process, which only reads them)
    from fontTools import subset

    options = subset.Options(retain_gids=True, passthrough_tables=True,
                             ignore_missing_glyphs=True, hinting=hinting,
                             desubroutinize=True, notdef_outline=notdef_outline)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    # (bounding boxes as the font has them: recalculating them decompiled and compiled
    # again every glyph kept, half a subset's time; a glyph's box does not change with the
    # subset, and the font's, in head, then still encloses every glyph left)
    font = TTFont(io.BytesIO(data), fontNumber=index, recalcTimestamp=False,
                  recalcBBoxes=False)
    for tag in ("GSUB", "GPOS"):  # dropped from the subset anyway: gone first, they are
        if tag in font:  # not decompiled (Lato's kerning is most of a subset's time), and
            del font[tag]  # glyphs substitutions could reach are not kept: `gids` says all
    subsetter.subset(font)
    font["head"].modified = STAMP
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


KEEP = 256  # subsets kept in a folder (the least recently used go first): a few builds'


def kept_subset(cache_dir, data, gids, index=0, hinting=False, notdef_outline=False):
    """subset_font's subset, from `cache_dir` when made before (and kept there when not);
    None: made each time."""
    if cache_dir is None:
        return subset_font(data, gids, index, hinting, notdef_outline)
    path = Path(cache_dir) / f"{_key(data, gids, index, hinting, notdef_outline)}.ttf"
    if (program := _kept(path)) is not None:
        return program
    return _keep(path, subset_font(data, gids, index, hinting, notdef_outline))


def kept_subsets(cache_dir, wanted, make_all=map):
    """[kept_subset(cache_dir, file's bytes, gids)] for each (font file, gids) in `wanted`;
    those not kept yet are made through `make_all` (a map: the merge has the layout
    workers make them side by side) and kept here."""
    keys = [None] * len(wanted) if cache_dir is None else [
        Path(cache_dir) / f"{_key(Path(file).read_bytes(), gids, 0, False, False)}.ttf"
        for file, gids in wanted]  # (kept_subset's key, its options at their defaults)
    programs = [_kept(key) for key in keys]
    missing = [index for index, program in enumerate(programs) if program is None]
    files = [wanted[index][0] for index in missing]
    made = make_all(subset_file, files, [wanted[index][1] for index in missing])
    for index, program in zip(missing, made, strict=True):
        programs[index] = program if keys[index] is None else _keep(keys[index], program)
    return programs


def keep_subset_of(cache_dir, file, gids):
    """kept_subset of a font file, made and kept in `cache_dir` (by a worker, ahead of the
    merge: chunks._SubsetsAhead)."""
    kept_subset(cache_dir, Path(file).read_bytes(), gids)


def subset_file(file, gids):
    """subset_font of a font file (in a worker: the file's name travels, not its bytes)."""
    return subset_font(Path(file).read_bytes(), gids)


def _keep(path, program):
    """`program`, kept at `path` (written whole: other builds read the folder)."""
    write_atomically(path, lambda tmp: Path(tmp).write_bytes(program))
    return program


def _kept(path):
    """The subset kept at `path`, or None."""
    if path is None:
        return None
    try:
        program = path.read_bytes()
        os.utime(path)  # (recently used: kept)
        return program
    except OSError:
        return None


def _key(data, gids, *options):
    """A hash of all a subset is made from: the font file, the glyph ids, the options and
    the code that makes it (this file and the fontTools it calls)."""
    digest = hashlib.sha256(_SUBSETTER)
    digest.update(hashlib.sha256(data).digest())
    digest.update(f"{list(gids)} {options}".encode())
    return digest.hexdigest()[:32]


_SUBSETTER = Path(__file__).read_bytes() + f"fontTools {fontTools.version}".encode()


def prune(cache_dir):
    """Keep the KEEP most recently used subsets in `cache_dir`."""
    kept = sorted(Path(cache_dir).glob("*.ttf"), key=_used, reverse=True)
    for path in kept[KEEP:]:
        path.unlink(missing_ok=True)


def _used(path):
    """When the file was last used (0: gone meanwhile, another build pruned it)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
