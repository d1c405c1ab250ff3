"""Laying the report out in chunks, in parallel processes, and merging their pages.

WeasyPrint lays a document out in one process, page after page; most of that time goes to
balancing two columns. A chunk is a run of chapters from one opener to the next: it is laid
out as a document of its own (compose.compose(chunk=…)), numbered from its first page, and
written to a PDF of its own, cached under a hash of everything it depends on (its HTML,
which holds its first page number and the page numbers it refers to, the stylesheets that
can apply to it, and the fonts, profiles and code). The chunks' pages are then merged into
one PDF.

What of layout/ a chunk depends on: its templates and words only through its HTML (which is
in the key), and of its stylesheets only those with a rule that can match an element of its
HTML (`Stylesheets`): a change to components/key-figures.css lays out again only the chunks
with key figures. A stylesheet is taken to apply to every chunk unless each of its rules is
a plain style rule whose every selector names a class or id outside any parentheses (an
element without that class or id cannot match it, whatever else the selector says); an
at-rule (@page, @font-face, @media, @import, …) or a selector without one (`*`, `p`, `:root`)
makes the whole file count for every chunk. Any other file in layout/ counts for all.

A chunk's first page comes from the page counts of the chunks before it: from the last
build's page map (pagemap-<edition>.json in the cache), else from the flatplan (the
chapters' `pages:`), so that all chunks are laid out at once. A page reference ("op pagina
36") to a target in the same chunk is left to its layout; one to another chunk is written
out, from the page map or once that chunk is laid out. Where a number turns out wrong, the
chunks it moved are laid out again, until all agree. The result has the same text, pages
and page numbers as one document (tests/test_chunks.py).
"""
import concurrent.futures
import contextlib
import dataclasses
import functools
import hashlib
import html as html_text
import json
import os
import re
import threading
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import PROJECT, anchors, engine, workers
from .errors import LayoutError
from .output import write_atomically
from .problems import Problem

# What a chunk's PDF depends on besides its HTML and layout/ (its stylesheets: Stylesheets).
DEPENDENCIES = [PROJECT / "fonts", PROJECT / "profiles",
                PROJECT / "requirements.txt",
                *(PROJECT / "reportpress" / name
                  for name in ("render.py", "chunks.py", "overflow.py", "audit.py", "engine.py",
                               "overprint.py", "spots.py", "prepress.py", "subsets.py"))]
MAX_ROUNDS = 4  # page numbers settle in two rounds; more means they cannot
KEEP = 64  # cached chunk PDFs kept (the least recently used go first)
FONTS = "fonts"  # the cache's folder of merged font programs (fontmerge.py)
# Builds side by side (make_pdf.py --all: the print editions share the workers) queue their
# chunks one build after the other, not mixed: the first is laid out first, and its merge
# and preflight, which use one core, go on while the workers lay the other out
QUEUEING = threading.Lock()


@dataclass(frozen=True)
class Chunk:
    chapters: tuple
    first_page: int
    lead: bool  # it starts on a left page: a lead page goes first and is dropped
    next: object  # the first chapter of the chunk after (None: the last): where it would
    # begin is laid out (with the blank page its break may leave), then dropped


@dataclass(frozen=True)
class Job:
    """What a worker needs besides a chunk's HTML."""
    render_args: tuple  # render.render's arguments after the HTML
    edition: str
    published: str
    language: str
    overprint_below: float  # black text under this size overprints (0: none; digital)
    spots: tuple  # ((ink name, CMYK alternate), …) printed as spot colours (print only)
    font_cache: str | None = None  # where font subsets are kept (subsets.kept_subset)


@dataclass
class Laid:
    """What a chunk's layout says, in the page numbers of the whole report."""
    pdf: str | None  # None: laid out to learn its pages, not written
    page_count: int
    anchors: dict  # anchor id -> page
    blanks: list  # pages left blank (before an opener on a left page)
    overflows: list  # overset, as problems.Problem fields (JSON in the cache)
    audit: list = field(default_factory=list)  # the layout audit's findings, as dicts
    seconds: float = 0.0  # what laying it out took (the next build's order: longest first)


