"""make_pdf.py diff: on the real report before and after an edit, and on small PDFs."""
import shutil

import pytest
from conftest import CONTENT
from PIL import Image, ImageChops, ImageStat

from reportpress import diff, pipeline, pixels, problems

# A paragraph long enough to push what follows it onto the next page.
EXTRA = " ".join(
    f"Deze extra alinea {n} is toegevoegd om te zien hoe de tekst van het verhaal doorloopt "
    "en de volgende verhalen naar een andere pagina duwt, zoals bij een echte redactie."
    for n in range(1, 19))


def add_paragraph(story_file, paragraph=EXTRA):
    """Add a paragraph after the first paragraph of a story's body."""
    text = story_file.read_text(encoding="utf-8")
    front, marker, body = text.partition("\n---\n")  # the front matter ends with ---
    assert marker, f"{story_file} has no front matter"
    paragraphs = body.split("\n\n")
    first = next(i for i, p in enumerate(paragraphs) if p.strip())
    paragraphs.insert(first + 1, paragraph)
    story_file.write_text(front + marker + "\n\n".join(paragraphs), encoding="utf-8")


def story_after(book, story_id):
    stories = [story for _, story in book.stories()]
    index = next(i for i, story in enumerate(stories) if story.id == story_id)
    return stories[index], stories[index + 1]


# --- the real report -------------------------------------------------------------------

_renderings = {}


def rendering(pdf):
    """pixels.read(pdf), once per test run: rendering the whole report takes seconds."""
    if pdf not in _renderings:
        _renderings[pdf] = pixels.read(pdf)
    return _renderings[pdf]


@pytest.fixture(scope="module")
def edited(build, tmp_path_factory):
    """The report built again from a copy of content/ with a long paragraph added to
    `expeditie-miriam`, and the diff of the two (images in diff_dir)."""
    folder = tmp_path_factory.mktemp("edited")
    content = folder / "content"
    shutil.copytree(CONTENT, content)
    add_paragraph(content / "werk" / "expeditie-miriam.md")
    pdf = folder / "edited.pdf"
    pipeline.build(content, pipeline.BuildOptions(output=pdf))
    old = rendering(build.pdf)
    result = diff.compare(old, pdf, folder / "diff")
    return old, result


def test_an_edit_changes_the_pages_from_its_story_on(build, edited):
    old, result = edited
    story, _ = story_after(build.book, "expeditie-miriam")
    start = next(h.page for h in old.headings if h.title == story.title)
    assert not result.identical
    assert result.changed, result.summary()
    # nothing before the edited story changed, and its own pages did
    assert min(result.changed) in (start, start + 1), result.summary()


def test_the_next_story_is_pushed_onto_another_page(build, edited):
    _, result = edited
    _, following = story_after(build.book, "expeditie-miriam")
    moves = {move.title: move for move in result.moves}
    assert following.title in moves, result.summary()
    move = moves[following.title]
    assert move.new_page > move.old_page
    assert f"“{following.title}”: page {move.old_page} → {move.new_page}" in result.summary()


def test_each_changed_page_has_an_image_with_the_differences_boxed(edited):
    _, result = edited
    assert len(result.images) == len(result.changes)
    change = next(c for c in result.changes if c.kind == "changed")
    assert change.boxes
    assert change.image.name == f"page-{change.new:03d}.png"
    with Image.open(change.image) as image:
        assert image.width > 2 * 500  # old and new side by side
        left, top, right, bottom = change.boxes[0]
        assert 0 <= left < right and 0 <= top < bottom
        assert (220, 0, 0) in {colour for _, colour in image.getcolors(1 << 20)}


# --- small PDFs ------------------------------------------------------------------------

def make_pdf(path, pages, bookmarks=True):
    """A PDF with one page per (title, text), made with WeasyPrint."""
    from reportpress import render  # WeasyPrint with the project's fonts only

    css = ("@page { size: 120mm 160mm; margin: 12mm }"
           "body { font-family: Lato; font-size: 10pt }"
           "section { break-after: page } h1 { font-size: 20pt }"
           + ("" if bookmarks else "h1 { bookmark-level: none }"))
    body = "".join(f"<section><h1>{title}</h1><p>{text}</p></section>" for title, text in pages)
    render.weasyprint.HTML(string=f"<style>{css}</style>{body}").write_pdf(path)
    return path


PAGES = [("Voorwoord", "Een korte tekst."), ("Werk", "Over werk en opleiding."),
         ("School", "Over de school."), ("Buurt", "Over de buurt.")]


@pytest.fixture
def small(tmp_path):
    def make(name, pages=PAGES, **kwargs):
        return make_pdf(tmp_path / f"{name}.pdf", pages, **kwargs)
    return make


def test_identical_pdfs_exit_0_and_write_no_images(small, tmp_path, capsys):
    out = tmp_path / "diff"
    assert diff.main([str(small("a")), str(small("b")), "--out", str(out)]) == 0
    assert "no differences" in capsys.readouterr().out
    assert not list(out.glob("*.png"))


