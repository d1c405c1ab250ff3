"""Laying out in chunks (in parallel, cached, merged) gives the report a single-pass layout
gives: same pages, same text, same page numbers, same bookmarks. A warm rebuild after an
edit lays out only the edited chunk and gives the bytes a cold build gives."""
import dataclasses
import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import zlib

import pikepdf
import pytest
from conftest import CONTENT
from helpers import copy_content, edit
from pdftext import page_texts

from reportpress import anchors, chunks, compose, content, images, merge, pipeline, pixels, render
from reportpress.errors import LayoutError


def glyph_text(path):
    """Each page's text as its glyphs show it. Lato draws "-" and "‐" (U+2010) with one
    glyph; the font's map back to Unicode names whichever a chunk met first, and pdfium
    reads a line-end hyphen as U+FFFE where the map says "-": the same ink either way."""
    return [text.replace("\ufffe", "-\r\n").replace("\u2010", "-") for text in page_texts(path)]


def outline(path):
    """[(level, title, page number)] of a PDF's bookmarks."""
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        found = []

        def walk(items, level):
            for item in items:
                destination = item.destination or item.action.get("/D")
                found.append((level, item.title, pages[destination[0].objgen]))
                walk(item.children, level + 1)

        with pdf.open_outline() as tree:
            walk(tree.root, 1)
        return found


def file_id(path):
    """The trailer's /ID, in hex: (its permanent part, the part that tells versions apart)."""
    with pikepdf.open(path) as pdf:
        return bytes(pdf.trailer.ID[0]).hex(), bytes(pdf.trailer.ID[1]).hex()


def named_destinations(path):
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        tree = pikepdf.NameTree(pdf.Root.Names.Dests)
        return {name: pages[dest[0].objgen] for name, dest in tree.items()}


def test_chunked_build_has_the_pages_text_and_numbers_of_a_single_pass(build, tmp_path):
    single = pipeline.build(CONTENT, pipeline.BuildOptions(
                                output=tmp_path / "single.pdf",
                                chunked=False))
    assert len(chunks.split(build.book.chapters)) >= 6  # it really was laid out in chunks
    assert glyph_text(single.pdf) == glyph_text(build.pdf)  # words, folios, "op pagina N"
    assert outline(build.pdf) == outline(single.pdf)
    assert len(outline(build.pdf)) > 20
    chunked = named_destinations(build.pdf)
    assert chunked == {name: page for name, page in named_destinations(single.pdf).items()
                       if name in chunked}
    assert {"online-qr", "chapter-justitie", "story-zorgzame-buurten"} <= set(chunked)