@dataclass
class Layout:
    """The report laid out in chunks: the merged PDF is written by `write(path)`."""
    chunks: list  # of Laid
    htmls: list  # what each was laid out from
    cache_dir: Path | None = None  # the chunk cache (the font subsets are kept in it too)
    ahead: list = field(default_factory=list)  # futures of font subsets made ahead

    @property
    def page_count(self):
        return sum(laid.page_count for laid in self.chunks)

    @property
    def anchors(self):
        return {anchor: page for laid in self.chunks for anchor, page in laid.anchors.items()}

    @property
    def blanks(self):
        return [page for laid in self.chunks for page in laid.blanks]

    @property
    def overflows(self):
        return [Problem(**found) for laid in self.chunks for found in laid.overflows]

    @property
    def audit(self):
        return [finding for laid in self.chunks for finding in laid.audit]

    @property
    def parts(self):
        """[(the chunk's PDF, its page count)] in page order."""
        return [(Path(laid.pdf), laid.page_count) for laid in self.chunks]

    def write(self, path, finish=None, make_all=map):
        from . import merge

        merge.merge([laid.pdf for laid in self.chunks], path, finish,
                    self.cache_dir / FONTS if self.cache_dir else None, make_all,
                    # (a subset being made ahead is awaited, not made twice)
                    fonts_ready=lambda: concurrent.futures.wait(self.ahead))


def split(chapters):
    """The chapters in runs: a new run starts at each chapter with an opener (on a left
    page), and at the back matter: the chapter after the last with an opener (it starts on
    a new page)."""
    openers = [i for i, chapter in enumerate(chapters) if getattr(chapter, "opener", None)]
    back_matter = openers[-1] + 1 if openers else None
    runs = []
    for index, chapter in enumerate(chapters):
        if not runs or index in openers or (index == back_matter and
                                            chapter.kind != "back-cover"):
            runs.append([])
        runs[-1].append(chapter)
    return [tuple(run) for run in runs]


