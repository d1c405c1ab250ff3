"""Preflight's report as text for a person."""
from __future__ import annotations

from ..problems import page_ranges
from .limits import FORMATS


def size_name(mm):
    name = FORMATS.get((round(mm[0]), round(mm[1]))) or FORMATS.get((round(mm[1]), round(mm[0])))
    return f"{mm[0]:g} × {mm[1]:g} mm" + (f" ({name})" if name else "")


def _box(values):
    return " ".join(f"{v:g}" for v in values) + " pt" if values else "none"


LEVEL = {"error": "ERROR  ", "warning": "warning", "info": "note   "}


def text_lines(report, brief):
    limits = report.limits
    ink = f"ink ≤ {limits['max_ink']} %" if limits["max_ink"] is not None else "ink not measured"
    doc = report.document
    yield f"Preflight of {report.path}"
    yield (f"{report.page_count} pages · PDF {doc.get('pdf_version')} · "
           f"{doc.get('producer') or 'unknown producer'} · binding: {report.binding} · images "
           f"≥ {limits['min_ppi']} ppi (warning < {limits['warn_ppi']}) · {ink}")
    yield ""
    yield "Document"
    yield f"  PDF/X version   {doc.get('pdfx_version') or 'none'}"
    yield f"  Trapped         {doc.get('trapped') or 'not set'}"
    intents = doc.get("output_intents") or []
    if not intents:
        yield "  Output intent   none"
    for intent in intents:
        profile = intent["profile"]
        about = (f", profile “{profile['description']}” ({profile['colour_space']}, "
                 f"{profile['bytes']} bytes)" if profile else ", no profile embedded")
        yield (f"  Output intent   {intent['subtype']} {intent['identifier'] or '(no identifier)'}"
               f"{about}")
    yield f"  Fonts           {len(report.fonts)}"
    if report.fonts:
        width = max(len(f.name) for f in report.fonts) + 2
        yield f"    {'name':<{width}}{'type':<19}{'embedded':<10}{'subset':<8}pages"
        for f in report.fonts:
            yield (f"    {f.name:<{width}}{f.type:<19}{'yes' if f.embedded else 'NO':<10}"
                   f"{'yes' if f.subset else 'no':<8}{page_ranges(f.pages) or 'none'}")
    for finding in report.findings:
        if finding.page is None:
            yield f"  {LEVEL[finding.level]} {finding.message} [{finding.check}]"
    for page in report.pages:
        findings = [f for f in report.findings if f.page == page.number]
        if brief and not findings:
            continue
        yield ""
        trim = f"trim {size_name(page.trim_mm)}" if page.trim_mm else "no TrimBox"
        bleed = ("bleed " + " ".join(f"{side} {v:g}" for side, v in page.bleed_mm.items())
                 + " mm") if page.bleed_mm else "no bleed"
        ink_text = f" · ink max {page.ink.max_percent:.0f} %" if page.ink else ""
        yield f"Page {page.number}   {trim} · {bleed}{ink_text}"
        if not brief:
            boxes = page.boxes
            yield (f"  boxes    Media {_box(boxes['MediaBox'])} · Trim {_box(boxes['TrimBox'])}"
                   f" · Bleed {_box(boxes['BleedBox'])} · Crop "
                   f"{_box(boxes['CropBox']) if boxes['CropBox'] else '= MediaBox'}")
            colours = " · ".join(f"{label}: {', '.join(uses)}"
                                 for label, uses in page.colours.items())
            yield f"  colour   {colours or 'nothing painted'}"
            yield f"  fonts    {', '.join(page.fonts) or 'none'}"
            for image in page.images:
                yield (f"  image    {image.name}: {image.width} × {image.height} px "
                       f"{image.colour}, placed {image.placed_mm[0]:g} × {image.placed_mm[1]:g}"
                       f" mm → {image.min_ppi:.0f} ppi")
        for finding in findings:
            yield f"  {LEVEL[finding.level]} {finding.message} [{finding.check}]"
    yield ""
    errors, warnings = len(report.errors), len(report.warnings)
    notes = len(report.findings) - errors - warnings
    verdict = "ready for print" if report.ok else "NOT ready for print"
    yield f"Summary: {errors} error(s), {warnings} warning(s), {notes} note(s): {verdict}"
    by_check = {}
    for finding in report.errors:
        by_check[finding.check] = by_check.get(finding.check, 0) + 1
    if by_check:
        yield "  errors by check: " + ", ".join(f"{c} {n}" for c, n in by_check.items())


def joined(words):
    """a, b and c."""
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