def test_an_edit_lays_out_only_its_chunk_and_gives_the_bytes_of_a_cold_build(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    cache, cold_cache = tmp_path / "cache", tmp_path / "cold-cache"
    first = pipeline.build(folder, pipeline.BuildOptions(
                               output=tmp_path / "first.pdf",
                               chunk_cache=cache))
    count = len(chunks.split(first.book.chapters))

    story = folder / "werk" / "expeditie-miriam.md"
    edit(story, "Miriam", "Mirjam")
    progress = []
    warm = pipeline.build(folder, pipeline.BuildOptions(
                              output=tmp_path / "warm.pdf",
                              chunk_cache=cache),
                          log=progress.append)
    assert f"  laid out 1 of {count} chunks" in progress
    assert list((cache / chunks.FONTS).glob("*.ttf"))  # subsets kept: the bytes stay a cold build's
    assert "Mirjam" in " ".join(page_texts(warm.pdf)) and warm.page_count == first.page_count
    # the file's id is made from its own bytes (both parts: a new file, not a chunk's): a
    # new one for new content
    assert file_id(warm.pdf) != file_id(first.pdf)
    for permanent, version in (file_id(warm.pdf), file_id(first.pdf)):
        assert permanent == version != merge.STATIC_ID[1:-1].decode()
        assert len(bytes.fromhex(version)) == 16

    # what draws each page is known from its chunk: the proof renders only the new chunk's
    # pages again, and they look as a fresh rendering of the file shows them
    werk = first.anchors["chapter-werk"], first.anchors["chapter-school"]
    moved = [n for n, (a, b) in enumerate(zip(first.page_sources, warm.page_sources,
                                              strict=True), start=1) if a != b]
    assert moved and werk[0] - 1 <= moved[0] and moved[-1] < werk[1]
    shown = pixels.read(warm.pdf, previous=pixels.read(first.pdf, sources=first.page_sources),
                      sources=warm.page_sources)
    assert [p.digest for p in shown.pages] == [p.digest for p in pixels.read(warm.pdf).pages]

    # cold: no chunk laid out before (the page map alone is kept, so one round suffices)
    cold_cache.mkdir()
    shutil.copy(cache / "pagemap-print.json", cold_cache)
    progress = []
    cold = pipeline.build(folder, pipeline.BuildOptions(
                              output=tmp_path / "cold.pdf",
                              chunk_cache=cold_cache),
                          log=progress.append)
    assert f"  laid out {count} of {count} chunks" in progress
    assert warm.pdf.read_bytes() == cold.pdf.read_bytes()


def test_a_chunks_pages_drawn_on_their_own_are_the_pages_of_the_merged_pdf(tmp_path):
    """The proof has a worker draw the pages of a chunk laid out anew while the chunks are
    merged: drawn from the chunk's own PDF, its photos made lighter among its own pages
    only (the back matter places one photo at two sizes), each is pixel for pixel what a
    rendering of the merged PDF shows, crop marks and all around it. It sends each back as
    its PNG, or as its digest alone when the proof has a page that looks the same."""
    parts = []
    result = pipeline.build(CONTENT, pipeline.BuildOptions(
                                output=tmp_path / "report.pdf",
                                chunk_cache=tmp_path / "cache",
                                preflight="later",
                                laid_out=lambda pdf, sources: parts.append((pdf, sources))))
    assert len(parts) == len(chunks.split(result.book.chapters))  # each was laid out anew
    light = tmp_path / "light"
    whole = pixels.read(result.pdf, trim=True, photo_cache=light, sources=result.page_sources)
    drawn = {page.source: pickle.loads(pickle.dumps(page))  # (as a worker sends it back)
             for pdf, sources in parts
             for page in pixels.draw_part(pdf, sources, trim=True, photo_cache=light)}
    assert sorted(drawn) == sorted(result.page_sources)
    assert any(light.iterdir())  # photos were made lighter
    for page in whole.pages:
        alone = drawn[page.source]
        assert (alone.digest, alone.text) == (page.digest, page.text), f"page {page.number}"
        assert alone.image.tobytes() == page.image.tobytes()  # (its PNG, decoded)

    # pages that look like one the proof shows come as their digest alone; reading the
    # merged PDF takes their pixels from the page shown (here: the other pages are known
    # by what draws them, these two only by how they look)
    part, sources = parts[1]
    bare = pixels.draw_part(part, sources, [0, 1], trim=True, photo_cache=light,
                          seen={page.digest for page in whole.pages})
    assert [page.png for page in bare] == [None, None]
    shown = dataclasses.replace(whole, pages=[
        dataclasses.replace(page, source=None) if page.source in sources[:2] else page
        for page in whole.pages])
    again = pixels.read(result.pdf, trim=True, photo_cache=light, previous=shown,
                      sources=result.page_sources, drawn=bare)
    assert all(page.image is before.image for page, before in zip(again.pages, shown.pages,
                                                                   strict=True))
    assert [page.digest for page in again.pages] == [page.digest for page in whole.pages]


def test_a_chunk_laid_out_again_has_only_its_changed_pages_drawn(tmp_path, monkeypatch):
    """After an edit to one story its chunk is laid out again, and most of its pages are
    as they were: those are known by what draws them (Page.look) and not drawn again; the
    proof's pages are still those a rendering of the new PDF shows."""
    folder = shutil.copytree(CONTENT, tmp_path / "content")
    light = tmp_path / "light"

    def built(name):
        parts = []
        result = pipeline.build(folder, pipeline.BuildOptions(
                                    output=tmp_path / name,
                                    chunk_cache=tmp_path / "cache",
                                    preflight="later",
                                    laid_out=lambda pdf, sources: parts.append((pdf, sources))))
        return result, parts

    first, parts = built("first.pdf")
    drawn = [pickle.loads(pickle.dumps(page))  # (as a worker sends it back)
             for pdf, sources in parts
             for page in pixels.draw_part(pdf, sources, trim=True, photo_cache=light, looks={})]
    shown = pixels.read(first.pdf, trim=True, photo_cache=light, sources=first.page_sources,
                      drawn=drawn)
    assert [page.number for page in shown.pages if not page.look] == []
    edit(folder / "werk" / "expeditie-miriam.md", "Miriam", "Mirriam")
    second, parts = built("second.pdf")
    (part, sources), = [(pdf, sources) for pdf, sources in parts  # the Werk chunk alone
                        if sources[0] not in first.page_sources]  # is laid out again
    draws = []
    draw = pixels._draw
    monkeypatch.setattr(pixels, "_draw", lambda *a: draws.append(a[1]) or draw(*a))
    looks = {page.look: page.digest for page in shown.pages}
    again = [pickle.loads(pickle.dumps(page)) for page in pixels.draw_part(
        part, sources, trim=True, photo_cache=light, seen={page.digest for page in shown.pages},
        looks=looks)]
    assert 1 <= len(draws) < len(sources) - 2  # the edited story's page, not the others
    proof = pixels.read(second.pdf, trim=True, photo_cache=light, previous=shown,
                      sources=second.page_sources, drawn=again)
    monkeypatch.undo()
    fresh = pixels.read(second.pdf, trim=True, photo_cache=light)
    assert [(page.digest, page.text) for page in proof.pages] == [
        (page.digest, page.text) for page in fresh.pages]


def test_the_caches_go_where_reportpress_cache_says(tmp_path):
    """…and a build with nothing cached says only what the build says (no library's own
    warnings: fontTools on Lato's head table, in whichever process reads it first)."""
    out = tmp_path / "report.pdf"
    done = subprocess.run([sys.executable, str(pipeline.PROJECT / "make_pdf.py"), "--content",
                           str(copy_content(tmp_path)), "-o", str(out)],
                          env={**os.environ, "REPORTPRESS_CACHE": str(tmp_path / "cache")},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert all(line.startswith(("• ", "  ", "done in"))
               for line in done.stderr.splitlines()), done.stderr
    assert out.is_file() and list((tmp_path / "cache" / "chunks").glob("*.pdf"))
    assert (tmp_path / "cache" / "images").is_dir()


def test_from_the_flatplan_all_chunks_are_laid_out_at_once(build, tmp_path, monkeypatch):
    """Without a page map (a new checkout) the chapters' `pages:` give each chunk its first
    page, and the page of the QR code the domain chapters refer to: every chunk is laid
    out once, all sent to the workers at once, into the PDF the default build made."""
    progress, sent, sent_before_first_result = [], [], []
    submit, result_of = chunks._submit, chunks._result
    monkeypatch.setattr(chunks, "_submit", lambda *a: sent.append(1) or submit(*a))
    monkeypatch.setattr(chunks, "_result", lambda future: sent_before_first_result.append(
        len(sent)) or result_of(future))
    result = pipeline.build(CONTENT, pipeline.BuildOptions(
                                output=tmp_path / "report.pdf",
                                chunk_cache=tmp_path / "cache"),
                            log=progress.append)
    count = len(chunks.split(result.book.chapters))
    assert sent_before_first_result[0] == count
    assert [line for line in progress if " chunks" in line] == [
        f"  laid out {count} of {count} chunks"]
    assert result.pdf.read_bytes() == build.pdf.read_bytes()


def test_a_chapter_that_does_not_keep_to_the_flatplan_is_named(tmp_path):
    """The flatplan is a plan: where the layout differs, the build says where, lays out
    again what moved and makes the PDF it would have made without a plan."""
    planned = copy_content(tmp_path)
    unplanned = shutil.copytree(planned, tmp_path / "unplanned")
    edit(planned / "online" / "chapter.yaml", "title: Meer online.\n",
         "title: Meer online.\npages: 2\n")
    progress = []
    result = pipeline.build(planned, pipeline.BuildOptions(
                                output=tmp_path / "planned.pdf",
                                chunk_cache=tmp_path / "cache"),
                            log=progress.append)
    assert any(str(warning).startswith(
        "content/online/chapter.yaml:3: chapter `online` takes 1 page (from page 1); the "
        "flatplan says 2 pages") for warning in result.warnings)
    assert sum(" chunks" in line for line in progress) == 2  # laid out again where it moved
    plain = pipeline.build(unplanned, pipeline.BuildOptions(
                               output=tmp_path / "unplanned.pdf",
                               chunk_cache=tmp_path / "cache-2"))
    assert glyph_text(result.pdf) == glyph_text(plain.pdf)


def test_a_page_the_flatplan_gives_wrong_is_laid_out_again(tmp_path):
    """With no page map, a reference to a chapter of one page is numbered from the
    flatplan at once (the chunks that refer to it do not wait for its layout); where the
    chapter runs longer than planned, the number is found wrong and laid out again."""
    planned = shutil.copytree(CONTENT, tmp_path / "content")
    book, _ = content.load(planned)
    runs = chunks.split(book.chapters)
    first = chunks._plan(runs, [sum(chapter.pages for chapter in run) for run in runs])
    htmls = [compose.compose(book, "print", chunk=chunk, page_of={}) for chunk in first]
    assert chunks._planned_pages(first, htmls, [True] * len(first))["online-qr"] == 2
    long_text = "".join(f"\n\n  Alinea {n}: " + "Sommige verhalen staan online. " * 30
                        for n in range(2))  # the QR goes to the chapter's second page
    edit(planned / "meer-dan-woorden" / "chapter.yaml", "\ntext: |-\n",
         f"\ntext: |-{long_text}\n")
    progress = []
    result = pipeline.build(planned, pipeline.BuildOptions(
                                output=tmp_path / "planned.pdf",
                                chunk_cache=tmp_path / "cache",
                                preflight="later"),
                            log=progress.append)  # (a page too many)
    assert any("chapter `meer-dan-woorden` takes 2 pages" in str(warning)
               for warning in result.warnings)
    count = len(first)
    assert [line for line in progress if " chunks" in line][0] == (
        f"  laid out {count} of {count} chunks")  # all at once, then again where it moved
    assert result.anchors["online-qr"] == 3
    texts = glyph_text(result.pdf)
    numbers = [n for text in texts for n in re.findall(r"QR(?:-code)? op pagina (\d+)", text)]
    assert len(numbers) >= 5 and set(numbers) == {"3"}


def domain_chunk(index=2, first_page=10):
    """(HTML, render arguments) of a domain chapter: columns balanced on each page (or of
    the run of chapters `index`, from `first_page`)."""
    book, _ = content.load(CONTENT)
    prepared = images.prepare_all([p.path for p in book.photos()], "print",
                                  pipeline.PHOTO_CACHE, images.largest_placement_mm(book, "print"))
    runs = chunks.split(book.chapters)
    following = runs[index + 1][0] if index + 1 < len(runs) else None
    html = compose.compose(book, "print", lambda photo: f"photo:{prepared[photo.path].name}",
                           chunk=chunks.Chunk(runs[index], first_page, first_page % 2 == 0,
                                              following),
                           page_of={"online-qr": 2})
    return html, (compose.LAYOUT_DIR, [CONTENT, compose.LAYOUT_DIR], pipeline.PHOTO_CACHE)


@pytest.mark.parametrize("index, first_page", [(2, 10), (-1, 32)])
def test_the_layouts_speed_ups_change_no_byte(tmp_path, index, first_page):
    """The speed-ups in render.py (lines remembered, running pages laid out once) answer
    exactly what Pango and WeasyPrint would: same PDF bytes, for a domain chapter (columns
    balanced) and for the back matter (flex rows of key figures and cards, sized by their
    text's narrowest and widest)."""
    html, args = domain_chunk(index, first_page)
    written = []
    for speed_ups in (True, False):
        document = render.render(html, *args, speed_ups=speed_ups)
        render.write_pdf(document, tmp_path / f"{speed_ups}.pdf", b"id")
        written.append((tmp_path / f"{speed_ups}.pdf").read_bytes())
    assert len(document.pages) >= 4 and written[0] == written[1]


def test_streams_compressed_once_change_no_byte(tmp_path, monkeypatch):
    """A PDF with an /ID (the print edition's has one), which pydyf works out from every
    object's bytes after writing them: render.py keeps each stream's compressed bytes from
    the first time. Half the compressing, the same PDF bytes. (Without PDF/X here: its XMP
    has a random id.)"""
    html, args = domain_chunk()
    document = render.render(html, *args)
    compressed = []
    compressobj = zlib.compressobj
    monkeypatch.setattr(zlib, "compressobj", lambda *a, **k: compressed.append(1)
                        or compressobj(*a, **k))
    render.write_document(document, tmp_path / "once.pdf", b"id")
    once, compressed[:] = len(compressed), []
    document.write_pdf(tmp_path / "twice.pdf", pdf_identifier=b"id")
    assert (tmp_path / "once.pdf").read_bytes() == (tmp_path / "twice.pdf").read_bytes()
    assert 10 < once <= len(compressed) // 2 + 1


def test_the_layout_draws_no_ellipsis():
    """Remembered lines are shared between boxes; WeasyPrint changes a line when it draws
    an ellipsis into it. Should a stylesheet want one, switch the memory off (render.py)."""
    for css in compose.LAYOUT_DIR.rglob("*.css"):
        text = css.read_text()
        assert "text-overflow" not in text and "block-ellipsis" not in text, css


def test_a_wrong_page_map_is_corrected(build, tmp_path):
    """The page map is the last build's: after an edit that moved pages it is wrong, and the
    chunks whose numbers moved are laid out again until the numbers agree."""
    cache = tmp_path / "cache"
    cache.mkdir()
    runs = chunks.split(build.book.chapters)
    wrong = {"counts": {run[0].id: 4 for run in runs},
             "anchors": {"online-qr": 7, "story-zorgzame-buurten": 3}}
    (cache / "pagemap-print.json").write_text(json.dumps(wrong))
    progress = []
    result = pipeline.build(CONTENT, pipeline.BuildOptions(
                                output=tmp_path / "report.pdf",
                                chunk_cache=cache),
                            log=progress.append)
    assert sum("chunks" in line for line in progress) >= 2  # a second round ran
    assert glyph_text(result.pdf) == glyph_text(build.pdf)


def test_a_page_reference_to_what_is_not_laid_out_fails_the_build(build):
    """Content checks keep stories from pointing at what is not there; should a template
    still do it, the chunked build fails as one document would (no "op pagina 0")."""
    runs = chunks.split(build.book.chapters)
    htmls = [compose.compose(build.book, "print", chunk=chunks.Chunk(run, 10, True, None),
                             page_of={}) for run in runs]
    where = chunks._references(htmls)
    assert {"online-qr"} <= {target for found in where for target in found}
    assert all(htmls[index].count(f' id="{target}"')
               for found in where for target, index in found.items())
    with pytest.raises(LayoutError, match="#online-qr"):
        chunks._references([html for html in htmls if ' id="online-qr"' not in html])


def test_a_photo_placed_in_two_chunks_is_stored_once(build):
    """Each chunk's PDF holds the photos it places; the merged file keeps one copy."""
    with pikepdf.open(build.pdf) as pdf:
        images = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream)
                  and obj.get("/Subtype") == "/Image"]
        digests = [hashlib.sha256(image.read_raw_bytes()).digest() for image in images]
        assert len(set(digests)) == len(digests) > 5
        pages = {}  # image -> the pages drawing it
        for number, page in enumerate(pdf.pages, start=1):
            for image in page.get_images().values():
                pages.setdefault(image.objgen, set()).add(number)
    # (where each chunk's first chapter is bookmarked: a page or so into the chunk)
    titles = {run[0].title for run in chunks.split(build.book.chapters)}
    starts = sorted(page for level, title, page in outline(build.pdf)
                    if level == 1 and title in titles)
    def chunk_of(page):
        return sum(start <= page for start in starts)
    assert len(starts) >= 6
    assert any(len({chunk_of(page) for page in numbers}) > 1 for numbers in pages.values())


