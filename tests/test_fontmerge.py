"""fontmerge.py: after the chunks are merged, each face is embedded once, and every page
draws and reads exactly as before."""
import concurrent.futures
import io
import subprocess

import pikepdf
import pypdfium2 as pdfium
from conftest import needs
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from reportpress import compose, fontmerge, render

# Two "chunks" whose text shares glyphs and has some of its own; the same hyphen glyph
# stands for U+002D in one and U+2010 in the other.
TEXTS = ["Hyphen-minus, fine ligatures and 123 in <b>bold</b> and <i>italic</i>.",
         "Anders: ‘quotes’ € &amp; 456 met een koppel‐teken in <b>vet</b>."]


def programs(pdf):
    """{BaseFont: {digest of each font program embedded under it}}."""
    found = {}
    for font in fontmerge._type0_fonts(pdf):
        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
        found.setdefault(str(font.BaseFont), set()).add(hash(program))
    return found


def merged_without_fontmerge(tmp_path):
    parts = []
    for number, text in enumerate(TEXTS):
        html = f'<link rel="stylesheet" href="report.css"><p>{text}</p>'
        path = tmp_path / f"part{number}.pdf"
        render.write_pdf(render.render(html, compose.LAYOUT_DIR, [compose.LAYOUT_DIR]), path,
                         b"id")
        parts.append(pikepdf.open(path))
    whole = pikepdf.new()
    for part in parts:
        whole.pages.extend(part.pages)
    path = tmp_path / "before.pdf"
    whole.save(path)
    return path


def pages(path):
    pdf = pdfium.PdfDocument(str(path))
    drawn = [(page.render(scale=2).to_pil().tobytes(), page.get_textpage().get_text_range())
             for page in pdf]
    pdf.close()
    return drawn


def outlines(program, gids):
    font = TTFont(io.BytesIO(program))
    glyphs, order = font.getGlyphSet(), font.getGlyphOrder()
    drawn = {}
    for gid in gids:
        pen = RecordingPen()
        glyphs[order[gid]].draw(pen)
        drawn[gid] = (pen.value, font["hmtx"][order[gid]])
    return drawn


def test_each_face_is_embedded_once_and_pages_draw_and_read_as_before(tmp_path):
    before = merged_without_fontmerge(tmp_path)
    with pikepdf.open(before) as pdf:
        assert any(len(found) > 1 for found in programs(pdf).values())  # the fault is there
        used = {}  # face -> [(program, its glyph ids)]
        for font in fontmerge._type0_fonts(pdf):
            descendant = font.DescendantFonts[0]
            used.setdefault(fontmerge._face(font), []).append(
                (descendant.FontDescriptor.FontFile2.read_bytes(),
                 sorted(fontmerge._widths(descendant.W))))
        assert fontmerge.one_program_per_face(pdf, render.FONTS_DIR) == len(used) >= 3
        after = tmp_path / "after.pdf"
        pdf.save(after)
    with pikepdf.open(after) as pdf:
        found = programs(pdf)
        assert all(len(digests) == 1 for digests in found.values()), found
        assert len(found) == len(used)  # one name per face, one program per name
        merged = {fontmerge._face(font): font.DescendantFonts[0].FontDescriptor.FontFile2
                  .read_bytes() for font in fontmerge._type0_fonts(pdf)}
    for face, chunks in used.items():  # every glyph a chunk used has its own outline
        for program, gids in chunks:
            assert outlines(merged[face], gids) == outlines(program, gids), face
    assert pages(after) == pages(before)


def test_merging_twice_gives_the_same_bytes(tmp_path):
    before = merged_without_fontmerge(tmp_path)
    made = []
    for name in ("one", "two"):
        with pikepdf.open(before) as pdf:
            fontmerge.one_program_per_face(pdf, render.FONTS_DIR)
            pdf.save(tmp_path / f"{name}.pdf", static_id=True, deterministic_id=False)
        made.append((tmp_path / f"{name}.pdf").read_bytes())
    assert made[0] == made[1]


def test_the_report_has_one_program_per_font_name_and_face(build):
    with pikepdf.open(build.pdf) as pdf:
        found = programs(pdf)
    assert all(len(digests) == 1 for digests in found.values()), found
    faces = {fontmerge.TAGGED.sub("", name) for name in found}
    assert len(faces) == len(found) >= 4


@needs("mutool", "mupdf-tools")
def test_mupdf_extracts_one_font_file_per_face(build, tmp_path):
    """MuPDF, as an independent reader: `mutool extract` writes each embedded font
    program once."""
    subprocess.run(["mutool", "extract", str(build.pdf)], cwd=tmp_path, check=True,
                   capture_output=True)
    fonts = sorted(tmp_path.glob("font-*"))
    with pikepdf.open(build.pdf) as pdf:
        faces = {fontmerge._face(font) for font in fontmerge._type0_fonts(pdf)}
    assert len(fonts) == len(faces)
    names = {TTFont(path)["name"].getDebugName(6) for path in fonts}
    assert len(names) == len(fonts)


