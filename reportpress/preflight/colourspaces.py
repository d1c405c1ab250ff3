"""PDF colour spaces, resolved to what a print shop asks of them (process, spot, RGB …)."""
from __future__ import annotations

from dataclasses import dataclass

import pikepdf

from .limits import PROCESS


def entry(dictionary, key):
    """dictionary[key], or None where there is no such dictionary or the entry is broken."""
    if isinstance(dictionary, pikepdf.Dictionary | pikepdf.Stream):
        try:
            return dictionary.get(key)
        except (pikepdf.PdfError, ValueError):
            return None
    return None


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
        named = entry(entry(resources, "/ColorSpace"), name)
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
