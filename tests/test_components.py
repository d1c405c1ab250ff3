"""The components a designer chooses in content, each built in the mini fixture and read back
from the print PDF: the locations map (dots where the coordinates say, in their province's
colour), key figures (numerals of 36 pt and more on a tint band, the difference from last
year), the logo on both covers, the colophon's responsible publisher and printer; and the
content errors each one's bad values give."""
import shutil

import pdfplumber
import pytest
from helpers import copy_content, edit, run
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from reportpress import compose, content, maps, model, words

LOGO = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 50" width="200" height="50">
  <title>Test</title>
  <rect x="0" y="0" width="50" height="50" style="fill:#ff0000"/>
  <circle cx="100" cy="25" r="25" fill="#00ff00"/>
</svg>
"""
BOARD = ["Ann Peeters", "Jan Claes", "Mia Wouters", "Tom Maes"]
PLACES = {"Brugge": (51.20892, 3.22424), "Gent": (51.05, 3.71667), "Genk": (50.965, 5.50082)}


def with_components(tmp_path):
    """The mini fixture with a cover (photo and logo), a locations chapter, a colophon and
    the logo on the back cover; its key figures with last year's values."""
    folder = copy_content(tmp_path)
    for name in ("voorplat", "locaties", "bestuur", "colofon"):
        (folder / name).mkdir()
    Image.new("RGB", (2600, 3600), (40, 90, 160)).save(folder / "photos" / "cover.jpg")
    Image.new("RGB", (3000, 2000), (60, 140, 60)).save(folder / "photos" / "veld.jpg")
    with (folder / "photos.yaml").open("a", encoding="utf-8") as photos:
        photos.write("cover:\n  file: photos/cover.jpg\n  credit: Test\n  licence: CC0 1.0\n"
                     "veld:\n  file: photos/veld.jpg\n  credit: Veldfotograaf\n"
                     "  licence: CC0 1.0\n")
    (folder / "logo.svg").write_text(LOGO, encoding="utf-8")
    (folder / "voorplat" / "chapter.yaml").write_text(
        "kind: cover\ntitle: Testverslag\nphoto: cover\nlogo: logo.svg\n", encoding="utf-8")
    places = "".join(f"      - {{name: {name}, lat: {lat}, lon: {lon}}}\n"
                     for name, (lat, lon) in PLACES.items() if name != "Genk")
    (folder / "locaties" / "chapter.yaml").write_text(
        "kind: locations\ntitle: Locaties\nprovinces:\n"
        f"  - name: Noord\n    colour: thema\n    places:\n{places}"
        "  - name: Oost\n    places:\n"
        f"      - {{name: Genk, lat: {PLACES['Genk'][0]}, lon: {PLACES['Genk'][1]}}}\n"
        "      - Nergens\n", encoding="utf-8")
    (folder / "bestuur" / "chapter.yaml").write_text(
        "kind: board\ntitle: Bestuur\nfigure:\n  photo: veld\n  alt: Een veld\ngroups:\n"
        "  - name: Raad van Bestuur\n    members:\n"
        + "".join(f"      - name: {name}\n" for name in BOARD), encoding="utf-8")
    (folder / "colofon" / "chapter.yaml").write_text(
        "kind: colophon\ntitle: Colofon\nprinter: Drukkerij Test\n"
        "publisher: Ann Peeters, Teststraat 1, 1000 Brussel\ncopyright: Alle rechten.\n"
        "scope: Cijfers over 2023.\nmission: Wij doen dingen.\nsdgs: Duurzame doelen.\n",
        encoding="utf-8")
    edit(folder / "report.yaml", "  - online\n", "  - voorplat\n  - online\n")
    edit(folder / "report.yaml", "binding: saddle-stitch", "binding: perfect")  # (10 pages)
    edit(folder / "report.yaml", "  - achterkant\n",
         "  - locaties\n  - bestuur\n  - colofon\n  - achterkant\n")
    edit(folder / "achterkant" / "chapter.yaml", "social: [Facebook]\n",
         "social: [Facebook]\nlogo: logo.svg\n")
    chapter = folder / "thema" / "chapter.yaml"
    edit(chapter, "        label: deelnemers\n",
         "        label: deelnemers\n        previous: 1300\n")
    edit(chapter, "        label: scholen\n", "        label: scholen\n        previous: 56\n")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("components")
    folder = with_components(tmp_path)
    pdf = tmp_path / "out.pdf"
    code = run_quiet("--content", folder, "-o", pdf)
    assert code == 0
    book, _ = content.load(folder)
    with pdfplumber.open(pdf) as plumber:
        pages = [(page.extract_text() or "", page.rects, page.curves, page.chars)
                 for page in plumber.pages]
        board = next(page for page in plumber.pages if "Raad van Bestuur" in
                     (page.extract_text() or ""))
        photo_on_board = (_pdf_box(board, "TrimBox"), _pdf_box(board, "BleedBox"),
                          [_pdf_box_of(board, image) for image in board.images],
                          [_pdf_box_of(board, c) for c in board.chars if c["text"] != " "])
    return book, pages, photo_on_board


