"""What changed between two PDFs of the report: `make_pdf.py diff OLD.pdf NEW.pdf`.

Both PDFs are rendered page by page (pypdfium2) and compared pixel by pixel (Pillow):
- pages that look different, with an image per page (old and new side by side, the
  differing areas boxed in red) written to --out (default out/diff/);
- pages added or removed (when the page count differs, pages are paired by their text, so
  an inserted page does not make every later page count as "changed");
- headings (story titles, subheadings) that reflow pushed onto another page, read from
  the PDF's bookmarks (or, in a PDF without any, from lines set larger than the body text).

Exit code 0: the PDFs look identical (pixel-identical renders); 1: they differ;
2: an input could not be read (or the output folder not written).
"""
import argparse
import difflib
import re
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from . import PROJECT
from .errors import UnreadablePDF
from .pixels import DPI, Rendering, read
from .problems import page_ranges

DEFAULT_OUT = PROJECT / "out" / "diff"
RED = (220, 0, 0)
CELL = 8  # px: changed pixels are grouped into boxes on a grid of this size
# What counts as a change (see changed_boxes): a region of differing pixels where one
# differs by more than STRONG (of 255, in any channel), or where at least MIN_AREA differ.
STRONG, MIN_AREA = 100, 300


@dataclass
class PageChange:
    old: int | None  # page number in the old PDF (None: the page was added)
    new: int | None  # page number in the new PDF (None: the page was removed)
    boxes: list = field(default_factory=list)  # (left, top, right, bottom) px at `dpi`
    image: Path | None = None

    @property
    def kind(self):
        return "added" if self.old is None else "removed" if self.new is None else "changed"


@dataclass(frozen=True)
class Move:
    """A heading that stands on another page than before."""

    title: str
    level: int
    old_page: int
    new_page: int

    def __str__(self):
        return f"“{self.title}”: page {self.old_page} → {self.new_page}"


@dataclass
class DiffResult:
    old_pdf: Path
    new_pdf: Path
    old_page_count: int
    new_page_count: int
    changes: list = field(default_factory=list)  # PageChange, in new-page order
    moves: list = field(default_factory=list)  # Move
    dpi: int = DPI
    exact: bool = False

    @property
    def identical(self):
        return not self.changes

    @property
    def changed(self):
        """New page numbers of pages that are there in both but look different."""
        return [c.new for c in self.changes if c.kind == "changed"]

    @property
    def added(self):
        return [c.new for c in self.changes if c.kind == "added"]

    @property
    def removed(self):
        """Old page numbers of pages that are gone."""
        return [c.old for c in self.changes if c.kind == "removed"]

    @property
    def images(self):
        return [c.image for c in self.changes if c.image]

    def summary(self):
        lines = [f"old: {self.old_pdf} ({self.old_page_count} pages)",
                 f"new: {self.new_pdf} ({self.new_page_count} pages)"]
        if self.identical:
            lines.append("no differences: every page renders pixel-identical" if self.exact
                         else "no differences: every page looks the same")
            return "\n".join(lines)
        shifted = [c for c in self.changes if c.kind == "changed" and c.old != c.new]
        lines.append(f"changed pages: {page_ranges(self.changed) or 'none'}")
        if shifted:
            lines.append("  (now on another page: "
                         + ", ".join(f"{c.old} → {c.new}" for c in shifted) + ")")
        lines.append(f"added pages: {page_ranges(self.added) or 'none'}")
        lines.append(f"removed pages (old numbers): {page_ranges(self.removed) or 'none'}")
        if self.moves:
            lines.append("moved to another page:")
            lines += [f"  {move}" for move in self.moves]
        return "\n".join(lines)


# --- reading -------------------------------------------------------------------------