def one_program_per_face(before, path, cache_dir):
    """The bytes of `before` with one program per face (font programs kept in
    `cache_dir`)."""
    with pikepdf.open(before) as pdf:
        fontmerge.one_program_per_face(pdf, render.FONTS_DIR, cache_dir)
        pdf.save(path, static_id=True, deterministic_id=False)
    return path.read_bytes()


def refuse(*args, **kwargs):
    raise AssertionError("subset made again")


def test_kept_programs_give_the_same_bytes_and_a_second_merge_makes_none(tmp_path,
                                                                        monkeypatch):
    """With a cache folder, the merged programs are kept: the next merge of the same chunks
    takes them from there (subsetting nothing) and writes the same bytes as a merge
    without one."""
    from reportpress import subsets

    before = merged_without_fontmerge(tmp_path)
    cache = tmp_path / "fonts"
    plain = one_program_per_face(before, tmp_path / "plain.pdf", None)
    assert one_program_per_face(before, tmp_path / "first.pdf", cache) == plain
    kept = sorted(cache.glob("*.ttf"))
    assert len(kept) >= 3
    monkeypatch.setattr(subsets, "subset_font", refuse)
    assert one_program_per_face(before, tmp_path / "second.pdf", cache) == plain
    assert sorted(cache.glob("*.ttf")) == kept


def test_subsets_made_ahead_from_the_chunks_are_those_the_merge_asks_for(tmp_path,
                                                                          monkeypatch):
    """While the last chunk is laid out, the workers make the merged subsets of the chunks
    laid out so far (chunks._subsets_ahead): from all the chunks, those are exactly the
    subsets the merge asks for, so it makes none and writes the same bytes."""
    from reportpress import subsets

    before = merged_without_fontmerge(tmp_path)
    parts = sorted(tmp_path.glob("part*.pdf"))
    used = fontmerge.glyphs_by_face(parts, render.FONTS_DIR)
    assert len(used) >= 3 and all(used.values())
    cache = tmp_path / "fonts"
    for (_, file), gids in used.items():
        subsets.keep_subset_of(cache, file, sorted(gids))

    plain = one_program_per_face(before, tmp_path / "plain.pdf", None)
    monkeypatch.setattr(subsets, "subset_font", refuse)
    assert one_program_per_face(before, tmp_path / "ahead.pdf", cache) == plain


def test_subsets_made_ahead_in_two_steps_leave_the_merge_none_to_make(tmp_path,
                                                                      monkeypatch):
    """chunks._SubsetsAhead: the workers make the subsets of the chunks laid out but the
    last, then those of the faces the last adds glyphs to (and those alone): the merge,
    waiting for them, makes none and writes the same bytes as one that made them all."""
    from reportpress import chunks, subsets

    before = merged_without_fontmerge(tmp_path)
    parts = sorted(tmp_path.glob("part*.pdf"))
    plain = one_program_per_face(before, tmp_path / "plain.pdf", None)
    cache = tmp_path / "fonts"
    ahead = chunks._SubsetsAhead(parts[:-1], cache)
    first = len(ahead.futures)
    ahead.add(parts[-1:])
    grew = {face for face, gids in fontmerge.glyphs_by_face(parts[-1:], render.FONTS_DIR).items()
            if not gids <= fontmerge.glyphs_by_face(parts[:-1], render.FONTS_DIR).get(face, set())}
    assert first and grew and len(ahead.futures) == first + len(grew)
    assert ahead.used == fontmerge.glyphs_by_face(parts, render.FONTS_DIR)
    concurrent.futures.wait(ahead.futures)
    monkeypatch.setattr(subsets, "subset_font", refuse)
    assert one_program_per_face(before, tmp_path / "ahead.pdf", cache) == plain


def test_only_the_most_recently_used_subsets_are_kept(tmp_path, monkeypatch):
    from reportpress import subsets

    monkeypatch.setattr(subsets, "KEEP", 2)
    data = (render.FONTS_DIR / "lato" / "Lato-Regular.ttf").read_bytes()
    for gids in ([36], [37], [38]):
        subsets.kept_subset(tmp_path, data, gids)
    subsets.kept_subset(tmp_path, data, [36])  # (used again: the newest)
    subsets.prune(tmp_path)
    left = {path.read_bytes() for path in tmp_path.glob("*.ttf")}
    assert left == {subsets.subset_font(data, [36]), subsets.subset_font(data, [38])}
