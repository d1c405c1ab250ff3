"""The proof of one edition: watched, built, drawn, approved and pruned."""
import contextlib
import dataclasses
import io
import os
import shutil
import sys
import threading
import time
import traceback
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import watchfiles
from babel import Locale, UnknownLocaleError
from PIL import Image

from .. import anchors, compose, diff, pipeline, pixels, problems, processes, words, workers
from ..errors import ContentError, LayoutError, UnreadablePDF
from ..output import write_atomically
from .early import EarlyPages
from .records import Build, ShownPage, drawn_pages, now
from .settings import DEFAULT_OUT, DPI, DRAW_AHEAD, IGNORED, SETTLE_MS, SHOWN_FOR


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
        processes.lean_malloc()  # (before the threads)
        os.environ[processes.LARGE_BLOCKS_APART] = "1"  # (the fork server started after)
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
        return [{"code": code, "name": language_name(code)} for code in self.languages]

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
        early = EarlyPages(self, attempt) if view else None
        drawing, ahead = [], 0  # pages of new chunks, drawn by workers during the merge
        looks_here = {}  # {source: Page.look} of the pages read() draws from the merged PDF
        shown = self._rendering.pages if self._rendering else []
        seen = {page.digest for page in shown}
        looks = {page.look: page.digest for page in shown if page.look}
        known = {page.source for page in shown if page.look}

        def draw_ahead(part, sources):
            """The pages of a chunk not shown yet (laid out anew, or a first build's from
            the cache) are known by what draws them in the chunk (Page.look) at the next
            build. Those of chunks laid out anew are drawn from the chunk's own PDF, shared
            out among the workers while the chunks are merged (up to DRAW_AHEAD pages); the
            others by read(), here (a first build's: drawn in the workers, their memory
            would stay there)."""
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
                                  drawn=drawn_pages(drawing) + (early.pages() if early else []),
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
            self.error = {"attempt": attempt, "when": now(), "title": title,
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
        build = Build(attempt, now(), round(seconds, 1),
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
        return before.digest != page.digest and bool(diff.changed_boxes(_pixels(before),
                                                                         _pixels(page)))

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
            self.approved = {"build": build.number, "when": now()}
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


def language_name(code):
    """A language named in itself ("Nederlands", "Français"), else its code."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def _pixels(page):
    """The page's pixels for one comparison: decoded from its PNG into an image of their own,
    let go after it (decoded into the page's image, 3 MB a page, they stayed for as long
    as the build is shown)."""
    return Image.open(io.BytesIO(page.png)) if page.png is not None else page.image
