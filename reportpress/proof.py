"""Proof pages in the browser, rebuilt on every save: `make_pdf.py proof`.

Builds the report, then serves a proof page on 127.0.0.1 only: the pages as printed spreads
(page 1 alone on the right, then left and right pages side by side), a chapter menu, the
build's warnings beside the page they concern, a link to the PDF, and a flatplan (/flatplan).
content/ and layout/ are watched; a change rebuilds in the background
and the open page updates itself, marking the pages that look different from the previous
build. A build that fails shows its problems (file:line: message) above the last good proof.
The page says which spread is in view (/status?view=N); after a save under layout/ or fonts/
the chunk holding it is laid out first and its pages are shown at once, marked as the only
new ones while the rest of the report is still being rebuilt (the others follow, nearest
first). The page's own words follow the report's language (the `proof:` section of
layout/strings/<language>.yaml, words.proof_words).
A report in several languages (`languages:` in report.yaml) gets a language switch: each
other language's edition is a Proofer of its own (`Proofer.edition`), built when the page
first asks for it and again on every save while a page shows it (`?lang=fr`); `?side=fr`
shows the main edition and that one spread by spread, side by side.
"Approve" keeps a copy of the current PDF (approved.pdf in the proof folder); later builds
mark the pages that differ from it (reportpress.diff).

Files: out/proof/ (builds/NNNN/<name>.pdf, pages/<hash>.png, approved.pdf, approved-diff/;
an edition in another language the same under editions/<language>/).
The server answers only for its own static files and for files inside that folder.
"""
import argparse
import contextlib
import dataclasses
import io
import json
import mimetypes
import os
import re
import shutil
import signal
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import watchfiles
from babel import Locale, UnknownLocaleError
from PIL import Image

from . import anchors, compose, diff, pipeline, pixels, problems, words, workers
from .errors import ContentError, LayoutError, UnreadablePDF
from .output import write_atomically

STATIC = Path(__file__).resolve().parent / "proof_page"
PAGES = {"/": "index.html", "/flatplan": "flatplan.html"}
STATIC_FILES = {"proof.js": "text/javascript", "proof.css": "text/css"}
DEFAULT_OUT = pipeline.PROJECT / "out" / "proof"
DEFAULT_PORT = 8765
SETTLE_MS = 30  # a change is built once the files stay put this long
DPI = 100
# pages drawn by the workers while a build's chunks are merged (those of the story edited);
# the rest are drawn here
DRAW_AHEAD = 12
# an edition in another language is rebuilt on a save while a page has asked for it this
# recently (it polls every 0.6 s); one not shown is rebuilt when a page asks for it again
SHOWN_FOR = 10.0
IGNORED = re.compile(r"^(\.|#)|(~|\.swp|\.swx|\.tmp|\.part)$")  # editors' scratch files


def _now():
    return datetime.now().strftime("%H:%M:%S")


@dataclass
class ShownPage:
    """A page as the proof page gets it."""
    number: int
    digest: str  # (the first 24 hex digits of its pixels' hash)
    image: str  # its PNG's URL
    width: int
    height: int
    changed: bool  # looks different from the same page of the build shown before
    warnings: list = field(default_factory=list)  # (as text)
    stale: bool = False  # of the build before: its chunk is still being laid out again


@dataclass
class Build:
    """A build as the proof page gets it (`data()`: as JSON)."""
    number: int  # the attempt it came from
    when: str
    seconds: float
    title: str
    pdf: str  # URL of its PDF
    pdf_name: str
    page_count: int
    pages: list  # of ShownPage, in page order
    chapters: list  # [{"id", "title", "page"}]
    warnings: list  # those on no page (as text)
    accepted: list  # the layout audit's findings the content accepts (Finding.data())
    content: str  # the content folder
    # the numbers of the pages laid out anew and shown so far, while the rest of the
    # report is still being rebuilt (its pages marked `stale`); None: a finished build
    rebuilding: list | None = None

    def data(self):
        return dataclasses.asdict(self)

    def copy(self):
        """A copy whose lists of warnings can be added to (the page may be reading this)."""
        return dataclasses.replace(self, warnings=list(self.warnings), pages=[
            dataclasses.replace(page, warnings=list(page.warnings)) for page in self.pages])


