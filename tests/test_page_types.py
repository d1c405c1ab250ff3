"""The page types a story or chapter chooses in content (story openings, the spread photo,
the opener with a photo, the contents list), each built in a copy of the mini fixture and
read back from the PDF: the numbers the contents prints, where each photo is drawn and
clipped (from the page's content stream), and the content errors for bad values."""
import re

import pikepdf
import pytest
from helpers import copy_content, edit, run
from hypothesis import given, settings
from hypothesis import strategies as st
from pdftext import page_texts, words
from PIL import Image, ImageDraw

from reportpress import compose, model

MM = 72 / 25.4  # PDF points per mm
PARAGRAPH = ("Dit is een zin over het werk van de mensen in het project, met wat meer "
             "woorden erbij. ") * 8


def add_photo(folder, name, size):
    """A photo (vertical stripes, so that a crop shows) listed in the fixture's photos.yaml."""
    image = Image.new("RGB", size, (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 97):
        draw.line([(x, 0), (x, size[1])], fill="white", width=9)
    image.save(folder / "photos" / f"{name}.jpg", quality=80)
    with open(folder / "photos.yaml", "a", encoding="utf-8") as f:
        f.write(f"{name}:\n  file: photos/{name}.jpg\n  credit: Test\n  licence: CC0 1.0\n")


def add_story(folder, story_id, header, after="tweede-verhaal", paragraphs=6):
    (folder / "thema" / f"{story_id}.md").write_text(
        f"---\ntitle: Verhaal {story_id}\n{header}---\n\n"
        + "\n\n".join([PARAGRAPH] * paragraphs) + "\n", encoding="utf-8")
    edit(folder / "thema" / "chapter.yaml", f"  - story: {after}\n",
         f"  - story: {after}\n  - story: {story_id}\n")


def build(capsys, tmp_path, folder):
    """Build the print PDF; bound as a book (an even page count), since what is read back
    does not depend on the content filling a saddle-stitched multiple of 4."""
    edit(folder / "report.yaml", "binding: saddle-stitch", "binding: perfect")
    pdf = tmp_path / "out.pdf"
    code, err = run(capsys, "--content", folder, "-o", pdf)
    assert code == 0, err
    return pdf


# --- reading where images are drawn ------------------------------------------------------

def _multiply(a, b):
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _rect(ctm, x, y, w, h):
    xs, ys = [], []
    for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h)):
        xs.append(ctm[0] * px + ctm[2] * py + ctm[4])
        ys.append(ctm[1] * px + ctm[3] * py + ctm[5])
    return (min(xs), min(ys), max(xs), max(ys))


def _intersect(a, b):
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def drawn_images(page):
    """[(image's digest, where it is placed, where it is clipped)] in PDF points, for each
    image the page draws (form XObjects followed), with rectangle clips (`re W n`)."""
    found = []

    def walk(stream_owner, resources, ctm, clip):
        stack, path = [], []
        for operands, operator in pikepdf.parse_content_stream(stream_owner):
            op = str(operator)
            if op == "q":
                stack.append((ctm, clip))
            elif op == "Q":
                ctm, clip = stack.pop()
            elif op == "cm":
                ctm = _multiply([float(v) for v in operands], ctm)
            elif op == "re":
                path.append(_rect(ctm, *[float(v) for v in operands]))
            elif op in ("W", "W*"):
                for rect in path:
                    clip = _intersect(clip, rect)
            elif op in ("n", "f", "f*", "S", "B", "b"):
                path = []
            elif op == "Do":
                xobject = resources.XObject[operands[0]]
                if xobject.Subtype == "/Image":
                    digest = hash(bytes(xobject.read_raw_bytes()[:4096]))
                    found.append((digest, _rect(ctm, 0, 0, 1, 1), clip))
                elif xobject.Subtype == "/Form":
                    matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    walk(xobject, xobject.get("/Resources", resources),
                         _multiply(matrix, ctm), clip)

    walk(page, page.Resources, [1, 0, 0, 1, 0, 0], (-1e9, -1e9, 1e9, 1e9))
    return found