def compare(old_pdf, new_pdf, out_dir=None, dpi=DPI, exact=False):
    """Compare two PDFs (paths or Renderings). With out_dir, write an image per changed,
    added or removed page there (earlier diff images in it are removed first).
    exact: every differing pixel counts, even faint anti-aliasing (see changed_boxes)."""
    old = old_pdf if isinstance(old_pdf, Rendering) else read(old_pdf, dpi)
    new = new_pdf if isinstance(new_pdf, Rendering) else read(new_pdf, dpi)
    result = DiffResult(old.path, new.path, len(old.pages), len(new.pages), dpi=dpi,
                        exact=exact)
    for old_page, new_page in _pair(old.pages, new.pages):
        if old_page is None or new_page is None:
            result.changes.append(PageChange(old_page and old_page.number,
                                             new_page and new_page.number))
            continue
        if old_page.digest == new_page.digest:  # pixel for pixel the same
            continue
        boxes = changed_boxes(old_page.image, new_page.image, exact)
        if boxes:
            result.changes.append(PageChange(old_page.number, new_page.number, boxes))
    result.moves = _moves(old.headings, new.headings)
    if out_dir is not None:
        _write_images(result, old, new, Path(out_dir))
    return result


def _text_key(page):
    """What identifies a page across PDFs whose pages shifted: its words, without the
    numbers (folios and page references change when pages shift)."""
    words = re.findall(r"[^\W\d_]+", page.text.lower())
    return " ".join(words) if words else page.digest


def _pair(old_pages, new_pages):
    """[(old Page | None, new Page | None)]: same count → page for page; otherwise pages
    are aligned by their text and the surplus counts as added or removed."""
    if len(old_pages) == len(new_pages):
        return list(zip(old_pages, new_pages, strict=True))
    matcher = difflib.SequenceMatcher(None, [_text_key(p) for p in old_pages],
                                      [_text_key(p) for p in new_pages], autojunk=False)
    pairs = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old_pages[i1:i2], new_pages[j1:j2]
        common = min(len(olds), len(news))
        pairs += zip(olds[:common], news[:common], strict=True)
        pairs += [(page, None) for page in olds[common:]]
        pairs += [(None, page) for page in news[common:]]
    return pairs


def changed_boxes(old, new, exact=False):
    """Boxes (left, top, right, bottom) around the regions where two renders differ;
    [] when they look identical.

    Unless `exact`, a small region of faint differences is not a change: when a font's
    subset in the PDF gains or loses a glyph (text added anywhere in the report), the
    rasteriser hints that font's other glyphs a shade differently, and some edge pixels of
    unchanged text elsewhere change their grey a little. A region counts when one of its
    pixels changes by more than STRONG (text or a picture changed), or when it has at least
    MIN_AREA differing pixels (a colour changed by a few percent).
    """
    if old.size != new.size:
        width, height = max(old.width, new.width), max(old.height, new.height)
        return [(0, 0, width, height)]
    red, green, blue = ImageChops.difference(old, new).split()
    difference = ImageChops.lighter(ImageChops.lighter(red, green), blue)  # largest channel
    if difference.getbbox() is None:
        return []
    mask = difference.point(lambda v: 255 if v else 0)
    boxes = _regions(mask, old.size)
    if exact:
        return boxes
    strong = difference.point(lambda v: 255 if v > STRONG else 0)
    return [box for box in boxes if strong.crop(box).getbbox() is not None
            or mask.crop(box).histogram()[255] >= MIN_AREA]


def _regions(mask, size):
    """Bounding boxes of the groups of changed pixels in a 0/255 mask."""
    # one cell per CELL×CELL pixels, grown by a cell so that nearby changes join up
    grid = mask.reduce(CELL).point(lambda v: 255 if v else 0).filter(ImageFilter.MaxFilter(3))
    width, height = grid.size
    cells = grid.tobytes()
    seen = bytearray(len(cells))
    boxes = []
    for start in range(len(cells)):
        if not cells[start] or seen[start]:
            continue
        seen[start] = 1
        queue = deque([start])
        left, top, right, bottom = width, height, 0, 0
        while queue:
            index = queue.popleft()
            y, x = divmod(index, width)
            left, top, right, bottom = min(left, x), min(top, y), max(right, x), max(bottom, y)
            for nx, ny in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)):
                if 0 <= nx < width and 0 <= ny < height:
                    neighbour = ny * width + nx
                    if cells[neighbour] and not seen[neighbour]:
                        seen[neighbour] = 1
                        queue.append(neighbour)
        boxes.append((left * CELL, top * CELL, min((right + 1) * CELL, size[0]),
                      min((bottom + 1) * CELL, size[1])))
    return boxes


