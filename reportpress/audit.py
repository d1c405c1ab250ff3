"""The layout audit: what a designer would not sign off, found on the laid-out pages.

It reads plain records of the pages (render.read_pages turns WeasyPrint's boxes into
them: lines, the text runs on them, pictures, each with the elements around it) and
checks them against the design rules: headings with too few lines under them before
their column or page ends, things that belong together torn apart, pages left emptier
than planned, hyphenation where it must not be, text too pale for what it is set on, and
anything set outside the page. Findings are data (page, rule, story or chapter, message);
`settle` gives them their file and line in the content, and sets apart those the content
accepts (`accept:` beside the cause, naming the rule, with a reason).
"""
import dataclasses
import functools
import re
from dataclasses import dataclass, field

from . import anchors

# --- what the audit reads -------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """An element a box belongs to (or sits in)."""
    tag: str
    classes: tuple = ()
    id: str = ""
    href: str = ""
    role: str = ""  # data-audit: name, label (words that must stay whole)
    key: int = 0  # the same element on every page it reaches


@dataclass
class Run:
    """A piece of text in one style, on one line."""
    text: str
    x: float
    y: float
    w: float
    h: float
    colour: tuple  # (colour space, coordinates 0–1)
    size: float  # CSS px
    weight: int
    background: object  # (space, coordinates) behind it, "image", or None: the paper
    nodes: tuple = ()


@dataclass
class Line:
    x: float
    y: float
    w: float
    h: float
    runs: list
    nodes: tuple = ()
    column: int | None = None  # which column box (a multi-column element) it is set in

    @property
    def text(self):
        return "".join(run.text for run in self.runs)

    @property
    def bottom(self):
        return self.y + self.h


@dataclass
class Picture:
    x: float
    y: float
    w: float
    h: float
    nodes: tuple = ()
    column: int | None = None

    @property
    def bottom(self):
        return self.y + self.h


@dataclass
class Page:
    number: int
    width: float  # the trim, CSS px, the page's origin at its top-left corner
    height: float
    bleed: tuple  # left, right, top, bottom
    area: tuple  # the page area (inside the margins): x, y, width, height
    blank: bool = False
    name: str = ""  # the named page (@page NAME) it was laid out on
    items: list = field(default_factory=list)  # Line and Picture, in document order


# --- what the audit finds -------------------------------------------------------------

RULES = {
    "heading-foot": "a heading or story start with fewer than 4 lines under it before its "
                    "column or page ends",
    "kept-apart": "something that belongs with its story on another page",
    "page-empty": "a page inside a chapter with more than a quarter of its text area empty",
    "chapter-end": "a chapter's last page less than a third full",
    "hyphen-break": "a word hyphenated across a column or page break",
    "hyphen-short": "a hyphenation leaving fewer than 3 letters on a line",
    "hyphen-forbidden": "a hyphenated heading, name, label or web address",
    "name-broken": "a name or web address broken over two lines where it must not be",
    "contrast": "text paler against what it is set on than 4.5:1 (3:1 for large text)",
    "off-page": "something set outside the page's trim",
    "overlap": "text set over other text (a block placed at the foot of a page, say, that "
               "the text above has grown into)",
}
MIN_LINES = 4
MAX_EMPTY = 0.25
MIN_LAST_FULL = 1 / 3
MIN_LETTERS = 3
OVERLAP = 0.4  # of the lower text's height: less is two lines set tight, not one over another
ADDRESS = re.compile(r"://|www\.|\w\.\w+/|@\w")  # link text that is a web or mail address
HYPHEN = "\u2010"  # what the layout adds where it hyphenates (content uses "-" and "–")
PT = 96 / 72  # CSS px per point
TOLERANCE = 0.75  # CSS px: rounding in layout is not a fault