def boxes(page):
    return {name: tuple(float(v) for v in page.obj[f"/{name}"])
            for name in ("TrimBox", "BleedBox")}


# --- the contents list -------------------------------------------------------------------

def test_the_contents_prints_each_chapter_and_story_at_the_page_it_starts_on(capsys,
                                                                              tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / "online" / "chapter.yaml", "text: |-", "contents:\n  stories: true\ntext: |-")
    add_story(folder, "derde-verhaal", "", paragraphs=12)
    add_story(folder, "vierde-verhaal", "", after="derde-verhaal", paragraphs=10)
    pages = page_texts(build(capsys, tmp_path, folder))
    contents = pages[0]
    assert "Inhoud" in contents
    printed = {name: int(number) for name, number in
               re.findall(r"^(.+?)\s*(\d+)\s*$", contents, re.M)}
    # where each actually starts, found independently in the text of the pages
    opener_page = next(i for i, text in enumerate(pages, 1)
                       if "Een korte uitspraak uit het eerste verhaal" in text)
    expected = {"Thema": opener_page}
    for title in ("Het eerste verhaal", "Het tweede verhaal", "Verhaal derde-verhaal",
                  "Verhaal vierde-verhaal"):
        expected[title] = next(i for i, text in enumerate(pages[1:], 2)
                               if words(title) == words(text)[:len(words(title))]
                               or title in text)
    assert {name: printed.get(name) for name in expected} == expected
    assert len(set(expected.values())) >= 3  # (the stories do start on different pages)


# --- the spread photo --------------------------------------------------------------------

@pytest.mark.parametrize("trim", [(210, 297), (148, 210), (215.9, 279.4), (170, 240)])
def test_a_spread_photo_is_one_crop_split_at_the_spine(capsys, tmp_path, trim):
    folder = copy_content(tmp_path)
    edit(folder / "report.yaml", "  width_mm: 210\n  height_mm: 297\n",
         f"  width_mm: {trim[0]}\n  height_mm: {trim[1]}\n")
    add_photo(folder, "breed", (5200, 2900))
    add_story(folder, "over-de-rug", "opening: spread\nfigure:\n  photo: breed\n"
              "  caption: Breed.\n  alt: Strepen.\n  focus: [52%, 40%]\n", paragraphs=10)
    pdf = pikepdf.open(build(capsys, tmp_path, folder))
    drawn = [(number, image) for number, page in enumerate(pdf.pages, 1)
             for image in drawn_images(page)]
    digests = {}
    for number, image in drawn:
        digests.setdefault(image[0], []).append((number, image))
    halves = next(found for found in digests.values() if len(found) == 2)
    (left_no, (_, left_place, left_clip)), (right_no, (_, right_place, right_clip)) = halves
    assert left_no % 2 == 0 and right_no == left_no + 1  # a left page and the one facing it
    left_trim = boxes(pdf.pages[left_no - 1])["TrimBox"]
    right_trim = boxes(pdf.pages[right_no - 1])["TrimBox"]
    width = left_trim[2] - left_trim[0]
    assert width == pytest.approx(trim[0] * MM, abs=0.1)
    # what shows of each half inside its page ends at the spine, the trim edge there
    assert _intersect(left_clip, left_trim)[2] == pytest.approx(left_trim[2], abs=0.05)
    assert _intersect(right_clip, right_trim)[0] == pytest.approx(right_trim[0], abs=0.05)
    # the two crops are one: the same placement, moved by exactly one page width
    assert right_place[0] - right_trim[0] == pytest.approx(
        left_place[0] - left_trim[0] - width, abs=0.05)
    assert right_place[2] - right_place[0] == pytest.approx(left_place[2] - left_place[0],
                                                            abs=0.05)
    assert (right_place[1], right_place[3]) == pytest.approx((left_place[1], left_place[3]),
                                                             abs=0.05)
    # the subject (the focus, 52% across the photo) is kept off the spine
    subject = left_place[0] + 0.52 * (left_place[2] - left_place[0])
    assert abs(subject - left_trim[2]) >= compose.GUTTER_SAFE * width - 0.1