def _pdf_box(page, name):
    """A page box (x0, y0, x1, y1) in PDF points, y up."""
    return tuple(float(v) for v in page.page_obj.attrs[name])


def _pdf_box_of(page, item):
    """An image's (as drawn, before its clip) or glyph's box in the same PDF points as
    _pdf_box (pdfplumber counts y from the media box's foot)."""
    foot = float(page.page_obj.attrs["MediaBox"][1])
    return (item["x0"], item["y0"] + foot, item["x1"], item["y1"] + foot)


def run_quiet(*args):
    from reportpress import cli
    return cli.main([str(a) for a in args])


def page_with(pages, text):
    return next(page for page in pages if text in page[0])


def near(a, b, tolerance=0.002):
    return all(abs(x - y) < tolerance for x, y in zip(a, b, strict=True))


def test_the_maps_dots_stand_where_their_coordinates_say_in_their_provinces_colour(built):
    book, pages, _ = built
    chapter = next(c for c in book.chapters if c.kind == "locations")
    drawn = compose.places_map(chapter.map_groups())
    _, rects, curves, _ = page_with(pages, "Locaties")
    # the map's frame: the paper-white rectangle with the map's own shape
    frame = next(r for r in rects if r["non_stroking_color"] == (0, 0, 0, 0)
                 and r["width"] / r["height"] == pytest.approx(drawn.width / drawn.height,
                                                               rel=0.01))
    # Noord names its colour; Oost, the second province, takes the palette's second
    colours = {"Noord": book.colours["thema"].fractions,
               "Oost": list(book.colours.values())[1].fractions}
    found = {}
    for curve in curves:
        cx, cy = curve["x0"] + curve["width"] / 2, curve["top"] + curve["height"] / 2
        inside = (frame["x0"] < cx < frame["x1"] and frame["top"] < cy < frame["bottom"])
        if not inside or curve["width"] > frame["width"] * 0.03:  # (outlines, not dots)
            continue
        x = (cx - frame["x0"]) / frame["width"] * drawn.width
        y = (cy - frame["top"]) / frame["height"] * drawn.height
        lon, lat = maps.unproject(drawn.frame, x, y)
        name = min(PLACES, key=lambda n: abs(PLACES[n][0] - lat) + abs(PLACES[n][1] - lon))
        found[name] = (lat, lon, curve["non_stroking_color"])
    assert set(found) == set(PLACES)  # (Nergens has no coordinates: listed, not drawn)
    for name, (lat, lon, colour) in found.items():
        assert (lat, lon) == pytest.approx(PLACES[name], abs=0.01)
        province = "Oost" if name == "Genk" else "Noord"
        assert near(colour, colours[province])


def test_places_are_listed_beside_the_map_as_its_index(built):
    _, pages, _ = built
    text = page_with(pages, "Locaties")[0]
    assert all(name in text for name in ["Noord", "Oost", *PLACES, "Nergens"])


def test_key_figures_are_set_36_pt_and_larger_on_a_tint_of_the_chapter_colour(built):
    book, pages, _ = built
    _, rects, _, chars = page_with(pages, "deelnemers")
    numerals = [c for c in chars if c["text"].isdigit() and c["size"] > 20]
    assert {c["text"] for c in numerals} >= set("123456")
    assert min(c["size"] for c in numerals) >= 36
    tint = tuple(v * compose.TINT for v in book.colours["thema"].fractions)
    band = [r for r in rects if near(r["non_stroking_color"], tint, 0.001)]
    assert band and all(any(b["x0"] <= c["x0"] and c["x1"] <= b["x1"] and
                            b["top"] <= c["top"] and c["bottom"] <= b["bottom"] for b in band)
                        for c in numerals)


def test_a_key_figure_with_last_years_value_shows_the_difference(built):
    _, pages, _ = built
    text = " ".join(page_with(pages, "deelnemers")[0].split())
    assert "-66 tegenover vorig jaar" in text  # 1.234 against 1.300
    assert "evenveel als vorig jaar" in text  # 56 against 56