def _layout_copy(tmp_path, monkeypatch):
    """A copy of layout/ to edit, used by the builds of the test (fonts/ and profiles/
    beside it, as its stylesheets and templates name them)."""
    project = tmp_path / "project"
    layout = project / "layout"
    shutil.copytree(compose.LAYOUT_DIR, layout)
    for name in ("fonts", "profiles"):
        (project / name).symlink_to(pipeline.PROJECT / name)
    monkeypatch.setattr(compose, "LAYOUT_DIR", layout)
    return layout


def test_a_component_stylesheet_saved_lays_out_only_its_chunks_with_a_cold_builds_bytes(
        tmp_path, monkeypatch):
    """A chunk's key holds the stylesheets that can apply to it: a change to
    components/key-figures.css lays out again the chunks with key figures, no other, and
    the PDF is the one a cold build of the changed layout makes."""
    layout = _layout_copy(tmp_path, monkeypatch)
    folder = shutil.copytree(CONTENT, tmp_path / "content")
    cache = tmp_path / "cache"
    first = pipeline.build(folder, pipeline.BuildOptions(output=tmp_path / "first.pdf",
                                                         chunk_cache=cache))
    runs = chunks.split(first.book.chapters)
    html = first.html
    with_figures = [run for run in runs if any(
        'class="key-figures' in anchors.chapter_html(html, chapter.id) for chapter in run)]
    assert 0 < len(with_figures) < len(runs)

    edit(layout / "components" / "key-figures.css", "font-size: 8.2pt;", "font-size: 9pt;")
    progress = []
    warm = pipeline.build(folder, pipeline.BuildOptions(output=tmp_path / "warm.pdf",
                                                        chunk_cache=cache), log=progress.append)
    assert f"  laid out {len(with_figures)} of {len(runs)} chunks" in progress
    assert warm.pdf.read_bytes() != first.pdf.read_bytes()  # (the change shows)

    cold_cache = tmp_path / "cold-cache"
    cold_cache.mkdir()
    shutil.copy(cache / "pagemap-print.json", cold_cache)
    progress = []
    cold = pipeline.build(folder, pipeline.BuildOptions(output=tmp_path / "cold.pdf",
                                                        chunk_cache=cold_cache),
                          log=progress.append)
    assert f"  laid out {len(runs)} of {len(runs)} chunks" in progress
    assert hashlib.sha256(warm.pdf.read_bytes()).hexdigest() == hashlib.sha256(
        cold.pdf.read_bytes()).hexdigest()

    # a stylesheet every page uses (typography.css: `p`, `h1`, …) lays out every chunk
    edit(layout / "typography.css", "hyphens", "  hyphens")
    progress = []
    pipeline.build(folder, pipeline.BuildOptions(output=tmp_path / "again.pdf",
                                                 chunk_cache=cache), log=progress.append)
    assert f"  laid out {len(runs)} of {len(runs)} chunks" in progress