@settings(max_examples=200, deadline=None)
@given(st.integers(400, 9000), st.integers(400, 9000), st.floats(0, 100), st.floats(0, 100),
       st.sampled_from([(210, 297), (148, 210), (215.9, 279.4), (170, 240)]),
       st.sampled_from([0, 3, 5]))
def test_a_spread_crop_covers_its_box_and_keeps_a_subject_it_can_off_the_spine(
        tmp_path_factory, w, h, fx, fy, trim, bleed):
    path = tmp_path_factory.getbasetemp() / f"p{w}x{h}.png"
    if not path.exists():
        Image.new("RGB", (w, h)).save(path)
    figure = model.Figure(model.Photo("p", path, "", ""), "", "", "", (fx, fy))
    crop = compose.spread_crop(figure, trim[0], trim[1], bleed)
    box_w, box_h = 2 * trim[0] + 2 * bleed, crop.box_h
    tolerance = 0.01
    assert crop.x <= tolerance and crop.y <= tolerance
    assert crop.x + crop.image_w >= box_w - tolerance
    assert crop.y + crop.image_h >= box_h - tolerance
    assert crop.image_w / crop.image_h == pytest.approx(w / h, rel=1e-3)
    subject = crop.x + fx / 100 * crop.image_w
    if crop.subject_off_gutter:
        assert abs(subject - (bleed + trim[0])) >= compose.GUTTER_SAFE * trim[0] - 0.02


# --- the photo page and the opener with a photo -------------------------------------------

def test_a_photo_page_bleeds_off_the_page_and_the_story_faces_it(capsys, tmp_path):
    folder = copy_content(tmp_path)
    add_photo(folder, "hoog", (2600, 3800))
    add_story(folder, "naast-de-foto", "opening: photo-page\nstandfirst: Naast de foto.\n"
              "figure:\n  photo: hoog\n  caption: Hoog.\n  alt: Strepen.\n", paragraphs=3)
    path = build(capsys, tmp_path, folder)
    pdf = pikepdf.open(path)
    texts = page_texts(path)
    photo_page = next(number for number, text in enumerate(texts, 1) if "Hoog." in text)
    page = pdf.pages[photo_page - 1]
    (_, _, clip), = [image for image in drawn_images(page)]
    trim, bleed = boxes(page)["TrimBox"], boxes(page)["BleedBox"]
    assert photo_page % 2 == 0  # a left page
    shown = _intersect(clip, bleed)
    # the outer (left), top and bottom edges reach the bleed box; at the spine it covers
    # the trim (and its bleed, as the press wants)
    assert shown[0] == pytest.approx(bleed[0], abs=0.05)
    assert shown[1] == pytest.approx(bleed[1], abs=0.05)
    assert shown[3] == pytest.approx(bleed[3], abs=0.05)
    assert shown[2] >= trim[2] - 0.05
    assert "Verhaal naast-de-foto" in texts[photo_page]  # the facing page
    assert "Naast de foto." in texts[photo_page]


def test_an_opener_with_a_photo_prints_its_speaker_on_a_panel_over_a_bleeding_photo(
        capsys, tmp_path):
    folder = copy_content(tmp_path)
    add_photo(folder, "opener", (2600, 3800))
    edit(folder / "thema" / "chapter.yaml", "  refer: facing\n",
         "  refer: facing\n  photo:\n    photo: opener\n    alt: Strepen.\n")
    path = build(capsys, tmp_path, folder)
    texts = page_texts(path)
    number = next(i for i, text in enumerate(texts, 1) if "Een korte uitspraak" in text)
    assert number % 2 == 0
    assert {"ann", "deelnemer"} <= set(words(texts[number - 1]))  # by: name and role
    pdf = pikepdf.open(path)
    page = pdf.pages[number - 1]
    (_, _, clip), = drawn_images(page)
    bleed = boxes(page)["BleedBox"]
    assert _intersect(clip, bleed) == pytest.approx(bleed, abs=0.05)