def _moves(old_headings, new_headings):
    """Headings found in both PDFs (by level and title, the n-th time for repeated titles)
    that stand on another page now."""
    def keyed(headings):
        seen, result = Counter(), {}
        for heading in headings:
            key = (heading.level, heading.title.casefold())
            result[(*key, seen[key])] = heading
            seen[key] += 1
        return result

    old = keyed(old_headings)
    moves = []
    for key, heading in keyed(new_headings).items():
        before = old.get(key)
        if before and before.page != heading.page:
            moves.append(Move(heading.title, heading.level, before.page, heading.page))
    return moves


# --- images --------------------------------------------------------------------------

IMAGE_NAME = re.compile(r"^(page|old-page)-\d+(-added|-removed)?\.png$")


def _write_images(result, old, new, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.iterdir():
        if IMAGE_NAME.match(stale.name):
            stale.unlink()
    for change in result.changes:
        old_image = old.pages[change.old - 1].image if change.old else None
        new_image = new.pages[change.new - 1].image if change.new else None
        if change.kind == "changed":
            name = f"page-{change.new:03d}.png"
        elif change.kind == "added":
            name = f"page-{change.new:03d}-added.png"
        else:
            name = f"old-page-{change.old:03d}-removed.png"
        change.image = out_dir / name
        side_by_side(old_image, new_image, change, result).save(change.image, optimize=False)


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def side_by_side(old_image, new_image, change, result):
    """Old page (left) and new page (right), differing regions boxed in red."""
    sample = new_image or old_image
    width, height = sample.size
    gap, header = 24, 44
    canvas = Image.new("RGB", (2 * width + 3 * gap, height + header + gap), (235, 235, 235))
    draw = ImageDraw.Draw(canvas)
    font = _font(22)
    labels = (
        f"old: page {change.old}" if change.old else "old: (no such page)",
        f"new: page {change.new}" if change.new else "new: (page removed)",
    )
    for column, (image, label) in enumerate(((old_image, labels[0]), (new_image, labels[1]))):
        x = gap + column * (width + gap)
        draw.text((x, 12), label, fill=(0, 0, 0), font=font)
        if image is None:
            draw.rectangle((x, header, x + width - 1, header + height - 1),
                           fill=(210, 210, 210), outline=(160, 160, 160))
            continue
        canvas.paste(image, (x, header))
        if change.kind != "changed":
            draw.rectangle((x, header, x + image.width - 1, header + image.height - 1),
                           outline=RED, width=6)
        for left, top, right, bottom in change.boxes:
            draw.rectangle((x + left - 2, header + top - 2, x + right + 1, header + bottom + 1),
                           outline=RED, width=3)
    return canvas


# --- command line --------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(
        prog="make_pdf.py diff",
        description="Show what changed between two PDFs of the report: pages that look "
                    "different (with an image of each), pages added or removed, and "
                    "headings that moved to another page. Exit code 0: identical, "
                    "1: different, 2: an input could not be read.")
    p.add_argument("old", type=Path, metavar="OLD.pdf")
    p.add_argument("new", type=Path, metavar="NEW.pdf")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="where to write an image per changed page (default: out/diff/)")
    p.add_argument("--dpi", type=int, default=DPI,
                   help=f"resolution of the renders compared (default: {DPI})")
    p.add_argument("--exact", action="store_true",
                   help="count every differing pixel, even the faint anti-aliasing shifts "
                        "that a changed font subset causes in unchanged text")
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error (argparse said what)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        result = compare(args.old, args.new, args.out, args.dpi, args.exact)
    except UnreadablePDF as error:
        print(f"diff: cannot read {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"diff: cannot write the images to {args.out}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    print(result.summary())
    if result.images:
        print(f"images of the {len(result.images)} differing page(s): {args.out}/")
    return 0 if result.identical else 1


if __name__ == "__main__":
    sys.exit(main())
