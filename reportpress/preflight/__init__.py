"""Preflight: check a finished PDF (ours or anyone's) before it goes to the print shop.

    python3 make_pdf.py preflight FILE.pdf [--binding saddle-stitch|perfect|none] [--json]

From Python: `report = preflight.check(path)`; `report.errors` is empty when the file may go.
Page by page it reads the boxes (trim, bleed), the fonts (embedded? subset? Type 3?), every
colour space that paints something (RGB is an error), every image drawn (pixels, colour,
effective ppi at its placed size), the highest total ink (rendered with Ghostscript), and for
the document the PDF/X output intent and keys and the page count against the binding.
docs/preflight.md explains each check. Exit codes: 0 ready, 1 errors, 2 cannot check.

contents.py reads what each page paints (through colourspaces.py and fonts.py); checks.py,
fonts.py and ink.py judge it against limits.py; report.py holds the findings, text.py and
cli.py show them.
"""
from pathlib import Path

import pikepdf

from ..errors import CannotCheck
from .checks import (
    check_colours,
    check_document,
    check_images,
    check_pages,
    check_trim_sizes,
    open_pdf,
    output_profile,
    page_boxes,
    pages_short,
)
from .contents import Reader
from .fonts import check_fonts
from .ink import check_ink, measure_ink
from .limits import BINDINGS, INK_DPI, PAGES_PER_SHEET, SMALL_TEXT_PT
from .report import Finding, InkReading, PageInfo, PreflightReport

__all__ = ["PAGES_PER_SHEET", "CannotCheck", "Finding", "InkReading", "PreflightReport",
           "check", "main", "measure_ink", "pages_short"]


def check(pdf_path, binding="saddle-stitch", min_ppi=200, warn_ppi=300, max_ink=300,
          ink_dpi=INK_DPI, ink=None, cache_dir=None, black_overprint_pt=SMALL_TEXT_PT,
          allowed_spots=None, image_label=None):
    """Preflight the PDF at `pdf_path`; returns a PreflightReport (`report.errors` empty: ready).

    `allowed_spots`: the spot inks the job prints (others are errors; None: every spot
    colour is a warning). `max_ink=None` skips rendering the total ink; `ink` (an
    InkReading per page) gives it as measured before, on the same pages in other files.
    `cache_dir`: where the photos made lighter for the ink rendering are kept for the next
    check. `black_overprint_pt`: black text under this size that knocks out of a colour is
    a warning. `image_label(ImageUse)`: what to call an image in findings (a build names
    its photos), or None for its resource name. Raises CannotCheck when
    the file is missing, not a PDF, encrypted or too broken to open.
    """
    if binding not in BINDINGS:
        raise ValueError(f"binding must be one of {', '.join(BINDINGS)}, not {binding!r}")
    path = Path(pdf_path)
    pdf = open_pdf(path)
    report = PreflightReport(str(path), binding, {"min_ppi": min_ppi, "warn_ppi": warn_ppi,
                                          "max_ink": max_ink, "ink_dpi": ink_dpi,
                                          "allowed_spots": allowed_spots})
    with pdf:
        report.page_count = len(pdf.pages)
        report.document = check_document(pdf, report)
        reader = Reader(report)
        reader.black_overprint_pt = black_overprint_pt
        for number, page in enumerate(pdf.pages, start=1):
            info = PageInfo(number, *page_boxes(page, number, report))
            report.pages.append(info)
            try:
                reader.read_page(number, page, info)
            except (pikepdf.PdfError, ValueError, TypeError, KeyError, AttributeError) as error:
                report.add("error", "file", f"cannot read this page: {error}", number)
        report.fonts = sorted(reader.fonts.values(), key=lambda f: (f.name, f.type))
        profile = output_profile(pdf)
    check_trim_sizes(report)
    check_fonts(report)
    check_colours(report)
    check_images(report, min_ppi, warn_ppi, image_label)
    check_pages(report)
    if max_ink is not None:
        check_ink(report, path, max_ink, ink_dpi, profile, ink, cache_dir)
    report.findings.sort(key=lambda f: (f.page or 0, ("error", "warning", "info").index(f.level)))
    return report


def main(argv=None):
    """The command line (cli.py), imported late: it imports `check` from here."""
    from .cli import main as run
    return run(argv)
