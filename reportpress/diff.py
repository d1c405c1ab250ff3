"""What changed between two PDFs of the report: `make_pdf.py diff OLD.pdf NEW.pdf`.

Both PDFs are rendered page by page (pypdfium2) and compared pixel by pixel (Pillow):
- pages that look different, with an image per page (old and new side by side, the
  differing areas boxed in red) written to --out (default out/diff/);
- pages added or removed (when the page count differs, pages are paired by their text, so
  an inserted page does not make every later page count as "changed");
- headings (story titles, subheadings) that reflow pushed onto another page, read from
  the PDF's bookmarks (or, in a PDF without any, from lines set larger than the body text).

Exit code 0: the PDFs look identical (pixel-identical renders); 1: they differ;
2: an input could not be read (or the output folder not written).
"""
import argparse
import dataclasses
import difflib
import hashlib
import io
import math
import re
import sys
import threading
import warnings
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from . import lighter
from .errors import UnreadablePDF

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT / "out" / "diff"
DPI = 100
# PDFium must not be used from two threads at once (the proof server renders in the
# background while requests come in): every use goes through this lock.
PDFIUM_LOCK = threading.RLock()
RED = (220, 0, 0)
CELL = 8  # px: changed pixels are grouped into boxes on a grid of this size
# What counts as a change (see changed_boxes): a region of differing pixels where one
# differs by more than STRONG (of 255, in any channel), or where at least MIN_AREA differ.
STRONG, MIN_AREA = 100, 300


@dataclass
class Page:
    number: int  # 1-based
    image: Image.Image = field(repr=False)
    text: str = field(repr=False)
    source: str | None = field(default=None, repr=False)  # hash of what draws the page
    pixels_hash: str | None = field(default=None, repr=False, compare=False)  # (digest's)
    png: bytes | None = field(default=None, repr=False, compare=False)  # the image as PNG
    # drawn from a part (draw_part): a hash of what draws it there (its page_sources)
    look: str | None = field(default=None, repr=False, compare=False)

    @property
    def digest(self):
        """Hash of the rendered pixels: equal digests mean pixel-identical pages. (Worked
        out once per image: the proof asks for every page's, after every build.)"""
        if self.pixels_hash is None:
            image = self.image
            self.pixels_hash = hashlib.sha256(f"{image.mode}{image.size}".encode()
                                              + image.tobytes()).hexdigest()
        return self.pixels_hash

    def as_png(self):
        """The image as PNG bytes (made now, unless the page has them)."""
        if self.png is None:
            data = io.BytesIO()
            self.image.save(data, "PNG", compress_level=3)
            return data.getvalue()
        return self.png

    def packed(self, seen=()):
        """The page to send to another process: its digest and PNG made here, the pixels
        left out (3 MB a page; the PNG is 0.3 MB, and encoding it takes as long as
        drawing the page). A page whose digest is `seen` comes as its digest alone."""
        png = None if self.digest in seen else self.as_png()
        return dataclasses.replace(self, image=None, png=png)

    def __setstate__(self, state):
        """A packed page: its pixels are decoded from its PNG when looked at."""
        self.__dict__.update(state)
        if self.image is None and self.png is not None:
            self.image = Image.open(io.BytesIO(self.png))


@dataclass(frozen=True)
class Heading:
    title: str
    level: int
    page: int  # 1-based


@dataclass
class Rendering:
    """A PDF rendered for comparing: each page's pixels and text, and its headings."""

    path: Path
    pages: list
    headings: list


@dataclass
class PageChange:
    old: int | None  # page number in the old PDF (None: the page was added)
    new: int | None  # page number in the new PDF (None: the page was removed)
    boxes: list = field(default_factory=list)  # (left, top, right, bottom) px at `dpi`
    image: Path | None = None

    @property
    def kind(self):
        return "added" if self.old is None else "removed" if self.new is None else "changed"


@dataclass(frozen=True)
class Move:
    """A heading that stands on another page than before."""

    title: str
    level: int
    old_page: int
    new_page: int

    def __str__(self):
        return f"“{self.title}”: page {self.old_page} → {self.new_page}"