@dataclass(frozen=True)
class Finding:
    page: int
    rule: str
    message: str
    level: str = "warning"  # "error": off-page
    story: str | None = None
    chapter: str | None = None
    text: str = ""  # words of the cause, to find its line in the content
    file: str | None = None
    line: int | None = None
    accepted: str = ""  # the content's reason, when it accepts the finding

    def __str__(self):
        where = f"{self.file}:{self.line}: " if self.file and self.line else (
            f"{self.file}: " if self.file else "")
        story = f", story `{self.story}`" if self.story else ""
        because = f" (accepted: {self.accepted})" if self.accepted else ""
        return f"{where}page {self.page}{story}: {self.message} [{self.rule}]{because}"

    def data(self):
        """The finding as plain data (make_pdf.py --json, the proof page)."""
        return {"level": self.level, "rule": self.rule, "page": self.page,
                "file": self.file, "line": self.line, "story": self.story,
                "message": self.message, "accepted": self.accepted or None}


def find(pages):
    """Every finding on the pages (audit.Page records), in page order."""
    found = []
    for check in (_headings_at_foot, _kept_apart, _empty_pages, _hyphenation, _contrast,
                  _off_page, _overlaps):
        found += check(pages)
    return sorted(dict.fromkeys(found), key=lambda f: (f.page, f.rule))


# --- the rules ---------------------------------------------------------------------------

def _flow(pages):
    """(page, item) for every line and picture, in document order."""
    return [(page, item) for page in pages for item in page.items]


def _node(item, test):
    return next((node for node in reversed(item.nodes) if test(node)), None)


def _story(item):
    node = _node(item, lambda n: n.id.startswith(anchors.STORY))
    return anchors.named(node.id, anchors.STORY) if node else None


def _chapter(item):
    node = _node(item, lambda n: n.id.startswith(anchors.CHAPTER))
    return anchors.named(node.id, anchors.CHAPTER) if node else None


def _heading(item):
    return _node(item, lambda n: re.fullmatch(r"h[1-6]", n.tag))


def _finding(page, rule, message, item=None, level="warning", text=""):
    return Finding(page.number, rule, message, level, _story(item) if item else None,
                   _chapter(item) if item else None, text)


def _excerpt(text, length=40):
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length] + "…"


def _headings_at_foot(pages):
    flow = _flow(pages)
    found, seen = [], set()
    for index, (page, item) in enumerate(flow):
        heading = _heading(item) if isinstance(item, Line) else None
        if heading is None or heading.key in seen:
            continue
        seen.add(heading.key)
        under, continues = _lines_under(flow, index, heading, page, item)
        if continues and under < MIN_LINES:
            title = _heading_text(flow, index, heading)
            found.append(_finding(page, "heading-foot", f"“{_excerpt(title)}” has {under} "
                                  f"line{'s' * (under != 1)} under it before its column or "
                                  "page ends (at least 4)", item, text=title))
    return found


def _heading_text(flow, index, heading):
    return " ".join(item.text for _, item in flow[index:]
                    if isinstance(item, Line) and _heading(item) == heading)


def _lines_under(flow, index, heading, page, line):
    """(lines of text under the heading in its column on its page, whether its section
    goes on past them): a photo and its caption are not its text. The section runs to the
    next heading or its story's end. A heading across the columns (a story's title) is at
    the foot when its section goes on on a later page; one in a column, when it goes on in
    another column."""
    story = _story(line)
    column = line.column
    under, continues = 0, False
    for other_page, item in flow[index + 1:]:
        other = _heading(item)
        if other == heading:
            continue
        if other is not None or _story(item) != story:
            break
        if other_page is page and column is None and item.column is not None:
            column = item.column
        if other_page is page and item.column in (None, column):
            under += isinstance(item, Line) and not _node(item, lambda n: n.tag == "figure")
        elif other_page is not page or line.column is not None:
            continues = True
    return under, continues


# things that belong together: (what, the element's test)
KEPT = (("the online marker", lambda n: "online-marker" in n.classes),
        ("a testimonial and its name", lambda n: "testimonial" in n.classes),
        ("a figure and its caption", lambda n: n.tag == "figure"))


def _kept_apart(pages):
    flow = _flow(pages)
    found = []
    for what, test in KEPT:
        groups = {}
        for index, (_page, item) in enumerate(flow):
            node = _node(item, test)
            if node:
                groups.setdefault(node.key, []).append(index)
        for indices in groups.values():
            found += _torn(flow, indices, what)
    return found


