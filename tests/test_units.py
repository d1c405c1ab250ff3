"""Unit tests of the model, the prose rules and the small compose helpers."""
import math
import re

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageOps

from reportpress import compose, images, model, prose, words


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=6))
def test_rounded_shares_add_up_to_100_and_stay_near_the_exact_share(values):
    shares = model.rounded_shares(values)
    total = sum(values)
    if total == 0:
        assert shares == [0] * len(values)
        return
    assert sum(shares) == 100
    for value, share in zip(values, shares, strict=True):
        assert abs(share - 100 * value / total) < 1


def test_entity_shares_and_totals():
    lines = tuple(model.FinanceLine(k, k, model.Colour(k, 0, 0, 0, 100))
                  for k in ("omzet", "subsidies"))
    figures = model.Figures(model.FinanceGroup("middelen", "", lines), (13916135, 30830677),
                            44746813)
    assert figures.shares == [31, 69]
    assert figures.computed_total == 44746812 != figures.stated_total == figures.total


# How each language groups thousands: Dutch a dot, French a narrow no-break space, English
# a comma (CLDR, through Babel).
GROUPING = {"nl": ".", "fr": "\u202f", "en": ",", "de": "."}


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(sorted(GROUPING)))
def test_numbers_are_grouped_by_thousands_the_languages_way(value, locale):
    text = words.number(value, locale)
    sep = GROUPING[locale]
    assert int(text.replace(sep, "")) == value
    assert re.fullmatch(r"\d{1,3}(" + re.escape(sep) + r"\d{3})*", text)


def test_amounts_and_shares_are_written_the_languages_way():
    assert words.amount(13916135, "nl", "EUR") == "€\u00a013.916.135"
    assert words.amount(13916135, "fr", "EUR") == "13\u202f916\u202f135\u00a0€"
    assert words.amount(13916135, "en", "EUR") == "€13,916,135"
    assert words.percent(31, "nl") == "31%" and words.percent(31, "fr") == "31\u00a0%"
    assert words.and_list(["a", "b", "c"], "nl") == "a, b en c"
    assert words.and_list(["<a>", "b"], "fr") == "&lt;a&gt; et b"  # (items escaped)


def _on_circle(x, y, radius, percent):
    """The point at `percent` of a turn (from 12 o'clock, clockwise) on the donut's circle."""
    angle = 2 * math.pi * percent / 100
    return (x - 50 == pytest.approx(radius * math.sin(angle), abs=0.002)
            and y - 50 == pytest.approx(-radius * math.cos(angle), abs=0.002))


@given(st.floats(min_value=0, max_value=100), st.floats(min_value=0.1, max_value=100))
def test_donut_arcs_run_from_their_start_to_their_end_share(start, share):
    path = compose.arc_path(start, share)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    move, outer, line, inner = numbers[0:2], numbers[2:9], numbers[9:11], numbers[11:18]
    end = start + min(share, 99.999)
    assert _on_circle(*move, 40, start) and _on_circle(*outer[5:], 40, end)
    assert _on_circle(*line, 26, end) and _on_circle(*inner[5:], 26, start)
    assert outer[3] == inner[3] == (1 if share > 50 else 0)  # the long way round past half
    assert path.rstrip().endswith("Z")


def _qr_pixels(svg, scale=8):
    """Draw the QR SVG's one path (unit squares 'Mx,yHx2Vy2Hxz') as a picture."""
    size = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)", svg):
        draw.rectangle([int(x0) * scale, int(y0) * scale,
                        int(x1) * scale - 1, int(y1) * scale - 1], fill=0)
    return size, image


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
               max_size=60))
def test_qr_svg_decodes_to_its_url_and_keeps_a_quiet_zone(path):
    url = "https://example.org/" + path
    svg = compose.qr_svg(url, "black", "QR")
    assert "<image" not in svg  # a vector, not a picture
    size, image = _qr_pixels(svg)
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [url]
    left, top, right, bottom = ImageOps.invert(image).getbbox()  # where the modules are
    assert min(left, top) >= 4 * 8 and max(right, bottom) <= (size - 4) * 8  # 4 modules clear


def test_blockquotes_become_pull_quotes_or_testimonials():
    parts = prose.blocks(
        "Het is fijn werken hier.\n\n> Het is fijn werken hier.\n\n"
        "> Een nieuwe zin.\n>\n> — Jessie De Naeghel, Team Onderwijs, Stad Gent\n")
    assert [b.kind for b in parts] == ["prose", "pull_quote", "testimonial"]
    assert parts[1].repeat and "Het is fijn werken hier." in parts[1].html
    assert parts[2].name == "Jessie De Naeghel" and parts[2].role == "Team Onderwijs, Stad Gent"
    assert "Jessie" not in parts[2].html and "Een nieuwe zin." in parts[2].html


def test_subheadings_and_their_text():
    parts = prose.blocks("## Wat doe je?\n\nDit.")
    assert [(b.kind, str(b.html).strip()) for b in parts] == [
        ("subheading", "Wat doe je?"), ("prose", "<p>Dit.</p>")]


def test_prose_is_typographic_and_escaped():
    html = str(prose.blocks('Hij zei "hallo" en <b>niets</b> -- https://example.org/x')[0].html)
    assert "“hallo”" in html and "&lt;b&gt;" in html and "–" in html
    assert '<a href="https://example.org/x">' in html


@given(st.text(max_size=200))
def test_prose_never_lets_markup_through(text):
    html = "".join(str(b.html) for b in prose.blocks(text))
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    list(prose.check(text))  # and the checker takes any text without failing


class _Province:
    def __init__(self, places):
        self.places = places


@given(st.lists(st.integers(min_value=0, max_value=20), max_size=8),
       st.integers(min_value=1, max_value=4))
def test_balanced_columns_keep_the_order_and_even_out_the_tallest(lengths, count):
    items = [_Province(["x"] * n) for n in lengths]
    columns = compose.balanced_columns(items, count, "places", extra=2)
    assert [item for column in columns for item in column] == items  # in order, all there
    assert len(columns) <= count and all(columns)

    def tallest(split):
        return max((sum(len(i.places) + 2 for i in column) for column in split), default=0)

    # no way of cutting the list into `count` runs has a shorter tallest column
    def cuts(start, left):
        if left == 1:
            yield [items[start:]]
            return
        for end in range(start, len(items) + 1):
            for rest in cuts(end, left - 1):
                yield [items[start:end], *rest]

    assert tallest(columns) == min(tallest(split) for split in cuts(0, count))


@given(st.floats(min_value=50, max_value=620), st.sampled_from(["print", "digital"]))
def test_photos_keep_the_resolution_a_full_page_of_the_reports_size_needs(mm, edition):
    pixels = images.max_short_side(edition, mm)
    needed = mm / 25.4 * images.PPI[edition]
    assert needed <= pixels < needed + 100


def test_an_a4_page_keeps_the_sizes_photos_always_had():
    assert images.max_short_side("print", 297 + 6) == 5400  # (so cached photos stay valid)
    assert images.max_short_side("digital", 297) == 1800