@dataclass
class DiffResult:
    old_pdf: Path
    new_pdf: Path
    old_page_count: int
    new_page_count: int
    changes: list = field(default_factory=list)  # PageChange, in new-page order
    moves: list = field(default_factory=list)  # Move
    dpi: int = DPI
    exact: bool = False

    @property
    def identical(self):
        return not self.changes

    @property
    def changed(self):
        """New page numbers of pages that are there in both but look different."""
        return [c.new for c in self.changes if c.kind == "changed"]

    @property
    def added(self):
        return [c.new for c in self.changes if c.kind == "added"]

    @property
    def removed(self):
        """Old page numbers of pages that are gone."""
        return [c.old for c in self.changes if c.kind == "removed"]

    @property
    def images(self):
        return [c.image for c in self.changes if c.image]

    def summary(self):
        lines = [f"old: {self.old_pdf} ({self.old_page_count} pages)",
                 f"new: {self.new_pdf} ({self.new_page_count} pages)"]
        if self.identical:
            lines.append("no differences: every page renders pixel-identical" if self.exact
                         else "no differences: every page looks the same")
            return "\n".join(lines)
        shifted = [c for c in self.changes if c.kind == "changed" and c.old != c.new]
        lines.append(f"changed pages: {page_ranges(self.changed) or 'none'}")
        if shifted:
            lines.append("  (now on another page: "
                         + ", ".join(f"{c.old} → {c.new}" for c in shifted) + ")")
        lines.append(f"added pages: {page_ranges(self.added) or 'none'}")
        lines.append(f"removed pages (old numbers): {page_ranges(self.removed) or 'none'}")
        if self.moves:
            lines.append("moved to another page:")
            lines += [f"  {move}" for move in self.moves]
        return "\n".join(lines)


def page_ranges(numbers):
    """[3, 4, 5, 9] -> '3–5, 9'."""
    parts, numbers = [], sorted(numbers)
    start = previous = None
    for n in numbers + [None]:
        if start is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = n
    return ", ".join(parts)


# --- reading -------------------------------------------------------------------------

def read(pdf_path, dpi=DPI, trim=False, previous=None, photo_cache=None, sources=None,
         drawn=(), keep=lambda page: page, looks=None):
    """Render every page of a PDF; raises UnreadablePDF with a message for people.
    trim: render only the trim box (the finished page, without bleed and crop marks).
    previous (a Rendering at the same dpi and trim): a page drawn by the same content and
    resources as one there is not rendered again (the proof, after an edit to one story).
    photo_cache (a folder; the proof): JPEG photos placed at more than twice `dpi` are
    drawn from their pixels at `dpi`, kept there (lighter.py): much the same on screen, in
    a fraction of the time. Without it, every pixel is decoded (comparing PDFs).
    sources: what draws each page, when the caller knows it (a build laid out in chunks);
    else worked out from the file (page_sources). drawn: pages of those sources drawn
    already, in the same way (draw_part). keep(page): what is held of each page drawn, as
    it is drawn (the proof: its PNG, 0.4 MB, not its pixels, 3 MB). looks ({source:
    Page.look}): what draws the pages it draws in their parts, for the next draw_part."""
    path = Path(pdf_path)
    if not path.is_file():
        raise UnreadablePDF(f"{path}: no such file")
    sources = sources or page_sources(path)
    known = {page.source: page for page in previous.pages if page.source} if previous else {}
    known.update((page.source, page) for page in _unpacked(drawn, previous))
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            raise UnreadablePDF(f"{path}: not a readable PDF ({error})") from None
        todo = [index for index in range(len(document))
                if index >= len(sources) or sources[index] not in known]
        drawing = _pages_to_draw(path, document, todo, dpi, photo_cache)
        try:
            pages = []
            for index in range(len(document)):
                source = sources[index] if index < len(sources) else None
                if source in known:
                    pages.append(dataclasses.replace(known[source], number=index + 1))
                else:
                    page = _draw(next(drawing), index + 1, dpi, trim, source)
                    page.look = (looks or {}).get(source)
                    pages.append(keep(page))
            headings = _bookmarks(document) or _large_lines(document)
        except pdfium.PdfiumError as error:
            raise UnreadablePDF(f"{path}: a page could not be rendered ({error})") from None
        finally:
            drawing.close()
            document.close()
    return Rendering(path, pages, headings)


def _unpacked(drawn, previous):
    """The `drawn` pages; those that came without pixels get those of the page of
    `previous` that looks the same."""
    pages = [page for page in drawn if page.image is not None]
    if len(pages) < len(drawn):
        alike = {page.digest: page for page in previous.pages} if previous else {}
        pages += [dataclasses.replace(alike[page.digest], source=page.source, look=page.look,
                                      text=alike[page.digest].text if page.text is None
                                      else page.text)
                  for page in drawn if page.image is None and page.digest in alike]
    return pages