def test_a_quote_opening_prints_the_quote_and_its_speaker_before_the_title(capsys, tmp_path):
    folder = copy_content(tmp_path)
    add_story(folder, "met-citaat", "opening: quote\nquote:\n  text: Samen doen we het "
              "beter.\n  by:\n    name: Bea\n    role: coach\n", paragraphs=2)
    texts = page_texts(build(capsys, tmp_path, folder))
    text = next(words(t) for t in texts if "Samen doen we het" in t)
    start = text.index("samen")
    assert text[start:start + 8] == ["samen", "doen", "we", "het", "beter", "bea", "coach",
                                     "verhaal"]


# --- bad values in the front matter ------------------------------------------------------

@pytest.mark.parametrize("header, line, message", [
    ("opening: poster\n", 3, "`opening` must be one of: photo, photo-page, spread, quote"),
    ("opening: spread\n", 3, "`opening: spread` needs a photo"),
    ("opening: quote\n", 2, "the story header needs `quote`"),
    ("standfirst: Los.\n", 3, "a `standfirst:` is printed only with an `opening:`"),
    ("opening: photo\nfigure:\n  photo: stripes\n  caption: S.\n  focus: [120%, 5]\n", 7,
     "`focus` must be two percentages"),
    ("opening: photo\nfigure:\n  photo: stripes\n  caption: S.\n  focus: [links, 5%]\n", 7,
     "`focus` must be two percentages"),
    ("quote:\n  text: Iets.\n", 3, "a `quote:` is printed only with `opening: quote`"),
])
def test_bad_page_type_values_are_content_errors_with_file_and_line(capsys, tmp_path, header,
                                                                     line, message):
    folder = copy_content(tmp_path)
    add_story(folder, "fout", header, paragraphs=1)
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert code == 2 and "Traceback" not in err
    assert f"content/thema/fout.md:{line}:" in err and message in err, err
    assert not (tmp_path / "out.pdf").exists()


def test_an_opener_photo_placed_twice_is_warned(capsys, tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / "thema" / "chapter.yaml", "  refer: facing\n",
         "  refer: facing\n  photo:\n    photo: stripes\n")
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert "photo `stripes` is placed twice" in err


def test_a_spread_photo_whose_subject_the_spine_would_cut_is_warned(capsys, tmp_path,
                                                                    monkeypatch):
    """A tall photo has no width to spare across a spread: with its subject in the middle
    and no enlarging allowed, nothing keeps it off the spine (compose.spread_crop)."""
    monkeypatch.setattr(compose, "MAX_ZOOM", 1.0)
    folder = copy_content(tmp_path)
    add_photo(folder, "hoog", (3600, 5400))
    add_story(folder, "op-de-rug", "opening: spread\nfigure:\n  photo: hoog\n"
              "  caption: Hoog.\n  alt: Strepen.\n  focus: [50%, 40%]\n", paragraphs=10)
    edit(folder / "report.yaml", "binding: saddle-stitch", "binding: perfect")
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert code == 0, err
    where = "content/thema/op-de-rug.md:8:"  # its `focus:` line
    assert any(where in row and "its subject cannot be kept off the spine" in row
               for row in err.splitlines()), err
    edit(folder / "thema" / "op-de-rug.md", "focus: [50%, 40%]", "focus: [15%, 40%]")
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert code == 0 and "off the spine" not in err, err  # a subject to one side stays there
