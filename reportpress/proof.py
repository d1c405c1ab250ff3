"""Proof pages in the browser, rebuilt on every save: `make_pdf.py proof`.

Builds the report, then serves a proof page on 127.0.0.1 only: the pages as printed spreads
(page 1 alone on the right, then left and right pages side by side), a chapter menu, the
build's warnings beside the page they concern, a link to the PDF, and a flatplan (/flatplan).
content/ and layout/ are watched; a change rebuilds in the background
and the open page updates itself, marking the pages that look different from the previous
build. A build that fails shows its problems (file:line: message) above the last good proof.
"Approve" keeps a copy of the current PDF (approved.pdf in the proof folder); later builds
mark the pages that differ from it (reportpress.diff).

Files: out/proof/ (builds/NNNN/<name>.pdf, pages/<hash>.png, approved.pdf, approved-diff/).
The server answers only for its own static files and for files inside that folder.
"""
import argparse
import contextlib
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
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import watchfiles
from PIL import Image

from . import anchors, compose, diff, pipeline, pixels, problems, workers
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
IGNORED = re.compile(r"^(\.|#)|(~|\.swp|\.swx|\.tmp|\.part)$")  # editors' scratch files


def _now():
    return datetime.now().strftime("%H:%M:%S")


def _drawn(futures):
    """The pages the workers drew (none of a part that failed: those are drawn here)."""
    pages = []
    for future in futures:
        with contextlib.suppress(Exception):
            pages += future.result()
    return pages


