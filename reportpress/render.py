"""HTML → PDF with WeasyPrint, reading nothing but the project's own files.

- Fonts: fontconfig is pointed at fonts/ only, so no system font can slip in as a fallback
  and a machine without fonts makes the same PDF.
- URLs: our fetcher serves files under the allowed folders and refuses everything else
  (other files, http, attachments), so content can never reach outside the project.
"""
import contextlib
import copy
import functools
import hashlib
import logging
import mimetypes
import os
import sys
import uuid
import zlib
from pathlib import Path

from . import CACHE, PROJECT, anchors, output, subsets
from .errors import LayoutError

FONTS_DIR = PROJECT / "fonts"
PROFILES_DIR = PROJECT / "profiles"


def _isolate_fonts(cache_dir):
    """Before WeasyPrint (and so fontconfig) loads: see only the fonts in fonts/."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    conf = cache_dir / "fonts.conf"
    text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            f"  <dir>{FONTS_DIR}</dir>\n  <cachedir>{cache_dir / 'fontconfig'}</cachedir>\n"
            "  <config><rescan><int>0</int></rescan></config>\n</fontconfig>\n")
    if not conf.is_file() or conf.read_text() != text:  # (replaced whole: builds started
        written = conf.with_name(f"fonts.conf.{os.getpid()}")  # at once, make_pdf.py --all,
        written.write_text(text)  # read it while another writes it)
        os.replace(written, conf)
    os.environ["FONTCONFIG_FILE"] = str(conf)


# One folder per checkout, in the cache (a build leaves nothing in the system's temporary
# folder): two checkouts building at once must not point each other's fontconfig at their
# own fonts/.
_FONTS_KEY = hashlib.sha256(str(FONTS_DIR).encode()).hexdigest()[:12]
_isolate_fonts(CACHE / f"fontconfig-{_FONTS_KEY}")
# fontTools stamps subset fonts with the current time unless told otherwise: a fixed
# stamp keeps the same inputs giving a byte-identical PDF.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")


@contextlib.contextmanager
def _libraries_by_their_own_names():
    """WeasyPrint (checked against 70.0) opens each library it needs by the first of several
    names, for several platforms, that loads; cffi asks ctypes.util.find_library about
    each name that does not, which runs gcc and ldconfig: 0.2 s of every start, in the
    fork server the layout workers wait for. On Linux a library's own name (its soname,
    `libpango-1.0.so.0`), which is all find_library could answer, is among those WeasyPrint
    tries: within, the search is skipped and the same libraries load."""
    import ctypes.util

    search = ctypes.util.find_library
    if sys.platform.startswith("linux"):
        ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = search


import pydyf  # noqa: E402

with _libraries_by_their_own_names():
    import weasyprint  # noqa: E402 — must come after the fontconfig set-up above
import weasyprint.css  # noqa: E402
import weasyprint.layout.inline  # noqa: E402
import weasyprint.layout.page  # noqa: E402
import weasyprint.layout.preferred  # noqa: E402
import weasyprint.pdf.fonts  # noqa: E402
import weasyprint.pdf.metadata  # noqa: E402
import weasyprint.text.fonts  # noqa: E402
from fontTools.ttLib import TTLibError  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

# where a process keeps the subsets it makes, for the next build (subsets.kept_subset; set
# by a layout worker for its chunk): None, made each time
subset_cache = None
# True (a layout worker's chunk): the merge gives each face one program made from fonts/
# (fontmerge.py), which replaces the chunk's own: its subsets need only show the chunk in
# the proof, and the fastest subsetter the machine has will do.
subsets_replaced = False


def _subset_with_pinned_fonttools(font, to_unicode, hinting):
    """WeasyPrint (checked against 70.0) subsets fonts with the system's HarfBuzz-Subset
    where it finds one and with fontTools where not: the same inputs then gave other font
    bytes on a machine with libharfbuzz-subset0 than on one without it. We always use the
    fontTools pinned in requirements.txt (subsets.py), so every machine embeds the same
    subsets. (A font fontTools cannot read is embedded whole, as WeasyPrint does.) A
    chunk's subsets, which the merge replaces (`subsets_replaced`), need not be the same:
    HarfBuzz-Subset makes them where the machine has it."""
    if to_unicode and subsets_replaced and _harfbuzz_subsets():
        font._harfbuzz_subset(to_unicode, hinting)  # (a tenth of fontTools' time)
    elif to_unicode:
        with contextlib.suppress(TTLibError):
            font.file_content = subsets.kept_subset(
                subset_cache, font.file_content, sorted(to_unicode), font.index, hinting,
                bool(font.missing))


weasyprint.pdf.fonts.Font.subset = _subset_with_pinned_fonttools


class _OpenArrays:
    """WeasyPrint's font module's cffi, with arrays given their values asked for as open
    arrays. cffi parses each C type it has not seen before with pycparser (7 ms), and
    WeasyPrint (checked against 70.0) asks for HarfBuzz-Subset's glyph arrays by length
    (`hb_codepoint_t[57]`): a new type for nearly every font of every chunk, 0.25 s of a
    build's layout. `hb_codepoint_t[]` with the same values is the same array, parsed once."""

    def __init__(self, ffi):
        self._ffi = ffi

    def new(self, cdecl, init=None):
        if init is not None and cdecl.endswith("]"):
            cdecl = cdecl[:cdecl.rindex("[")] + "[]"
        return self._ffi.new(cdecl, init)

    def __getattr__(self, name):
        return getattr(self._ffi, name)