def _torn(flow, indices, what):
    """A finding if the group spans pages, or starts on another page than the text of its
    story before it."""
    page, item = flow[indices[0]]
    numbers = sorted({flow[i][0].number for i in indices})
    if len(numbers) > 1:
        return [_finding(page, "kept-apart", f"{what} is split over pages "
                         f"{numbers[0]}–{numbers[-1]}", item)]
    before = next((flow[i] for i in range(indices[0] - 1, -1, -1)
                   if _story(flow[i][1]) == _story(item)), None) if _story(item) else None
    if before and before[0].number != page.number:
        return [_finding(page, "kept-apart", f"{what} stands on page {page.number}, apart "
                         f"from the end of its story on page {before[0].number}", item)]
    return []


def _empty_pages(pages):
    """Pages inside a chapter more than a quarter empty; a chapter's last page less than a
    third full. Designed pages (blank pages with a closing photo, openers, covers) are
    what they are meant to be."""
    chapters = {}
    for page in pages:
        chapter = next((_chapter(item) for item in page.items if _chapter(item)), None)
        if chapter and not page.blank and not page.name.startswith(("opener", "cover")):
            chapters.setdefault(chapter, []).append(page)
    found = []
    for chapter_pages in chapters.values():
        for page in chapter_pages[:-1]:
            filled = _filled(page)
            if 1 - filled > MAX_EMPTY:
                found.append(_page_finding(page, "page-empty", f"the text area is "
                                           f"{1 - filled:.0%} empty (at most 25%)"))
        last = chapter_pages[-1]
        if (depth := _depth(last)) < MIN_LAST_FULL:
            found.append(_page_finding(last, "chapter-end", f"the chapter's last page is "
                                       f"{depth:.0%} full (at least a third)"))
    return found


def _page_finding(page, rule, message):
    first = next(item for item in page.items if _chapter(item))
    return Finding(page.number, rule, message, chapter=_chapter(first))


STRIPS = 24


def _strip_depths(page):
    """How far down the page area each of its vertical strips is set (0–1)."""
    x, y, width, height = page.area
    depths = []
    for strip in range(STRIPS):
        left, right = x + width * strip / STRIPS, x + width * (strip + 1) / STRIPS
        bottoms = [item.bottom for item in page.items
                   if item.x < right and item.x + item.w > left and item.w > 0]
        depths.append(min(1.0, max(0.0, (max(bottoms, default=y) - y) / height)))
    return depths


def _filled(page):
    depths = _strip_depths(page)
    return sum(depths) / len(depths)


def _depth(page):
    return max(_strip_depths(page))


def _hyphenation(pages):
    flow = [(page, item) for page, item in _flow(pages) if isinstance(item, Line)]
    found = []
    for index, (page, line) in enumerate(flow):
        after = _next_in_block(flow, index)
        found += _broken_word(page, line, after)
        if line.text.rstrip().endswith(HYPHEN):
            found += _hyphenated(page, line, after)
    return found


def _block(line):
    """The innermost element that holds the line (its paragraph)."""
    return line.nodes[-1].key if line.nodes else None


def _next_in_block(flow, index):
    """(page, line) of the next line of the same paragraph, or None."""
    if index + 1 < len(flow) and _block(flow[index + 1][1]) == _block(flow[index][1]):
        return flow[index + 1]
    return None


def _hyphenated(page, line, after):
    word = re.findall(r"\w+", line.text.rstrip()[:-1])
    head = word[-1] if word else ""
    tail = re.match(r"\w*", after[1].text.lstrip()).group() if after else ""
    kind = _unbroken_kind(line.runs[-1]) if line.runs else None
    found = []
    text = f"{head}-{tail}"
    if after and (after[0] is not page or after[1].column != line.column):
        found.append(_finding(page, "hyphen-break", f"“{text}” is hyphenated across a "
                              f"{'page' if after[0] is not page else 'column'} break", line,
                              text=head))
    if after and min(len(head), len(tail)) < MIN_LETTERS:
        found.append(_finding(page, "hyphen-short", f"“{text}” leaves fewer than 3 letters "
                              "on a line", line, text=head))
    if kind:
        found.append(_finding(page, "hyphen-forbidden", f"{kind} “{text}” is hyphenated",
                              line, text=head))
    return found