def test_a_changed_page_exits_1_with_its_image(small, tmp_path, capsys):
    changed = [*PAGES[:1], ("Werk", "Over werk, opleiding en coaching."), *PAGES[2:]]
    out = tmp_path / "diff"
    (out).mkdir()
    (out / "page-009.png").write_bytes(b"stale")  # from an earlier diff: removed
    assert diff.main([str(small("a")), str(small("b", changed)), "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "changed pages: 2\n" in printed
    assert sorted(p.name for p in out.glob("*.png")) == ["page-002.png"]
    result = diff.compare(tmp_path / "a.pdf", tmp_path / "b.pdf")
    assert result.changed == [2] and result.added == result.removed == []
    # the box is around the paragraph, below the heading
    (left, top, right, bottom), = result.changes[0].boxes
    assert top > 12 / 25.4 * pixels.DPI and bottom < 80 / 25.4 * pixels.DPI


def test_an_inserted_page_is_added_and_moves_what_follows(small):
    inserted = [*PAGES[:2], ("Vrije tijd", "Over vrije tijd."), *PAGES[2:]]
    result = diff.compare(small("a"), small("b", inserted))
    assert result.added == [3]
    assert result.changed == [] and result.removed == []
    assert [(m.title, m.old_page, m.new_page) for m in result.moves] == [
        ("School", 3, 4), ("Buurt", 4, 5)]


def test_a_removed_page_is_named_by_its_old_number(small, tmp_path):
    result = diff.compare(small("a"), small("b", PAGES[:1] + PAGES[2:]), tmp_path / "diff")
    assert result.removed == [2] and result.added == [] and result.changed == []
    assert result.images == [tmp_path / "diff" / "old-page-002-removed.png"]
    assert "removed pages (old numbers): 2" in result.summary()


def test_headings_without_bookmarks_are_the_larger_lines(small):
    rendering = pixels.read(small("a", bookmarks=False))
    assert [(h.title, h.page) for h in rendering.headings] == [
        ("Voorwoord", 1), ("Werk", 2), ("School", 3), ("Buurt", 4)]


@pytest.mark.parametrize("make_input", [
    lambda tmp: tmp / "missing.pdf",
    lambda tmp: (tmp / "notes.pdf").write_text("not a PDF") and tmp / "notes.pdf",
])
def test_unreadable_input_exits_2_with_a_message(small, tmp_path, capsys, make_input):
    bad = make_input(tmp_path)
    assert diff.main([str(small("a")), str(bad), "--out", str(tmp_path / "d")]) == 2
    error = capsys.readouterr().err
    assert str(bad) in error and "Traceback" not in error


def test_faint_anti_aliasing_shifts_are_not_changes_unless_exact():
    """A changed font subset makes the rasteriser hint unchanged text a shade differently:
    a few edge pixels change their grey a little. That is no change; every other is."""
    page = Image.new("RGB", (400, 300), "white")
    page.paste((40, 40, 40), (50, 50, 150, 60))  # a line of "text"
    noise = page.copy()
    for x in range(50, 150, 3):  # edge pixels a shade lighter or darker
        noise.putpixel((x, 49), (200, 200, 200))
        noise.putpixel((x, 60), (190, 190, 190))
    noise.putpixel((100, 55), (110, 110, 110))
    assert diff.changed_boxes(page, noise) == []
    assert diff.changed_boxes(page, noise, exact=True) != []

    one_dot = page.copy()
    one_dot.putpixel((300, 200), (0, 0, 0))  # a full-contrast pixel: a comma became a dot
    (left, top, right, bottom), = diff.changed_boxes(page, one_dot)
    assert left <= 300 < right and top <= 200 < bottom

    recoloured = page.copy()
    recoloured.paste((46, 40, 40), (50, 50, 150, 60))  # a colour a few percent off
    assert diff.changed_boxes(page, recoloured) != []


def test_page_ranges():
    assert problems.page_ranges([9, 3, 4, 5, 12, 13]) == "3–5, 9, 12–13"
    assert problems.page_ranges([]) == ""


def test_reading_again_renders_only_pages_drawn_differently(build, edited):
    """The proof reads each new build with the last one: a page drawn by the same content
    and resources keeps its rendering; every page still looks as a fresh read shows it."""
    old, result = edited
    new = pixels.read(result.new_pdf, previous=old)
    fresh = pixels.read(result.new_pdf)
    assert [p.digest for p in new.pages] == [p.digest for p in fresh.pages]
    assert [p.text for p in new.pages] == [p.text for p in fresh.pages]
    kept = {p.number for p in new.pages if any(p.image is o.image for o in old.pages)}
    assert kept and min(result.changed) not in kept
    # pages of the chapters before the edited one are kept (within it, a page may draw with
    # a new font subset: the new text can bring new glyphs)
    chapter = next(h.page for h in old.headings if h.title == "Werk" and h.level == 1)
    assert set(range(1, chapter - 1)) <= kept


def test_photos_drawn_from_lighter_pixels_look_as_the_full_ones(build, tmp_path):
    """The proof draws photos from pixels at its resolution, kept in a folder: the pages
    read the same and look the same but for a shade at a photo's sharpest edges."""
    full = rendering(build.pdf)
    light = pixels.read(build.pdf, photo_cache=tmp_path)
    assert len(list(tmp_path.glob("*.light-photo"))) >= 8  # the report's photos, lighter
    assert [p.text for p in light.pages] == [p.text for p in full.pages]
    for before, after in zip(full.pages, light.pages, strict=True):
        difference = ImageStat.Stat(ImageChops.difference(before.image, after.image))
        assert max(difference.mean) < 4, before.number  # (of 255)
    again = pixels.read(build.pdf, photo_cache=tmp_path)  # from the kept pixels
    assert [p.digest for p in again.pages] == [p.digest for p in light.pages]