def _drawn(futures):
    """The pages the workers drew (none of a part that failed: those are drawn here)."""
    pages = []
    for future in futures:
        with contextlib.suppress(Exception):
            pages += future.result()
    return pages


class Proofer:
    """Watches the content and layout, builds on change, and keeps what the page shows."""

    def __init__(self, content_dir, out_dir=DEFAULT_OUT, watch=None, log=None, main=None,
                 language=None):
        """`main` and `language`: an edition in another language than the main one's (made
        by the main Proofer's `edition`): its files under the main one's, in
        editions/<language>/, and built one at a time with it."""
        self.content_dir = Path(content_dir).resolve()
        self.main = main or self
        self.out_dir = (main.out_dir / "editions" / language if main
                        else Path(out_dir).resolve())
        self.edition_language = language  # (None: the main language, whichever it is)
        self.watch_dirs = [Path(d).resolve() for d in (watch or [
            self.content_dir, compose.LAYOUT_DIR, pipeline.FONTS_DIR])]
        # a save in these is the designer's: the spread in view is laid out first
        self.layout_dirs = [Path(d).resolve() for d in (compose.LAYOUT_DIR,
                                                         pipeline.FONTS_DIR)]
        self.say = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.lock = threading.Lock()
        self.version = 0  # bumped whenever what the page shows changes
        self.current = None  # the last good build (Build)
        self.previous = None  # the good build before it
        self.partial = None  # the current build with the pages laid out anew so far
        self.view = None  # the first page of the spread in view (the page says)
        self.layout_saved = False  # a file under layout/ or fonts/ saved since the build
        self.language = language or self._language()
        self.languages = [self.language] if main else self._languages()
        self.words = words.proof_words(self.language, self.content_dir)
        self.editions = {}  # {language: Proofer} of the other languages asked for
        self.builds_one_at_a_time = main.builds_one_at_a_time if main else threading.Lock()
        self.asked = time.monotonic()  # when a page last asked for this edition
        self.missed = False  # a save came while no page showed this edition
        self.error = None  # the last build's problems, while it is the latest attempt
        self.building = False
        self.progress = ""
        self.attempts = 0
        self.approved = None  # {"build", "when"}
        self.approved_diff = None  # the current build against approved.pdf
        self._rendering = None  # pixels.Rendering of the current build
        self._approved_rendering = None
        self._approvals = 0  # counts approvals, to notice one made during a comparison
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads = []
        # (an edition's folder, editions/<language>/, keeps its approved.pdf: its own
        # Proofer clears its builds when a page first asks for it)
        for stale in ("builds", "approved-diff"):
            shutil.rmtree(self.out_dir / stale, ignore_errors=True)
        (self.out_dir / "pages").mkdir(parents=True, exist_ok=True)
        if self.approved_pdf.is_file():
            when = datetime.fromtimestamp(self.approved_pdf.stat().st_mtime)
            self.approved = {"build": None, "when": when.strftime("%Y-%m-%d %H:%M")}

    @property
    def approved_pdf(self):
        return self.out_dir / "approved.pdf"

    # --- threads -----------------------------------------------------------------------

    def start(self):
        """The main edition watches the files; every edition builds on its own thread."""
        targets = (self._watcher, self._builder) if self.main is self else (self._builder,)
        for target in targets:
            thread = threading.Thread(target=target, daemon=True,
                                      name=f"{target.__name__}-{self.language}")
            thread.start()
            self._threads.append(thread)

    def stop(self):
        self._stop.set()
        self._wake.set()
        with self.lock:
            editions = list(self.editions.values())
        for edition in editions:
            edition.stop()

    # --- languages ---------------------------------------------------------------------

    def edition(self, language):
        """The Proofer of the edition in `language` (the main one: this one), started when
        first asked for; None for a language the report does not have."""
        if not language or language == self.language:
            return self
        with self.lock:
            if language not in self.languages[1:]:
                return None
            edition = self.editions.get(language)
            if edition is None:
                edition = self.editions[language] = Proofer(
                    self.content_dir, watch=self.watch_dirs, log=self.say, main=self,
                    language=language)
                edition.start()
        return edition

    def shown(self):
        """A page asks for this edition: kept up to date from now on (built now if a save
        came meanwhile)."""
        self.asked = time.monotonic()
        if self.missed:
            self.missed = False
            self._wake.set()

    def _saved(self, layout):
        """A file was saved: the main edition rebuilds, the others if a page shows them."""
        self.layout_saved = self.layout_saved or layout
        if self.main is self or time.monotonic() - self.asked < SHOWN_FOR:
            self._wake.set()
        else:
            self.missed = True

    def _languages(self):
        """The report's languages, the main one first, as report.yaml says (leniently: the
        build says what is wrong with them)."""
        with contextlib.suppress(Exception):
            from . import yamlfile

            found = yamlfile.parse((self.content_dir / "report.yaml").read_text("utf-8"))
            listed = found.get("languages")
            if isinstance(listed, list) and listed and all(isinstance(x, str) for x in listed):
                return list(dict.fromkeys(listed))
        return [self.language]

    def language_names(self):
        """[{"code", "name"}] of the report's languages, each named in itself (Babel)."""
        return [{"code": code, "name": _language_name(code)} for code in self.languages]

    def _watcher(self):
        """A build once the files changed stay put for a moment (an editor saving several);
        the system tells of changes as they happen (watchfiles: inotify on Linux). A folder
        watched that is removed (a branch switched) is watched again once it is back."""
        lost = False
        while not self._stop.is_set():
            if not all(folder.is_dir() for folder in self.watch_dirs):
                lost = True
                self._stop.wait(0.5)
                continue
            if lost:  # what came while it was gone: built once it is watched (in 0.1 s)
                lost = False
                timer = threading.Timer(0.1, self._wake.set)
                timer.daemon = True
                timer.start()
            for changes in watchfiles.watch(*self.watch_dirs, watch_filter=self._watched,
                                            step=SETTLE_MS, stop_event=self._stop,
                                            raise_interrupt=False):
                layout = any(Path(path).is_relative_to(folder) for _, path in changes
                             for folder in self.layout_dirs)
                with self.lock:
                    editions = [self, *self.editions.values()]
                for edition in editions:
                    edition._saved(layout)
                if not all(folder.is_dir() for folder in self.watch_dirs):
                    break

    def _watched(self, _change, path):
        """Not an editor's scratch file, nor in a hidden folder or __pycache__."""
        path = Path(path)
        folder = next((d for d in self.watch_dirs if path.is_relative_to(d)), path.parent)
        hidden = any(part.startswith(".") or part == "__pycache__"
                     for part in path.relative_to(folder).parts[:-1])
        return not (hidden or IGNORED.search(path.name))

    def _builder(self):
        while not self._stop.is_set():
            self.build()
            self._wake.wait()
            self._wake.clear()

    # --- building ----------------------------------------------------------------------

    def _progress(self, message):
        self.progress = message.strip()

    def build(self):
        """One build attempt; on success it becomes the current proof."""
        self.attempts += 1
        attempt = self.attempts
        self.building, self.progress = True, "waiting for the other edition's build"
        try:
            # (one build at a time: the layout workers are shared, the machine small)
            with self.builds_one_at_a_time:
                self.progress = "reading content"
                self._build(attempt)
        finally:
            self.building, self.progress = False, ""
            workers.give_back_memory()  # (about 120 MB of 340 between builds)

    def _language(self):
        """The report's language as report.yaml says, read leniently (before a build)."""
        with contextlib.suppress(Exception):
            from . import yamlfile

            found = yamlfile.parse((self.content_dir / "report.yaml").read_text("utf-8"))
            if isinstance(found, dict) and isinstance(found.get("language"), str):
                return found["language"]
            if isinstance(found, dict) and isinstance(found.get("languages"), list):
                return str(found["languages"][0])  # (a report in several: its main one)
        return "nl"

    def _build(self, attempt):
        started = time.monotonic()
        folder = self.out_dir / "builds" / f"{attempt:04d}"
        # after a save to the layout (or fonts), the spread in view is laid out first
        view = self.view if self.layout_saved and self.current else None
        self.layout_saved = False
        early = _FirstShown(self, attempt) if view else None
        drawing, ahead = [], 0  # pages of new chunks, drawn by workers during the merge
        looks_here = {}  # {source: Page.look} of the pages read() draws from the merged PDF
        shown = self._rendering.pages if self._rendering else []
        seen = {page.digest for page in shown}
        looks = {page.look: page.digest for page in shown if page.look}
        known = {page.source for page in shown if page.look}

        def draw_ahead(part, sources):
            """The pages of a chunk not shown yet (laid out anew, or a first build's from
            the cache) are known by what draws them in the chunk (Page.look) at the next
            build. Those of the story edited are drawn from the chunk's own PDF, shared
            out among the workers (the one that laid the chunk out is free too); the
            others by read(), here (a first build: drawn in the workers their memory would
            stay there)."""
            nonlocal ahead
            if all(source in known or (early and source in early.sources)
                   for source in sources):
                return
            if not shown or ahead + len(sources) > DRAW_AHEAD:
                # (page_sources is [] for a chunk it cannot read: its pages get no look)
                looks_here.update(zip(sources, pixels.page_sources(part), strict=False))
                return
            ahead += len(sources)
            share = -(-len(sources) // (os.cpu_count() or 1))
            for first in range(0, len(sources), share):
                drawing.append(workers.run_in_worker(
                    pixels.draw_part, part, sources,
                    range(first, min(first + share, len(sources))), DPI, True,
                    pipeline.lighter_photos(), seen, looks))

        try:
            # the pages first; the print shop's checks (preflight) follow, as warnings
            result = pipeline.build(self.content_dir, pipeline.BuildOptions(
                language=self.edition_language,
                output=folder / "report.pdf", preflight="later", laid_out=draw_ahead,
                view=view, first_laid_out=early and early.start), log=self._progress)
            pdf = folder / pipeline.default_output(result.book).name
            os.replace(result.pdf, pdf)
            self.progress = "rendering pages"
            rendering = pixels.read(pdf, DPI, trim=True, previous=self._rendering,
                                  photo_cache=pipeline.lighter_photos(),
                                  sources=result.page_sources,
                                  drawn=_drawn(drawing) + (early.pages() if early else []),
                                  keep=self._kept, looks=looks_here)
            self.language = result.book.language
            if self.main is self:
                self.languages = list(result.book.languages) or [self.language]
            self.words = words.proof_words(self.language, self.content_dir)
            build = self._describe(attempt, result, pdf, rendering, time.monotonic() - started)
        except ContentError as error:
            return self._failed(attempt, folder, "failed.content",
                                [str(problem) for problem in error.problems])
        except LayoutError as error:
            return self._failed(attempt, folder, "failed.layout", str(error).splitlines())
        except Exception as error:  # anything else: say what, keep serving the last proof
            traceback.print_exc()
            return self._failed(attempt, folder, "failed.build",
                                [f"{type(error).__name__}: {error}"])
        finally:
            if early:
                early.done()
        while True:
            approvals = self._approvals
            approved_diff = self._compare_with_approved(build, rendering)
            if approvals == self._approvals:  # else: approved meanwhile, compare again
                break
        with self.lock:
            self.previous, self.current, self.partial = self.current, build, None
            self._rendering = rendering
            self.error = None
            self.approved_diff = approved_diff
            self.version += 1
        self._prune()
        self._check_for_print(result, pdf, build)
        changed = [page.number for page in build.pages if page.changed]
        note = f", changed: {problems.page_ranges(changed)}" if changed else ""
        edition = f" ({self.language})" if self.main is not self else ""
        self.say(f"build #{attempt}{edition}: {build.page_count} pages in {build.seconds} s"
                 f", {len(result.warnings)} warning(s){note}")

    def _check_for_print(self, result, pdf, build):
        """Preflight, once the pages are shown: its findings join the build's warnings."""
        if result.check is None:
            return
        self.progress = "checking for the print shop"
        try:
            findings = result.check(pdf)
        except Exception as error:  # (the pages stand; say what could not be checked)
            traceback.print_exc()
            findings = [f"preflight failed: {type(error).__name__}: {error}"]
        result.warnings += findings
        checked = build.copy()  # (the page may be reading `build` now)
        self._place_warnings(checked, result, findings)
        with self.lock:
            if self.current is build:  # (else: a newer build is shown already)
                self.current = checked
                self.version += 1

    def _failed(self, attempt, folder, title, problems):
        """`title`: the key of the words that say what failed (the `proof:` strings)."""
        shutil.rmtree(folder, ignore_errors=True)
        with self.lock:
            self.error = {"attempt": attempt, "when": _now(), "title": title,
                          "problems": problems}
            self.partial = None
            self.version += 1
        english = words.proof_words("en", self.content_dir).get(title, title)
        edition = f" ({self.language})" if self.main is not self else ""
        self.say(f"build #{attempt}{edition} failed — {english.lower()}:")
        for problem in problems:
            self.say(f"  {problem}")

    def _describe(self, attempt, result, pdf, rendering, seconds):
        """The build as the page gets it (JSON)."""
        with self.lock:
            shown = self._rendering if self.current else None  # (the build on the page)
        previous = {p.number: p for p in shown.pages} if shown else None
        pages = []
        for page in rendering.pages:
            changed = previous is not None and self._changed(previous.get(page.number), page)
            pages.append(self._shown(page, changed))
        chapters = [{"id": c.id, "title": c.title, "page": result.anchors[anchors.chapter(c.id)]}
                    for c in result.book.chapters if anchors.chapter(c.id) in result.anchors]
        build = Build(attempt, _now(), round(seconds, 1),
                      f"{result.book.title} — {result.book.organisation}", self.url(pdf),
                      pdf.name, len(pages), pages, chapters, [],
                      [f.data() for f in result.accepted],  # (listed apart: proof.js)
                      str(self.content_dir))
        self._place_warnings(build, result, result.warnings)
        return build

    def _shown(self, page, changed, stale=False):
        """A pixels.Page as the proof page gets it (its PNG written, once)."""
        image = self._kept(page).image
        return ShownPage(page.number, page.digest[:24], self.url(self._png(page)),
                         image.width, image.height, changed, stale=stale)

    def show_first(self, attempt, drawn, first_page, chunk_pages):
        """The build shown with the pages drawn so far of the chunk laid out first
        (`drawn`: {index in the chunk: pixels.Page}) in place of its pages, which begin at
        `first_page` and number `chunk_pages`; every other page is marked as still being
        rebuilt."""
        with self.lock:
            build, shown = self.current, self._rendering
            if build is None or shown is None or self.attempts != attempt or not self.building:
                return
        # the pages the chunk had in the build shown: those drawn from the same chunk PDF
        old = shown.pages
        start = min(first_page - 1, len(old))
        stem = (old[start].source or "").split(":")[0] if start < len(old) else ""
        end = start
        while end < len(old) and stem and (old[end].source or "").split(":")[0] == stem:
            end += 1
        if end == start:
            end = min(start + chunk_pages, len(old))
        new, fresh = [], []
        for index in range(chunk_pages):
            number = start + 1 + index
            before = build.pages[start + index] if start + index < end else None
            if index in drawn:
                page = dataclasses.replace(drawn[index], number=number)
                new.append(self._shown(page, before is None
                                       or before.digest != page.digest[:24]))
                fresh.append(number)
            elif before is not None:
                new.append(dataclasses.replace(before, number=number, stale=True,
                                               warnings=[]))
        shift = len(new) - (end - start)
        pages = ([dataclasses.replace(page, stale=True, warnings=[])
                  for page in build.pages[:start]] + new
                 + [dataclasses.replace(page, number=page.number + shift, stale=True,
                                        warnings=[]) for page in build.pages[end:]])
        partial = dataclasses.replace(build, pages=pages, page_count=len(pages), warnings=[],
                                      accepted=[], rebuilding=fresh)
        with self.lock:
            if self.attempts == attempt and self.building:
                self.partial = partial
                self.version += 1

    def _png(self, page):
        return self.out_dir / "pages" / f"{page.digest[:24]}.png"

    def _kept(self, page):
        """The page with its image written as PNG (named by its digest, once), its pixels
        from now on decoded from that when a comparison asks: the proof keeps every page of
        the build shown (and of the one before while it builds), 3 MB each as pixels,
        0.4 MB as PNG."""
        path = self._png(page)
        if not path.exists():
            png = page.as_png()
            write_atomically(path, lambda tmp: Path(tmp).write_bytes(png))
        if page.image.format != "PNG":
            page.png = page.png or path.read_bytes()
            page.image = Image.open(io.BytesIO(page.png))
        return page

    def _place_warnings(self, build, result, warnings):
        """Each warning by the page it concerns, else with the build's general ones."""
        pages = build.pages
        for warning in warnings:
            number = self._page_of(warning, result)
            if number and 1 <= number <= len(pages):
                pages[number - 1].warnings.append(str(warning))
            else:
                build.warnings.append(str(warning))

    def _changed(self, before, page):
        """Does the page look different from the same page of the previous build?"""
        if before is None:
            return True
        return before.digest != page.digest and bool(diff.changed_boxes(before.image,
                                                                         page.image))

    def _page_of(self, warning, result):
        """The page a warning concerns: its own (every finding on a page carries it), else
        the page of the story or chapter of its file."""
        if getattr(warning, "page", None):
            return warning.page
        file = getattr(warning, "file", None)
        if file:
            file = self._resolve(file)
            for _chapter, story in result.book.stories():
                if self._resolve(story.source) == file:
                    return result.anchors.get(anchors.story(story.id))
            for chapter in result.book.chapters:
                if self._resolve(chapter.source) == file:
                    return result.anchors.get(anchors.chapter(chapter.id))
        return None

    def _resolve(self, path):
        path = Path(path)
        if path.is_absolute():
            return path.resolve()
        # content/ names files relative to the folder above the content folder
        for base in (self.content_dir.parent, Path.cwd(), self.content_dir):
            if (base / path).exists():
                return (base / path).resolve()
        return path

    # --- approval ----------------------------------------------------------------------

    def approve(self):
        """Keep the current build's PDF as the approved proof; False when there is none."""
        with self.lock:
            build, rendering = self.current, self._rendering
        if build is None:
            return False
        source = self.file_for(build.pdf)
        if source is None:  # (pruned meanwhile: a newer build is shown)
            return False
        write_atomically(self.approved_pdf, lambda tmp: shutil.copyfile(source, tmp))
        with self.lock:
            self.approved = {"build": build.number, "when": _now()}
            self._approved_rendering = rendering
            self._approvals += 1
            if self.current is build:
                self.approved_diff = {"build": build.number, "changed": [], "added": [],
                                      "removed": [], "moves": [], "images": {}}
            self.version += 1
        self.say(f"approved build #{build.number}: {self.approved_pdf}")
        return True

    def _compare_with_approved(self, build, rendering):
        """Which pages of `build` differ from approved.pdf (None: nothing approved)."""
        if not self.approved_pdf.is_file():
            return None
        self.progress = "comparing with the approved proof"
        try:
            approved = self._approved_rendering
            if approved is None:
                approved = self._approved_rendering = pixels.read(
                    self.approved_pdf, DPI, trim=True, photo_cache=pipeline.lighter_photos(),
                    keep=self._kept)
            folder = self.out_dir / "approved-diff" / f"{build.number:04d}"
            result = diff.compare(approved, rendering, folder)
        except (UnreadablePDF, OSError) as error:
            self.say(f"cannot compare with the approved proof: {error}")
            return None
        return {"build": build.number, "changed": result.changed, "added": result.added,
                "removed": result.removed, "moves": [str(move) for move in result.moves],
                "images": {str(c.new): self.url(c.image) for c in result.changes
                           if c.new and c.image}}

    # --- files -------------------------------------------------------------------------

    def url(self, path):
        """(/files/ is the main edition's folder: the others' are inside it)"""
        return "/files/" + Path(path).relative_to(self.main.out_dir).as_posix()

    def file_for(self, url_path):
        """The file under the main out_dir that a /files/ URL names, or None (nothing
        outside)."""
        root = self.main.out_dir
        relative = unquote(url_path.removeprefix("/files/"))
        if "\x00" in relative:
            return None
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        return path

    def _prune(self):
        """Keep the files of the current and previous build (and the approved diff)."""
        with self.lock:
            builds = [b for b in (self.current, self.previous) if b]
            diff_build = self.approved_diff and self.approved_diff["build"]
        keep_builds = {f"{b.number:04d}" for b in builds}
        keep_pages = {p.image.rsplit("/", 1)[-1] for b in builds for p in b.pages}
        for folder in (self.out_dir / "builds").glob("*"):
            if folder.name not in keep_builds:
                shutil.rmtree(folder, ignore_errors=True)
        for folder in (self.out_dir / "approved-diff").glob("*"):
            if folder.name != f"{diff_build or 0:04d}":
                shutil.rmtree(folder, ignore_errors=True)
        for image in (self.out_dir / "pages").glob("*.png"):
            if image.name not in keep_pages:
                image.unlink(missing_ok=True)

    def status(self):
        """What the page shows of this edition (`languages`: the report's, for the switch;
        `main`: the main one's code)."""
        with self.lock:
            build = self.partial or self.current
            found = {"version": self.version, "building": self.building,
                     "progress": self.progress, "error": self.error,
                     "build": build and build.data(), "words": self.words,
                     "language": self.language,
                     "approved": self.approved and {**self.approved,
                                                    "diff": self.approved_diff,
                                                    "pdf": self.url(self.approved_pdf)}}
        return {**found, "main": self.main.language,
                "languages": self.main.language_names()}


class Handler(BaseHTTPRequestHandler):
    """GET /, /flatplan, /static/…, /status, /files/… (out/proof only); POST /approve."""

    proofer: Proofer = None  # set on the subclass that make_server() makes
    server_version = "reportpress-proof"

    def log_message(self, format, *args):  # quiet: the terminal shows the builds
        pass

    def _host_ok(self):
        """Only pages this server served may talk to it (no DNS rebinding)."""
        port = self.server.server_address[1]
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if self.headers.get("Host") not in allowed:
            return False
        origin = self.headers.get("Origin")
        return origin is None or origin.removeprefix("http://") in allowed

    def do_GET(self):
        if not self._host_ok():
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        path = urlsplit(self.path).path
        if path in PAGES:
            return self._file(STATIC / PAGES[path], "text/html; charset=utf-8", "no-cache")
        if path.startswith("/static/") and path[8:] in STATIC_FILES:
            name = path[8:]
            return self._file(STATIC / name, STATIC_FILES[name] + "; charset=utf-8", "no-cache")
        if path == "/status":
            return self._status(parse_qs(urlsplit(self.path).query))
        if path.startswith("/files/"):
            file = self.proofer.file_for(path)
            if file:
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                # page images are named by their hash: they never change
                cache = "max-age=31536000, immutable" if "/pages/" in path else "no-cache"
                return self._file(file, kind, cache)
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def do_POST(self):
        if not self._host_ok():
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        if urlsplit(self.path).path != "/approve":
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        edition = self._edition(parse_qs(urlsplit(self.path).query), "lang")
        ok = edition.approve()
        body = json.dumps({"approved": ok}).encode()
        return self._send(HTTPStatus.OK if ok else HTTPStatus.CONFLICT, body, "application/json")

    def _edition(self, query, name):
        """The edition the query's `name` (lang, side) asks for; the main one if none or
        one the report does not have."""
        found = query.get(name, [""])[-1]
        return self.proofer.edition(found) or self.proofer

    def _status(self, query):
        """/status?lang=fr: that edition's; ?side=fr: the main edition's with that one's
        `beside` it (spread by spread). Each edition shown is kept up to date."""
        side = self._edition(query, "side") if "side" in query else None
        if side is self.proofer:
            side = None  # (beside itself: the main edition alone)
        shown = [self.proofer, side] if side else [self._edition(query, "lang")]
        found = query.get("view", [""])[-1]
        for edition in shown:
            edition.shown()
            if found.isdigit() and 0 < int(found) < 100_000:
                edition.view = int(found)  # page N is in view (the first of its spread)
        status = shown[0].status()
        if side:
            status["beside"] = side.status()
        body = json.dumps(status).encode()
        return self._send(HTTPStatus.OK, body, "application/json", "no-store")

    def _file(self, path, kind, cache):
        try:
            body = path.read_bytes()
        except OSError:  # pruned between the check and the read
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        return self._send(HTTPStatus.OK, body, kind, cache)

    def _send(self, status, body, kind, cache="no-store"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the tab was closed
            self.wfile.write(body)


class _FirstShown:
    """The chunk laid out first after a save to the layout (the one in view): its pages
    drawn here, on a thread of their own while the workers lay out the others, and shown
    as soon as they are, the spread in view first (Proofer.show_first)."""

    def __init__(self, proofer, attempt):
        self.proofer, self.attempt = proofer, attempt
        self.sources, self.drawn, self.thread = set(), [], None

    def start(self, part, first_page, sources):
        """(pipeline.build's first_laid_out: in the builder's thread, so not drawn here)"""
        self.sources = set(sources)
        self.thread = threading.Thread(target=self._draw, args=(part, first_page, sources),
                                       daemon=True, name="first-shown")
        self.thread.start()

    def _draw(self, part, first_page, sources):
        proofer = self.proofer
        with proofer.lock:
            shown = proofer._rendering.pages if proofer._rendering else []
        seen = {page.digest for page in shown}
        looks = {page.look: page.digest for page in shown if page.look}
        alike = {page.digest: page for page in shown}
        view = proofer.view or first_page  # (the first page of its spread)
        in_view = {view - first_page, view + 1 - first_page} if view % 2 == 0 else {
            view - first_page}
        spread = [index for index in range(len(sources)) if index in in_view]
        rest = [index for index in range(len(sources)) if index not in in_view]
        drawn = {}
        try:
            for indexes in (spread, rest):
                if not indexes:
                    continue
                pages = pixels.draw_part(part, sources, indexes, DPI, True,
                                         pipeline.lighter_photos(), seen, looks)
                for index, page in zip(indexes, pages, strict=True):
                    if page.image is None and page.png is not None:  # (packed: unpack)
                        page.image = Image.open(io.BytesIO(page.png))
                    self.drawn.append(page)
                    if page.image is None and page.digest in alike:  # looks as one shown
                        page = dataclasses.replace(alike[page.digest], source=page.source)
                    if page.image is not None:
                        drawn[index] = page
                proofer.show_first(self.attempt, dict(drawn), first_page, len(sources))
        except Exception:  # (the build goes on; its pages are shown when it is done)
            traceback.print_exc()

    def pages(self):
        """The pages drawn (for pixels.read: not drawn again)."""
        self.done()
        return list(self.drawn)

    def done(self):
        if self.thread:
            self.thread.join()


def _language_name(code):
    """A language named in itself ("Nederlands", "Français"), else its code."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def make_server(proofer, port=DEFAULT_PORT):
    """A threading HTTP server on 127.0.0.1 only (port 0: any free port)."""
    handler = type("ProofHandler", (Handler,), {"proofer": proofer})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def parser():
    p = argparse.ArgumentParser(
        prog="make_pdf.py proof",
        description="Build the report and show it as printed spreads in the browser, "
                    "rebuilt whenever a file in content/ or layout/ is saved.")
    p.add_argument("--content", type=Path, default=pipeline.PROJECT / "content", metavar="DIR",
                   help="content folder to build (default: content/)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port on 127.0.0.1 (default: {DEFAULT_PORT}; 0: any free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="folder for the proof's PDFs and page images (default: out/proof/)")
    return p


def _interrupt(*_):
    raise KeyboardInterrupt


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    if not (args.content / "report.yaml").is_file():
        say(f"proof: {args.content} is not a content folder (it has no report.yaml)")
        return 2
    proofer = Proofer(args.content, args.out, log=say)
    try:
        server = make_server(proofer, args.port)
    except OSError as error:
        say(f"proof: cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}"
            " (is another proof running? --port 0 picks a free port)")
        return 1
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"proof: {url}  (building {args.content}; Ctrl+C to stop)", flush=True)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    proofer.start()
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        say("proof: stopped")
    finally:
        proofer.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