def _unbroken_kind(run):
    """What a run of text is that must not be hyphenated: a heading, a name, a label, a
    web address; or None."""
    for node in reversed(run.nodes):
        if re.fullmatch(r"h[1-6]", node.tag):
            return "the heading"
        if node.role in ("name", "label"):
            return f"the {node.role}"
        if node.href.startswith(("http", "mailto")) and _is_address(run.text, node):
            return "the web address"
    return None


def _is_address(text, link):
    """Is the linked text the address itself (not a sentence linked to it)?"""
    words = re.findall(r"\w+", text)
    return bool(ADDRESS.search(text) or words and words[0].lower() in link.href.lower())


def _broken_word(page, line, after):
    """A name, or a web address within its host, broken over two lines."""
    if not after or not line.runs or not after[1].runs:
        return []
    last, first = line.runs[-1], after[1].runs[0]
    shared = [node for node in last.nodes if node in first.nodes and (
        node.role == "name" or node.href.startswith("http") and _is_address(last.text, node))]
    if not shared:
        return []
    node = shared[-1]
    before = "".join(run.text for run in line.runs if node in run.nodes)
    if node.href and _breaks_at_path(before):
        return []
    what = "the name" if node.role == "name" else "the web address"
    return [_finding(page, "name-broken", f"{what} “{_excerpt(before.strip())}…” is broken "
                     "over two lines", line, text=before.strip())]


def _breaks_at_path(before):
    """A web address may break after a slash of its path, not in its scheme or host."""
    address = before.strip()
    rest = address.split("://", 1)[-1]
    return "/" in rest and address.endswith("/") and len(rest) > 1


def _contrast(pages):
    """One finding per page for each pair of colours (and size class) too close."""
    found, seen = [], set()
    for page in pages:
        for item in page.items:
            for run in getattr(item, "runs", []):
                finding = _run_contrast(page, item, run)
                key = (page.number, run.colour, run.background, _large(run))
                if finding and key not in seen:
                    seen.add(key)
                    found.append(finding)
    return found


def _large(run):
    return run.size >= 18 * PT or (run.size >= 14 * PT and run.weight >= 700)


def _run_contrast(page, line, run):
    """A finding if the run is too pale for what it is set on. Text on a photo is left to
    the eye: what it stands on varies across the photo."""
    if not run.text.strip() or run.background == "image" or _on_picture(page, run):
        return None
    text, ground = to_rgb(run.colour), to_rgb(run.background) if run.background else (
        255, 255, 255)
    ratio = contrast(text, ground)
    needed = 3.0 if _large(run) else 4.5
    if ratio + 0.005 >= needed:
        return None
    return _finding(page, "contrast", f"text “{_excerpt(run.text, 30)}” ({run.size / PT:.1f} "
                    f"pt) has {ratio:.1f}:1 contrast with what it is set on (at least "
                    f"{needed:g}:1)", line, text=run.text.strip())


def _on_picture(page, run):
    return any(isinstance(item, Picture) and item.x < run.x + run.w and run.x < item.x + item.w
               and item.y < run.y + run.h and run.y < item.y + item.h for item in page.items)


def to_rgb(colour):
    """sRGB 0–255 of a (space, coordinates) colour; CMYK as the press prints it."""
    space, values = colour
    if space == "device-cmyk":
        return _press(tuple(round(v * 100, 2) for v in values))
    return tuple(round(v * 255) for v in values[:3])


@functools.lru_cache(maxsize=256)
def _press(cmyk):
    from .images import press_to_rgb  # (through the output profile, as the digital edition)

    return tuple(press_to_rgb(*cmyk))


