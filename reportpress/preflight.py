"""Preflight: check a finished PDF (ours or anyone's) before it goes to the print shop.

    python3 make_pdf.py preflight FILE.pdf [--binding saddle-stitch|perfect|none] [--json]

From Python: `report = preflight.check(path)`; `report.errors` is empty when the file may go.
Page by page it reads the boxes (trim, bleed), the fonts (embedded? subset? Type 3?), every
colour space that paints something (RGB is an error), every image drawn (pixels, colour,
effective ppi at its placed size), the highest total ink (rendered with Ghostscript), and for
the document the PDF/X output intent and keys and the page count against the binding.
docs/preflight.md explains each check. Exit codes: 0 ready, 1 errors, 2 cannot check.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image, ImageCms, ImageMath

from . import PROJECT, lighter
from .errors import CannotCheck, InkError
from .problems import page_ranges

PROFILE = PROJECT / "profiles" / "FOGRA39-reportpress.icc"
# Pages a binding takes in multiples of (the build's own page-count check uses it too).
PAGES_PER_SHEET = {"saddle-stitch": 4, "perfect": 2, "none": 1}
BINDINGS = tuple(PAGES_PER_SHEET)
MIN_BLEED_MM = 3.0
HIGH_PPI = 450
SMALL_TEXT_PT = 12
INK_DPI = 50
MM = 25.4 / 72  # one point in millimetres
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
FORMATS = {(210, 297): "A4", (148, 210): "A5", (297, 420): "A3", (105, 148): "A6",
           (216, 279): "US Letter", (170, 240): "17 × 24 cm"}
PROCESS = {"/Cyan", "/Magenta", "/Yellow", "/Black"}
# output condition identifiers of the ICC characterization data registry (the common ones)
REGISTERED = re.compile(r"^(FOGRA\d+L?|CGATS[ ._]?TR[ ._]?\d+|GRACoL\S*|SWOP\S*|JC\d+|"
                        r"Japan ?Color ?\d*|IFRA\d+|SNAP\S*|Custom)$", re.IGNORECASE)


# --- what a check finds ---------------------------------------------------------------------

@dataclass
class Finding:
    level: str  # "error", "warning" or "info"
    check: str  # boxes, fonts, colour, images, ink, pdfx, pages, file
    message: str
    page: int | None = None  # 1-based; None for the document as a whole

    def __str__(self):
        where = f"page {self.page}: " if self.page else ""
        return f"{self.level}: {where}{self.message} [{self.check}]"


@dataclass
class FontInfo:
    name: str
    type: str  # as pdffonts says it: "CID TrueType", "Type 1", "Type 3", …
    embedded: bool
    subset: bool
    pages: list[int] = field(default_factory=list)  # pages that draw text with it
    program: str | None = None  # a digest of the embedded font program


@dataclass
class ImageUse:
    page: int
    name: str  # resource name, with the forms it was drawn through: "/Fm1 > /Im0"
    object: str  # "12 0" (object number and generation), "inline" for inline images
    width: int  # pixels
    height: int
    bits: int
    colour: str  # colour space, e.g. "DeviceCMYK", "ICCBased RGB (N=3)"
    kind: str  # rgb, cmyk, gray, spot, lab, mask, unknown
    placed_mm: tuple[float, float]  # size on the page
    ppi: tuple[float, float]  # effective resolution across and down the image

    @property
    def min_ppi(self):
        return min(self.ppi)


@dataclass
class InkReading:
    max_percent: float  # highest C+M+Y+K of any pixel, in % (0–400)
    over_percent: float  # share of the rendered area above the limit, in %
    at_mm: tuple[float, float] | None  # where the maximum is, from the trim's top-left corner


@dataclass
class PageInfo:
    number: int
    boxes: dict[str, list[float] | None]  # MediaBox, CropBox, BleedBox, TrimBox, ArtBox in pt
    trim_mm: tuple[float, float] | None
    bleed_mm: dict[str, float] | None  # left, right, top, bottom (beyond the TrimBox)
    colours: dict[str, list[str]] = field(default_factory=dict)  # colour space → what it paints
    fonts: list[str] = field(default_factory=list)
    images: list[ImageUse] = field(default_factory=list)
    ink: InkReading | None = None


@dataclass
class PreflightReport:
    path: str
    binding: str
    limits: dict
    page_count: int = 0
    document: dict = field(default_factory=dict)
    fonts: list[FontInfo] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    colour_kinds: dict[str, str] = field(default_factory=dict)  # colour space → rgb, cmyk, …
    spot_inks: dict[str, list] = field(default_factory=dict)  # colour space → its spot inks

    def add(self, level, check, message, page=None):
        finding = Finding(level, check, message, page)
        if finding not in self.findings:
            self.findings.append(finding)

    @property
    def errors(self):
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self):
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self):
        return not self.errors

    @property
    def images(self):
        return [image for page in self.pages for image in page.images]

    def on_page(self, number, check=None, level=None):
        return [f for f in self.findings if f.page == number
                and (check is None or f.check == check) and (level is None or f.level == level)]

    def to_dict(self):
        counts = {level: sum(f.level == level for f in self.findings)
                  for level in ("error", "warning", "info")}
        return {"file": self.path, "ok": self.ok, "counts": counts, "binding": self.binding,
                "limits": self.limits, "page_count": self.page_count,
                "document": self.document, "colour_kinds": self.colour_kinds,
                "fonts": [dataclasses.asdict(f) for f in self.fonts],
                "pages": [dataclasses.asdict(p) for p in self.pages],
                "findings": [dataclasses.asdict(f) for f in self.findings]}

    def text(self, brief=False):
        return "\n".join(_text_lines(self, brief)) + "\n"


# --- colour spaces --------------------------------------------------------------------------

@dataclass(frozen=True)
class ColourSpace:
    family: str  # DeviceRGB, DeviceCMYK, DeviceGray, ICCBased, Separation, DeviceN, …
    n: int = 1  # components
    base: ColourSpace | None = None  # of Indexed and (uncoloured) Pattern spaces
    colorants: tuple[str, ...] = ()  # of Separation and DeviceN

    @property
    def kind(self):
        family = self.family
        if family in ("DeviceRGB", "CalRGB") or (family == "ICCBased" and self.n == 3):
            return "rgb"
        if family == "DeviceCMYK" or (family == "ICCBased" and self.n == 4):
            return "cmyk"
        if family in ("DeviceGray", "CalGray") or (family == "ICCBased" and self.n == 1):
            return "gray"
        if family == "Lab":
            return "lab"
        if family in ("Indexed", "Pattern") and self.base:
            return self.base.kind
        if family == "Pattern":
            return "pattern"
        if family in ("Separation", "DeviceN"):
            names = set(self.colorants) - {"/None"}
            if names == {"/All"}:
                return "registration"
            return "cmyk" if names <= PROCESS else "spot"
        return "unknown"

    @property
    def label(self):
        if self.family == "ICCBased":
            what = {1: "Gray", 3: "RGB", 4: "CMYK"}.get(self.n, "?")
            return f"ICCBased {what} (N={self.n})"
        if self.family in ("Indexed", "Pattern") and self.base:
            return f"{self.family} {self.base.label}"
        if self.family in ("Separation", "DeviceN"):
            return f"{self.family} " + " + ".join(c.lstrip("/") for c in self.colorants)
        return self.family

    @property
    def spots(self):
        return [c.lstrip("/") for c in self.colorants if c not in PROCESS | {"/None", "/All"}]

    def initial(self):
        """The colour that `cs` selects before any `sc`: black, or full tint."""
        if self.family == "DeviceCMYK" or (self.family == "ICCBased" and self.n == 4):
            return (0.0, 0.0, 0.0, 1.0)
        if self.family in ("Separation", "DeviceN"):
            return (1.0,) * self.n
        return (0.0,) * self.n


DEVICE = {"/DeviceGray": ColourSpace("DeviceGray", 1), "/DeviceRGB": ColourSpace("DeviceRGB", 3),
          "/DeviceCMYK": ColourSpace("DeviceCMYK", 4), "/G": ColourSpace("DeviceGray", 1),
          "/RGB": ColourSpace("DeviceRGB", 3), "/CMYK": ColourSpace("DeviceCMYK", 4)}
PATTERN = ColourSpace("Pattern", 0)
UNKNOWN = ColourSpace("unknown", 0)


def colour_space(obj, resources, depth=0):
    """The ColourSpace of a colour space object or resource name."""
    if depth > 8 or obj is None:
        return UNKNOWN
    if isinstance(obj, pikepdf.Name):
        name = str(obj)
        if name in DEVICE:
            return DEVICE[name]
        if name == "/Pattern":
            return PATTERN
        named = _get(_get(resources, "/ColorSpace"), name)
        return colour_space(named, resources, depth + 1) if named is not None else UNKNOWN
    if not isinstance(obj, pikepdf.Array) or len(obj) == 0:
        return UNKNOWN
    family = str(obj[0])
    if len(obj) == 1:
        return colour_space(obj[0], resources, depth + 1)
    if family == "/ICCBased":
        return ColourSpace("ICCBased", int(obj[1].get("/N", 0)))
    if family in ("/CalRGB", "/Lab"):
        return ColourSpace(family[1:], 3)
    if family == "/CalGray":
        return ColourSpace("CalGray", 1)
    if family in ("/Indexed", "/I"):
        return ColourSpace("Indexed", 1, base=colour_space(obj[1], resources, depth + 1))
    if family == "/Separation":
        return ColourSpace("Separation", 1, colorants=(str(obj[1]),))
    if family == "/DeviceN":
        names = tuple(str(n) for n in obj[1])
        return ColourSpace("DeviceN", len(names), colorants=names)
    if family == "/Pattern":
        return ColourSpace("Pattern", 0, base=colour_space(obj[1], resources, depth + 1))
    return ColourSpace(family.lstrip("/") or "unknown", 0)


# --- fonts ----------------------------------------------------------------------------------

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


# --- reading the page content ---------------------------------------------------------------

def multiply(m, n):
    """The matrix m × n (PDF's row-vector convention: apply m first, then n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def matrix(values):
    return tuple(float(v) for v in values) if len(values) == 6 else IDENTITY


@dataclass
class GState:
    ctm: tuple = IDENTITY
    fill: ColourSpace = DEVICE["/DeviceGray"]
    fill_values: tuple = (0.0,)
    fill_pattern: str | None = None
    stroke: ColourSpace = DEVICE["/DeviceGray"]
    stroke_values: tuple = (0.0,)
    stroke_pattern: str | None = None
    font: object = None  # key into Reader.fonts
    font_size: float = 0.0
    render: int = 0  # text rendering mode
    overprint: bool = False  # fills (and text) overprint: ExtGState /op
    clip: tuple | None = None  # the clipping path's bounds on the page (None: unclipped)


FILL_OPS = {"f", "F", "f*"}
STROKE_OPS = {"S", "s"}
BOTH_OPS = {"B", "B*", "b", "b*"}
TEXT_OPS = {"Tj", "TJ", "'", '"'}
PATH_OPS = {"re", "m", "l", "c", "v", "y"}  # (read for where fills reach: the bleed check)
TOUCH = 0.25  # pt: an edge this close to the trim touches it; this close to the bleed reaches it
# The operators Reader.step reads: pikepdf leaves the others (paths, text positioning)
# unparsed, which is a third of a text page's content. (BI ID EI: inline images.)
READ_OPS = " ".join(["q Q cm g rg k G RG K cs CS sc scn SC SCN BT Tm Tf Tr gs sh Do BI ID EI",
                     *FILL_OPS, *STROKE_OPS, *BOTH_OPS, *TEXT_OPS, *PATH_OPS, "W W* n"])


def _get(dictionary, key):
    if isinstance(dictionary, pikepdf.Dictionary | pikepdf.Stream):
        try:
            return dictionary.get(key)
        except (pikepdf.PdfError, ValueError):
            return None
    return None


def _key(obj, fallback):
    objgen = obj.objgen if isinstance(obj, pikepdf.Object) else (0, 0)
    return objgen if objgen != (0, 0) else fallback


class Reader:
    """Walks the content of each page (and its forms, patterns and annotations)."""

    def __init__(self, report):
        self.report = report
        self.fonts = {}  # key → FontInfo
        self.page = None
        self.stack = []  # objects being read, against loops
        self.base_ctm = self.text_matrix = IDENTITY
        self.text_origin = (0.0, 0.0)
        self.black_overprint_pt = SMALL_TEXT_PT

    def read_page(self, number, page, info):
        self.page, self.info = number, info
        self.patterns_done = set()
        self.path, self.clipping = None, False  # the path being built (its bounds)
        self.rects, self.curved = [], False  # its rectangles (page boxes); other segments
        self.backdrop = []  # (boxes, even-odd, coloured) of each fill, in order
        self.even_odd = False  # the fill being painted: by the even-odd rule
        self.knocked_out = 0  # runs of small black text that knock out of colour
        unit = float(page.obj.get("/UserUnit", 1))
        base = (unit, 0.0, 0.0, unit, 0.0, 0.0)
        resources = page.obj.get("/Resources") or _inherited(page.obj, "/Resources")
        group = page.obj.get("/Group")
        if isinstance(group, pikepdf.Dictionary) and "/CS" in group:
            self.use(colour_space(group["/CS"], resources), "transparency group")
        self.note_resource_fonts(resources)
        self.run(page.obj, resources, GState(ctm=base), where="")
        if self.knocked_out:
            self.report.add("warning", "overprint", f"{self.knocked_out} run(s) of black text "
                            f"under {self.black_overprint_pt:g} pt knock out of a coloured "
                            "background: set them to overprint, or a misregistered plate "
                            "shows a white halo", number)
        annots = page.obj.get("/Annots")
        for annot in annots if isinstance(annots, pikepdf.Array) else []:
            if isinstance(annot, pikepdf.Dictionary):
                self.read_annotation(annot, base)

    def read_annotation(self, annot, base):
        flags = int(annot.get("/F", 0))
        if not flags & 4 or flags & 2:  # not printed, or hidden
            return
        normal = _get(annot.get("/AP"), "/N")
        if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream):
            normal = _get(normal, annot.get("/AS") or "/Off")
        if not isinstance(normal, pikepdf.Stream) or "/Rect" not in annot:
            return
        form_matrix = matrix(list(normal.get("/Matrix", IDENTITY)))
        x0, y0, x1, y1 = _rect(normal.get("/BBox", [0, 0, 1, 1]), form_matrix)
        rx0, ry0, rx1, ry1 = _rect(annot["/Rect"])
        sx = (rx1 - rx0) / (x1 - x0) if x1 > x0 else 1.0
        sy = (ry1 - ry0) / (y1 - y0) if y1 > y0 else 1.0
        to_rect = (sx, 0.0, 0.0, sy, rx0 - x0 * sx, ry0 - y0 * sy)
        ctm = multiply(multiply(form_matrix, to_rect), base)
        subtype = str(annot.get("/Subtype", "/Annot")).lstrip("/")
        self.run_form(normal, None, GState(ctm=ctm), f"{subtype} annotation", matrix_done=True)

    def note_resource_fonts(self, resources):
        fonts = _get(resources, "/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for name, font in fonts.items():
                self.font(font, name)

    def font(self, font, name):
        key = _key(font, ("direct", self.page, name))
        if key not in self.fonts:
            self.fonts[key] = FontInfo(*font_facts(font), program=font_program(font))
        return key

    def use(self, space, what):
        """Note that `space` paints `what` on this page; RGB and spot colours are findings."""
        self.report.colour_kinds[space.label] = space.kind
        if space.kind == "spot":
            self.report.spot_inks[space.label] = space.spots
        uses = self.info.colours.setdefault(space.label, [])
        if what not in uses:
            uses.append(what)

    def paint(self, gs, resources, what, stroke=False):
        space = gs.stroke if stroke else gs.fill
        pattern = gs.stroke_pattern if stroke else gs.fill_pattern
        if not stroke:
            self.note_backdrop(gs, what)
        if space.family == "Pattern":
            if space.base is not None:  # uncoloured tiling pattern: painted in the base space
                self.use(space.base, what)
            self.pattern(pattern, resources, gs, what)
            return
        self.use(space, what)
        values = gs.stroke_values if stroke else gs.fill_values
        if (what == "text" and space.kind == "cmyk" and space.n == 4 and len(values) == 4
                and values[3] >= 0.95 and max(values[:3]) > 0.005):
            size = gs.font_size * math.sqrt(abs(_det(multiply(self.text_matrix, gs.ctm))))
            if 0 < size < SMALL_TEXT_PT:
                cmyk = "/".join(f"{round(v * 100)}" for v in values)
                self.report.add("warning", "colour",
                                f"small text ({size:.1f} pt) in rich black C/M/Y/K {cmyk}: "
                                f"set text under {SMALL_TEXT_PT} pt in 100 % K only", self.page)

    def note_backdrop(self, gs, what):
        """Keep what a fill paints under later text; find small black text that knocks out
        of colour, and white that overprints (it vanishes)."""
        cmyk = gs.fill_values if gs.fill.kind == "cmyk" and len(gs.fill_values) == 4 else None
        white = cmyk is not None and max(cmyk) <= 0.005
        if white and gs.overprint and what in ("fill", "text"):
            self.report.add("error", "overprint", f"white {what} is set to overprint: it will "
                            "not print at all", self.page)
        if what == "fill" and self.path is not None:
            # a path of rectangles (WeasyPrint's boxes and borders) by its rectangles; any
            # other by its bounds
            boxes = [self.path] if self.curved or not self.rects else self.rects
            self.backdrop.append(([_intersect(gs.clip, box) for box in boxes], self.even_odd,
                                  not white))
        elif what == "text" and cmyk is not None and not gs.overprint and _is_black(cmyk):
            size = gs.font_size * math.sqrt(abs(_det(multiply(self.text_matrix, gs.ctm))))
            point = _apply(gs.ctm, *self.text_origin)
            under = next((coloured for boxes, even_odd, coloured in reversed(self.backdrop)
                          if _painted(boxes, even_odd, point)), False)
            if 0 < size < self.black_overprint_pt and under:
                self.knocked_out += 1

    def pattern(self, name, resources, gs, what):
        pattern = _get(_get(resources, "/Pattern"), name) if name else None
        if pattern is None:
            self.use(PATTERN, what)
            return
        if int(pattern.get("/PatternType", 1)) == 2:
            shading = pattern.get("/Shading")
            self.use(colour_space(_get(shading, "/ColorSpace"), resources), f"{what} (shading)")
            return
        key = _key(pattern, name)
        if int(pattern.get("/PaintType", 1)) == 1 and key not in self.patterns_done:
            self.patterns_done.add(key)
            pattern_gs = GState(ctm=multiply(matrix(list(pattern.get("/Matrix", IDENTITY))),
                                             self.base_ctm))
            self.run_form(pattern, resources, pattern_gs, f"pattern {name}", matrix_done=True)

    def run_form(self, form, parent_resources, gs, where, matrix_done=False):
        key = _key(form, None)
        if key in self.stack or len(self.stack) > 24:
            return
        resources = form.get("/Resources") or parent_resources
        group = form.get("/Group")
        if isinstance(group, pikepdf.Dictionary) and "/CS" in group:
            self.use(colour_space(group["/CS"], resources), "transparency group")
        if not matrix_done:
            gs = dataclasses.replace(gs, ctm=multiply(matrix(list(form.get("/Matrix", IDENTITY))),
                                                      gs.ctm))
        if "/BBox" in form:  # a form draws nothing outside its box
            gs = dataclasses.replace(gs, clip=_intersect(gs.clip, _rect(form["/BBox"], gs.ctm)))
        self.note_resource_fonts(resources)
        self.stack.append(key)
        try:
            self.run(form, resources, gs, where)
        finally:
            self.stack.pop()

    def run(self, stream, resources, gs, where):
        """Interpret one content stream: the operators that paint, select colours and fonts."""
        try:
            instructions = pikepdf.parse_content_stream(stream, READ_OPS)
        except (pikepdf.PdfError, ValueError) as error:
            self.report.add("error", "file", f"cannot read the content of {where or 'the page'}: "
                            f"{error}", self.page)
            return
        saved = self.base_ctm, self.text_matrix
        self.base_ctm, self.text_matrix = gs.ctm, IDENTITY
        stack = []
        try:
            for instruction in instructions:
                try:
                    gs = self.step(instruction, gs, stack, resources, where)
                except (TypeError, ValueError, IndexError, pikepdf.PdfError):
                    self.report.add("warning", "file", f"a malformed {instruction.operator} "
                                    f"operator in {where or 'the page'} was skipped", self.page)
        finally:
            self.base_ctm, self.text_matrix = saved

    def step(self, instruction, gs, stack, resources, where):
        op = str(instruction.operator)
        if op == "INLINE IMAGE":
            name = f"{where} > [inline]" if where else "[inline]"
            self.image(instruction.iimage.obj, name, "inline", gs, resources, where)
            return gs
        args = list(instruction.operands)
        if op == "q":
            stack.append(gs)
            gs = dataclasses.replace(gs)
        elif op == "Q":
            gs = stack.pop() if stack else gs
        elif op == "cm" and len(args) == 6:
            gs = dataclasses.replace(gs, ctm=multiply(matrix(args), gs.ctm))
        elif op in ("g", "rg", "k", "G", "RG", "K"):
            space = DEVICE[{"g": "/DeviceGray", "rg": "/DeviceRGB", "k": "/DeviceCMYK"}[op.lower()]]
            values = _numbers(args)
            if op.islower():
                gs = dataclasses.replace(gs, fill=space, fill_values=values, fill_pattern=None)
            else:
                gs = dataclasses.replace(gs, stroke=space, stroke_values=values,
                                         stroke_pattern=None)
        elif op in ("cs", "CS") and args:
            space = colour_space(args[0], resources)
            if op == "cs":
                gs = dataclasses.replace(gs, fill=space, fill_values=space.initial(),
                                         fill_pattern=None)
            else:
                gs = dataclasses.replace(gs, stroke=space, stroke_values=space.initial(),
                                         stroke_pattern=None)
        elif op in ("sc", "scn", "SC", "SCN"):
            name = str(args[-1]) if args and isinstance(args[-1], pikepdf.Name) else None
            values = _numbers(args)
            if op.islower():
                gs = dataclasses.replace(gs, fill_values=values, fill_pattern=name)
            else:
                gs = dataclasses.replace(gs, stroke_values=values, stroke_pattern=name)
        elif op in PATH_OPS:
            self.extend_path(op, _numbers(args), gs)
        elif op in ("W", "W*"):
            self.clipping = True
        elif op == "n":
            gs = self.end_path(gs)
        elif op in FILL_OPS:
            self.even_odd = op == "f*"
            self.paint(gs, resources, "fill")
            self.reaches(self.path, gs, "a fill")
            gs = self.end_path(gs)
        elif op in STROKE_OPS:
            self.paint(gs, resources, "stroke", stroke=True)
            gs = self.end_path(gs)
        elif op in BOTH_OPS:
            self.paint(gs, resources, "fill")
            self.paint(gs, resources, "stroke", stroke=True)
            self.reaches(self.path, gs, "a fill")
            gs = self.end_path(gs)
        elif op == "BT":
            self.text_matrix, self.text_origin = IDENTITY, (0.0, 0.0)
        elif op == "Tm" and len(args) == 6:
            self.text_matrix = matrix(args)[:4] + (0.0, 0.0)
            self.text_origin = matrix(args)[4:]
        elif op == "Tf" and len(args) == 2:
            gs = self.select_font(gs, args[0], args[1], resources)
        elif op == "Tr" and args:
            gs = dataclasses.replace(gs, render=int(args[0]))
        elif op == "gs" and args:
            state = _get(_get(resources, "/ExtGState"), str(args[0]))
            overprint = _get(state, "/op")
            overprint = _get(state, "/OP") if overprint is None else overprint
            if overprint is not None:
                gs = dataclasses.replace(gs, overprint=bool(overprint))
            font = _get(state, "/Font")
            if isinstance(font, pikepdf.Array) and len(font) == 2:
                gs = dataclasses.replace(gs, font=self.font(font[0], "ExtGState font"),
                                         font_size=float(font[1]))
        elif op in TEXT_OPS:
            self.text(gs, resources)
        elif op == "sh" and args:
            shading = _get(_get(resources, "/Shading"), str(args[0]))
            self.use(colour_space(_get(shading, "/ColorSpace"), resources), "shading")
            self.reaches(None, gs, "a shading")
        elif op == "Do" and args:
            self.draw(str(args[0]), gs, resources, where)
        return gs

    def extend_path(self, op, values, gs):
        """Add a path segment's points (on the page) to the bounds of the path."""
        if op == "re" and len(values) == 4:
            x, y, w, h = values
            points = [(x, y), (x + w, y + h)]
            self.rects.append(_rect((x, y, x + w, y + h), gs.ctm))
        else:
            points = list(zip(values[::2], values[1::2], strict=False))
            self.curved = True
        a, b, c, d, e, f = gs.ctm
        for x, y in points:
            px, py = a * x + c * y + e, b * x + d * y + f
            box = self.path or (px, py, px, py)
            self.path = (min(box[0], px), min(box[1], py), max(box[2], px), max(box[3], py))

    def end_path(self, gs):
        """The path is done: a clip (W) it made holds from here on."""
        if self.clipping and self.path:
            gs = dataclasses.replace(gs, clip=_intersect(gs.clip, self.path))
        self.path, self.clipping = None, False
        self.rects, self.curved = [], False
        return gs

    def reaches(self, bounds, gs, what):
        """Something painted that touches the trim edge must run on to the bleed edge:
        else the cut, never exact, leaves a white hairline (an error, with its side)."""
        shown = _intersect(gs.clip, bounds) if bounds else gs.clip
        trim, bleed = self.info.boxes.get("TrimBox"), self.info.boxes.get("BleedBox")
        if not shown or not trim or not bleed:
            return
        for side, short in _short_of_bleed(shown, trim, bleed).items():
            self.report.add("error", "bleed", f"{what} touches the trim at the {side} and "
                            f"stops {short * MM:.1f} mm short of the bleed edge (run it on "
                            "into the bleed)", self.page)

    def select_font(self, gs, name, size, resources):
        font = _get(_get(resources, "/Font"), str(name))
        if font is None:
            self.report.add("error", "fonts", f"text uses font {name}, which is not in the "
                            "page's resources", self.page)
            return dataclasses.replace(gs, font=None, font_size=float(size))
        return dataclasses.replace(gs, font=self.font(font, str(name)), font_size=float(size))

    def text(self, gs, resources):
        if gs.font is not None:
            info = self.fonts[gs.font]
            if self.page not in info.pages:
                info.pages.append(self.page)
            if info.name not in self.info.fonts:
                self.info.fonts.append(info.name)
        if gs.render in (0, 2, 4, 6):
            self.paint(gs, resources, "text")
        if gs.render in (1, 2, 5, 6):
            self.paint(gs, resources, "text", stroke=True)

    def draw(self, name, gs, resources, where):
        xobject = _get(_get(resources, "/XObject"), name)
        if xobject is None:
            self.report.add("error", "file", f"{where or 'page'} draws {name}, which is not in "
                            "its resources", self.page)
            return
        path = f"{where} > {name}" if where else name
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            objgen = xobject.objgen
            self.image(xobject, path, f"{objgen[0]} {objgen[1]}", gs, resources, where)
        elif subtype == "/Form":
            self.run_form(xobject, resources, gs, path)

    def image(self, image, name, obj, gs, resources, where):
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        mask = bool(image.get("/ImageMask", False))
        if mask:
            self.paint(gs, resources, "image mask")
            space, kind = "stencil mask", "mask"
        elif "/ColorSpace" in image:
            cs = colour_space(image["/ColorSpace"], resources)
            space, kind = cs.label, cs.kind
            self.use(cs, "image")
        elif image.get("/Filter") == "/JPXDecode" or (
                isinstance(image.get("/Filter"), pikepdf.Array)
                and pikepdf.Name("/JPXDecode") in image["/Filter"]):
            space, kind = "JPX (inside the JPEG 2000 data)", "unknown"
        else:
            space, kind = "none", "unknown"
        if not mask:  # a photo under text: colour to knock out of (where not clipped)
            self.backdrop.append(([_intersect(gs.clip, _rect((0, 0, 1, 1), gs.ctm))], False,
                                  True))
        a, b, c, d = gs.ctm[:4]
        w_pt, h_pt = math.hypot(a, b), math.hypot(c, d)
        ppi = (width / (w_pt / 72) if w_pt else 0.0, height / (h_pt / 72) if h_pt else 0.0)
        self.reaches(_rect((0, 0, 1, 1), gs.ctm), gs, "a photo" if not mask else "a mask")
        use = ImageUse(self.page, name, obj, width, height,
                       int(image.get("/BitsPerComponent", 1 if mask else 0)), space, kind,
                       (round(w_pt * MM, 1), round(h_pt * MM, 1)),
                       (round(ppi[0], 1), round(ppi[1], 1)))
        self.info.images.append(use)


def _numbers(args):
    return tuple(float(v) for v in args if not isinstance(v, pikepdf.Name))


def _det(m):
    return m[0] * m[3] - m[1] * m[2]


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _painted(boxes, even_odd, point):
    """Whether a fill of these rectangles paints the point (two nested rectangles filled by
    the even-odd rule paint a frame: WeasyPrint's borders)."""
    x, y = point
    inside = sum(box[0] <= x <= box[2] and box[1] <= y <= box[3] for box in boxes)
    return inside % 2 == 1 if even_odd else inside > 0


def _is_black(cmyk):
    """100 % K and nothing else (rich black is another check's)."""
    return cmyk[3] >= 0.995 and max(cmyk[:3]) <= 0.005


def _rect(values, transform=IDENTITY):
    """The bounding rectangle (x0, y0, x1, y1) of a PDF rectangle, after a transform."""
    x0, y0, x1, y1 = (float(v) for v in list(values)[:4])
    a, b, c, d, e, f = transform
    xs = [a * x + c * y + e for x in (x0, x1) for y in (y0, y1)]
    ys = [b * x + d * y + f for x in (x0, x1) for y in (y0, y1)]
    return min(xs), min(ys), max(xs), max(ys)


def _intersect(first, second):
    """The overlap of two bounds (x0, y0, x1, y1); None stands for no limit."""
    if first is None or second is None:
        return second if first is None else first
    box = (max(first[0], second[0]), max(first[1], second[1]),
           min(first[2], second[2]), min(first[3], second[3]))
    return box if box[0] < box[2] and box[1] < box[3] else (box[0], box[1], box[0], box[1])


def _short_of_bleed(shown, trim, bleed):
    """{side: pt short} for each side where `shown` (on the page, across the trim) touches
    the trim edge but does not reach the bleed edge."""
    x0, y0, x1, y1 = shown
    if x1 - x0 <= TOUCH or y1 - y0 <= TOUCH:
        return {}
    across = x0 < trim[2] - TOUCH and x1 > trim[0] + TOUCH  # on the page, not in the slug
    down = y0 < trim[3] - TOUCH and y1 > trim[1] + TOUCH
    edges = {"left": (down, trim[0] - x0, x0 - bleed[0]),
             "right": (down, x1 - trim[2], bleed[2] - x1),
             "bottom": (across, trim[1] - y0, y0 - bleed[1]),
             "top": (across, y1 - trim[3], bleed[3] - y1)}
    return {side: short for side, (inside, past_trim, short) in edges.items()
            if inside and across and down and past_trim >= -TOUCH and short > TOUCH}


def _inherited(page, key):
    node, hops = page, 0
    while isinstance(node, pikepdf.Dictionary) and hops < 64:
        if key in node:
            return node[key]
        node, hops = node.get("/Parent"), hops + 1
    return None


# --- the checks -----------------------------------------------------------------------------

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
    pdf = _open(path)
    report = PreflightReport(str(path), binding, {"min_ppi": min_ppi, "warn_ppi": warn_ppi,
                                          "max_ink": max_ink, "ink_dpi": ink_dpi,
                                          "allowed_spots": allowed_spots})
    with pdf:
        report.page_count = len(pdf.pages)
        report.document = _document(pdf, report)
        reader = Reader(report)
        reader.black_overprint_pt = black_overprint_pt
        for number, page in enumerate(pdf.pages, start=1):
            info = PageInfo(number, *_boxes(page, number, report))
            report.pages.append(info)
            try:
                reader.read_page(number, page, info)
            except (pikepdf.PdfError, ValueError, TypeError, KeyError, AttributeError) as error:
                report.add("error", "file", f"cannot read this page: {error}", number)
        report.fonts = sorted(reader.fonts.values(), key=lambda f: (f.name, f.type))
        profile = _output_profile(pdf)
    _check_trim_sizes(report)
    _check_fonts(report)
    _check_colours(report)
    _check_images(report, min_ppi, warn_ppi, image_label)
    _check_pages(report)
    if max_ink is not None:
        _check_ink(report, path, max_ink, ink_dpi, profile, ink, cache_dir)
    report.findings.sort(key=lambda f: (f.page or 0, ("error", "warning", "info").index(f.level)))
    return report


def _open(path):
    if not path.exists():
        raise CannotCheck(f"{path}: no such file")
    if not path.is_file():
        raise CannotCheck(f"{path}: not a file")
    with path.open("rb") as file:
        head = file.read(1024)
    if b"%PDF-" not in head:
        raise CannotCheck(f"{path}: not a PDF (it does not start with %PDF-)")
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as error:
        raise CannotCheck(f"{path}: the PDF is password-protected") from error
    except (pikepdf.PdfError, OSError, ValueError) as error:
        raise CannotCheck(f"{path}: cannot read the PDF: {error}") from error


def _document(pdf, report):
    """PDF/X: the output intent, /GTS_PDFXVersion and /Trapped; encryption."""
    info = pdf.trailer.get("/Info")
    info = info if isinstance(info, pikepdf.Dictionary) else pikepdf.Dictionary()
    xmp = {}
    try:
        meta = pdf.open_metadata()
        for key in ("pdfxid:GTS_PDFXVersion", "pdf:Trapped", "pdf:Producer"):
            if meta.get(key):
                xmp[key] = str(meta.get(key))
    except Exception:  # noqa: BLE001 – broken XMP: read the Info dictionary alone
        report.add("warning", "pdfx", "the XMP metadata cannot be read")
    doc = {"pdf_version": pdf.pdf_version,
           "producer": str(info.get("/Producer", "")) or xmp.get("pdf:Producer", ""),
           "pdfx_version": None, "trapped": None, "output_intents": []}
    if pdf.is_encrypted:
        report.add("error", "pdfx", "the PDF is encrypted: print PDFs must not be")
    version = info.get("/GTS_PDFXVersion")
    doc["pdfx_version"] = str(version) if version is not None else \
        xmp.get("pdfxid:GTS_PDFXVersion")
    if not doc["pdfx_version"]:
        report.add("error", "pdfx", "not a PDF/X file: no /GTS_PDFXVersion (in the Info "
                   "dictionary or the XMP metadata)")
    trapped = info.get("/Trapped")
    doc["trapped"] = str(trapped).lstrip("/") if trapped is not None else xmp.get("pdf:Trapped")
    if doc["trapped"] not in ("True", "False"):
        state = f"is {doc['trapped']}" if doc["trapped"] else "is not set"
        report.add("error", "pdfx", f"/Trapped {state}: PDF/X needs True or False")
    if "/ID" not in pdf.trailer:
        report.add("warning", "pdfx", "the file has no /ID in its trailer (PDF/X needs one)")
    intents = pdf.Root.get("/OutputIntents")
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        doc["output_intents"].append(_intent(intent, report))
    if not any(i["subtype"] == "GTS_PDFX" for i in doc["output_intents"]):
        report.add("error", "pdfx", "no PDF/X output intent (/OutputIntents with /S /GTS_PDFX): "
                   "the print condition (e.g. FOGRA39) is not stated")
    return doc


def _intent(intent, report):
    subtype = str(intent.get("/S", "")).lstrip("/")
    facts = {"subtype": subtype,
             "identifier": str(intent.get("/OutputConditionIdentifier", "")) or None,
             "condition": str(intent.get("/OutputCondition", "")) or None,
             "registry": str(intent.get("/RegistryName", "")) or None,
             "profile": None}
    if subtype != "GTS_PDFX":
        return facts
    if not facts["identifier"]:
        report.add("error", "pdfx", "the PDF/X output intent has no /OutputConditionIdentifier")
    elif not REGISTERED.match(facts["identifier"]):
        report.add("info", "pdfx", f"output condition “{facts['identifier']}” is not a name "
                   "from the ICC characterization registry (such as FOGRA39): allowed with an "
                   "embedded profile, but the print shop may not recognise it")
    profile = intent.get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        report.add("error", "pdfx", "the PDF/X output intent has no embedded "
                   "/DestOutputProfile (ICC profile of the print condition)")
        return facts
    try:
        data = profile.read_bytes()
        icc = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
        facts["profile"] = {"description": icc.profile_description.strip(),
                            "colour_space": icc.xcolor_space.strip(),
                            "class": icc.device_class.strip(), "bytes": len(data)}
    except (OSError, ValueError, pikepdf.PdfError) as error:
        report.add("error", "pdfx", f"the output intent's ICC profile cannot be read: {error}")
        return facts
    if facts["profile"]["colour_space"] != "CMYK":
        report.add("error", "pdfx", f"the output intent's profile is "
                   f"{facts['profile']['colour_space']}, not CMYK")
    return facts


def _output_profile(pdf):
    """Bytes of the PDF/X output intent's CMYK profile, if there is one."""
    intents = pdf.Root.get("/OutputIntents")
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        profile = intent.get("/DestOutputProfile")
        if str(intent.get("/S", "")) == "/GTS_PDFX" and isinstance(profile, pikepdf.Stream):
            try:
                data = profile.read_bytes()
                if data[16:20] == b"CMYK":
                    return data
            except pikepdf.PdfError:
                return None
    return None


def _boxes(page, number, report):
    """The page's boxes in pt, its trim size and bleed in mm; box findings."""
    obj = page.obj
    raw = {"MediaBox": _inherited(obj, "/MediaBox"), "CropBox": _inherited(obj, "/CropBox"),
           "BleedBox": obj.get("/BleedBox"), "TrimBox": obj.get("/TrimBox"),
           "ArtBox": obj.get("/ArtBox")}
    boxes = {}
    for name, value in raw.items():
        try:
            boxes[name] = [round(v, 3) for v in _rect(value)] if value is not None else None
        except (TypeError, ValueError, pikepdf.PdfError):
            report.add("error", "boxes", f"the {name} is not a rectangle", number)
            boxes[name] = None
    media, trim, bleed = boxes["MediaBox"], boxes["TrimBox"], boxes["BleedBox"]
    if media is None:
        report.add("error", "boxes", "the page has no MediaBox", number)
        return boxes, None, None
    if trim is None:
        missing = "no TrimBox and no BleedBox" if bleed is None else "no TrimBox"
        report.add("error", "boxes", f"no bleed: {missing} (the print shop cannot tell where "
                   "to cut)", number)
        return boxes, None, None
    trim_mm = (round((trim[2] - trim[0]) * MM, 1), round((trim[3] - trim[1]) * MM, 1))
    if not _inside(trim, media):
        report.add("error", "boxes", "the TrimBox reaches outside the MediaBox", number)
    if bleed is None:
        report.add("error", "boxes", "no bleed: the page has a TrimBox but no BleedBox", number)
        return boxes, trim_mm, None
    for outer in ("MediaBox", "CropBox"):  # bleed beyond the media or crop box does not print
        if boxes[outer]:
            o = boxes[outer]
            bleed = [max(bleed[0], o[0]), max(bleed[1], o[1]),
                     min(bleed[2], o[2]), min(bleed[3], o[3])]
    bleed_mm = {"left": (trim[0] - bleed[0]) * MM, "right": (bleed[2] - trim[2]) * MM,
                "top": (bleed[3] - trim[3]) * MM, "bottom": (trim[1] - bleed[1]) * MM}
    bleed_mm = {side: round(max(v, 0.0), 2) for side, v in bleed_mm.items()}
    short = {side: v for side, v in bleed_mm.items() if v < MIN_BLEED_MM - 0.01}
    if len(short) == 4 and all(v == 0 for v in short.values()):
        report.add("error", "boxes", "no bleed: the BleedBox is the TrimBox (0 mm bleed; "
                   f"needs ≥ {MIN_BLEED_MM:g} mm on every side)", number)
    elif short:
        sides = ", ".join(f"{side} {v:.1f} mm" for side, v in short.items())
        report.add("error", "boxes", f"bleed too small: {sides} (needs ≥ {MIN_BLEED_MM:g} mm "
                   "on every side)", number)
    if boxes["CropBox"] and raw["BleedBox"] is not None and not _inside(
            boxes["BleedBox"], boxes["CropBox"]):
        report.add("warning", "boxes", "the CropBox cuts into the bleed", number)
    return boxes, trim_mm, bleed_mm


def _inside(inner, outer, slack=0.01):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _check_trim_sizes(report):
    sized = [p for p in report.pages if p.trim_mm]
    if not sized:
        return
    first = sized[0]
    for page in sized[1:]:
        if (abs(page.trim_mm[0] - first.trim_mm[0]) > 0.5
                or abs(page.trim_mm[1] - first.trim_mm[1]) > 0.5):
            report.add("warning", "boxes", f"trim size {_size(page.trim_mm)} differs from page "
                       f"{first.number}'s {_size(first.trim_mm)}", page.number)


def _check_fonts(report):
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
    _check_font_programs(report)


def _check_font_programs(report):
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
                       f"{_and(sorted({f.name for f in fonts}))}",
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


def _check_spot(report, label, what, page):
    """Spot colours print as plates of their own: listed where the job allows them, an
    error where it names others, a warning where it says nothing."""
    allowed = report.limits.get("allowed_spots")
    inks = report.spot_inks.get(label, [])
    if allowed is None:
        report.add("warning", "colour", f"spot colour ({label}) used for {what}: it "
                   "prints as an extra plate unless converted to CMYK", page)
    elif set(inks) <= set(allowed):
        report.add("info", "colour", f"spot colour {_and(inks)} used for {what}", page)
    else:
        unexpected = _and(sorted(set(inks) - set(allowed)))
        report.add("error", "colour", f"spot colour {unexpected} used for {what}: not one of "
                   f"the job's spot colours ({_and(sorted(allowed)) or 'none'})", page)


def _check_colours(report):
    for page in report.pages:
        for label, uses in page.colours.items():
            kind = report.colour_kinds.get(label, "unknown")
            what = _and(uses)
            if kind == "rgb":
                uses = [use for use in uses if use != "image"]  # images: one by one below
                if uses:
                    report.add("error", "colour", f"{label} used for {_and(uses)}: print needs "
                               "CMYK", page.number)
            elif kind == "spot":
                _check_spot(report, label, what, page.number)
            elif kind == "lab":
                report.add("warning", "colour", f"{label} used for {what}: converted to CMYK "
                           "only at the print shop's RIP", page.number)
            elif kind in ("unknown", "pattern"):
                report.add("warning", "colour", f"colour space {label} used for {what} cannot "
                           "be told", page.number)
        for image in page.images:
            if image.kind == "rgb":
                report.add("error", "colour", f"image {image.name} ({image.width} × "
                           f"{image.height} px) is {image.colour}: print needs CMYK",
                           page.number)
            elif image.kind == "unknown":
                report.add("warning", "colour", f"image {image.name}: colour space "
                           f"{image.colour} cannot be told", page.number)


def _and(words):
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _check_images(report, min_ppi, warn_ppi, image_label=None):
    for image in report.images:
        if image.kind == "mask" or not image.width or not min(image.placed_mm):
            continue
        ppi = round(image.min_ppi)
        label = (image_label(image) if image_label else None) or f"image {image.name}"
        facts = (f"{label} ({image.width} × {image.height} px at "
                 f"{image.placed_mm[0]:g} × {image.placed_mm[1]:g} mm) has {ppi} ppi")
        if ppi < min_ppi:
            report.add("error", "images", f"{facts}: below the {min_ppi} ppi minimum",
                       image.page)
        elif ppi < warn_ppi:
            report.add("warning", "images", f"{facts}: below {warn_ppi} ppi, may look soft",
                       image.page)
        elif ppi > HIGH_PPI:
            report.add("info", "images", f"{facts}, far above {HIGH_PPI} ppi (the file is "
                       "larger than print needs)", image.page)


def pages_short(binding, count):
    """How many pages `count` lacks for the binding (0: it binds)."""
    return -count % PAGES_PER_SHEET[binding]


def _check_pages(report):
    count = report.page_count
    pages = f"{count} page" + ("s" if count != 1 else "")
    short = pages_short(report.binding, count)
    if report.binding == "saddle-stitch" and short:
        above, below = count + short, count + short - 4
        shy = f"add {short} page(s) for {above}"
        cut = f" or remove {count - below} for {below}" if below else ""
        report.add("error", "pages", f"{pages}: saddle stitching needs a multiple of 4; "
                   f"{shy}{cut}")
    elif report.binding == "perfect" and short:
        report.add("error", "pages", f"{pages}: perfect binding needs an even count; add "
                   "or remove 1 page")


def _check_ink(report, path, max_ink, dpi, profile, readings=None, cache_dir=None):
    try:
        if readings is None:
            readings = measure_ink(path, report, dpi, profile, max_ink, cache_dir)
    except InkError as error:
        report.add("error", "ink", f"total ink not measured: {error}")
        return
    for page, reading in zip(report.pages, readings, strict=False):
        page.ink = reading
        if round(reading.max_percent) > max_ink:
            where = ""
            if reading.at_mm:
                where = (f" (around {reading.at_mm[0]:.0f} mm from the left, "
                         f"{reading.at_mm[1]:.0f} mm from the top of the trim)")
            report.add("error", "ink", f"total ink reaches {reading.max_percent:.0f} %, above "
                       f"the {max_ink} % limit, on {reading.over_percent:.2g} % of the "
                       f"page{where}", page.number)
    if len(readings) != len(report.pages):
        report.add("error", "ink", f"Ghostscript rendered {len(readings)} of "
                   f"{len(report.pages)} pages")


def measure_ink(path, report, dpi=INK_DPI, profile=None, max_ink=300, cache_dir=None):
    """Render each page's bleed box to CMYK with Ghostscript; the highest C+M+Y+K per page.

    DeviceCMYK passes through unchanged; RGB and other colours are separated with the
    output intent's profile (or profiles/FOGRA39-reportpress.icc when the file has none).
    """
    gs = shutil.which("gs")
    if gs is None:
        raise InkError("Ghostscript (gs) is not installed (Debian: apt-get install ghostscript)")
    with tempfile.TemporaryDirectory(prefix="preflight-") as folder:
        folder = Path(folder)
        command = [gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUseBleedBox",
                   "-sDEVICE=tiff32nc", f"-r{dpi}"]
        icc = None
        if profile:
            icc = folder / "output-intent.icc"
            icc.write_bytes(profile)
        elif PROFILE.exists():
            icc = PROFILE
        if icc:
            command += [f"-sDefaultCMYKProfile={icc}", f"-sOutputICCProfile={icc}"]
        if all(label == "DeviceCMYK" or kind == "registration"
               for label, kind in report.colour_kinds.items()):
            # nothing for a profile to separate (DeviceCMYK passes through unchanged either
            # way): without colour management Ghostscript takes a fifth less time
            command.append("-dUseFastColor")
        light = _light_copy(path, report, dpi, folder / "light.pdf", cache_dir)
        # one Ghostscript per processor, each on a run of pages: the wait divides
        count = len(report.pages)
        runs = min(os.cpu_count() or 1, count) or 1
        bounds = [(count * i // runs + 1, count * (i + 1) // runs) for i in range(runs)]
        started = [subprocess.Popen(
            [*command, f"-dFirstPage={first}", f"-dLastPage={last}",
             f"-sOutputFile={folder / f'r{index:03}-p%05d.tif'}", "-f", str(light)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for index, (first, last) in enumerate(bounds)]
        said = []
        try:
            for process in started:
                out, err = process.communicate(timeout=1800)
                if process.returncode:
                    said += (err or out).strip().splitlines()[-1:] or [str(process.returncode)]
        except subprocess.TimeoutExpired as error:
            raise InkError("Ghostscript took longer than 30 minutes") from error
        finally:  # (stopped, interrupted or done: none left running)
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        files = sorted(folder.glob("r*-p*.tif"))
        if said and not files:
            raise InkError(f"Ghostscript failed: {said[-1]}")
        with ThreadPoolExecutor(os.cpu_count() or 1) as threads:
            return list(threads.map(lambda file, page: _ink_of(file, page, dpi, max_ink),
                                    files, report.pages))


def _light_copy(path, report, dpi, light, cache_dir=None):
    """The PDF with its JPEG photos at the ink rendering's resolution, where they are placed
    largest (lighter.py: decoding them at full size is most of Ghostscript's time). Returns
    the path to render: `light`, or the PDF itself when no image was made lighter."""
    ppi = {}
    for image in report.images:
        if image.object != "inline":
            ppi[image.object] = min(ppi.get(image.object, math.inf), image.min_ppi)
    with pikepdf.open(path) as pdf:
        images = [(pdf.get_object(*map(int, key.split())), dpi / value)
                  for key, value in sorted(ppi.items()) if value > 2 * dpi]
        if not lighter.lighten(images, cache_dir):
            return path.resolve()
        # as fast as it can be written: nothing decoded or compressed
        pdf.save(light, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return light


def _ink_of(file, page, dpi, max_ink):
    with Image.open(file) as image:
        image.load()
        channels = dict(zip("cmyk", image.split(), strict=True))
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], **channels)
    highest = total.getextrema()[1]
    limit = max_ink * 255 / 100
    over = ImageMath.lambda_eval(lambda a: a["t"] > limit, t=total).convert("L")
    over_count = over.histogram()[1]
    spot = ImageMath.lambda_eval(lambda a: a["t"] == highest, t=total).convert("L").getbbox()
    at = None
    if spot and page.trim_mm:
        rendered = page.boxes["BleedBox"] or page.boxes["MediaBox"]
        trim = page.boxes["TrimBox"]
        x = spot[0] / dpi * 25.4 - (trim[0] - rendered[0]) * MM
        y = spot[1] / dpi * 25.4 - (rendered[3] - trim[3]) * MM
        at = (round(x, 1), round(y, 1))
    pixels = total.size[0] * total.size[1] or 1
    return InkReading(round(highest * 100 / 255, 1), round(over_count * 100 / pixels, 3), at)


# --- text output ----------------------------------------------------------------------------

def _size(mm):
    name = FORMATS.get((round(mm[0]), round(mm[1]))) or FORMATS.get((round(mm[1]), round(mm[0])))
    return f"{mm[0]:g} × {mm[1]:g} mm" + (f" ({name})" if name else "")


def _box(values):
    return " ".join(f"{v:g}" for v in values) + " pt" if values else "none"


LEVEL = {"error": "ERROR  ", "warning": "warning", "info": "note   "}


def _text_lines(report, brief):
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
        trim = f"trim {_size(page.trim_mm)}" if page.trim_mm else "no TrimBox"
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


# --- command line ---------------------------------------------------------------------------

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