def draw_part(pdf_path, sources, indexes=None, dpi=DPI, trim=False, photo_cache=None,
              seen=(), looks=None):
    """The pages at `indexes` (default: all) of a PDF that is a part of another (a chunk of
    the report), drawn as read() draws them there, `sources[i]` being what draws page i.
    The proof has worker processes draw them while the parts are put together, so each
    comes packed (Page.packed): as its digest alone when that is in `seen` (the digests
    of the pages it shows, which read() is given as `previous`). `looks` ({Page.look:
    digest} of the pages shown): a page drawn by the same content and resources as one of
    those is not drawn at all (a chunk laid out again after an edit to one of its stories:
    its other pages are usually unchanged), and comes as that digest alone."""
    path = Path(pdf_path)
    indexes = list(range(len(sources)) if indexes is None else indexes)
    hashes = page_sources(path) if looks is not None else []
    alike = {index: looks[hashes[index]] for index in indexes
             if index < len(hashes) and hashes[index] in looks}
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(str(path))
        drawing = _pages_to_draw(path, document, [i for i in indexes if i not in alike], dpi,
                                 photo_cache)
        try:
            pages = []
            for index in indexes:
                if index in alike:  # (its text too is that page's: see _unpacked)
                    page = Page(index + 1, None, None, sources[index], alike[index])
                else:
                    page = _draw(next(drawing), index + 1, dpi, trim, sources[index])
                page.look = hashes[index] if index < len(hashes) else None
                pages.append(page if index in alike else page.packed(seen))
            return pages
        finally:
            drawing.close()
            document.close()


def _draw(page, number, dpi, trim, source):
    """A pdfium page rendered, its text read; the page is closed."""
    if trim:  # drawn from the trim box's corner: the same pixels wherever the media box is
        page.set_cropbox(*page.get_trimbox())  # (a chunk's, or the merged page's with marks)
    image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    textpage.close()
    page.close()
    return Page(number, image, text, source)


LIGHTER_AT_ONCE = 8  # pages: their photos' lighter pixels are held while they are drawn


def _pages_to_draw(path, document, indexes, dpi, photo_cache):
    """The pdfium pages at `indexes`, in order: with a `photo_cache`, from copies whose
    photos are lighter, made a few pages at a time."""
    for batch, scales in _batches(document, indexes, dpi) if photo_cache else [(indexes, {})]:
        light = _lighter_pages(path, batch, scales, photo_cache)
        try:
            for number, index in enumerate(batch):
                yield light[number] if light else document[index]
        finally:
            if light:
                light.close()


def _batches(document, indexes, dpi):
    """`indexes` in runs of up to LIGHTER_AT_ONCE pages, each with the scale its photos are
    wanted at: {(width, height) in pixels: scale, None where placed at up to twice `dpi`}.
    Pages that want one size of photo at different scales are in different runs: a photo is
    one image in a copy, and a page must look the same whichever pages are drawn with it
    (the proof draws a chunk's pages on their own, then the others from the whole)."""
    batches = []
    for index in indexes:
        page, ppis = document[index], {}
        for size, ppi in _photos_placed(page):
            ppis[size] = min(ppis.get(size, ppi), ppi)
        page.close()
        wants = {size: dpi / ppi if ppi > 2 * dpi else None for size, ppi in ppis.items()}
        if (not batches or len(batches[-1][0]) == LIGHTER_AT_ONCE
                or any(batches[-1][1].get(size, scale) != scale
                       for size, scale in wants.items())):
            batches.append(([], {}))
        batches[-1][0].append(index)
        batches[-1][1].update(wants)
    return batches


def _lighter_pages(path, indexes, scales, cache_dir):
    """The pages at `indexes` as a pdfium document of their own, their JPEG photos at the
    `scales` of their sizes made lighter (None: no photo was)."""
    if not any(scales.values()):
        return None
    try:
        with pikepdf.open(path) as pdf:
            wanted = {}  # object -> (image stream, scale)
            for index in indexes:
                for image in _page_images(pdf.pages[index].obj.get("/Resources"), set()):
                    size = (int(image.get("/Width", 0)), int(image.get("/Height", 0)))
                    if scales.get(size):
                        wanted[image.objgen] = (image, scales[size])
            if not lighter.lighten(list(wanted.values()), cache_dir):
                return None
            copy = pikepdf.new()
            with warnings.catch_warnings():  # (no links to keep: it is only drawn)
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                copy.pages.extend(pdf.pages[index] for index in indexes)
            data = io.BytesIO()  # (as fast as it can be written: nothing compressed)
            copy.save(data, compress_streams=False,
                      stream_decode_level=pikepdf.StreamDecodeLevel.none)
    except (pikepdf.PdfError, OSError, ValueError):
        return None
    return pdfium.PdfDocument(data.getvalue())