def lay_out(book, compose_html, render_args, edition, published, cache_dir, log,
            laid_out=None, view=None, first_laid_out=None, meanwhile=None,
            subsets_ahead=False):
    """Lay the book out chunk by chunk. `compose_html(chunk, page_of)` gives a chunk's HTML
    with the page references to targets in `page_of` written out (the others are left to
    its layout); `render_args` are render.render's arguments after the HTML.
    `laid_out(laid)` is told each chunk (laid out anew or from the cache), once all are
    known good, before they are merged (the proof has the pages it has not drawn yet
    drawn meanwhile). `view` (a page number; the proof, after a save to the layout): the
    chunk that holds that page is laid out first, the others longest first, and
    `first_laid_out(laid, first_page)` is told it as soon as it is laid out anew (its
    pages numbered as the last build's page map has them: the page numbers may still
    move, and nothing else is known yet). `meanwhile()` is done once the first chunks are
    with the workers, while this process would only wait (pipeline.py loads the modules
    of the steps after the layout then). `subsets_ahead`: while the last chunk is laid
    out, the other workers make the merged font subsets of those laid out so far, and
    those it adds glyphs to while the pages are merged (_SubsetsAhead; not in the proof,
    whose workers draw pages then)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    runs = split(book.chapters)
    memory = _read_json(cache_dir / f"pagemap-{edition}.json") or {}
    remembered = memory.get("counts", {})
    planned = [sum(chapter.pages for chapter in run) if all(chapter.pages for chapter in run)
               else None for run in runs]  # the flatplan's
    counts = [remembered.get(run[0].id) or plan or 2 for run, plan in zip(runs, planned,
                                                                           strict=True)]
    # a chunk's first page is a guess while a chunk before it has neither a remembered nor
    # a planned count: such a chunk is laid out (to learn its pages) but not written yet
    known = [run[0].id in remembered or plan is not None for run, plan in zip(runs, planned,
                                                                               strict=True)]
    certain = [all(known[:index]) for index in range(len(runs))]
    page_of = memory.get("anchors", {})
    took = memory.get("seconds", {})
    costs = [took.get(run[0].id) for run in runs]  # (None: not laid out before)
    edited = max(range(len(runs)), key=lambda i: _last_edit(runs[i], book.content_dir))
    if view is not None:
        edited = _holding(_plan(runs, counts), counts, view, edited)
    printed = edition == "print"
    job = Job(render_args, edition, published, book.language,
              book.overprint_below_pt if printed else 0, tuple(book.spots()) if printed else (),
              str(cache_dir / FONTS))
    layout = _Round(compose_html, _fingerprint(job, render_args[0]), cache_dir, job,
                    Stylesheets(render_args[0]), subsets_ahead)
    for _ in range(MAX_ROUNDS):
        chunks = _plan(runs, counts)
        laid, written_out, keys, htmls = layout.run(chunks, costs, certain, page_of,
                                                    edited, log, first_laid_out,
                                                    functools.partial(_meanwhile, meanwhile))
        first_laid_out = meanwhile = None  # (the first round's only)
        new_counts = [each.page_count for each in laid]
        # a chunk numbered from the wrong page has the right pages, numbered wrong: its
        # anchors move with its first page
        moved = [new.first_page - old.first_page
                 for new, old in zip(_plan(runs, new_counts), chunks, strict=True)]
        new_page_of = {anchor: page + shift for each, shift in zip(laid, moved, strict=True)
                       for anchor, page in each.anchors.items()}
        if (not any(moved) and all(each.pdf for each in laid)
                and all(new_page_of.get(target) == page for numbers in written_out
                        for target, page in numbers.items())):
            _remember(cache_dir, edition, runs, laid, new_page_of, keys)
            for each in laid if laid_out else ():
                laid_out(each)
            return Layout(laid, htmls, cache_dir, layout.ahead.futures if layout.ahead else [])
        counts, page_of, certain = new_counts, new_page_of, [True] * len(runs)
    raise LayoutError("the page numbers do not settle: a page reference changes the page "
                      "count of the chapters before its target (shorten the text around it)")


class _Round:
    """One round of laying out all chunks, each from the cache or in a worker process.
    A chunk that refers to a page in another chunk has that number written out: from the
    page map when it has it, else from the flatplan where it tells (a chapter of one page),
    else the chunk waits until the other chunk is laid out."""

    def __init__(self, compose_html, fingerprint, cache_dir, job, stylesheets,
                 subsets_ahead=False):
        self.compose_html, self.fingerprint = compose_html, fingerprint
        self.cache_dir, self.job, self.stylesheets = cache_dir, job, stylesheets
        self.subsets_ahead, self.ahead = subsets_ahead, None  # (_SubsetsAhead, once)
        self.composed = {}  # chunk -> (its HTML, all numbers left to the layout; its ids)

    def run(self, chunks, costs, certain, page_of, edited, log, first_laid_out=None,
            meanwhile=None):
        """([Laid], [{target: page written out}], [cache key], [HTML]) for the chunks.
        The `edited` one is composed first and, when it can be, laid out while the others
        are composed (a rebuild after an edit: it is the one to lay out). `costs`: the
        seconds each took to lay out last time (None: not known). `first_laid_out(laid,
        first_page)` is told the `edited` one as soon as it is laid out anew (the one in
        view: the proof shows it before the others, which it shows all at once)."""
        known = dict(page_of)
        count = len(chunks)
        laid, written_out, keys = [None] * count, [None] * count, [None] * count
        htmls, running, submitted = [None] * count, {}, 0
        last = []  # the chunks laid out after the subsets ahead began (_SubsetsAhead)

        def start(i, targets):
            """From the cache, or to a worker, with the numbers of `targets` written out."""
            nonlocal submitted
            written_out[i] = {target: known[target] for target in targets}
            if anchors.written_out(htmls[i]) != written_out[i]:  # numbers learnt since
                htmls[i] = self._compose(chunks[i], written_out[i])
            keys[i] = _key(htmls[i], self.fingerprint, self.stylesheets)
            laid[i] = _cached(self.cache_dir, keys[i])
            if laid[i]:
                known.update(laid[i].anchors)
            else:
                stem = str(self.cache_dir / keys[i]) if certain[i] else None
                running[_submit(htmls[i], chunks[i], stem, self.job)] = i
                submitted += 1

        htmls[edited] = self._compose(chunks[edited], known)
        if (targets := _targets(htmls[edited])) <= known.keys():
            start(edited, targets)
        htmls = [html or self._compose(chunk, known) for html, chunk in zip(htmls, chunks,
                                                                             strict=True)]
        refer = _references(htmls)
        # the edited one first; then chunks others wait for (or whose pages they take from
        # the flatplan: a wrong guess is found sooner); then the longest first, so that the
        # workers end together rather than one laying out a long chunk alone at the end
        cost = _expected_costs(costs, htmls)
        needed = {index for targets in refer for target, index in targets.items()
                  if target not in known}
        # with no page map (a first build), a target's page is the flatplan's where it can
        # be read from it: else the chunks that refer to it would wait (a wrong guess is
        # found and laid out again, as a wrong page map is)
        known.update({target: page for target, page in _planned_pages(chunks, htmls,
                                                                       certain).items()
                      if target not in known})
        waiting = {i for i in range(count) if keys[i] is None}
        while waiting or running:
            ready = [i for i in waiting if refer[i].keys() <= known.keys()]
            if not ready and not running:  # chunks that refer to each other, no page map:
                ready = list(waiting)  # a guess now, the next round has the numbers
                known.update({target: 0 for i in ready for target in refer[i]
                              if target not in known})
            with QUEUEING:
                for i in sorted(ready, key=lambda i: (i != edited, i not in needed, -cost[i])):
                    waiting.discard(i)
                    start(i, refer[i])
            if running and meanwhile:  # (once: the workers are busy, this one idle)
                meanwhile()
                meanwhile = None
            if running:
                done, _ = concurrent.futures.wait(running, return_when="FIRST_COMPLETED")
                for future in done:
                    i = running.pop(future)
                    laid[i] = _result(future)
                    known.update(laid[i].anchors)
                    if i == edited and first_laid_out and laid[i].pdf:
                        first_laid_out(laid[i], chunks[i].first_page)
                if (self.subsets_ahead and self.ahead is None and not waiting
                        and len(running) == 1):
                    self.ahead = _SubsetsAhead([each.pdf for each in laid if each and each.pdf],
                                               self.cache_dir / FONTS)
                    last = [i for i, each in enumerate(laid) if each is None]
        if self.ahead is not None and submitted and last:  # (once: the round it began)
            self.ahead.add([laid[i].pdf for i in last if laid[i].pdf])
        if submitted:
            log(f"  laid out {submitted} of {count} chunks")
        return laid, written_out, keys, htmls

    def _compose(self, chunk, page_of):
        """The chunk's HTML with the numbers of `page_of` written out, but for targets in
        the chunk itself (left to its layout). Composed once; numbers learnt later are
        written into that HTML (anchors.renumbered), not composed again."""
        key = (chunk.first_page, chunk.lead, *map(id, chunk.chapters), id(chunk.next))
        if key not in self.composed:
            html = self.compose_html(chunk, None)
            self.composed[key] = html, set(anchors.ids_in(html))
        html, own = self.composed[key]
        return anchors.renumbered(html, {t: p for t, p in page_of.items() if t not in own})


class _SubsetsAhead:
    """The merged font subsets (fontmerge.py), made by the workers and kept in `cache_dir`
    before the merge asks for them: those of the chunks laid out so far while the last is
    laid out (the other workers idle), then those of the faces the last chunk adds glyphs
    to while the pages are merged. `futures` are the subsets being made."""

    def __init__(self, pdfs, cache_dir):
        self.cache_dir, self.used, self.futures = cache_dir, {}, []
        self.add(pdfs)

    def add(self, pdfs):
        """Make the subsets the chunks at `pdfs` add glyphs to."""
        from . import fontmerge, subsets

        for face, gids in sorted(fontmerge.glyphs_by_face(pdfs, PROJECT / "fonts").items()):
            if not gids <= self.used.get(face, set()):
                self.used[face] = gids | self.used.get(face, set())
                self.futures.append(workers.run_in_worker(
                    subsets.keep_subset_of, str(self.cache_dir), str(face[1]),
                    sorted(self.used[face])))


def _meanwhile(also):
    """What the merge needs (its modules, fontTools' font reader) loaded while the workers
    lay out, not before the first chunk is submitted; and what `also` loads."""
    from . import merge  # noqa: F401

    if also:
        also()


def _expected_costs(costs, htmls):
    """What each chunk is expected to take to lay out: as long as it took last time, or,
    not laid out before, in proportion to its HTML (the measure that tells best without a
    layout: text is what is laid out), at the rate of those that were."""
    known = [(cost, len(html)) for cost, html in zip(costs, htmls, strict=True) if cost]
    rate = sum(cost for cost, _ in known) / sum(size for _, size in known) if known else 1
    return [cost or len(html) * rate for cost, html in zip(costs, htmls, strict=True)]


def _holding(chunks, counts, page, otherwise):
    """The index of the chunk that holds `page` (its lead page: the chunk after it), or
    `otherwise` when none does."""
    for index, (chunk, count) in enumerate(zip(chunks, counts, strict=True)):
        if page < chunk.first_page + count:
            return index
    return otherwise


def _planned_pages(chunks, htmls, certain):
    """{id: page} for the ids in a chapter of one page, and each chapter's own id (the page
    it starts on: a contents list refers to it), by the flatplan (each chapter's `pages:`),
    in chunks whose first page is certain."""
    found = {}
    for chunk, html, sure in zip(chunks, htmls, certain, strict=True):
        page = chunk.first_page
        for chapter in chunk.chapters if sure else ():
            found[anchors.chapter(chapter.id)] = page
            if not chapter.pages:
                break  # the pages of the chapters after it are not planned
            if chapter.pages == 1:
                found.update(dict.fromkeys(anchors.ids_in(anchors.chapter_html(html, chapter.id)),
                                           page))
            page += chapter.pages
    return found


def _targets(html):
    """The targets of the chunk's page references to other chunks."""
    return ((anchors.left_to_layout(html) | anchors.written_out(html).keys())
            - set(anchors.ids_in(html)))


def _last_edit(run, content_dir):
    """When a file in the folders of a run of chapters last changed (ns)."""
    newest = 0
    for chapter in run:  # (a chapter's source is named from the content folder's parent)
        folder = Path(content_dir).parent / Path(chapter.source).parent
        with contextlib.suppress(OSError), os.scandir(folder) as found:
            newest = max([newest, *(entry.stat().st_mtime_ns for entry in found)])
    return newest


def _references(htmls):
    """[{target: index of the chunk it is in}] of each chunk's page references to other
    chunks; a target in no chunk fails the build (as WeasyPrint's would, in one document)."""
    where = {anchor: index for index, html in enumerate(htmls)
             for anchor in anchors.ids_in(html)}
    targets = [_targets(html) for html in htmls]
    missing = sorted({target for found in targets for target in found if target not in where})
    if missing:
        raise LayoutError("a page reference points at what is not in the report: "
                          + ", ".join(f"#{target}" for target in missing))
    return [{target: where[target] for target in found} for found in targets]


def _plan(runs, counts):
    chunks, first = [], 1
    for index, run in enumerate(runs):
        if getattr(run[0], "opener", None) and first % 2:  # an opener is on a left page
            first += 1
        following = runs[index + 1][0] if index + 1 < len(runs) else None
        chunks.append(Chunk(run, first, lead=first % 2 == 0, next=following))
        first += counts[index]
    return chunks


def _cached(cache_dir, key):
    found = _read_json(cache_dir / f"{key}.json")
    pdf = cache_dir / f"{key}.pdf"
    return Laid(**{**found, "pdf": str(pdf)}) if found and pdf.is_file() else None


def _submit(html, chunk, stem, job):
    """Lay the chunk out in a worker process: a future of its Laid."""
    try:
        return workers.run_in_worker(_render_chunk, html, chunk.first_page, chunk.lead, stem, job)
    except BrokenProcessPool:
        workers.stop_workers()
        raise LayoutError(workers.WORKER_DIED) from None


def _render_chunk(html, first_page, lead, stem, job):
    """In a worker: lay out one chunk and keep its own pages; with a `stem`, write its PDF
    and what its layout says there (the cache)."""
    import time

    from . import audit, overflow, prepress, render  # (the fork server has them: forkserver.py)

    started = time.perf_counter()
    render.load_hyphenation(job.language)  # (once per process)
    render.subset_cache, render.subsets_replaced = job.font_cache, True  # (merge.py)
    document = render.render(html, *job.render_args)
    pages = document.pages
    end = next((i for i, page in enumerate(pages) if anchors.CHUNK_END in page.anchors),
               len(pages))
    start = 1 if lead else 0
    kept = pages[start:end]
    number = {index: first_page + index - start for index in range(start, end)}
    found = {}
    for index in range(start, end):
        for anchor in pages[index].anchors:  # (a box on several pages: its first page)
            if not anchor.startswith(anchors.CHUNK):
                found.setdefault(anchor, number[index])
    laid = Laid(
        pdf=stem + ".pdf" if stem else None,
        page_count=len(kept),
        anchors=found,
        blanks=[number[index] for index in range(start, end)
                if render.is_blank(pages[index])],
        overflows=[dataclasses.asdict(found.problem())
                   for found in overflow.find(kept, first=first_page)],
        audit=[dataclasses.asdict(found)
               for found in audit.find(render.read_pages(kept, first=first_page))],
    )
    if stem:
        # (no file /ID: the merged file's is made from its own bytes)
        render.write_pdf(document.copy(kept), laid.pdf, b"chunk", job.edition, job.published,
                         file_id=False, overprint_below=job.overprint_below)
        prepress.spot_inks(laid.pdf, job.spots, file_id=False)
        laid.seconds = round(time.perf_counter() - started, 3)
        _write_json(Path(stem + ".json"), laid.__dict__)
    return laid


_result = workers.result  # a chunk's Laid from its future (a worker's LayoutError raised)


def _key(html, fingerprint, stylesheets):
    return hashlib.sha256(fingerprint + stylesheets.digest(html)
                          + html.encode()).hexdigest()[:32]


def _fingerprint(job, layout_dir):
    digest = hashlib.sha256(f"{job.edition} {job.published} {job.overprint_below} "
                            f"{job.spots} {engine.fingerprint()}".encode())
    for dependency in DEPENDENCIES:
        files = sorted(dependency.rglob("*")) if dependency.is_dir() else [dependency]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(PROJECT)).encode() + file.read_bytes())
    layout_dir = Path(layout_dir)
    for file in sorted(layout_dir.rglob("*")):  # what reaches a chunk other than its HTML
        if file.is_file() and not _through_html_or_styles(file.relative_to(layout_dir)):
            digest.update(b"layout/" + str(file.relative_to(layout_dir)).encode()
                          + file.read_bytes())
    return digest.digest()