weasyprint.pdf.fonts.ffi = _OpenArrays(weasyprint.pdf.fonts.ffi)


@functools.cache
def _harfbuzz_subsets():
    """Whether WeasyPrint found HarfBuzz-Subset (4.1 or later: what it asks of it)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))

# The no-break space, which fonts (Lato among them) draw with their plain space glyph. (The
# narrow no-break space French sets has a glyph of its own in Lato, and keeps its text.)
SPACE_LIKE = {"\u00a0"}
_build_fonts_dictionary = weasyprint.pdf.build_fonts_dictionary


def _plain_spaces_in_text(pdf, fonts, *args, **kwargs):
    """WeasyPrint (checked against 70.0) records the text behind each glyph from its first
    use in a document: where the first space a chunk sets is a no-break one (in an amount
    like € 18.206.187), every plain space of that font would copy and read back as a
    no-break space — and differently from a build in one piece. A space glyph's text is
    therefore always the plain space."""
    for font in fonts.values():
        for glyph, text in font.to_unicode.items():
            if text in SPACE_LIKE:
                font.to_unicode[glyph] = " "
    return _build_fonts_dictionary(pdf, fonts, *args, **kwargs)


weasyprint.pdf.build_fonts_dictionary = _plain_spaces_in_text


class RefusedURL(FatalURLFetchingError):
    """Content asked for something outside the project: the build stops."""


class ProjectFetcher(URLFetcher):
    """Serve file: URLs inside `allowed` folders, `photo:NAME` from `photo_dir`, and data:
    URLs; refuse all else. (photo: URLs do not name the checkout's location, and WeasyPrint
    names images in the PDF after their URL: so the bytes do not depend on where we are.)"""

    def __init__(self, allowed, photo_dir=None):
        super().__init__(fail_on_errors=True)
        self.allowed = [Path(a).resolve() for a in allowed]
        self.photo_dir = Path(photo_dir).resolve() if photo_dir else None
        self.read = None  # {path: bytes} of what is served, while someone wants to know

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("photo:") and self.photo_dir:
            name = url.removeprefix("photo:")
            if "/" in name or name.startswith("."):
                raise RefusedURL(f"refused to fetch {url!r}: not a photo name")
            return self._file(url, self.photo_dir / name)
        if not url.startswith("file://"):
            raise RefusedURL(f"refused to fetch {url!r}: the build reads no network resources")
        from urllib.parse import unquote, urlsplit

        return self._file(url, Path(unquote(urlsplit(url).path)))

    def _file(self, url, path):
        path = path.resolve()
        if not any(path.is_relative_to(folder)
                   for folder in [*self.allowed, self.photo_dir] if folder):
            raise RefusedURL(f"refused to read {path}: outside the project's folders")
        if not path.is_file():
            raise RefusedURL(f"file not found: {path}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = path.read_bytes()
        if self.read is not None:
            self.read[path] = body
        return URLFetcherResponse(url, body, {"Content-Type": mime}, 200)


class _Collector(logging.Handler):
    """WeasyPrint logs what it skips (a bad stylesheet, an unreadable image) and goes on;
    we collect those errors so the build fails instead of making a silently wrong PDF."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