def _photos_placed(page):
    """[((width, height) in pixels, ppi)] of each image the page draws (in forms too)."""
    found, forms = [], []  # forms: the page matrix of each form the objects are in
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,
                                        pdfium_c.FPDF_PAGEOBJ_FORM)):
        del forms[obj.level:]
        matrix = obj.get_matrix()
        if forms:
            matrix = matrix.multiply(forms[-1])
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            forms.append(matrix)
            continue
        a, b, c, d, _, _ = matrix.get()
        width, height = obj.get_px_size()
        across, down = math.hypot(a, b) / 72, math.hypot(c, d) / 72  # inches
        if across and down:
            found.append(((width, height), min(width / across, height / down)))
    return found


def _page_images(resources, seen):
    """The image streams a page's (or form's, or pattern's) resources hold, in forms too."""
    if not isinstance(resources, pikepdf.Dictionary) or resources.objgen in seen:
        return
    if resources.is_indirect:
        seen.add(resources.objgen)
    for kind in ("/XObject", "/Pattern"):
        for item in resources.get(kind, {}).values():
            if not isinstance(item, pikepdf.Stream):
                continue
            if item.get("/Subtype") == "/Image":
                yield item
            else:
                yield from _page_images(item.get("/Resources"), seen)


def page_sources(path):
    """For each page, a hash of everything that draws it: its boxes, its content and every
    object its resources reach (fonts, images, …). Equal hashes: the page looks the same.
    [] if the file cannot be read this way (then every page is rendered)."""
    try:
        with pikepdf.open(path) as pdf:
            memo = {}
            return [_source_hash(page.obj, memo) for page in pdf.pages]
    except (pikepdf.PdfError, OSError, ValueError, RecursionError):
        return []


def _source_hash(obj, memo, skip=("/Parent",)):
    if not isinstance(obj, pikepdf.Object):  # numbers and booleans come as Python's own
        return repr(obj)
    if obj.is_indirect and obj.objgen in memo:
        return memo[obj.objgen]
    if obj.is_indirect:
        memo[obj.objgen] = "cycle"
    digest = hashlib.sha256()
    if isinstance(obj, pikepdf.Stream):
        digest.update(obj.read_raw_bytes())
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for key in sorted(obj.keys()):
            if key not in skip:
                digest.update(key.encode() + _source_hash(obj[key], memo).encode())
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            digest.update(_source_hash(item, memo).encode())
    else:
        digest.update(repr(obj).encode())
    result = digest.hexdigest()
    if obj.is_indirect:
        memo[obj.objgen] = result
    return result


def _bookmarks(document):
    """Headings from the PDF's outline (WeasyPrint makes one per h1–h6)."""
    headings = []
    for bookmark in document.get_toc():
        dest = bookmark.get_dest()
        index = dest.get_index() if dest else None
        if index is not None:
            headings.append(Heading(" ".join(bookmark.get_title().split()),
                                    bookmark.level + 1, index + 1))
    return headings


def _large_lines(document):
    """Without bookmarks: text lines set clearly larger than the body text are headings."""
    lines = []  # (page, text, size)
    sizes = Counter()
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        current, size = [], 0.0
        for i, char in enumerate(text[:count] + "\n"):
            if char in "\r\n":
                if "".join(current).strip():
                    lines.append((index + 1, "".join(current).strip(), size))
                current, size = [], 0.0
                continue
            current.append(char)
            if not char.isspace() and i < count:
                char_size = round(pdfium_c.FPDFText_GetFontSize(textpage, i), 1)
                sizes[char_size] += 1
                size = max(size, char_size)
        textpage.close()
        page.close()
    if not sizes:
        return []
    body = sizes.most_common(1)[0][0]
    headings = []
    for page, text, size in lines:
        if size >= body * 1.2 and re.search(r"[^\W\d_]", text):
            previous = headings[-1] if headings else None
            if previous and previous[0] == page and previous[2] == size and previous[3]:
                headings[-1] = (page, previous[1] + " " + text, size, True)
                continue
            headings.append((page, text, size, True))
        elif headings:
            headings[-1] = (*headings[-1][:3], False)  # a body line ends the heading
    levels = {size: n for n, size in enumerate(sorted({h[2] for h in headings}, reverse=True),
                                               start=1)}
    return [Heading(text, levels[size], page) for page, text, size, _ in headings]


