"""The build as a function: content folder in, PDF out, with what happened on the way.

Used by the command line, the proof server and the benchmarks alike.
"""
import dataclasses
import functools
import hashlib
import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import (
    CACHE,
    PHOTOS,
    PROJECT,
    compose,
    content,
    glyphs,
    images,
    processes,
    workers,
)
from . import anchors as anchor_ids
from .errors import ContentError, LayoutError, PreflightError
from .output import write_atomically
from .problems import Problem

FONTS_DIR = PROJECT / "fonts"
PHOTO_CACHE = PHOTOS  # photos prepared for each edition
CHUNK_CACHE = CACHE / "chunks"  # chunks laid out (chunks.py)


@dataclass
class Paged:
    """The report laid out, in one document or in chunks; `write(path)` writes its PDF."""
    source: str  # the HTML laid out (the chunks' HTML, one after another): the PDF's id
    page_count: int
    anchors: dict  # anchor id -> page number
    blanks: list  # pages left blank
    overflows: list  # overset, as Problems
    # write(path, identifier, finish, make_all): finish(pdf) is done before it is saved;
    # make_all, a map: what the merge's font subsets are made through (merge.py)
    write: object
    parts: list = None  # [(chunk PDF, pages)] in page order (None: laid out as one document)
    audit: list = field(default_factory=list)  # the layout audit's findings (as dicts)
    findings: list = field(default_factory=list)  # of them, those that stand (audit.Finding)
    accepted: list = field(default_factory=list)  # and those the content accepts


@dataclass
class Result:
    pdf: Path
    book: object
    page_count: int
    anchors: dict  # anchor id -> page number
    warnings: list = field(default_factory=list)  # Problem or str
    compose_html: object = None  # () -> the HTML of the whole report
    check: object = None  # (pdf path) -> the print shop's findings, when left for later
    page_sources: list = None  # laid out in chunks: what draws each page (pixels.read)
    audit: list = field(default_factory=list)  # the layout audit's findings that stand
    accepted: list = field(default_factory=list)  # its findings the content accepts

    @functools.cached_property
    def html(self):
        """The whole report as one HTML document (composed when asked: laid out in
        chunks, the build itself does not need it)."""
        return self.compose_html()


def lighter_photos():
    """Where photos are kept at low resolution, for preflight's ink and the proof's pages
    (lighter.py)."""
    return PHOTO_CACHE / "light"


def default_output(book, edition="print", folder=None):
    """The edition's PDF by its name in report.yaml's `output:`, in `folder` (None: out/)."""
    return Path(folder or PROJECT / "out") / f"{book.output_names[edition]}.pdf"


# What a build does in its own process that two must not do at once: Markdown is parsed by
# one shared parser, photos and their lighter copies are made into one cache. Builds side by
# side in one process (make_pdf.py --all: the print editions share the layout workers) take
# turns at these, which cost no time: they hold Python's one lock anyway.
TURNS = threading.RLock()

EDITIONS = ("print", "digital")
# What a build reads and never writes: an output there would replace a source.
SOURCES = ("layout", "fonts", "profiles", "reportpress")