# Where WeasyPrint asks Pango where a line breaks: laying lines out, and measuring the
# narrowest and widest a box's text can be (flex items, table cells, floats)
LINE_SPLITTERS = (weasyprint.layout.inline, weasyprint.layout.preferred)


@contextlib.contextmanager
def remembered_line_splits():
    """Balancing two columns, WeasyPrint lays the same text out again for every column
    height it tries, asking Pango each time where the same line breaks; sizing a flex row
    it measures the same items' text again for every pass. The answer depends only on the
    arguments, so within one render we ask once; the PDF is byte-identical (tested). (Boxes
    may share a line; only drawing an ellipsis would change a shared one: the layout has
    none, tests/test_chunks.py checks.)"""
    split = weasyprint.layout.inline.split_first_line
    answers = {}

    def remembered(text, style, context, max_width, justification_spacing,
                   is_line_start=True, minimum=False):
        key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
        known = answers.get(key)
        if known is None or known[0] is not style:  # the style is kept, so its id is not reused
            known = answers[key] = (style, split(text, style, context, max_width,
                                                 justification_spacing, is_line_start, minimum))
        return known[1]

    for module in LINE_SPLITTERS:
        module.split_first_line = remembered
    try:
        yield
    finally:
        for module in LINE_SPLITTERS:
            module.split_first_line = split


@contextlib.contextmanager
def running_pages_laid_out_once():
    """WeasyPrint (checked against 70.0) lays a page out a second time whenever running
    elements (`position: running()`: the closing photos) first turn up on it, for the sake
    of footnotes among them; a page with neither footnotes nor page references (the only
    other reasons a page is laid out again) comes out the same the second time: 0.5 s of
    the back matter's chunk. Within, such a page is laid out once; the PDF is
    byte-identical (tested)."""
    make_page = weasyprint.layout.page.make_page

    def once(context, root_box, page_type, resume_at, page_number, page_state):
        made = make_page(context, root_box, page_type, resume_at, page_number, page_state)
        again = context.page_maker[page_number - 1][-1]
        if again["content_changed"] and not _may_change(context, made[0], page_number):
            again["content_changed"] = False
        return made

    weasyprint.layout.page.make_page = once
    try:
        yield
    finally:
        weasyprint.layout.page.make_page = make_page


def _may_change(context, page, page_number):
    """Whether the page, just laid out, may come out otherwise laid out again: it has a
    footnote among its running elements, or content that counts pages (a page reference)."""
    for elements in context.running_elements.values():
        if any(element.is_note() for element in elements.get(page_number) or ()):
            return True
    return any(box.missing_link for box in page.descendants(placeholders=True))


# Large streams written alike build after build (the output intent's ICC profile: lcms2's
# 0.6 MB, which pydyf compresses at level 9 in 0.2 s, in the worker that writes the first
# chunk): their bytes are kept in the cache, under a hash of all they are made from.
LARGE = 1 << 18  # bytes
STREAMS = CACHE / "streams"


def _kept_stream(stream, write):
    """`write(stream)`'s bytes, from the cache when made before (and kept there when not)."""
    digest = hashlib.sha256(f"pydyf {pydyf.__version__} zlib {zlib.ZLIB_RUNTIME_VERSION} "
                            f"{stream.compress}".encode()
                            + pydyf.Dictionary(stream.extra).data + b"\n" + stream.stream[0])
    path = STREAMS / f"{digest.hexdigest()[:32]}.stream"
    with contextlib.suppress(OSError):
        return path.read_bytes()
    written = write(stream)
    with contextlib.suppress(OSError):  # (a cache that cannot be written: made each time)
        output.write_atomically(path, lambda tmp: Path(tmp).write_bytes(written))
    return written