class Proofer:
    """Watches the content and layout, builds on change, and keeps what the page shows."""

    def __init__(self, content_dir, out_dir=DEFAULT_OUT, watch=None, log=None):
        self.content_dir = Path(content_dir).resolve()
        self.out_dir = Path(out_dir).resolve()
        self.watch_dirs = [Path(d).resolve() for d in (watch or [self.content_dir,
                                                                  compose.LAYOUT_DIR])]
        self.say = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.lock = threading.Lock()
        self.version = 0  # bumped whenever what the page shows changes
        self.current = None  # the last good build, as the page gets it
        self.previous = None  # the good build before it
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
        for target in (self._watcher, self._builder):
            thread = threading.Thread(target=target, daemon=True, name=target.__name__)
            thread.start()
            self._threads.append(thread)

    def stop(self):
        self._stop.set()
        self._wake.set()

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
            for _changes in watchfiles.watch(*self.watch_dirs, watch_filter=self._watched,
                                             step=SETTLE_MS, stop_event=self._stop,
                                             raise_interrupt=False):
                self._wake.set()
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
        self.building, self.progress = True, "reading content"
        try:
            self._build(attempt)
        finally:
            self.building, self.progress = False, ""
            workers.give_back_memory()  # (about 120 MB of 340 between builds)

    def _build(self, attempt):
        started = time.monotonic()
        folder = self.out_dir / "builds" / f"{attempt:04d}"
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
            if all(source in known for source in sources):
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
                output=folder / "report.pdf", preflight="later", laid_out=draw_ahead),
                log=self._progress)
            pdf = folder / pipeline.default_output(result.book).name
            os.replace(result.pdf, pdf)
            self.progress = "rendering pages"
            rendering = pixels.read(pdf, DPI, trim=True, previous=self._rendering,
                                  photo_cache=pipeline.lighter_photos(),
                                  sources=result.page_sources, drawn=_drawn(drawing),
                                  keep=self._kept, looks=looks_here)
            build = self._describe(attempt, result, pdf, rendering, time.monotonic() - started)
        except ContentError as error:
            return self._failed(attempt, folder, "The content has mistakes",
                                [str(problem) for problem in error.problems])
        except LayoutError as error:
            return self._failed(attempt, folder, "The layout cannot do what the content asks",
                                str(error).splitlines())
        except Exception as error:  # anything else: say what, keep serving the last proof
            traceback.print_exc()
            return self._failed(attempt, folder, "The build failed",
                                [f"{type(error).__name__}: {error}"])
        while True:
            approvals = self._approvals
            approved_diff = self._compare_with_approved(build, rendering)
            if approvals == self._approvals:  # else: approved meanwhile, compare again
                break
        with self.lock:
            self.previous, self.current = self.current, build
            self._rendering = rendering
            self.error = None
            self.approved_diff = approved_diff
            self.version += 1
        self._prune()
        self._check_for_print(result, pdf, build)
        changed = [p["number"] for p in build["pages"] if p["changed"]]
        note = f", changed: {problems.page_ranges(changed)}" if changed else ""
        self.say(f"build #{attempt}: {build['page_count']} pages in {build['seconds']} s"
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
        checked = {**build, "warnings": list(build["warnings"]),  # (the page may be reading
                   "pages": [{**page, "warnings": list(page["warnings"])}  # `build` now)
                             for page in build["pages"]]}
        self._place_warnings(checked, result, findings)
        with self.lock:
            if self.current is build:  # (else: a newer build is shown already)
                self.current = checked
                self.version += 1

    def _failed(self, attempt, folder, title, problems):
        shutil.rmtree(folder, ignore_errors=True)
        with self.lock:
            self.error = {"attempt": attempt, "when": _now(), "title": title,
                          "problems": problems}
            self.version += 1
        self.say(f"build #{attempt} failed — {title.lower()}:")
        for problem in problems:
            self.say(f"  {problem}")

    def _describe(self, attempt, result, pdf, rendering, seconds):
        """The build as the page gets it (JSON)."""
        with self.lock:
            shown = self._rendering if self.current else None  # (the build on the page)
        previous = {p.number: p for p in shown.pages} if shown else None
        pages = []
        for page in rendering.pages:
            image = self._kept(page).image
            changed = previous is not None and self._changed(previous.get(page.number), page)
            pages.append({"number": page.number, "digest": page.digest[:24],
                          "image": self.url(self._png(page)), "warnings": [],
                          "width": image.width, "height": image.height, "changed": changed})
        chapters = [{"id": c.id, "title": c.title, "page": result.anchors[anchors.chapter(c.id)]}
                    for c in result.book.chapters if anchors.chapter(c.id) in result.anchors]
        build = {"number": attempt, "when": _now(), "seconds": round(seconds, 1),
                 "title": f"{result.book.title} — {result.book.organisation}",
                 "pdf": self.url(pdf), "pdf_name": pdf.name, "page_count": len(pages),
                 "pages": pages, "chapters": chapters, "warnings": [],
                 "accepted": [f.data() for f in result.accepted],  # (listed apart: proof.js)
                 "content": str(self.content_dir)}
        self._place_warnings(build, result, result.warnings)
        return build

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
        pages = build["pages"]
        for warning in warnings:
            number = self._page_of(warning, result)
            if number and 1 <= number <= len(pages):
                pages[number - 1]["warnings"].append(str(warning))
            else:
                build["warnings"].append(str(warning))

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
        source = self.out_dir / build["pdf"].removeprefix("/files/")
        write_atomically(self.approved_pdf, lambda tmp: shutil.copyfile(source, tmp))
        with self.lock:
            self.approved = {"build": build["number"], "when": _now()}
            self._approved_rendering = rendering
            self._approvals += 1
            if self.current is build:
                self.approved_diff = {"build": build["number"], "changed": [], "added": [],
                                      "removed": [], "moves": [], "images": {}}
            self.version += 1
        self.say(f"approved build #{build['number']}: {self.approved_pdf}")
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
            folder = self.out_dir / "approved-diff" / f"{build['number']:04d}"
            result = diff.compare(approved, rendering, folder)
        except (UnreadablePDF, OSError) as error:
            self.say(f"cannot compare with the approved proof: {error}")
            return None
        return {"build": build["number"], "changed": result.changed, "added": result.added,
                "removed": result.removed, "moves": [str(move) for move in result.moves],
                "images": {str(c.new): self.url(c.image) for c in result.changes
                           if c.new and c.image}}

    # --- files -------------------------------------------------------------------------

    def url(self, path):
        return "/files/" + Path(path).relative_to(self.out_dir).as_posix()

    def file_for(self, url_path):
        """The file under out_dir that a /files/ URL names, or None (nothing outside)."""
        relative = unquote(url_path.removeprefix("/files/"))
        if "\x00" in relative:
            return None
        path = (self.out_dir / relative).resolve()
        if not path.is_relative_to(self.out_dir) or not path.is_file():
            return None
        return path

    def _prune(self):
        """Keep the files of the current and previous build (and the approved diff)."""
        with self.lock:
            builds = [b for b in (self.current, self.previous) if b]
            diff_build = self.approved_diff and self.approved_diff["build"]
        keep_builds = {f"{b['number']:04d}" for b in builds}
        keep_pages = {p["image"].rsplit("/", 1)[-1] for b in builds for p in b["pages"]}
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
        with self.lock:
            return {"version": self.version, "building": self.building,
                    "progress": self.progress, "error": self.error, "build": self.current,
                    "approved": self.approved and {**self.approved,
                                                   "diff": self.approved_diff}}


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
            body = json.dumps(self.proofer.status()).encode()
            return self._send(HTTPStatus.OK, body, "application/json", "no-store")
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
        ok = self.proofer.approve()
        body = json.dumps({"approved": ok}).encode()
        return self._send(HTTPStatus.OK if ok else HTTPStatus.CONFLICT, body, "application/json")

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