def _through_html_or_styles(relative):
    """A stylesheet (Stylesheets), a template or the layout's words (they reach a chunk
    only through its HTML: compose.py reads them, the renderer never does)."""
    return (relative.suffix in (".css", ".html")
            or (relative.parts[0] == "strings" and relative.suffix == ".yaml"))


class Stylesheets:
    """layout/'s stylesheets, each with what an element needs for one of its rules to
    match it: `digest(html)` hashes those that can apply to the HTML (see the module's
    docstring)."""

    def __init__(self, layout_dir):
        self.sheets = []  # (name, bytes, [frozenset of the tokens a selector needs] or None)
        layout_dir = Path(layout_dir)
        for file in sorted(layout_dir.rglob("*.css")):
            body = file.read_bytes()
            self.sheets.append((str(file.relative_to(layout_dir)).encode(), body,
                                _selector_needs(body)))

    def applying(self, html):
        """The names of the stylesheets that can apply to the HTML."""
        tokens = _tokens(html)
        return [name for name, _, needs in self.sheets
                if needs is None or any(need <= tokens for need in needs)]

    def digest(self, html):
        applying = set(self.applying(html))
        digest = hashlib.sha256()
        for name, body, _ in self.sheets:
            if name in applying:
                digest.update(len(name).to_bytes(4, "big") + name
                              + len(body).to_bytes(8, "big") + body)
        return digest.digest()