@pytest.mark.parametrize("value, previous, written", [
    (1234, 1100, "+134"), (5, 1005, "-1.000"), (7, 7, None)])
def test_the_difference_is_written_the_languages_way(value, previous, written):
    from reportpress import words
    assert words.signed(value - previous, "nl") == (written or "0")
    assert words.signed(value - previous, "fr").replace("\u202f", " ") == (
        (written or "0").replace(".", " "))


def test_the_logo_is_on_the_front_and_the_back_cover(built):
    _, pages, _ = built
    for _, rects, curves, _ in (pages[0], pages[-1]):
        # the logo's square and circle, 50 units each: the same size, side by side, in white
        circles = [c for c in curves if c["non_stroking_color"] == (0, 0, 0, 0)
                   and c["width"] == pytest.approx(c["height"], rel=0.01)]
        squares = [r for r in rects if r["non_stroking_color"] == (0, 0, 0, 0)
                   and any(r["width"] == pytest.approx(c["width"], rel=0.02) for c in circles)]
        assert circles and squares


def test_the_colophon_names_the_responsible_publisher_and_the_printer(built):
    _, pages, _ = built
    text = " ".join(page_with(pages, "Colofon")[0].split())
    assert "Verantwoordelijke uitgever: Ann Peeters, Teststraat 1, 1000 Brussel" in text
    assert "Druk: Drukkerij Test" in text


def test_the_boards_photo_fills_its_page_under_the_names_into_the_bleed(built):
    _, pages, (trim, bleed, images, chars) = built
    assert len(images) == 1
    x0, y0, x1, y1 = images[0]
    lowest_text = min(c[1] for c in chars)
    assert y1 < lowest_text  # under every name: the photo shares the page, below the columns
    assert x0 <= bleed[0] + 0.5 and x1 >= bleed[2] - 0.5 and y0 <= bleed[1] + 0.5  # sides, foot
    assert y1 - trim[1] > (trim[3] - trim[1]) * 0.3  # it fills what the columns leave
    text = " ".join(page_with(pages, "Colofon")[0].split())
    assert "Veldfotograaf (CC0 1.0)" in text  # credited like every photo placed


def test_a_boards_photo_placed_elsewhere_too_is_a_warning(capsys, tmp_path):
    folder = with_components(tmp_path)
    edit(folder / "bestuur" / "chapter.yaml", "photo: veld", "photo: cover")
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert code == 0
    assert any("content/bestuur/chapter.yaml" in row and "photo `cover` is placed twice" in row
               for row in err.splitlines()), err


def test_without_a_logo_the_covers_carry_the_name_as_a_wordmark(built):
    book, pages, _ = built
    assert book.organisation.upper() in pages[-1][0].upper()


BAD = [
    ("locaties/chapter.yaml", "lat: 51.05,", "lat: 95,", 8,
     "`lat` must be between -90 and 90 degrees, not 95"),
    ("locaties/chapter.yaml", "lon: 3.22424}", "lon: oost}", 7,
     "`lon` in a place must be a number"),
    ("thema/chapter.yaml", "previous: 1300", "previous: veel", None,
     "`previous` in a key figure must be a whole number, not 'veel'"),
    ("voorplat/chapter.yaml", "logo: logo.svg", "logo: photos/cover.jpg", 4,
     "logo 'photos/cover.jpg' must be an SVG file"),
    ("logo.svg", '<circle cx="100"', '<image href="https://example.org/x.png"/><circle cx="100"',
     5, "<image> is not allowed in a logo"),
    ("logo.svg", 'fill="#00ff00"', 'fill="url(https://example.org/paint)"', 5,
     "a logo may not refer to another file or address"),
    ("logo.svg", '<rect x="0"', '<rect onclick="alert(1)" x="0"', 4,
     "the event handler 'onclick' is not allowed"),
    ("logo.svg", '<?xml version="1.0" encoding="UTF-8"?>\n',
     '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaa">]>\n', 2,
     "a DOCTYPE or entity declaration is not allowed"),
]


@pytest.mark.parametrize("file, old, new, line, message", BAD)
def test_bad_component_values_are_content_errors_with_file_and_line(capsys, tmp_path, file,
                                                                    old, new, line, message):
    folder = with_components(tmp_path)
    edit(folder / file, old, new)
    code, err = run(capsys, "--content", folder, "-o", tmp_path / "out.pdf")
    assert code == 2
    if line is None:  # (the line of a key figure's `previous:`: where the edit put it)
        text = (folder / file).read_text(encoding="utf-8")
        line = text[:text.index(new)].count("\n") + 1
    where = f"content/{file}:{line}:"
    assert any(where in row and message in row for row in err.splitlines()), err
    assert "Traceback" not in err
    shutil.rmtree(folder)