@contextlib.contextmanager
def streams_compressed_once():
    """The PDF writer (pydyf) hashes every object's bytes for the file's /ID after writing
    them, and so compresses every stream a second time (the output intent's ICC profile
    too). Within one write a stream's bytes are kept from the first time, and a large one's
    in the cache (`_kept_stream`); the PDF is byte-identical (tested)."""
    data = pydyf.Stream.data
    kept = {}  # id(stream) -> (stream, its bytes): the stream kept too, so its id stays its

    def written(stream):
        content = stream.stream[0] if len(stream.stream) == 1 else None
        if stream.compress and isinstance(content, bytes) and len(content) >= LARGE:
            return _kept_stream(stream, data.fget)
        return data.fget(stream)

    def once(stream):
        if id(stream) not in kept:
            kept[id(stream)] = (stream, written(stream))
        return kept[id(stream)][1]

    pydyf.Stream.data = property(once)
    try:
        yield
    finally:
        pydyf.Stream.data = data


class _Fonts(weasyprint.text.fonts.FontConfiguration):
    """A font configuration that knows whether a face was added outside a kept sheet.

    A worker forked from the fork server has the server's (forkserver.py), and with it the
    server's folder of font files, which every worker reads: a worker neither removes it
    nor writes there. The faces it adds go in a folder of its own (two workers wrote the
    same file there at once, and a worker died laying out: a proof's save, in tests)."""
    adding_for_kept = False
    other_faces = False

    def __init__(self):
        super().__init__()
        self.made_in = os.getpid()

    def __del__(self):
        if getattr(self, "made_in", None) == os.getpid():
            super().__del__()

    def add_font_face(self, rule_descriptors, url_fetcher):
        if self.made_in != os.getpid():  # (the server's, in a worker)
            self.made_in, self._folder = os.getpid(), None
        self.other_faces = self.other_faces or not self.adding_for_kept
        return super().add_font_face(rule_descriptors, url_fetcher)


class KeptStylesheets:
    """A worker lays out chunk after chunk with the same stylesheets; parsing them and
    registering their fonts again each time is wasted. Parsed once, a linked stylesheet
    is kept with the font configuration its @font-face rules went into, for as long as
    every file read for it (CSS and fonts) has the same bytes. What it adds to the
    document's page rules and colour profiles is added again each time it is used, in its
    place. Not kept: a sheet that adds cascade layers or counter styles (they depend on
    what came before it), and one WeasyPrint reported an error in (parsed again, the error
    fails every build that uses it). Same PDF bytes (tested)."""

    COLLECTIONS = ("page_rules", "layers", "counter_style", "color_profiles")

    def __init__(self):
        self._forget()

    def _forget(self):
        self.fonts, self.sheets, self.files = None, {}, {}

    def fonts_for(self, fetcher):
        """The font configuration for the next render: a fresh one if a kept file changed
        or a face came from elsewhere (a <style>), which must not outlive its document."""
        if self.fonts is None or self.fonts.other_faces or any(
                self._changed(path, body) for path, body in self.files.items()):
            self._forget()
            self.fonts = _Fonts()
        fetching = self._fetching(fetcher)  # another project's sheets are not kept with
        self.sheets = {key: kept for key, kept in self.sheets.items()
                       if self._serves(fetching, key[0])}
        return self.fonts

    @staticmethod
    def _serves(fetching, parsed_with):
        """Whether a sheet parsed with the fetcher `parsed_with` reads the same with
        `fetching`: it serves every folder that one did (a URL names the same file in
        both), and photos from the same folder (`photo:` names are relative to it)."""
        (allowed, photos), (allowed_then, photos_then) = fetching, parsed_with
        return photos == photos_then and set(allowed_then) <= set(allowed)

    @staticmethod
    def _changed(path, body):
        try:
            return path.read_bytes() != body
        except OSError:
            return True

    @contextlib.contextmanager
    def in_use(self, fetcher):
        """Within: WeasyPrint's stylesheets come from here (weasyprint.css.CSS is what its
        find_stylesheets calls for each <link> and <style>)."""
        parse = weasyprint.css.CSS
        weasyprint.css.CSS = functools.partial(self._stylesheet, parse, fetcher)
        try:
            yield
        finally:
            weasyprint.css.CSS = parse

    def _stylesheet(self, parse, fetcher, url=None, matcher=None, font_config=None,
                    **options):
        if url is None or matcher is not None or font_config is not self.fonts:
            # a <style>, an @import within a sheet, or a render with its own fonts
            return parse(url=url, matcher=matcher, font_config=font_config, **options)
        collections = {name: options.pop(name) for name in self.COLLECTIONS}
        key = (self._fetching(fetcher), url,
               repr(sorted((name, value) for name, value in options.items()
                           if name != "url_fetcher")))  # (a new one per render)
        kept = next((kept for (parsed_with, *rest), kept in self.sheets.items()
                     if rest == list(key[1:]) and self._serves(key[0], parsed_with)), None)
        if kept:
            sheet, added = kept
            collections["page_rules"].extend(added["page_rules"])
            collections["color_profiles"].update(added["color_profiles"])
            # as WeasyPrint has it: all of a document's sheets share its lists
            sheet.page_rules, sheet.layers = collections["page_rules"], collections["layers"]
            return sheet
        before = {name: copy.copy(value) for name, value in collections.items()}
        errors, logger = _Collector(), logging.getLogger("weasyprint")
        fetcher.read, self.fonts.adding_for_kept = {}, True
        logger.addHandler(errors)
        try:
            sheet = parse(url=url, font_config=font_config, **collections, **options)
            read = fetcher.read
        finally:
            fetcher.read, self.fonts.adding_for_kept = None, False
            logger.removeHandler(errors)
        after = collections
        if (not errors.messages and after["layers"] == before["layers"]
                and after["counter_style"] == before["counter_style"]):
            self.files.update(read)
            self.sheets[key] = sheet, dict(
                page_rules=after["page_rules"][len(before["page_rules"]):],
                color_profiles={name: profile for name, profile in
                                after["color_profiles"].items()
                                if before["color_profiles"].get(name) is not profile})
        else:
            self.fonts.other_faces = True  # its fonts go with this document
        return sheet

    @staticmethod
    def _fetching(fetcher):
        return tuple(fetcher.allowed), fetcher.photo_dir