def test_a_stylesheet_counts_for_every_chunk_unless_each_rule_needs_a_class_or_id(tmp_path):
    def needs(css):
        return chunks._selector_needs(css.encode())

    assert needs(".a .b, #c > p.d:hover { color: red }") == [frozenset({"a", "b"}),
                                                             frozenset({"c", "d"})]
    assert needs(".a:not(.b) > *, .c[data-x] { color: red }") == [frozenset({"a"}),
                                                                  frozenset({"c"})]
    for anywhere in ("p { margin: 0 }", "* { margin: 0 }", ":not(.a) { margin: 0 }",
                     ".a { margin: 0 } :root { --x: 1pt }", ".a, p { margin: 0 }",
                     "@page { margin: 0 } .a { margin: 0 }",
                     "@font-face { font-family: X; src: url(x.ttf) }",
                     "@media print { .a { margin: 0 } }", ".a { margin: 0 } }{ x",
                     ":is(.a, .b) { margin: 0 }"):
        assert needs(anywhere) is None, anywhere

    (tmp_path / "a.css").write_text(".kf-value { color: red }")
    (tmp_path / "b.css").write_text("p { color: red }")
    (tmp_path / "c.css").write_text(".story .kf-value { color: red }")
    sheets = chunks.Stylesheets(tmp_path)
    assert sheets.applying('<p class="x">') == [b"b.css"]
    assert sheets.applying("<p class='Story'><b class=kf-value>") == [b"a.css", b"b.css",
                                                                      b"c.css"]
    assert sheets.digest('<p class="x">') == sheets.digest('<p class="y">')
    assert sheets.digest('<p class="x">') != sheets.digest('<p class="kf-value">')
