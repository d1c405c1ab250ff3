"""The model → one paged HTML document, through the Jinja2 templates in layout/.

Python here only prepares values (Markdown to HTML, numbers in the report's language, QR codes
and chart arcs as SVG); what the page looks like, and every word it adds, is decided in
layout/ (the words in layout/strings/, see words.py).
"""
import functools
import math
from pathlib import Path

import jinja2
import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape

from . import PROJECT, content, images, maps, model, prose, words

LAYOUT_DIR = PROJECT / "layout"


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, not once per compose (a build composes each
    chunk, twice): keyed by Jinja on the template's source, so an edited template is new."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED = _CompiledTemplates()


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
    )
    env.globals.update(
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
    )
    return env.get_template("report.html").render(book=book)


@functools.lru_cache(maxsize=8)
def places_map(groups):
    """maps.places_map, once per set of places (a build composes a chunk twice)."""
    return maps.places_map(groups)


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