# --- comparing -----------------------------------------------------------------------

def compare(old_pdf, new_pdf, out_dir=None, dpi=DPI, exact=False):
    """Compare two PDFs (paths or Renderings). With out_dir, write an image per changed,
    added or removed page there (earlier diff images in it are removed first).
    exact: every differing pixel counts, even faint anti-aliasing (see changed_boxes)."""
    old = old_pdf if isinstance(old_pdf, Rendering) else read(old_pdf, dpi)
    new = new_pdf if isinstance(new_pdf, Rendering) else read(new_pdf, dpi)
    result = DiffResult(old.path, new.path, len(old.pages), len(new.pages), dpi=dpi,
                        exact=exact)
    for old_page, new_page in _pair(old.pages, new.pages):
        if old_page is None or new_page is None:
            result.changes.append(PageChange(old_page and old_page.number,
                                             new_page and new_page.number))
            continue
        if old_page.digest == new_page.digest:  # pixel for pixel the same
            continue
        boxes = changed_boxes(old_page.image, new_page.image, exact)
        if boxes:
            result.changes.append(PageChange(old_page.number, new_page.number, boxes))
    result.moves = _moves(old.headings, new.headings)
    if out_dir is not None:
        _write_images(result, old, new, Path(out_dir))
    return result


def _text_key(page):
    """What identifies a page across PDFs whose pages shifted: its words, without the
    numbers (folios and page references change when pages shift)."""
    words = re.findall(r"[^\W\d_]+", page.text.lower())
    return " ".join(words) if words else page.digest


def _pair(old_pages, new_pages):
    """[(old Page | None, new Page | None)]: same count → page for page; otherwise pages
    are aligned by their text and the surplus counts as added or removed."""
    if len(old_pages) == len(new_pages):
        return list(zip(old_pages, new_pages, strict=True))
    matcher = difflib.SequenceMatcher(None, [_text_key(p) for p in old_pages],
                                      [_text_key(p) for p in new_pages], autojunk=False)
    pairs = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old_pages[i1:i2], new_pages[j1:j2]
        common = min(len(olds), len(news))
        pairs += zip(olds[:common], news[:common], strict=True)
        pairs += [(page, None) for page in olds[common:]]
        pairs += [(None, page) for page in news[common:]]
    return pairs


def changed_boxes(old, new, exact=False):
    """Boxes (left, top, right, bottom) around the regions where two renders differ;
    [] when they look identical.

    Unless `exact`, a small region of faint differences is not a change: when a font's
    subset in the PDF gains or loses a glyph (text added anywhere in the report), the
    rasteriser hints that font's other glyphs a shade differently, and some edge pixels of
    unchanged text elsewhere change their grey a little. A region counts when one of its
    pixels changes by more than STRONG (text or a picture changed), or when it has at least
    MIN_AREA differing pixels (a colour changed by a few percent).
    """
    if old.size != new.size:
        width, height = max(old.width, new.width), max(old.height, new.height)
        return [(0, 0, width, height)]
    red, green, blue = ImageChops.difference(old, new).split()
    difference = ImageChops.lighter(ImageChops.lighter(red, green), blue)  # largest channel
    if difference.getbbox() is None:
        return []
    mask = difference.point(lambda v: 255 if v else 0)
    boxes = _regions(mask, old.size)
    if exact:
        return boxes
    strong = difference.point(lambda v: 255 if v > STRONG else 0)
    return [box for box in boxes if strong.crop(box).getbbox() is not None
            or mask.crop(box).histogram()[255] >= MIN_AREA]


def _regions(mask, size):
    """Bounding boxes of the groups of changed pixels in a 0/255 mask."""
    # one cell per CELL×CELL pixels, grown by a cell so that nearby changes join up
    grid = mask.reduce(CELL).point(lambda v: 255 if v else 0).filter(ImageFilter.MaxFilter(3))
    width, height = grid.size
    cells = grid.tobytes()
    seen = bytearray(len(cells))
    boxes = []
    for start in range(len(cells)):
        if not cells[start] or seen[start]:
            continue
        seen[start] = 1
        queue = deque([start])
        left, top, right, bottom = width, height, 0, 0
        while queue:
            index = queue.popleft()
            y, x = divmod(index, width)
            left, top, right, bottom = min(left, x), min(top, y), max(right, x), max(bottom, y)
            for nx, ny in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)):
                if 0 <= nx < width and 0 <= ny < height:
                    neighbour = ny * width + nx
                    if cells[neighbour] and not seen[neighbour]:
                        seen[neighbour] = 1
                        queue.append(neighbour)
        boxes.append((left * CELL, top * CELL, min((right + 1) * CELL, size[0]),
                      min((bottom + 1) * CELL, size[1])))
    return boxes


