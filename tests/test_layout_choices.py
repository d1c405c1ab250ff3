"""Layout choices the content makes, read back from the laid-out boxes of the mini
fixture: a photo-led story (`figure: size: large`), a key-figure grid sized to its count."""
import pytest
from helpers import copy_content, edit, run

from reportpress import audit, compose, content, images, pipeline, render

PX_PER_MM = 96 / 25.4  # CSS px per mm


def laid_out(content_dir):
    """The mini fixture's pages as the audit reads them (digital: no photo separation)."""
    book, _ = content.load(content_dir)
    prepared = images.prepare_all([p.path for p in book.photos()], "digital",
                                  pipeline.PHOTO_CACHE,
                                  images.largest_placement_mm(book, "digital"))
    html = compose.compose(book, "digital", lambda photo: f"photo:{prepared[photo.path].name}")
    document = render.render(html, compose.LAYOUT_DIR, [content_dir, compose.LAYOUT_DIR],
                             pipeline.PHOTO_CACHE)
    return book, render.read_pages(document.pages)


def story_photo(pages, story):
    return next(item for page in pages for item in page.items
                if isinstance(item, audit.Picture) and audit._story(item) == story)


@pytest.mark.parametrize("size, share", [("", None), ("large", 0.4)])
def test_a_photo_led_story_opens_with_a_photo_two_fifths_of_the_page_high(tmp_path, size,
                                                                          share):
    folder = copy_content(tmp_path)
    if size:
        edit(folder / "thema" / "eerste-verhaal.md", "  photo: stripes\n",
             f"  photo: stripes\n  size: {size}\n")
    book, pages = laid_out(folder)
    photo = story_photo(pages, "eerste-verhaal")
    expected = share * book.trim_height_mm if share else 52  # (the standard panel: 52 mm)
    assert photo.h == pytest.approx(expected * PX_PER_MM, abs=0.5)


def test_a_figure_size_the_layout_does_not_know_is_a_content_error(capsys, tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / "thema" / "eerste-verhaal.md", "  photo: stripes\n",
         "  photo: stripes\n  size: huge\n")
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert code == 2
    assert "content/thema/eerste-verhaal.md:5: `size` must be large, not 'huge'" in err


def test_nine_key_figures_are_set_in_three_rows_of_three(tmp_path):
    folder = copy_content(tmp_path)
    figures = "".join(f"      - value: {n}\n        label: ding {n}\n" for n in range(1, 10))
    chapter = folder / "thema" / "chapter.yaml"
    text = chapter.read_text(encoding="utf-8")
    start = text.index("  - key_figures:\n") + len("  - key_figures:\n")
    chapter.write_text(text[:start] + figures + text[text.index("  - story: tweede"):],
                       encoding="utf-8")
    _, pages = laid_out(folder)
    values = [(round(line.x), round(line.y)) for page in pages for line in page.items
              if isinstance(line, audit.Line) and line.text.strip() in map(str, range(1, 10))
              and any("kf-value" in node.classes for node in line.nodes)]
    assert len(values) == 9
    assert len({x for x, _ in values}) == 3 and len({y for _, y in values}) == 3
