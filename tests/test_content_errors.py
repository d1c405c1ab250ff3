"""Content mistakes: every one reported at once, with file and line, exit code 2, no
traceback, and nothing written."""
import json

import pytest
from helpers import copy_content, edit, run
from PIL import Image

from reportpress import cli


@pytest.fixture
def content(tmp_path):
    return copy_content(tmp_path)


def build(capsys, content, tmp_path, *extra):
    out = tmp_path / "out.pdf"
    code, err = run(capsys, "--content", content, "-o", out, *extra)
    assert "Traceback" not in err
    return code, err, out


def test_yaml_syntax_error_names_file_line_and_column(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "title: Thema", "title: Thema: en meer")
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2 and not out.exists()
    assert "content/thema/chapter.yaml:2:" in err and "YAML syntax error" in err


def test_unknown_key_gets_a_suggestion(capsys, content, tmp_path):
    edit(content / "thema" / "tweede-verhaal.md", "title:", "tittle:")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "content/thema/tweede-verhaal.md:2: unknown key `tittle`" in err
    assert "did you mean `title`?" in err


def test_wrong_type_and_missing_field_are_both_reported(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "value: 1234", "value: twaalf")
    edit(content / "online" / "chapter.yaml", "title: Meer online.\n", "")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "content/thema/chapter.yaml:18: `value` in a key figure must be a whole number" in err
    assert "content/online/chapter.yaml" in err and "needs `title`" in err


def test_opener_pointing_at_a_missing_story(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "story: eerste-verhaal\nintro",
         "story: eerste-verhaaltje\nintro")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "`eerste-verhaaltje`, which does not exist" in err
    assert "did you mean `eerste-verhaal`?" in err


def test_facing_reference_needs_the_story_first(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "story: eerste-verhaal\nintro",
         "story: tweede-verhaal\nintro")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "must be the chapter's first section" in err


def test_duplicate_story_ids(capsys, content, tmp_path):
    (content / "online" / "eerste-verhaal.md").write_text(
        (content / "thema" / "eerste-verhaal.md").read_text())
    edit(content / "report.yaml", "  - thema", "  - thema\n  - extra")
    (content / "extra").mkdir()
    (content / "extra" / "chapter.yaml").write_text(
        "kind: stories\ntitle: Extra\nsections:\n  - story: eerste-verhaal\n")
    (content / "extra" / "eerste-verhaal.md").write_text("---\ntitle: X\n---\n\nTekst.\n")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "story id `eerste-verhaal` is used twice" in err


def test_empty_chapter_and_unlisted_folder_and_missing_folder(capsys, content, tmp_path):
    (content / "leeg").mkdir()
    (content / "leeg" / "chapter.yaml").write_text("kind: stories\ntitle: Leeg\nsections: []\n")
    edit(content / "report.yaml", "  - thema", "  - thema\n  - bestaat-niet")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "chapter `bestaat-niet` has no bestaat-niet/chapter.yaml" in err
    assert "chapter folder `leeg` is not listed in report.yaml" in err


@pytest.mark.parametrize("fault, message", [
    ("missing", "image 'photos/stripes.jpg' not found"),
    ("not-an-image", "is not a readable image"),
    ("gif", "is GIF; use JPEG or PNG"),
])
def test_bad_images(capsys, content, tmp_path, fault, message):
    photo = content / "photos" / "stripes.jpg"
    if fault == "missing":
        photo.unlink()
    elif fault == "not-an-image":
        photo.write_text("no picture here")
    else:
        Image.new("RGB", (10, 10)).save(photo, format="GIF")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "content/photos.yaml:2:" in err and message in err


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "link.jpg"])
def test_image_paths_cannot_leave_the_content_folder(capsys, content, tmp_path, path):
    (content / "link.jpg").symlink_to("/usr/share/pixmaps/debian-logo.png"
                                      if False else tmp_path / "outside.jpg")
    Image.new("RGB", (10, 10)).save(tmp_path / "outside.jpg")
    edit(content / "photos.yaml", "file: photos/stripes.jpg", f"file: {path}")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "must be relative and stay inside content/" in err or "leads outside content/" in err