_STYLESHEETS = KeptStylesheets()


def render(html, base_dir, allowed_dirs, photo_dir=None, speed_ups=True,
           keep_stylesheets=True):
    """Lay out the HTML; returns a WeasyPrint Document (pages and anchors known).
    `speed_ups`: lines remembered, running pages laid out once (False: as plain WeasyPrint
    does, for the benchmark)."""
    fetcher = ProjectFetcher([*allowed_dirs, FONTS_DIR, PROFILES_DIR], photo_dir)
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    kept = _STYLESHEETS.in_use(fetcher) if keep_stylesheets else contextlib.nullcontext()
    fonts = _STYLESHEETS.fonts_for(fetcher) if keep_stylesheets else None
    try:
        with contextlib.ExitStack() as within, kept:
            if speed_ups:
                within.enter_context(remembered_line_splits())
                within.enter_context(running_pages_laid_out_once())
            document = weasyprint.HTML(string=html, base_url=Path(base_dir).as_uri() + "/",
                                       url_fetcher=fetcher).render(font_config=fonts)
    except RefusedURL as refused:
        raise LayoutError(str(refused)) from None
    finally:
        logger.removeHandler(collector)
    if collector.messages:
        raise LayoutError("the renderer reported:\n  " + "\n  ".join(collector.messages))
    return document


def warm_up(layout_dir, photo_dir=None):
    """Lay out and write a little text with the layout's stylesheet, so that the fonts and
    text machinery are loaded before the first real layout (in the fork server: for every
    worker at once). Its stylesheets are kept for the chunks (KeptStylesheets)."""
    global subsets_replaced
    replaced, subsets_replaced = subsets_replaced, True  # (as a chunk's: HarfBuzz-Subset)
    try:
        with contextlib.suppress(LayoutError):
            render('<link rel="stylesheet" href="report.css"><p>Warm <b>up</b> <i>now</i></p>',
                   layout_dir, [layout_dir], photo_dir).write_pdf()
    finally:
        subsets_replaced = replaced


def load_hyphenation(language):
    """Read the language's hyphenation patterns now (pyphen keeps them for the process)."""
    import pyphen

    if fallback := pyphen.language_fallback(language.replace("-", "_")):
        pyphen.Pyphen(lang=fallback)