def check_output(path, content_dir, option="-o"):
    """Raise ContentError when `path` (as given to `option`) lies in the content folder or
    the project's layout/, fonts/, profiles/ or code: `-o content/report.yaml` would
    otherwise replace the report with its own PDF. Links are followed, as the write would."""
    target = Path(path).resolve()
    folders = [Path(content_dir).resolve(), *(PROJECT / name for name in SOURCES)]
    for folder in folders:
        if target == folder or target.is_relative_to(folder):
            where = "the content folder" if folder == folders[0] else f"{folder.name}/"
            raise ContentError([Problem(
                f"{option} {path}: that is inside {where} ({folder}), which a build only "
                "reads", hint="write the output elsewhere, e.g. in out/")])


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how (`build`). The print edition is PDF/X-4 in CMYK with bleed and
    crop marks; the digital edition a tagged PDF in sRGB at trim size."""

    edition: str = "print"  # one of EDITIONS
    language: str | None = None  # one of report.yaml's `languages` (None: the main one)
    output: Path | None = None  # None: <output_folder>/<the edition's `output:` name>.pdf
    output_folder: Path | None = None  # None: out/
    strict: bool = False  # warnings (figures that do not add up …) are errors
    process_only: bool = False  # spot colours print as their CMYK alternates
    # print edition: "fail" on preflight's errors, "warn" (the editor sees them but still
    # gets pages), or "later": left to `Result.check(pdf)`, which gives them as warnings
    # (the proof shows the pages first)
    preflight: str = "fail"
    # lay out in chunks, in parallel and cached (chunks.py); None: for print. The digital
    # edition is one document: its tags form one tree over all pages.
    chunked: bool | None = None
    chunk_cache: Path = CHUNK_CACHE
    # laid_out(pdf, sources): told each chunk (its PDF and its pages' `Result.page_sources`),
    # laid out anew or from the cache, while the chunks are merged
    laid_out: object = None
    # False (a build run once): the layout workers stop as soon as the chunks are laid out
    keep_workers: bool = True
    # view (a page number) and first_laid_out(pdf, first_page, sources): the chunk holding
    # that page is laid out first and told as soon as it is, before the others are known
    # (the proof shows it at once after a save to the layout; chunks.lay_out)
    view: int | None = None
    first_laid_out: object = None


def build(content_dir, options=BuildOptions(), log=lambda message: None, loaded=None):
    """Build one edition of the report, in one language (`options`); raises ContentError /
    LayoutError for the user's mistakes. `loaded`: content.load's (book, problems) for that
    language, when the caller has just read the content (cli.build_all), for this build
    alone (it changes the book)."""
    edition, strict, preflight = options.edition, options.strict, options.preflight
    processes.lean_malloc()
    chunked = edition == "print" if options.chunked is None else options.chunked
    if chunked:
        # it loads WeasyPrint while the content is read
        processes.start_server(compose.LAYOUT_DIR, PHOTO_CACHE)
    if options.output:
        check_output(options.output, content_dir)
    log(f"reading content: {content_dir}" + (f" ({options.language})"
                                             if options.language else ""))
    with TURNS:
        book, report = loaded or content.load(content_dir, options.language)
        problems = glyphs.check(book, FONTS_DIR)
    book.process_only = book.process_only or options.process_only
    if edition == "digital":
        problems += missing_alt_texts(book)
    if problems:
        raise ContentError(problems)
    warnings = list(report.warnings)
    for warning in warnings:
        log(f"  warning: {warning}")
    if strict and warnings:
        raise ContentError(warnings)

    log(f"preparing photos for the {edition} edition")
    with TURNS:
        prepared = prepare_photos(book, edition)
    if chunked:  # (not before: separating photos takes memory too)
        workers.start_workers(book.language)

    def image_for(photo):
        return f"photo:{prepared[photo.path].name}"

    paged, layout_warnings = lay_out(book, log, edition, image_for,
                                     chunk_cache(book, options) if chunked else None,
                                     options.laid_out, options.view, options.first_laid_out,
                                     subsets_ahead=not options.keep_workers)
    warnings += layout_warnings
    if edition == "print" and (binding := binding_problem(book, paged.page_count)):
        warnings.append(binding)
        log(f"  warning: {binding}")
    if strict and warnings:
        raise ContentError(warnings)

    output = (Path(options.output) if options.output
              else default_output(book, edition, options.output_folder))
    log(f"writing PDF ({paged.page_count} pages, {edition} edition"
        + (f" in {book.language}" if len(book.languages) > 1 else "") + f"): {output}")
    identifier = document_id(paged.source, book)
    anchors = paged.anchors
    finish = None
    if edition == "print":  # crop marks as it is written, then the print shop's checks
        def finish(pdf):
            from . import prepress

            prepress.finish(pdf, identifier)

        def check(path):
            with TURNS:
                return preflight_print(path, book, log, preflight == "fail", prepared,
                                       paged.parts)

        steps = [] if preflight == "later" else [lambda path: warnings.extend(check(path))]
    else:  # opener quotes repeat their story: not read aloud twice
        openers = [page for anchor, page in anchors.items()
                   if anchor.startswith(anchor_ids.OPENER)]
        from . import tagging

        steps = [lambda path: tagging.quotes_to_artifacts(path, sorted(openers))]

    def write(path):
        if not chunked:
            return paged.write(path, identifier, finish, map)
        if options.keep_workers:  # (they may be busy: the proof's pages, a build beside)
            return paged.write(path, identifier, finish, workers.map_where_idle)
        try:  # idle now, the workers make the merged font subsets side by side; then go
            paged.write(path, identifier, finish, workers.map_in_workers)
        finally:
            workers.stop_workers()

    write_atomically(output, write, steps)
    sources = [source for part, count in paged.parts
               for source in _page_sources(part, count)] if paged.parts else None
    return Result(output, book, paged.page_count, anchors, warnings,
                  lambda: compose.compose(book, edition, image_for),
                  check if preflight == "later" and edition == "print" else None, sources,
                  paged.findings, paged.accepted)


def chunk_cache(book, options):
    """Where the edition's chunks are kept: another language's in a folder of its own, for
    its page map (where each chunk starts) is its own: French runs longer."""
    main = not book.languages or book.language == book.languages[0]
    return Path(options.chunk_cache) / ("" if main else book.language)


def prepare_photos(book, edition):
    """{photo path: the file placed} for the edition; a photo that turns out damaged once
    all its pixels are read is a content error at its line in photos.yaml."""
    try:
        return images.prepare_all([p.path for p in book.photos()], edition, PHOTO_CACHE,
                                  images.largest_placement_mm(book, edition))
    except images.DamagedImage as error:
        raise ContentError([Problem(
            f"photo `{photo.id}` ({photo.path.name}) is damaged: {error.reason}",
            photo.source, photo.line, hint="export it again from the original")
            for photo in book.photos() if photo.path == error.path]) from None


def _page_sources(part, count):
    """What draws each page of a chunk: the chunk (its cache key says all it depends on)
    and the page's place in it."""
    return [f"{part.stem}:{index}" for index in range(count)]