def contrast(first, second):
    """WCAG contrast ratio of two sRGB colours (0–255)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(rgb):
    def linear(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _off_page(pages):
    """Text outside the trim; a picture past the bleed (into the bleed it may go). One
    finding for each element set off its page."""
    found, seen = [], set()
    for page in pages:
        for item in page.items:
            boxes = item.runs if isinstance(item, Line) else [item]
            limits = (0, 0, 0, 0) if isinstance(item, Line) else page.bleed
            outside = [box for box in boxes if box.w > 0 and _outside(page, box, limits)]
            key = (page.number, item.nodes[-1].key if item.nodes else None)
            if outside and key not in seen:
                seen.add(key)
                box = outside[0]
                what = (f"text “{_excerpt(box.text, 30)}”" if isinstance(box, Run)
                        else "a picture")
                found.append(_finding(page, "off-page", f"{what} is set outside the page",
                                      item, level="error", text=getattr(box, "text", "")))
    return found


def _overlaps(pages):
    """Text of one line set over text of another: one finding for each line set over (the
    later of the two: it is painted on top). Words only: a large quotation mark set behind
    a quote is an ornament."""
    found = []
    for page in pages:
        runs = sorted(((run, order) for order, line in enumerate(page.items)
                       if isinstance(line, Line) for run in line.runs
                       if run.w > 0 and any(map(str.isalnum, run.text))),
                      key=lambda pair: pair[0].y)
        over = {}  # the index of a line set over another -> (that line, the other)
        for index, (run, order) in enumerate(runs):
            for other, other_order in runs[index + 1:]:
                if other.y >= run.y + run.h:
                    break  # (sorted by top: none further down reaches this one)
                if other_order != order and _covered(run, other):
                    upper, lower = sorted((order, other_order), reverse=True)
                    over.setdefault(upper, (page.items[upper], page.items[lower]))
        for top, under in over.values():
            found.append(_finding(page, "overlap", f"“{_excerpt(top.text, 30)}” is set "
                                  f"over “{_excerpt(under.text, 30)}”", top, level="error",
                                  text=top.text))
    return found


def _covered(run, other):
    """Whether two runs share more than a sliver of the page."""
    wide = min(run.x + run.w, other.x + other.w) - max(run.x, other.x)
    high = min(run.y + run.h, other.y + other.h) - max(run.y, other.y)
    return wide > TOLERANCE and high > OVERLAP * min(run.h, other.h)


def _outside(page, box, limits):
    left, right, top, bottom = limits
    return (box.x < -left - TOLERANCE or box.y < -top - TOLERANCE
            or box.x + box.w > page.width + right + TOLERANCE
            or box.y + box.h > page.height + bottom + TOLERANCE)


# --- findings in the content ----------------------------------------------------------------

def settle(findings, book):
    """(open findings, accepted findings), each with its file and line in the content.
    A finding is accepted by an `accept:` entry naming its rule in its story's header or
    its chapter's chapter.yaml."""
    stories = {story.id: story for _, story in book.stories()}
    chapters = {chapter.id: chapter for chapter in book.chapters}
    open_, accepted = [], []
    for finding in findings:
        finding = _locate(finding, book, stories, chapters)
        reason = _acceptance(finding, stories, chapters)
        if reason:
            accepted.append(dataclasses.replace(finding, accepted=reason))
        else:
            open_.append(finding)
    return open_, accepted


def _locate(finding, book, stories, chapters):
    story, chapter = stories.get(finding.story), chapters.get(finding.chapter)
    source = story.source if story else chapter.source if chapter else None
    if source is None:
        return finding
    line = _line_of(book.content_dir.parent / source, finding.text)
    if line is None:
        line = story.body_line if story else chapter.pages_line or 1
    return dataclasses.replace(finding, file=str(source), line=line)


def _line_of(path, text):
    """The first line of the file holding the start of `text` (a few words of it)."""
    words = re.findall(r"\w+", text or "")[:3]
    if not words:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(r"\W+".join(map(re.escape, words)), re.IGNORECASE)
    return next((number for number, line in enumerate(lines, start=1)
                 if pattern.search(line)), None)


def _acceptance(finding, stories, chapters):
    """The content's reason for accepting the finding, or ""."""
    for holder in (stories.get(finding.story), chapters.get(finding.chapter)):
        for entry in getattr(holder, "accept", ()) or ():
            if entry.rule == finding.rule and entry.page in (None, finding.page):
                return entry.reason
    return ""
