"""PDF pages drawn as pixels, with their text and headings: what diff compares and what the
proof shows.

A page is drawn by pypdfium2 (one thread at a time: PDFIUM_LOCK). Drawing is the slow
part, so it is avoided where it can be: `page_sources` hashes what draws each page (its
content and every object its resources reach), and `read` takes a page from an earlier
rendering whose page has the same source; `draw_part` draws some pages of a chunk's PDF
in a worker process (the proof, while the chunks are merged), and photos placed at far
more pixels than the screen shows are drawn from lighter copies (lighter.py).
"""
import dataclasses
import hashlib
import io
import math
import re
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from . import lighter
from .errors import UnreadablePDF

DPI = 100
# PDFium must not be used from two threads at once (the proof server renders in the
# background while requests come in): every use goes through this lock.
PDFIUM_LOCK = threading.RLock()


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
