"""Overset: what does not fit its box, found in WeasyPrint's laid-out boxes.

WeasyPrint draws a word too long for its column, or an image wider than its column, past
the edge (or cuts it at the page) without a word. render.oversets walks the boxes of every
page after layout; here each overflow is named, with its page and the story it belongs to.
"""
from dataclasses import dataclass

from . import render
from .problems import Problem

TOLERANCE = 0.75  # CSS px (0.2 mm): rounding in layout is not overflow
PX_TO_MM = 25.4 / 96


@dataclass(frozen=True)
class Overflow:
    page: int
    story: str | None
    what: str
    by_mm: float

    def problem(self):
        story = f"story `{self.story}`: " if self.story else ""
        return Problem(f"{story}{self.what} runs {self.by_mm:.1f} mm out of its box (overset)",
                       page=self.page, rule="overset", source="layout")


def find(pages, first=1):
    """Every overflow on the laid-out pages (numbered from `first`), at most one per box
    and text."""
    found = [Overflow(page, story, _what(kind, text), round(by_px * PX_TO_MM, 1))
             for page, story, kind, text, by_px in render.oversets(pages, first, TOLERANCE)]
    return list(dict.fromkeys(found))


def _what(kind, text):
    return f"text “{_excerpt(text)}”" if kind == "text" else "an image"


def _excerpt(text, length=30):
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"