def anchor_pages(document):
    """{anchor id: page number (1-based)} for every id in the laid-out document."""
    pages = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    return pages


def blank_pages(document):
    """Page numbers the layout left blank (to start the next chapter on a left page)."""
    return [number for number, page in enumerate(document.pages, start=1)
            if is_blank(page)]


def is_blank(page):
    """Whether the layout left the page blank (WeasyPrint 70.0: its page box's type)."""
    return page._page_box.page_type.blank


def page_box(page):
    """The laid-out boxes of a page (WeasyPrint 70.0 keeps them as `_page_box`)."""
    return page._page_box


# What each edition asks of the PDF writer.
EDITIONS = {
    "print": dict(pdf_variant="pdf/x-4"),  # output intent: the @color-profile device-cmyk
    "digital": dict(pdf_variant="pdf/ua-1", pdf_tags=True, optimize_images=True),
}


def write_pdf(document, path, identifier, edition=None, published=None, steps=(),
              file_id=True, overprint_below=0):
    """Write the laid-out document atomically (see output.write_atomically)."""
    output.write_atomically(path, lambda tmp: write_document(
        document, tmp, identifier, edition, published, file_id, overprint_below), steps)


@contextlib.contextmanager
def document_id_from(identifier):
    """WeasyPrint (checked against 70.0) stamps a PDF/X file's XMP with a random document
    id (uuid4): within, the id comes from `identifier`, so the same inputs give the same
    bytes (a chunk's PDF too, whose bytes give the merged file its /ID)."""
    random = weasyprint.pdf.metadata.uuid4
    weasyprint.pdf.metadata.uuid4 = lambda: uuid.UUID(bytes=hashlib.md5(identifier).digest())
    try:
        yield
    finally:
        weasyprint.pdf.metadata.uuid4 = random


def write_document(document, path, identifier, edition=None, published=None, file_id=True,
                   overprint_below=0):
    """`identifier` (hex bytes) and `published` (ISO date) pin what would vary per run.
    Without `file_id` the file has no /ID (a chunk's: the merged file's is made from its
    own bytes, merge.py), and its objects are not hashed for one. `overprint_below`: black
    text under this size (pt) and black rules overprint (overprint.py; 0: nothing does)."""
    from . import overprint

    if published:
        document.metadata.created = document.metadata.modified = f"{published}T00:00:00+00:00"
    finisher = None
    if overprint_below:
        def finisher(document, pdf):
            overprint.apply_while_written(pdf, overprint_below)
    try:
        with streams_compressed_once(), document_id_from(identifier):
            document.write_pdf(path, finisher=finisher,
                               pdf_identifier=identifier if file_id else False,
                               **EDITIONS.get(edition, {}))
    except RefusedURL as refused:  # e.g. an attachment, fetched only when writing
        raise LayoutError(str(refused)) from None


# --- the laid-out pages as plain records (audit.py reads these, not WeasyPrint's boxes) ---

def read_pages(pages, first=1):
    """audit.Page records of WeasyPrint's laid-out pages, numbered from `first`: the
    lines, text runs and pictures on them, each with the elements it sits in. All that
    the audit knows of WeasyPrint's boxes is read here."""
    import itertools

    from . import audit

    columns = itertools.count()
    return [_read_page(page_box(page), number, audit, columns)
            for number, page in enumerate(pages, start=first)]


def _read_page(box, number, audit, columns):
    from weasyprint.formatting_structure import boxes

    page = audit.Page(number, box.margin_width(), box.margin_height(),
                      tuple(box.bleed[side] for side in ("left", "right", "top", "bottom")),
                      (box.content_box_x(), box.content_box_y(), box.width, box.height),
                      box.page_type.blank, box.page_type.name or "")
    ground = _ground(box, None)
    for child in box.children:
        if not isinstance(child, boxes.MarginBox):  # running heads and folios
            _read_box(child, page, (), None, ground, audit, columns)
    return page