def test_the_2022_reports_key_figures_are_set_36_to_40_pt(build):
    """Every key figure of the real report, found in the PDF as printed: 36–40 pt (the
    brief), six-digit numbers in a row of four included."""
    wanted = {words.number(f.value, build.book.locale) for _, panel in _panels(build.book)
              for f in panel.figures}
    found = {}
    with pdfplumber.open(build.pdf) as plumber:
        for page in plumber.pages:
            for word in page.extract_words(extra_attrs=["size"]):
                text = word["text"].rstrip("*")
                if text in wanted and word["size"] > 20:
                    found.setdefault(text, []).append(word["size"])
    assert set(found) == wanted
    assert all(36 <= size <= 40 for sizes in found.values() for size in sizes), found


def _panels(book):
    for chapter in book.chapters:
        for section in getattr(chapter, "sections", []):
            if isinstance(section, model.KeyFigurePanel):
                yield chapter, section


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=12),
       st.sampled_from([148, 170, 210, 215.9]), st.booleans())
def test_the_key_figure_grid_leaves_the_widest_numeral_36_pt(values, page_w, marked):
    written = [words.number(v, "nl") for v in values]
    grid = compose.key_figure_grid(written, marked, page_w)
    rows = -(-len(values) // grid.columns)
    assert 1 <= grid.columns <= compose.KEY_FIGURE_COLUMNS
    assert rows * grid.columns - len(values) < rows  # rows as even as can be: none a gap short
    column_mm = (page_w - compose.KEY_FIGURE_INSET_MM) / grid.columns - compose.KEY_FIGURE_GAP_MM
    size_pt = min(compose.KEY_FIGURE_PT[1], column_mm / compose.MM_PER_PT / grid.em)
    if grid.columns > 1:  # (a number wider than the whole text block shrinks: nothing else can)
        assert size_pt >= compose.KEY_FIGURE_PT[0]
    count = len(values)
    even = -(-count // -(-count // 4))  # the grid by the count alone: 8 → 4, 6 → 3, 5 → 3
    assert grid.columns <= even
    if grid.columns < even:  # fewer only for want of room: the count's grid is too narrow
        even_mm = (page_w - compose.KEY_FIGURE_INSET_MM) / even - compose.KEY_FIGURE_GAP_MM
        assert even_mm / compose.MM_PER_PT / grid.em < compose.KEY_FIGURE_PT[0]


def _path_points(d):
    return [tuple(map(float, pair.split())) for pair in d.strip("MZ").replace("L", ",")
            .replace("M", ",").replace("Z", ",").split(",") if pair.strip()]


def test_the_map_is_framed_to_the_places_and_the_land_cut_to_the_frame():
    flanders = (tuple((name, lon, lat) for name, (lat, lon) in PLACES.items()),)
    drawn = maps.places_map(flanders)
    frame = drawn.frame
    lats, lons = [lat for lat, _ in PLACES.values()], [lon for _, lon in PLACES.values()]
    # around the places, with a margin: not the whole of Belgium (49.5–51.5 N, 2.5–6.4 E)
    assert frame.south < min(lats) and frame.north > max(lats)
    assert frame.west < min(lons) and frame.east > max(lons)
    assert frame.south > 50.0 and frame.east < 6.0
    # the dots spread over the map: the outermost within a fifth of its sides
    xs = [d.x for d in drawn.dots]
    assert min(xs) < drawn.width * 0.2 and max(xs) > drawn.width * 0.8
    assert drawn.land  # Belgium, cut to the frame like its neighbours
    for d in drawn.land + drawn.neighbours:
        assert all(-0.1 <= x <= drawn.width + 0.1 and -0.1 <= y <= drawn.height + 0.1
                   for x, y in _path_points(d))


def test_places_across_the_country_show_the_whole_country():
    across = ((("Oostende", 2.927, 51.216), ("Arlon", 5.816, 49.683), ("Genk", 5.5, 50.965)),)
    frame = maps.places_map(across).frame
    # Belgium's outline: 49.50–51.50 N, 2.54–6.41 E; the whole of it, with a margin
    assert frame.south < 49.5 and frame.north > 51.5
    assert frame.west < 2.54 and frame.east > 6.41