def document_id(html, book):
    """The PDF's id: a hash of what it shows, not of where the checkout or content lives."""
    for folder in (book.content_dir, PROJECT):
        html = html.replace(Path(folder).as_uri(), "").replace(str(folder), "")
    return hashlib.sha256(html.encode()).hexdigest()[:32].encode()


def preflight_print(path, book, log, fail=True, prepared=None, parts=None):
    """The print build's last step: the print shop's checks on the finished file.
    Returns its findings as warnings; errors raise PreflightError when `fail`.
    `prepared` ({photo path: placed file}) lets findings name the photo, not a PDF object;
    `parts` (the chunks' PDFs) lets the ink be read per chunk, as cached beside each."""
    from PIL import Image

    from . import preflight

    names = {}  # {(width, height) in px: "photo `id`"}: what preflight calls an image
    for photo in book.photos():
        placed = (prepared or {}).get(photo.path, photo.path)
        with Image.open(placed) as image:
            size = image.size
        names[size] = (names[size] + " or " if size in names else "photo ") + f"`{photo.id}`"

    log("preflight")
    max_ink = 300
    if not fail:  # proofing: the ink rendering is the slow part, and ink is for the shop
        max_ink = None
    elif not shutil.which("gs"):
        # Without Ghostscript the separations cannot be rendered. Ink stays within 300% by
        # construction (palette checked in content/settings.py, photos separated with a
        # 300% profile).
        log("  warning: Ghostscript not installed: total ink not measured")
        max_ink = None
    ink = _ink_by_chunk(parts, book) if parts and max_ink else None
    report = preflight.check(path, binding=book.binding, max_ink=max_ink, ink=ink,
                             cache_dir=lighter_photos(),
                             black_overprint_pt=book.overprint_below_pt,
                             allowed_spots=[name for name, _ in book.spots()],
                             image_label=lambda image: names.get((image.width, image.height)))
    if parts and max_ink and ink is None:  # measured on the finished file: keep per chunk
        pages = iter(report.pages)
        for part, count in parts:
            _keep_ink(part, [next(pages).ink for _ in range(count)])
    findings = [Problem(f.message, page=f.page, rule=f.check, source="preflight",
                        level=f.level) for f in report.errors + report.warnings]
    if fail and not report.ok:
        raise PreflightError("the print PDF fails preflight:\n" + "\n".join(
            f"  error: {finding}" for finding in findings[:len(report.errors)]))
    for finding in findings:
        log(f"  {finding.level}: {finding}")
    return findings