def _read_box(box, page, nodes, column, ground, audit, columns):
    from weasyprint.formatting_structure import boxes

    box = getattr(box, "_box", box)  # a positioned box stands behind its placeholder
    nodes, ground = _nodes(box, nodes, audit), _ground(box, ground)
    where = (box.position_x, box.position_y, box.width or 0, box.height or 0)
    if isinstance(box, boxes.ReplacedBox):
        page.items.append(audit.Picture(*_border_box(box), nodes, column))
        return
    if isinstance(box, boxes.LineBox):
        runs, atoms = [], []
        _read_line(box, nodes, ground, audit, runs, atoms)
        page.items.append(audit.Line(*where, runs, nodes, column))
        for atom in atoms:
            _read_box(atom, page, nodes, column, ground, audit, columns)
        return
    multicolumn = box.style["column_count"] != "auto" or box.style["column_width"] != "auto"
    for child in getattr(box, "children", []):
        in_column = next(columns) if multicolumn and child.element is box.element else column
        _read_box(child, page, nodes, in_column, ground, audit, columns)


def _read_line(box, nodes, ground, audit, runs, atoms):
    """The text runs of a line box; its atomic inlines (pictures, inline blocks) and
    anything block-level in it go to `atoms`, read as boxes of their own."""
    from weasyprint.formatting_structure import boxes

    for child in box.children:
        child = getattr(child, "_box", child)
        if isinstance(child, boxes.TextBox):
            style = child.style
            colour = style["color"]
            runs.append(audit.Run(child.text, child.position_x, child.position_y, child.width,
                                  child.height, (colour.space, tuple(colour.coordinates)),
                                  style["font_size"], style["font_weight"], ground, nodes))
        elif isinstance(child, boxes.InlineBox):
            _read_line(child, _nodes(child, nodes, audit), _ground(child, ground), audit,
                       runs, atoms)
        else:
            atoms.append(child)


def _nodes(box, nodes, audit):
    """The elements around a box, with the box's own (once, however many boxes it has)."""
    element = box.element
    if element is None or (nodes and nodes[-1].key == id(element)):
        return nodes
    return (*nodes, audit.Node(box.element_tag.split("::")[0],
                               tuple(element.get("class", "").split()), element.get("id", ""),
                               element.get("href", ""), element.get("data-audit", ""),
                               id(element)))


def _ground(box, ground):
    """What text in the box is set on: its background colour, "image", or as before."""
    background = box.background
    if background is None:
        return ground
    if any(layer.image is not None for layer in background.layers):
        return "image"
    colour = background.color
    if colour.alpha > 0:
        return colour.space, tuple(colour.coordinates)
    return ground


def _border_box(box):
    return (box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height())


# --- overset: what runs past its box (overflow.py names it) ----------------------------

def oversets(pages, first, tolerance):
    """(page, story id or None, "text" or "image", its text, by how many px) for each box
    past the content edge of the block it sits in (unless that block clips)."""
    found = []
    for number, page in enumerate(pages, start=first):
        _overset_walk(page_box(page), number, None, None, tolerance, found)
    return found


def _overset_walk(box, page, story, limit, tolerance, found):
    from weasyprint.formatting_structure import boxes

    element_id = box.element.get("id", "") if box.element is not None else ""
    if element_id.startswith(anchors.STORY) and box.element_tag == "article":
        story = anchors.named(element_id, anchors.STORY)
    if isinstance(box, boxes.LineBox):  # (a line box grows with its text: the limit is
        for child in box.descendants():  # the block's content edge)
            if isinstance(child, boxes.TextBox):
                right, kind, text = child.position_x + child.width, "text", child.text
            elif isinstance(child, boxes.ReplacedBox):
                right, kind, text = child.position_x + child.margin_width(), "image", ""
            else:
                continue
            if limit is not None and right > limit + tolerance:
                found.append((page, story, kind, text, right - limit))
        return
    if isinstance(box, boxes.ReplacedBox) and limit is not None:
        right = box.position_x + box.margin_width()
        if right > limit + tolerance:
            found.append((page, story, "image", "", right - limit))
    # a block's content edge is the limit, unless it clips (then overflow is on purpose)
    if (isinstance(box, boxes.BlockContainerBox) and not isinstance(box, boxes.PageBox)
            and box.style["overflow"] == "visible"):
        limit = box.content_box_x() + box.width
    for child in getattr(box, "children", []):
        _overset_walk(child, page, story, limit, tolerance, found)
