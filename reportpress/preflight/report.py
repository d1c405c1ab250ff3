"""What preflight finds, as data: findings, the facts read from each page, and the report
that holds them (as text or JSON)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .text import text_lines


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
        return "\n".join(text_lines(self, brief)) + "\n"
