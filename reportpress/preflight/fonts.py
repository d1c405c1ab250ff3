"""Fonts: what each embedded font is, and the checks on them (embedded, one program per
face, no Type 3)."""
from __future__ import annotations

import hashlib
import re

import pikepdf

from .text import joined


def font_facts(font):
    """(name, type as pdffonts says it, embedded, subset) of a font dictionary."""
    subtype = str(font.get("/Subtype", ""))
    name = str(font.get("/BaseFont", "")).lstrip("/") or str(font.get("/Name", "")).lstrip("/")
    descriptor, cid = font.get("/FontDescriptor"), None
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if isinstance(descendants, pikepdf.Array) and len(descendants):
            cid = descendants[0]
            descriptor = cid.get("/FontDescriptor")
    file_key, file_subtype = None, ""
    if isinstance(descriptor, pikepdf.Dictionary):
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                file_key = key
                file_subtype = str(descriptor[key].get("/Subtype", ""))
    ot = " (OT)" if file_subtype == "/OpenType" else ""
    if subtype == "/Type3":
        return name or "[none]", "Type 3", True, False
    if cid is not None:
        cid_type = str(cid.get("/Subtype", ""))
        if cid_type == "/CIDFontType2":
            kind = "CID TrueType" + ot
        else:
            kind = "CID Type 0C" + ot if file_key == "/FontFile3" else "CID Type 0"
    elif subtype == "/TrueType":
        kind = "TrueType" + ot
    elif subtype in ("/Type1", "/MMType1"):
        kind = ("Type 1C" + ot) if file_key == "/FontFile3" else "Type 1"
    else:
        kind = subtype.lstrip("/") or "unknown"
    subset = bool(re.match(r"^[A-Z]{6}\+", name))
    return name or "[none]", kind, file_key is not None, subset


def font_program(font):
    """A digest of the font program embedded for a font dictionary (None: none is)."""
    descriptor = font.get("/FontDescriptor")
    if str(font.get("/Subtype", "")) == "/Type0":
        descendants = font.get("/DescendantFonts")
        if isinstance(descendants, pikepdf.Array) and len(descendants):
            descriptor = descendants[0].get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return None
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if isinstance(descriptor.get(key), pikepdf.Stream):
            return hashlib.sha256(descriptor[key].read_bytes()).hexdigest()[:16]
    return None


def check_fonts(report):
    for font in report.fonts:
        for page in font.pages:
            if font.type == "Type 3":
                report.add("error", "fonts", f"font {font.name} is a Type 3 font (glyphs drawn "
                           "by PDF procedures: RIPs render them badly, replace it)", page)
            elif not font.embedded:
                report.add("error", "fonts", f"font {font.name} ({font.type}) is not embedded",
                           page)
        if not font.pages and not font.embedded and font.type != "Type 3":
            report.add("info", "fonts", f"font {font.name} is not embedded, but no text uses it")
    check_font_programs(report)


def check_font_programs(report):
    """A subset's tag names one subset: RIPs and preflight tools that take fonts by name can
    set text with another program's glyphs where two share a name (an error). The same
    face embedded in several programs under different tags is safe but heavy (a warning)."""
    for name, fonts in _grouped(report.fonts, lambda font: font.name).items():
        if len({font.program for font in fonts}) > 1:
            report.add("error", "fonts", f"{len({f.program for f in fonts})} different font "
                       f"programs are embedded under the one name {name}: a RIP may set one's "
                       "text with another's glyphs", _first_page_of_another(fonts))
    for face, fonts in _grouped(report.fonts, _face_name).items():
        if len({font.program for font in fonts}) > 1 and len({f.name for f in fonts}) > 1:
            report.add("warning", "fonts", f"font {face} is embedded "
                       f"{len({f.program for f in fonts})} times, as "
                       f"{joined(sorted({f.name for f in fonts}))}",
                       _first_page_of_another(fonts))


def _grouped(fonts, key):
    """Embedded fonts by `key`, each in the order the pages use them."""
    groups = {}
    for font in sorted(fonts, key=lambda font: (min(font.pages, default=0), font.name)):
        if font.embedded and font.program:
            groups.setdefault(key(font), []).append(font)
    return groups


def _face_name(font):
    return re.sub(r"^[A-Z]{6}\+", "", font.name)


def _first_page_of_another(fonts):
    """The first page that uses a program other than the first one's."""
    first = fonts[0].program
    return min((page for font in fonts if font.program != first for page in font.pages),
               default=None)