def _ink_by_chunk(parts, book):
    """Total ink of every page, kept beside each chunk's PDF: a rebuild renders only the
    chunks laid out again (crop marks, added after, lie outside the bleed box rendered).
    None when most chunks are new (or something cannot be read): then the finished file
    is rendered in one go, as usual."""
    from . import preflight

    kept = {part: _read_ink(part.with_suffix(".ink.json")) for part, _ in parts}
    if sum(readings is None for readings in kept.values()) > len(parts) / 2:
        return None
    for part, readings in kept.items():
        if readings is None:
            kept[part] = [page.ink for page in preflight.check(
                part, binding=book.binding, cache_dir=lighter_photos()).pages]
            _keep_ink(part, kept[part])
    readings = [reading for part, _ in parts for reading in kept[part]]
    return None if None in readings else readings


def _read_ink(path):
    from . import preflight

    try:
        return [preflight.InkReading(**reading) for reading in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return None


def _keep_ink(part, readings):
    if None not in readings:
        part.with_suffix(".ink.json").write_text(
            json.dumps([dataclasses.asdict(reading) for reading in readings]))


def missing_alt_texts(book):
    """The digital edition is read aloud too: every photo in a story needs its alt text."""
    return [Problem(f"story `{story.id}`: its figure needs `alt:` (a description of the "
                    "photo) for the digital edition", story.source)
            for _, story in book.stories() if story.figure and not story.figure.alt]


def binding_problem(book, pages):
    """What is wrong with the page count for the binding, or None. We never pad silently:
    the message says how many pages are missing and where blank pages would go."""
    from .preflight import PAGES_PER_SHEET, pages_short

    multiple, missing = PAGES_PER_SHEET[book.binding], pages_short(book.binding, pages)
    if not missing:
        return None
    back = pages if book.chapters and book.chapters[-1].kind == "back-cover" else pages + 1
    where = ", ".join(str(back - missing + i) for i in range(missing))
    return Problem(f"{pages} pages: {book.binding} needs a multiple of {multiple}, {missing} "
                   f"short; blank pages would go before the back cover (pages {where}) — or "
                   "shorten or lengthen the content", rule="binding", source="layout")


def lay_out(book, log, edition="print", image_for=None, chunk_cache=None, laid_out=None,
            view=None, first_laid_out=None, subsets_ahead=False):
    """Compose and lay out: in chunks (cached in `chunk_cache`; `subsets_ahead`: see
    chunks.lay_out) or, without it, as one document. A page the layout leaves blank (so
    that the next opener starts on a left page) shows the closing photo of the chapter
    before it; a blank page after a chapter without one is a warning."""
    render_args = (compose.LAYOUT_DIR, [book.content_dir, compose.LAYOUT_DIR], PHOTO_CACHE)
    if chunk_cache:
        log("laying out pages")
        paged = _lay_out_chunks(book, edition, image_for, render_args, chunk_cache, log,
                                laid_out, view, first_laid_out, subsets_ahead)
    else:
        log("composing HTML")
        with TURNS:
            html = compose.compose(book, edition, image_for)
        log("laying out pages")
        inks = (book.spots(), book.overprint_below_pt) if edition == "print" else ((), 0)
        paged = _lay_out_whole(html, edition, book.published, render_args, inks)
    chapters = {c.id: c for c in book.chapters}
    warnings = list(paged.overflows)
    for warning in warnings:
        log(f"  warning: {warning}")
    for chapter_id, page in chapters_before_blanks(book, paged.anchors, paged.blanks).items():
        if not chapters[chapter_id].closing:
            warnings.append(Problem(f"blank after chapter `{chapter_id}`", page=page,
                                    hint="give it a `closing_photo` to fill it",
                                    rule="blank-page", source="layout"))
            log(f"  warning: {warnings[-1]}")
    if edition == "print":
        for problem in flatplan_problems(book, paged.anchors, paged.page_count):
            warnings.append(problem)
            log(f"  warning: {problem}")
    check_facing(book, paged.anchors)
    warnings += audit_layout(book, paged, log)
    return paged, warnings


def audit_layout(book, paged, log):
    """The layout audit's findings that stand, as warnings (logged; those the content
    accepts are listed apart). A finding at the level of an error (text set off the
    page) fails the build."""
    from . import audit

    paged.findings, paged.accepted = audit.settle(
        [audit.Finding(**found) if isinstance(found, dict) else found for found in paged.audit],
        book)
    log(f"layout audit: {len(paged.findings)} finding(s), {len(paged.accepted)} accepted")
    for finding in paged.findings:
        log(f"  {finding.level}: {finding}")
    for finding in paged.accepted:
        log(f"  accepted: {finding}")
    errors = [finding for finding in paged.findings if finding.level == "error"]
    if errors:
        raise LayoutError("the layout audit found errors:\n" + "\n".join(
            f"  {finding}" for finding in errors))
    return list(paged.findings)


def flatplan_problems(book, anchors, page_count):
    """Where a chapter takes more or fewer pages than its `pages:` (the flatplan) says."""
    starts = [anchors.get(anchor_ids.chapter(chapter.id)) for chapter in book.chapters]
    if None in starts:
        return []
    problems = []
    for chapter, start, end in zip(book.chapters, starts, starts[1:] + [page_count + 1],
                                   strict=True):
        if chapter.pages and chapter.pages != end - start:
            problems.append(Problem(
                f"chapter `{chapter.id}` takes {_pages(end - start)} (from page {start}); the "
                f"flatplan says {_pages(chapter.pages)}", chapter.source, chapter.pages_line,
                hint="shorten or lengthen its content, or change `pages:`", source="layout"))
    return problems


def chapters_before_blanks(book, anchors, blanks):
    """{chapter id: blank page} for each blank page, naming the chapter that ends before it."""
    starts = sorted((anchors[anchor_ids.chapter(c.id)], c.id) for c in book.chapters
                    if anchor_ids.chapter(c.id) in anchors)
    result = {}
    for blank in blanks:
        before = [chapter_id for start, chapter_id in starts if start < blank]
        if before:
            result[before[-1]] = blank
    return result


def check_facing(book, anchors):
    """“op de pagina hiernaast” must be true: the quote on a left page, its story on the
    right page beside it. Raises LayoutError naming the chapter and story otherwise."""
    problems = []
    for chapter in book.chapters:
        opener = getattr(chapter, "opener", None)
        if not opener or opener.refer != "facing":
            continue
        quote = anchors.get(anchor_ids.opener(chapter.id))
        story = anchors.get(anchor_ids.story(opener.story))
        if quote is None or story is None or quote % 2 or story != quote + 1:
            problems.append(
                f"{chapter.source}: the opener quote (page {quote}) says “op de pagina "
                f"hiernaast”, but story `{opener.story}` starts on page {story}")
    if problems:
        raise LayoutError("\n".join(problems))


def _pages(count):
    return f"{count} page" + ("s" if count != 1 else "")


def _lay_out_whole(html, edition, published, render_args, inks):
    from . import audit, overflow, prepress, render

    document = render.render(html, *render_args)

    def write(path, identifier, finish, make_all):
        spots, overprint_below = inks
        render.write_document(document, path, identifier, edition, published,
                              overprint_below=overprint_below)
        prepress.spot_inks(path, spots)
        if finish:
            prepress.apply(path, finish)

    return Paged(html, len(document.pages), render.anchor_pages(document),
                 render.blank_pages(document),
                 [found.problem() for found in overflow.find(document.pages)], write,
                 audit=audit.find(render.read_pages(document.pages)))


def _load_later_steps():
    """The modules of the steps after the layout (crop marks, preflight), loaded while the
    workers lay out the first chunks rather than before they are given them."""
    from . import preflight, prepress  # noqa: F401


def _lay_out_chunks(book, edition, image_for, render_args, cache_dir, log, laid_out=None,
                    view=None, first_laid_out=None, subsets_ahead=False):
    from . import chunks

    def chunk_laid_out(laid):
        laid_out(Path(laid.pdf), _page_sources(Path(laid.pdf), laid.page_count))

    def first_chunk_laid_out(laid, first_page):
        first_laid_out(Path(laid.pdf), first_page,
                       _page_sources(Path(laid.pdf), laid.page_count))

    def compose_chunk(chunk, page_of):
        with TURNS:
            return compose.compose(book, edition, image_for, chunk=chunk, page_of=page_of)

    try:
        layout = chunks.lay_out(book, compose_chunk, render_args, edition, book.published,
                                cache_dir, log, chunk_laid_out if laid_out else None,
                                view, first_chunk_laid_out if first_laid_out else None,
                                _load_later_steps, subsets_ahead)
    except LayoutError as error:  # (a worker that died: which stories it was laying out)
        raise processes.explain(error) from None
    return Paged("".join(layout.htmls), layout.page_count, layout.anchors, layout.blanks,
                 layout.overflows,
                 lambda path, identifier, finish, make_all: layout.write(path, finish, make_all),
                 layout.parts,
                 audit=layout.audit)
