"""The model → one paged HTML document, through the Jinja2 templates in layout/.

Python here only prepares values (Markdown to HTML, numbers in the report's language, QR codes
and chart arcs as SVG); what the page looks like, and every word it adds, is decided in
layout/ (the words in layout/strings/, see words.py).
"""
import contextlib
import dataclasses
import functools
import math
import struct
from pathlib import Path

import jinja2
import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape

from . import CACHE, LAYOUT, PROJECT, anchors, content, glyphs, images, maps, model, prose, words
from .output import write_atomically

LAYOUT_DIR = LAYOUT


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once, not once per compose (a build composes each chunk, twice):
    kept in memory for the process and on disk for the next one (compiling them all takes
    a fresh build a third of a second). Jinja keys them on the template's source, so an
    edited template is new, and reads nothing compiled by another Jinja or Python."""

    def __init__(self, folder):
        self.compiled, self.folder = {}, Path(folder)

    def load_bytecode(self, bucket):
        if bucket.key not in self.compiled:
            with contextlib.suppress(OSError):
                self.compiled[bucket.key] = (self.folder / bucket.key).read_bytes()
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = compiled = bucket.bytecode_to_string()
        with contextlib.suppress(OSError):
            write_atomically(self.folder / bucket.key,
                             lambda path: Path(path).write_bytes(compiled))


COMPILED = _CompiledTemplates(CACHE / "templates")


def compose(book, edition="print", image_for=None, layout_dir=LAYOUT_DIR, chunk=None,
            page_of=None):
    """Return the report as an HTML string; its relative URLs resolve against layout_dir.
    `edition`: "print" (CMYK colours) or "digital" (sRGB); `image_for(photo)` gives the
    URL of the file to place for a photo in this edition (default: the photo itself).
    `chunk` (chunks.Chunk): only its chapters, numbered from its first page, with page
    references written out from `page_of` ({anchor: page}) instead of left to the layout."""
    image_for = image_for or (lambda photo: Path(photo.path).resolve().as_uri())
    paint = css_cmyk if edition == "print" else css_rgb
    env = jinja2.Environment(
        extensions=["jinja2.ext.do"],
        loader=jinja2.FileSystemLoader(layout_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=COMPILED,
    )
    env.filters.update(
        blocks=prose.blocks,
        inline=lambda text: Markup(prose.inline_html(text)),
        number=lambda value: words.number(value, book.locale),
        amount=lambda value: words.amount(value, book.locale, book.currency),
        percent=lambda share: words.percent(share, book.locale),
        signed=lambda value: words.signed(value, book.locale),
        and_list=lambda items: words.and_list(items, book.locale),
        css_string=css_string,
        paint=paint,
        qr_svg=qr_svg,
        image_url=image_for,
        balanced_columns=balanced_columns,
        text_safe=text_safe,
        tint=tint,
        places_map=lambda chapter: places_map(chapter.map_groups()),
        logo_svg=logo_svg,
        focus_position=focus_position,
    )
    env.globals.update(
        anchors=anchors,
        edition=edition,
        t=words.translator(book.strings),
        template_of=lambda chapter: content.KINDS[chapter.kind].template,
        ink=lambda c, m, y, k: paint(model.Colour("", c, m, y, k)),
        arc_path=arc_path,
        is_story=lambda section: isinstance(section, model.Story),
        online_chapter=next((c for c in book.chapters if isinstance(c, model.OnlineChapter)),
                            None),
        chunk=chunk,
        page_of=page_of if chunk else None,
        spread_crop=lambda figure: spread_crop(
            figure, book.trim_width_mm, book.trim_height_mm,
            book.bleed_mm if edition == "print" else 0),
        contents_entries=contents_entries,
        key_figure_grid=lambda panel: key_figure_grid(
            [words.number(f.value, book.locale) for f in panel.figures],
            any(f.note for f in panel.figures), book.trim_width_mm),
    )
    return env.get_template("report.html").render(book=book)


@functools.lru_cache(maxsize=8)
def places_map(groups):
    """maps.places_map, once per set of places (a build composes a chunk twice), and kept
    for the next build (reading the world's outlines takes longer than composing all else)."""
    return maps.places_map(groups, CACHE / "maps")


def logo_svg(logo, colour, title):
    """The checked logo (content/logo.py) as inline SVG in `colour`, described by `title`."""
    svg = logo.svg.replace(model.Logo.INK, str(escape(colour)))
    head = svg.index(">") + 1
    return Markup(f'{svg[:head]}<title>{escape(title)}</title>{svg[head:]}')


def css_string(text):
    """Text (markup from `t`) as a quoted CSS string: a <style> is not HTML-unescaped."""
    raw = text.unescape() if isinstance(text, Markup) else str(text)
    quoted = "".join(f"\\{ord(c):x} " if c in '"\\<>\n' else c for c in raw)
    return Markup(f'"{quoted}"')


TEXT_CONTRAST = 4.6  # against the paper: 4.5:1 (body text), with a little to spare


@functools.lru_cache(maxsize=64)
def text_safe(colour):
    """The colour's shade for text: as it is if it reads at 4.5:1 on the paper, else with
    black added until it does (as the press prints both). A shade that reads on white
    carries white text just as well: a fill behind white text takes it too."""
    from .audit import contrast, to_rgb

    paper = to_rgb(("device-cmyk", (0, 0, 0, 0)))
    for k in range(round(colour.k), 101):
        shade = model.Colour(colour.name, colour.c, colour.m, colour.y, k)
        if contrast(to_rgb(("device-cmyk", (shade.c / 100, shade.m / 100, shade.y / 100,
                                            k / 100))), paper) >= TEXT_CONTRAST:
            return shade
    return shade


TINT = 0.12  # the brief's tint behind panels and bands: 10–15 % of the colour


def tint(colour, share=TINT):
    """The colour at `share` of its strength: each ink scaled alike, so a spot colour's tint
    is a tint of its own plate (spots.py finds it by that)."""
    return model.Colour(colour.name, *(round(v * share, 3) for v in
                                       (colour.c, colour.m, colour.y, colour.k)), colour.spot)


def css_cmyk(colour):
    """A model.Colour as a CSS device-cmyk() value, so print colours stay CMYK in the PDF."""
    return f"device-cmyk({colour.c:g}% {colour.m:g}% {colour.y:g}% {colour.k:g}%)"


def css_rgb(colour):
    """A model.Colour as CSS rgb(), as the press would print it (digital edition)."""
    return "rgb({} {} {})".format(*images.press_to_rgb(colour.c, colour.m, colour.y, colour.k))


@functools.lru_cache(maxsize=256)
def qr_svg(url, colour, title, size_mm=30):
    """A QR code as inline vector SVG: solid modules in `colour`, 4-module quiet zone,
    error level M; `title` (markup) says what it is, in the report's language."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image()
    modules = image.units(image.pixel_size, text=False)  # the path's own unit: one module
    d = image.path.get("d")
    return Markup(
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {modules} {modules}"'
        f' width="{size_mm}mm" height="{size_mm}mm"><title>{escape(title)}</title>'
        f'<path d="{d}" fill="{escape(colour)}"/></svg>')


def balanced_columns(items, count, attribute, extra=0):
    """`items` in `count` columns, in order, as even as can be: each item's height is the
    length of its `attribute` (a list: lines) plus `extra` (its heading). A short list laid
    out this way, rather than balanced by CSS columns, costs WeasyPrint no trial layouts
    (CSS columns of blocks that must not break are balanced by trying heights, many
    times over)."""
    items = list(items)
    heights = [len(getattr(item, attribute)) + extra for item in items]

    def split(start, columns):
        """(tallest column, [column, ...]) for items[start:] in `columns` columns."""
        if columns == 1:
            return sum(heights[start:]), [items[start:]]
        best = None
        for end in range(start, len(items) + 1):
            rest, rest_columns = split(end, columns - 1)
            tallest = max(sum(heights[start:end]), rest)
            if best is None or tallest < best[0]:
                best = (tallest, [items[start:end], *rest_columns])
        return best

    return [column for column in split(0, count)[1] if column] if items else []


def arc_path(start, share, radius=40, inner=26, centre=50):
    """SVG path of a donut segment from `start` to `start + share` (both in percent)."""
    share = min(share, 99.999)  # an arc whose ends meet is not drawn at all
    a0 = 2 * math.pi * start / 100 - math.pi / 2
    a1 = 2 * math.pi * (start + share) / 100 - math.pi / 2
    large = 1 if share > 50 else 0

    def point(r, a):
        return f"{centre + r * math.cos(a):.3f} {centre + r * math.sin(a):.3f}"

    return (f"M {point(radius, a0)} A {radius} {radius} 0 {large} 1 {point(radius, a1)} "
            f"L {point(inner, a1)} A {inner} {inner} 0 {large} 0 {point(inner, a0)} Z")


def focus_position(figure):
    """A figure's focus as a CSS object-position: a crop keeps its subject in view."""
    x, y = figure.focus
    return f"{x:g}% {y:g}%"


@functools.lru_cache(maxsize=64)
def _pixels(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.size


SPREAD_HEIGHT = 0.5  # of the page: the photo across a spread, the story under it
GUTTER_SAFE = 0.22  # of the page width: how far the subject stays from the spine
MAX_ZOOM = 1.6  # how much more a photo may be enlarged to keep its subject off the spine


@dataclasses.dataclass(frozen=True)
class SpreadCrop:
    """One photo across the top of a spread, in mm. The photo box runs from the left page's
    outer bleed to the right page's, from the top bleed to `height` below the trim; the
    image (`image_w` × `image_h`) stands at (`x`, `y`) in that box. Each page shows its
    half from bleed edge to bleed edge (`half_w`: the press wants a photo that reaches the
    trim to run on; at the spine that strip is the other half's, cut away in imposition):
    the same image, moved by exactly one page width, so the halves meet at the spine."""

    page_w: float
    bleed: float
    height: float
    image_w: float
    image_h: float
    x: float
    y: float
    subject_off_gutter: bool  # the subject's centre at least GUTTER_SAFE from the spine

    @property
    def half_w(self):
        return self.page_w + 2 * self.bleed

    @property
    def box_h(self):
        return self.height + self.bleed

    @property
    def right_x(self):
        """The image's left edge in the right page's half (which starts a bleed before the
        spine, as the left half starts a bleed before the outer trim)."""
        return round(self.x - self.page_w, 3)


def spread_crop(figure, page_w, page_h, bleed):
    """Where to place a figure across a spread: covering the box, its focus where an
    object-position would put it, unless that is near the spine; then moved sideways (and
    enlarged, up to MAX_ZOOM, where the photo has no width to spare) until it is not."""
    iw, ih = _pixels(figure.photo.path)
    box_w, box_h = 2 * page_w + 2 * bleed, page_h * SPREAD_HEIGHT + bleed
    fx, fy = figure.focus[0] / 100, figure.focus[1] / 100
    gutter, safe = bleed + page_w, page_w * GUTTER_SAFE
    zoom = 1.0
    while True:
        scale = max(box_w / iw, box_h / ih) * zoom
        w, h = iw * scale, ih * scale
        ox = (w - box_w) * fx
        subject = fx * w - ox
        if abs(subject - gutter) < safe:  # to its side of the spine, `safe` away
            target = gutter - safe if subject <= gutter else gutter + safe
            ox = min(max(fx * w - target, 0), w - box_w)
        off = abs(fx * w - ox - gutter) >= safe - 0.01
        if off or zoom >= MAX_ZOOM:
            break
        zoom = min(MAX_ZOOM, zoom + 0.05)
    oy = (h - box_h) * fy
    return SpreadCrop(page_w, bleed, round(page_h * SPREAD_HEIGHT, 3), round(w, 3),
                      round(h, 3), round(-ox, 3), round(-oy, 3), off)


KEY_FIGURE_PT = (36, 38)  # the numerals' least and usual size (the brief: 36–44 pt)
KEY_FIGURE_COLUMNS = 4  # at most, in a row
# key-figures.css: a column is the text block (the page less 37 mm of margins; the band
# runs out into the margins by its padding) shared by the columns, less the gap after each
# (3 mm, and a hair for rounding)
KEY_FIGURE_INSET_MM, KEY_FIGURE_GAP_MM = 37, 3.2
MM_PER_PT = 25.4 / 72


@dataclasses.dataclass(frozen=True)
class KeyFigureGrid:
    columns: int
    em: float  # the widest numeral's width in ems of its font: what sizes it (CSS)


def key_figure_grid(written, marked, page_w):
    """The columns of a key-figure panel of these numerals (as printed): rows of at most
    four, as even as can be (8 → 4 + 4, 7 → 4 + 3, 6 → 3 + 3), but no more to a row than
    leave the widest numeral room at 36 pt: six digits take a row of three on A4."""
    em = max(_numeral_em(text, marked) for text in written) if written else 1.0
    count = max(len(written), 1)
    for most in range(KEY_FIGURE_COLUMNS, 0, -1):
        rows = -(-count // most)
        columns = -(-count // rows)
        column_mm = (page_w - KEY_FIGURE_INSET_MM) / columns - KEY_FIGURE_GAP_MM
        if em * KEY_FIGURE_PT[0] * MM_PER_PT <= column_mm:
            break
    return KeyFigureGrid(columns, round(em, 3))


def _numeral_em(text, marked):
    """A numeral's width in ems of Lato Black (the key figures' face), with the note's
    mark (`*`, set at half the numeral's size) where the panel has one."""
    advance, per_em = _black_advances()
    width = sum(advance.get(ord(ch), per_em * 0.25) for ch in text) / per_em
    return width + (advance.get(ord("*"), per_em * 0.5) / per_em * 0.5 if marked else 0)


@functools.lru_cache(maxsize=1)
def _black_advances():
    """{code point: advance width} of Lato Black, and its units per em."""
    from fontTools.ttLib import TTFont

    font = glyphs.by_number(TTFont(PROJECT / "fonts" / "lato" / "Lato-Black.ttf", lazy=True))
    # the advances as hmtx has them: (advance, side bearing) for the first numberOfHMetrics
    # glyphs, the last advance standing for the glyphs after
    count = font["hhea"].numberOfHMetrics
    advances = struct.unpack(f">{2 * count}H", font.reader["hmtx"][:4 * count])[::2]
    return ({code: advances[min(int(name.removeprefix("glyph")), count - 1)]
             for code, name in font.getBestCmap().items()}, font["head"].unitsPerEm)


def contents_entries(book, holder, stories=False):
    """[(chapter, [stories])] of the chapters a contents list names: every chapter with
    pages of its own to find, but the covers and the one holding the list."""
    skip = ("cover", "back-cover")
    entries = []
    for chapter in book.chapters:
        if chapter.kind in skip or chapter is holder:
            continue
        sections = [s for s in getattr(chapter, "sections", []) if isinstance(s, model.Story)]
        entries.append((chapter, sections if stories else []))
    return entries