def _moves(old_headings, new_headings):
    """Headings found in both PDFs (by level and title, the n-th time for repeated titles)
    that stand on another page now."""
    def keyed(headings):
        seen, result = Counter(), {}
        for heading in headings:
            key = (heading.level, heading.title.casefold())
            result[(*key, seen[key])] = heading
            seen[key] += 1
        return result

    old = keyed(old_headings)
    moves = []
    for key, heading in keyed(new_headings).items():
        before = old.get(key)
        if before and before.page != heading.page:
            moves.append(Move(heading.title, heading.level, before.page, heading.page))
    return moves


# --- images --------------------------------------------------------------------------

IMAGE_NAME = re.compile(r"^(page|old-page)-\d+(-added|-removed)?\.png$")


def _write_images(result, old, new, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.iterdir():
        if IMAGE_NAME.match(stale.name):
            stale.unlink()
    for change in result.changes:
        old_image = old.pages[change.old - 1].image if change.old else None
        new_image = new.pages[change.new - 1].image if change.new else None
        if change.kind == "changed":
            name = f"page-{change.new:03d}.png"
        elif change.kind == "added":
            name = f"page-{change.new:03d}-added.png"
        else:
            name = f"old-page-{change.old:03d}-removed.png"
        change.image = out_dir / name
        side_by_side(old_image, new_image, change, result).save(change.image, optimize=False)


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def side_by_side(old_image, new_image, change, result):
    """Old page (left) and new page (right), differing regions boxed in red."""
    sample = new_image or old_image
    width, height = sample.size
    gap, header = 24, 44
    canvas = Image.new("RGB", (2 * width + 3 * gap, height + header + gap), (235, 235, 235))
    draw = ImageDraw.Draw(canvas)
    font = _font(22)
    labels = (
        f"old: page {change.old}" if change.old else "old: (no such page)",
        f"new: page {change.new}" if change.new else "new: (page removed)",
    )
    for column, (image, label) in enumerate(((old_image, labels[0]), (new_image, labels[1]))):
        x = gap + column * (width + gap)
        draw.text((x, 12), label, fill=(0, 0, 0), font=font)
        if image is None:
            draw.rectangle((x, header, x + width - 1, header + height - 1),
                           fill=(210, 210, 210), outline=(160, 160, 160))
            continue
        canvas.paste(image, (x, header))
        if change.kind != "changed":
            draw.rectangle((x, header, x + image.width - 1, header + image.height - 1),
                           outline=RED, width=6)
        for left, top, right, bottom in change.boxes:
            draw.rectangle((x + left - 2, header + top - 2, x + right + 1, header + bottom + 1),
                           outline=RED, width=3)
    return canvas


# --- command line --------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(
        prog="make_pdf.py diff",
        description="Show what changed between two PDFs of the report: pages that look "
                    "different (with an image of each), pages added or removed, and "
                    "headings that moved to another page. Exit code 0: identical, "
                    "1: different, 2: an input could not be read.")
    p.add_argument("old", type=Path, metavar="OLD.pdf")
    p.add_argument("new", type=Path, metavar="NEW.pdf")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="where to write an image per changed page (default: out/diff/)")
    p.add_argument("--dpi", type=int, default=DPI,
                   help=f"resolution of the renders compared (default: {DPI})")
    p.add_argument("--exact", action="store_true",
                   help="count every differing pixel, even the faint anti-aliasing shifts "
                        "that a changed font subset causes in unchanged text")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error (argparse said what)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        result = compare(args.old, args.new, args.out, args.dpi, args.exact)
    except UnreadablePDF as error:
        print(f"diff: cannot read {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"diff: cannot write the images to {args.out}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    print(result.summary())
    if result.images:
        print(f"images of the {len(result.images)} differing page(s): {args.out}/")
    return 0 if result.identical else 1


if __name__ == "__main__":
    sys.exit(main())
