"""Command line: content → model → HTML → PDF, with progress on stderr.

Exit codes: 0 built, 2 content mistakes (each with file and line), 1 anything else.
"""
import argparse
import hashlib
import sys
import time
from pathlib import Path

from . import compose, content
from .problems import ContentError, LayoutError

PROJECT = Path(__file__).resolve().parent.parent


def parser():
    p = argparse.ArgumentParser(
        prog="make_pdf.py",
        description="Build the report's print PDF from a content folder and the layout.")
    p.add_argument("--content", type=Path, default=PROJECT / "content", metavar="DIR",
                   help="content folder to build (default: content/)")
    p.add_argument("-o", "--output", type=Path, metavar="PATH",
                   help="where to write the PDF (default: out/<output>.pdf from report.yaml)")
    p.add_argument("--html", type=Path, metavar="PATH",
                   help="also write the composed HTML here (to inspect or debug the layout)")
    p.add_argument("--strict", action="store_true",
                   help="treat warnings (figures that do not add up, …) as errors")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return build(args)
    except ContentError as error:
        say(f"{len(error.problems)} content problem(s):")
        for problem in error.problems:
            say(f"  error: {problem}")
        return 2
    except LayoutError as error:
        say(f"layout error: {error}")
        return 2
    except Exception as error:  # anything else: say what, not a traceback (unless --debug)
        if args.debug:
            raise
        say(f"build failed: {type(error).__name__}: {error} (run with --debug for details)")
        return 1


def build(args):
    started = time.monotonic()
    step("reading content", args.content)
    book, report = content.load(args.content)
    for warning in report.warnings:
        say(f"  warning: {warning}")
    if args.strict and report.warnings:
        raise ContentError(report.warnings)

    step("composing HTML")
    html = compose.compose(book)
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(html, encoding="utf-8")

    step("laying out pages")
    from . import render  # WeasyPrint loads only when needed (and after font isolation)

    document = render.render(html, compose.LAYOUT_DIR, [book.content_dir, compose.LAYOUT_DIR])
    render.check_facing(book, document)

    output = args.output or PROJECT / "out" / f"{book.output_name}.pdf"
    step(f"writing PDF ({len(document.pages)} pages)", output)
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    render.write_pdf(document, output, identifier)
    say(f"done in {time.monotonic() - started:.1f} s: {output}")
    return 0


def step(what, path=None):
    say(f"• {what}" + (f": {path}" if path else ""))


def say(message):
    print(message, file=sys.stderr, flush=True)