def test_raw_html_in_markdown_is_refused_with_its_line(capsys, content, tmp_path):
    edit(content / "thema" / "tweede-verhaal.md", "Een tweede verhaal",
         '<img src="file:///etc/passwd"> Een tweede verhaal')
    edit(content / "thema" / "eerste-verhaal.md", "Daarna volgt",
         "<script>alert(1)</script>\n\nDaarna volgt")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "content/thema/tweede-verhaal.md:6: HTML is not allowed in prose" in err
    assert "content/thema/eerste-verhaal.md:13: HTML is not allowed in prose" in err


def test_links_only_to_the_web_or_mail(capsys, content, tmp_path):
    edit(content / "thema" / "tweede-verhaal.md", "Een tweede verhaal",
         "[klik](javascript:alert(1)) [lokaal](file:///etc/passwd) Een tweede verhaal")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "must start with https:// or mailto:" in err


def test_characters_the_fonts_cannot_set(capsys, content, tmp_path):
    edit(content / "thema" / "tweede-verhaal.md", "Een tweede verhaal",
         "Een tweede ☃ verhaal")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert ("content/thema/tweede-verhaal.md:6: the fonts cannot set '☃' "
            "(U+2603 SNOWMAN) in story `tweede-verhaal`") in err


def test_figures_that_do_not_add_up_warn_and_strict_fails(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "        label: deelnemers",
         "        label: deelnemers\n        parts:\n          - value: 1000\n"
         "            label: binnen\n          - value: 200\n            label: buiten")
    code = cli.main(["--content", str(content), "-o", str(tmp_path / "out.pdf"), "--strict",
                     "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "parts add up to 1200, the figure says 1234" in captured.err
    # --json: what stopped the build, as data
    [problem] = json.loads(captured.out)["findings"]
    assert (problem["kind"], problem["level"], problem["file"], problem["line"]) == (
        "content", "error", "content/thema/chapter.yaml", 18)


def test_python_tags_in_yaml_are_refused(capsys, content, tmp_path):
    edit(content / "thema" / "chapter.yaml", "title: Thema",
         "title: !!python/object/apply:os.system ['touch /tmp/pwned']")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "YAML" in err


def test_a_folder_that_is_no_content_folder(capsys, tmp_path):
    code, err, _ = build(capsys, tmp_path / "nothing-here", tmp_path)
    assert code == 2 and "no report.yaml in" in err


def test_a_number_that_is_text(capsys, content, tmp_path):
    edit(content / "report.yaml", "bleed_mm: 3", "bleed_mm: drie")
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2 and "content/report.yaml:11: `bleed_mm` in report.yaml must be a number" in err


@pytest.mark.parametrize("pages, message", [("0", "`pages` must be 1 or more, not 0"),
                                            ("zes", "`pages` in thema/chapter.yaml must be")])
def test_a_flatplan_that_is_no_page_count(capsys, content, tmp_path, pages, message):
    edit(content / "thema" / "chapter.yaml", "title: Thema\n", f"title: Thema\npages: {pages}\n")
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2 and not out.exists()
    assert f"content/thema/chapter.yaml:3: {message}" in err


# --- damaged files: a content error with file and line, never a crash ---

def png_header(width, height):
    """A PNG that says it is `width` × `height` (its pixels need not be there: the size is
    refused before they are read)."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                             0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("size", [(30000, 30000), (10000, 7000)])
def test_a_photo_with_too_many_pixels(capsys, content, tmp_path, size):
    (content / "photos" / "huge.png").write_bytes(png_header(*size))
    edit(content / "photos.yaml", "photos/stripes.jpg", "photos/huge.png")
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2 and not out.exists(), err
    assert "content/photos.yaml:2: 'photos/huge.png' has too many pixels" in err
    assert "at most 60 megapixels" in err


def test_a_truncated_jpeg(capsys, content, tmp_path, monkeypatch):
    from reportpress import pipeline

    # (photos are prepared once per content: a cache of its own sees this one afresh)
    monkeypatch.setattr(pipeline, "PHOTO_CACHE", tmp_path / "images")
    photo = content / "photos" / "stripes.jpg"
    Image.effect_noise((800, 600), 64).convert("RGB").save(photo, quality=95)
    photo.write_bytes(photo.read_bytes()[: photo.stat().st_size // 2])
    out = tmp_path / "out.pdf"
    out.write_bytes(b"%PDF- the previous good build")
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2, err
    assert "content/photos.yaml:2: photo `stripes` (stripes.jpg) is damaged" in err
    assert "truncated" in err
    assert out.read_bytes() == b"%PDF- the previous good build"


def test_a_story_that_is_not_utf8_names_its_line(capsys, content, tmp_path):
    story = content / "thema" / "tweede-verhaal.md"
    story.write_bytes(story.read_bytes().replace(b"Een tweede", b"Een \xe9\xe9n tweede"))
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert "content/thema/tweede-verhaal.md:6: not UTF-8 text: byte 0xe9" in err


def test_a_byte_order_mark_is_accepted(capsys, content, tmp_path):
    story = content / "thema" / "tweede-verhaal.md"
    story.write_bytes(b"\xef\xbb\xbf" + story.read_bytes())
    report = content / "report.yaml"
    report.write_bytes(b"\xef\xbb\xbf" + report.read_bytes())
    code, err, out = build(capsys, content, tmp_path, "--edition", "digital")
    assert code == 0 and out.exists(), err


def test_a_transparent_png_is_printed_on_white_with_a_warning(capsys, content, tmp_path):
    from reportpress import images

    photo = content / "photos" / "stripes.png"
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(photo)  # black, all of it transparent
    edit(content / "photos.yaml", "photos/stripes.jpg", "photos/stripes.png")
    code, err, out = build(capsys, content, tmp_path, "--edition", "digital")
    assert code == 0, err
    assert ("content/photos.yaml:2: 'photos/stripes.png' has transparent areas: they are "
            "printed white") in err
    prepared = images.prepare(photo, "print", tmp_path / "cache", 303)
    with Image.open(prepared) as image:
        assert image.mode == "CMYK"
        assert max(sum(image.getpixel((x, y))) for x in (0, 200, 399) for y in (0, 150, 299)) < 8


@pytest.mark.parametrize("old, new, message", [
    ("width_mm: 210", "width_mm: -210", ":9: `width_mm` must be between 50 and 600, not -210"),
    ("width_mm: 210", "width_mm: 0", ":9: `width_mm` must be between 50 and 600, not 0"),
    ("height_mm: 297", "height_mm: 5000", ":10: `height_mm` must be between 50 and 600"),
    ("bleed_mm: 3", "bleed_mm: .nan", ":11: `bleed_mm` must be between 0 and 10, not nan"),
    ("bleed_mm: 3", "bleed_mm: -.inf", ":11: `bleed_mm` must be between 0 and 10"),
    ("bleed_mm: 3", "bleed_mm: true", ":11: `bleed_mm` must be between 0 and 10"),
    ("year: 2023", "year: 99999", ":3: `year` must be between 1900 and 2999"),
])
def test_report_yaml_numbers_are_range_checked(capsys, content, tmp_path, old, new, message):
    edit(content / "report.yaml", old, new)
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2 and not out.exists(), err
    assert f"content/report.yaml{message}" in err


# --- sizes: a content error naming the file, before any layout ---

@pytest.mark.parametrize("body, message", [
    ("Woord " * 40_000, ": the story file is 240,0"),  # 240 kB
    ("x" * 9_000, ":6: a paragraph of 9,000 characters; at most 8,000"),
    ("> " * 25 + "diep", ":6: quotes or lists nested more than 6 deep"),
    ("".join(f"{'  ' * i}- lijst\n" for i in range(10)), ":12: quotes or lists nested more"),
])
def test_limits_on_a_story(capsys, content, tmp_path, body, message):
    story = content / "thema" / "tweede-verhaal.md"
    story.write_text("---\ntitle: Lang\nonline: true\n---\n\n" + body + "\n")
    code, err, out = build(capsys, content, tmp_path)
    assert code == 2 and not out.exists(), err
    assert f"content/thema/tweede-verhaal.md{message}" in err


def test_a_caption_of_a_megabyte_is_refused(capsys, content, tmp_path):
    chapter = content / "thema" / "chapter.yaml"
    line = chapter.read_text().splitlines().index("      - value: 1234") + 2  # its label
    edit(chapter, "label: deelnemers", "label: " + "x" * 100_000)
    code, err, _ = build(capsys, content, tmp_path)
    assert code == 2
    assert f"content/thema/chapter.yaml:{line}: a paragraph of 100,000 characters" in err
