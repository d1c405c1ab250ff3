"""Overset: what does not fit its box, found in WeasyPrint's laid-out boxes.

WeasyPrint draws a word too long for its column, or an image wider than its column, past
the edge (or cuts it at the page) without a word. We walk the boxes of every page after
layout and report each overflow with its page and the story it belongs to.
"""
from dataclasses import dataclass

from weasyprint.formatting_structure import boxes

from . import anchors, render
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
    found = []
    for number, page in enumerate(pages, start=first):
        _walk(render.page_box(page), number, None, None, found)
    return list(dict.fromkeys(found))


def _walk(box, page, story, limit, found):
    element_id = box.element.get("id", "") if box.element is not None else ""
    if element_id.startswith(anchors.STORY) and box.element_tag == "article":
        story = anchors.named(element_id, anchors.STORY)
    if isinstance(box, boxes.LineBox):  # (a line box grows with its text: the limit is
        for child in box.descendants():
            if isinstance(child, boxes.TextBox):
                _check(child, child.position_x + child.width, limit, page, story,
                       f"text “{_excerpt(child.text)}”", found)
            elif isinstance(child, boxes.ReplacedBox):  # the block's content edge)
                _check(child, child.position_x + child.margin_width(), limit, page, story,
                       "an image", found)
        return
    if isinstance(box, boxes.ReplacedBox) and limit is not None:
        _check(box, box.position_x + box.margin_width(), limit, page, story, "an image",
               found)
    # a block's content edge is the limit, unless it clips (then overflow is on purpose)
    if (isinstance(box, boxes.BlockContainerBox) and not isinstance(box, boxes.PageBox)
            and box.style["overflow"] == "visible"):
        limit = box.content_box_x() + box.width
    for child in getattr(box, "children", []):
        _walk(child, page, story, limit, found)


def _check(box, right, limit, page, story, what, found):
    if limit is not None and right > limit + TOLERANCE:
        found.append(Overflow(page, story, what, round((right - limit) * PX_TO_MM, 1)))


def _excerpt(text, length=30):
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"
