"""Proof pages in the browser, rebuilt on every save: `make_pdf.py proof`.

Builds the report, then serves a proof page on 127.0.0.1 only: the pages as printed spreads
(page 1 alone on the right, then left and right pages side by side), a chapter menu, the
build's warnings beside the page they concern, a link to the PDF, and a flatplan (/flatplan).
content/ and layout/ are watched; a change rebuilds in the background
and the open page updates itself, marking the pages that look different from the previous
build. A build that fails shows its problems (file:line: message) above the last good proof.
The page says which spread is in view (/status?view=N); after a save under layout/ or fonts/
the chunk holding it is laid out first and its pages are shown at once, marked as the only
new ones while the rest of the report is still being rebuilt (the others follow, longest
first: they are shown together, so the whole report is soonest that way). The page's own
words follow the report's language (the `proof:` section of layout/strings/<language>.yaml,
words.proof_words).
A report in several languages (`languages:` in report.yaml) gets a language switch: each
other language's edition is a Proofer of its own (`Proofer.edition`), built when the page
first asks for it and again on every save while a page shows it (`?lang=fr`); `?side=fr`
shows the main edition and that one spread by spread, side by side.
"Approve" keeps a copy of the current PDF (approved.pdf in the proof folder); later builds
mark the pages that differ from it (reportpress.diff).

proofer.py builds, draws and approves one edition; early.py shows the chunk in view first;
records.py holds what the page is told; server.py serves it; settings.py the paces.

Files: out/proof/ (builds/NNNN/<name>.pdf, pages/<hash>.png, approved.pdf, approved-diff/;
an edition in another language the same under editions/<language>/).
The server answers only for its own static files and for files inside that folder.
"""
import argparse
import signal
import sys
import threading
import webbrowser
from pathlib import Path

from .. import pipeline
from . import proofer, records, server, settings
from .proofer import Proofer
from .records import drawn_pages
from .server import make_server
from .settings import DEFAULT_OUT, DEFAULT_PORT, DPI, SHOWN_FOR

# (the parts, for tests that reach into them)
__all__ = ["DPI", "SHOWN_FOR", "Proofer", "drawn_pages", "main", "make_server", "proofer",
           "records", "server", "settings"]


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
    main_edition = Proofer(args.content, args.out, log=say)
    try:
        server = make_server(main_edition, args.port)
    except OSError as error:
        say(f"proof: cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}"
            " (is another proof running? --port 0 picks a free port)")
        return 1
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"proof: {url}  (building {args.content}; Ctrl+C to stop)", flush=True)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    main_edition.start()
    if not args.no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        say("proof: stopped")
    finally:
        main_edition.stop()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
