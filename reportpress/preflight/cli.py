"""`make_pdf.py preflight FILE.pdf`: the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import CannotCheck
from . import check
from .limits import BINDINGS, INK_DPI


def parser():
    p = argparse.ArgumentParser(
        prog="make_pdf.py preflight",
        description="Check a finished PDF for the print shop: boxes and bleed, fonts, colour "
                    "spaces, image resolution, total ink, PDF/X output intent, page count. "
                    "Exit code 0: no errors; 1: errors; 2: the file cannot be checked.")
    p.add_argument("pdf", type=Path, help="the PDF to check")
    p.add_argument("--binding", choices=BINDINGS, default="saddle-stitch",
                   help="saddle-stitch needs a multiple of 4 pages, perfect an even count "
                        "(default: saddle-stitch)")
    p.add_argument("--min-ppi", type=float, default=200, metavar="N",
                   help="images below this effective resolution are errors (default 200)")
    p.add_argument("--warn-ppi", type=float, default=300, metavar="N",
                   help="images below this resolution are warnings (default 300)")
    p.add_argument("--max-ink", type=float, default=300, metavar="PERCENT",
                   help="highest total ink C+M+Y+K allowed (default 300)")
    p.add_argument("--no-ink", action="store_true",
                   help="do not render the pages to measure total ink (faster)")
    p.add_argument("--ink-dpi", type=int, default=INK_DPI, metavar="DPI",
                   help=f"resolution of the ink rendering (default {INK_DPI})")
    p.add_argument("--allow-spot", action="append", metavar="NAME", dest="allowed_spots",
                   help="a spot colour the job prints (repeat for more): listed, while "
                        "any other is an error (default: every spot colour is a warning)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--brief", action="store_true",
                   help="list only the document and the pages that have findings")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    return p


def main(argv=None):
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        report = check(args.pdf, binding=args.binding, min_ppi=_whole(args.min_ppi),
                       warn_ppi=_whole(args.warn_ppi),
                       max_ink=None if args.no_ink else _whole(args.max_ink),
                       ink_dpi=args.ink_dpi, allowed_spots=args.allowed_spots)
    except CannotCheck as error:
        print(f"preflight: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a file this tool cannot cope with: say so, no traceback
        if args.debug:
            raise
        print(f"preflight: {args.pdf}: cannot check: {type(error).__name__}: {error} "
              "(run with --debug for details)", file=sys.stderr)
        return 2
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.text(brief=args.brief))
    return 0 if report.ok else 1


def _whole(number):
    return int(number) if float(number).is_integer() else number