_ATTRIBUTE = re.compile(r"""\b(?:class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
                        re.IGNORECASE)


def _tokens(html):
    """Every class and id an element of the HTML may have (lower case: matched without
    regard to case, which can only find more). Read loosely, so more rather than fewer:
    text that looks like an attribute counts too."""
    found = set()
    for match in _ATTRIBUTE.finditer(html):
        value = html_text.unescape(next(group for group in match.groups() if group is not None))
        found.update(value.lower().split())
    return found


@functools.lru_cache(maxsize=256)
def _selector_needs(body):
    """[frozenset of the classes and ids a selector names outside parentheses] for every
    selector of every rule of a stylesheet, or None: a rule that can apply anywhere (an
    at-rule, a selector naming none, anything not read as plain CSS)."""
    import tinycss2

    try:
        rules = tinycss2.parse_stylesheet(body.decode("utf-8"), skip_comments=True,
                                          skip_whitespace=True)
    except (UnicodeDecodeError, ValueError):
        return None
    needs = []
    for rule in rules:
        if rule.type != "qualified-rule":  # @-rules, parse errors
            return None
        selector = set()
        for previous, token in zip([None, *rule.prelude], rule.prelude, strict=False):
            if token.type == "literal" and token.value == ",":
                if not selector:
                    return None
                needs.append(frozenset(selector))
                selector = set()
            elif ((token.type == "hash" and token.is_identifier)  # #id
                  or (token.type == "ident" and previous is not None  # .class
                      and previous.type == "literal" and previous.value == ".")):
                selector.add(token.value.lower())
            # (blocks, :not(…), :is(…), [attr]: one token each, what is inside only
            # narrows what the selector matches)
        if not selector:
            return None
        needs.append(frozenset(selector))
    return needs


def _remember(cache_dir, edition, runs, laid, anchors, keys):
    """Keep the page map for the next build (with what each chunk took to lay out), and
    the most recently used chunk PDFs. (The map is added to, not replaced: building
    another report in between keeps this one's.)"""
    path = cache_dir / f"pagemap-{edition}.json"
    memory = _read_json(path) or {}
    memory.setdefault("counts", {}).update(
        {run[0].id: each.page_count for run, each in zip(runs, laid, strict=True)})
    memory.setdefault("seconds", {}).update(
        {run[0].id: each.seconds for run, each in zip(runs, laid, strict=True) if each.seconds})
    memory.setdefault("anchors", {}).update(anchors)
    _write_json(path, memory)
    for key in keys:
        os.utime(cache_dir / f"{key}.pdf")
    parts = sorted(cache_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for part in parts[KEEP:]:  # with what else is kept beside it (its .json, …)
        for file in cache_dir.glob(f"{part.stem}.*"):
            file.unlink(missing_ok=True)


def _read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_json(path, data):
    """Atomically: a reader never sees half a file (another build may be reading)."""
    write_atomically(path, lambda tmp: Path(tmp).write_text(json.dumps(data, sort_keys=True)))
