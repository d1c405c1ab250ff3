"""The report as plain data: what content/ builds and compose.py reads."""
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Colour:
    """A CMYK colour in percent, the print definition of every colour in the report."""

    name: str
    c: float
    m: float
    y: float
    k: float
    spot: str | None = None  # printed as this ink (a Pantone, say); c, m, y, k: its alternate

    @property
    def fractions(self):
        return tuple(v / 100 for v in (self.c, self.m, self.y, self.k))


@dataclass(frozen=True)
class Photo:
    id: str
    path: Path
    credit: str
    licence: str
    source: Path | None = field(default=None, compare=False)  # where it is listed (photos.yaml)
    line: int | None = field(default=None, compare=False)  # (and its `file:` line there)


@dataclass(frozen=True)
class Figure:
    photo: Photo
    caption: str
    alt: str
    size: str = ""  # "large": a photo-led story opening (the layout decides how large)
    focus: tuple = (50.0, 50.0)  # the subject, in percent of the photo's width and height:
    # where a crop keeps it (and, across a spread, off the gutter)


@dataclass(frozen=True)
class QRCode:
    url: str
    text: str = ""
    unconfirmed: str = ""  # why the address is not yet confirmed; "" once it is


@dataclass(frozen=True)
class Acceptance:
    """The content accepts a finding of the layout audit here (audit.RULES names them)."""
    rule: str
    reason: str
    page: int | None = None  # only on this page (None: wherever it stands)


@dataclass
class Story:
    id: str
    title: str
    body: str  # Markdown
    source: Path
    body_line: int  # line of the body's first line in the file, for messages
    online: bool = False
    interview: bool = False
    figure: Figure | None = None
    qr: QRCode | None = None
    accept: tuple = ()  # of Acceptance
    opening: str = ""  # how it opens (content/stories.OPENINGS); "": the standard heading
    standfirst: str = ""  # Markdown: the lines under the title of a photo opening
    quote: "OpeningQuote | None" = None  # the large quote of a text-only opening


@dataclass(frozen=True)
class Part:
    value: int
    label: str


@dataclass(frozen=True)
class KeyFigure:
    value: int
    label: str
    note: str | None = None  # key into Book.notes
    parts: tuple[Part, ...] = ()
    previous: int | None = None  # last year's value: the layout shows the difference


@dataclass(frozen=True)
class KeyFigurePanel:
    figures: tuple[KeyFigure, ...]


@dataclass(frozen=True)
class Opener:
    quote: str
    pointer: str
    refer: str  # "facing" | "page" | "online"
    story: str | None
    by_name: str = ""  # who said the quote
    by_role: str = ""
    photo: Figure | None = None  # a full-bleed photo on the left page, the quote on a panel


@dataclass
class Chapter:
    id: str
    kind: str
    title: str
    running_head: str
    source: Path
    colour: Colour | None = None
    closing: Figure | None = None  # full-page photo where the layout would leave a blank
    pages: int | None = None  # the flatplan: pages it is planned to take in print
    pages_line: int | None = None  # (of `pages:` in its source, for messages)
    accept: tuple = ()  # of Acceptance


@dataclass
class DomainChapter(Chapter):
    opener: Opener | None = None
    intro: str = ""
    sections: list = field(default_factory=list)  # Story | KeyFigurePanel


@dataclass
class StoriesChapter(Chapter):
    sections: list = field(default_factory=list)


@dataclass
class LetterChapter(Chapter):
    story: Story | None = None
    signature_name: str = ""
    signature_role: str = ""


@dataclass
class OnlineChapter(Chapter):
    text: str = ""
    url: str = ""
    contents: "Contents | None" = None  # the report's contents, on the same page


@dataclass(frozen=True)
class FinanceLine:
    """A line every entity states (omzet, sales, salaries …): its label and colour."""

    id: str  # its key in each entity's figures
    label: str
    colour: Colour
    marked: bool = False  # the chapter's footnote says more about it (marked *)


@dataclass(frozen=True)
class FinanceGroup:
    """Lines that add up to a total together (income, expenses, or the one group)."""

    id: str  # its key in each entity
    label: str  # "" when the report has one group and names none
    lines: tuple[FinanceLine, ...]


@dataclass(frozen=True)
class Figures:
    """One entity's amounts in one group, in the group's order of lines, with the total
    the content states (None: none stated, the sum is printed)."""

    group: FinanceGroup
    amounts: tuple[int, ...]
    stated_total: int | None = None
    lines: tuple = field(default=(), compare=False)  # source line of each amount
    total_line: int | None = field(default=None, compare=False)  # (of `total:`)

    @property
    def computed_total(self):
        return sum(self.amounts)

    @property
    def total(self):
        """The total printed: the stated one, where the content states one."""
        return self.computed_total if self.stated_total is None else self.stated_total

    @property
    def shares(self):
        """Whole percent of each line in the sum, adding up to 100."""
        return rounded_shares(self.amounts)

    @property
    def fractions(self):
        """Each line's exact part of the sum (0–1): what a chart's geometry is drawn from."""
        total = self.computed_total
        return [a / total if total else 0.0 for a in self.amounts]

    def items(self):
        """(line, amount, share, exact part) of each line, in order."""
        return list(zip(self.group.lines, self.amounts, self.shares, self.fractions,
                        strict=True))


@dataclass(frozen=True)
class Entity:
    """An entity of the organisation (or the whole) with its figures per group."""

    name: str
    figures: tuple[Figures, ...]
    line: int | None = field(default=None, compare=False)  # where it starts in its file
    computed: bool = False  # the whole, summed by the build (the content states none)


@dataclass
class FinancesChapter(Chapter):
    groups: tuple = ()  # of FinanceGroup
    entities: list = field(default_factory=list)
    grand_total: Entity | None = None  # the whole as the content states it, else None
    chart: str = "donut"  # the chart of the whole: "donut" or "bar"
    footnote: str = ""

    @property
    def marked(self):
        """Whether a line is marked * for the footnote."""
        return any(line.marked for group in self.groups for line in group.lines)

    @property
    def whole(self):
        """The whole: the stated grand total, or the one entity, or the entities summed."""
        if self.grand_total:
            return self.grand_total
        if len(self.entities) == 1:
            return self.entities[0]
        figures = tuple(
            Figures(group, tuple(sum(e.figures[g].amounts[i] for e in self.entities)
                                 for i in range(len(group.lines))))
            for g, group in enumerate(self.groups))
        return Entity("", figures, computed=True)


@dataclass(frozen=True)
class Place:
    name: str
    lat: float | None = None  # degrees north (WGS84); None: listed, not on the map
    lon: float | None = None  # degrees east


@dataclass(frozen=True)
class Province:
    name: str
    places: tuple[Place, ...]
    colour: Colour | None = None  # its dots' colour (None: the palette's, in turn)


@dataclass
class LocationsChapter(Chapter):
    provinces: list = field(default_factory=list)

    def map_groups(self):
        """Per province, its places with coordinates as (name, lon, lat): what maps.py
        draws."""
        return tuple(tuple((p.name, p.lon, p.lat) for p in province.places
                           if p.lat is not None) for province in self.provinces)


@dataclass(frozen=True)
class Member:
    name: str
    role: str = ""


@dataclass(frozen=True)
class BoardGroup:
    name: str
    members: tuple[Member, ...]


@dataclass
class BoardChapter(Chapter):
    groups: list = field(default_factory=list)
    figure: Figure | None = None  # a photo sharing the board's page


@dataclass
class ColophonChapter(Chapter):
    printer: str = ""
    publisher: str = ""  # the responsible publisher (name, address), as the law asks
    copyright: str = ""
    scope: str = ""
    mission: str = ""
    sdgs: str = ""


@dataclass(frozen=True)
class Logo:
    """The organisation's mark, checked (content/logo.py): SVG shapes painted in INK, the
    one colour the layout gives it."""

    INK = "__logo_ink__"
    svg: str
    source: Path


@dataclass
class CoverChapter(Chapter):
    photo: Photo | None = None
    logo: Logo | None = None  # None: the organisation's name, set as a wordmark


@dataclass
class BackCoverChapter(Chapter):
    partners: str = ""
    address_name: str = ""
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    follow: str = ""
    website: str = ""
    social: tuple[str, ...] = ()
    logo: Logo | None = None


@dataclass
class Book:
    """The whole report."""

    title: str
    organisation: str
    year: int
    language: str
    output_names: dict  # edition ("print", "digital") -> file name without .pdf
    published: str  # ISO date: the PDF's creation date, so rebuilds are byte-identical
    trim_width_mm: float
    trim_height_mm: float
    bleed_mm: float
    binding: str
    urls: dict
    colours: dict  # name -> Colour
    notes: dict  # key -> footnote text
    chapters: list
    content_dir: Path
    overprint_below_pt: float = 12.0  # black text under this size overprints in print
    process_only: bool = False  # spot colours print as their CMYK alternates
    strings: dict = field(default_factory=dict)  # the layout's words (words.py)
    locale: str = "nl"  # Babel's name for `language` (nl, fr_BE …): how numbers are written
    currency: str = "EUR"  # amounts' currency (ISO 4217)
    languages: tuple = ()  # the report's languages, the main one first; `language`: this
    # edition's

    def spots(self):
        """[(ink name, CMYK alternate as fractions)] of the spot colours that print as such."""
        if self.process_only:
            return []
        return [(c.spot, c.fractions) for c in self.colours.values() if c.spot]

    def photos(self):
        """Every photo the report places, in page order, once: for the credits. (A closing
        photo is counted even where the layout needs no page for it.)"""
        seen = []
        for chapter in self.chapters:
            seen += [p for p in chapter_photos(chapter) if p not in seen]
        return seen

    def stories(self):
        for chapter in self.chapters:
            if isinstance(chapter, LetterChapter) and chapter.story:
                yield chapter, chapter.story
            for section in getattr(chapter, "sections", []):
                if isinstance(section, Story):
                    yield chapter, section


def rounded_shares(values):
    """Whole percentages of each value in their sum, adding up to exactly 100
    (largest remainder), so a chart never shows 31% + 70%."""
    total = sum(values)
    if total <= 0:
        return [0 for _ in values]
    exact = [100 * v / total for v in values]
    shares = [int(e) for e in exact]
    by_remainder = sorted(range(len(values)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: 100 - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass(frozen=True)
class OpeningQuote:
    """The large quote a text-only story opening leads with, and who said it."""
    text: str  # Markdown, without quote marks (the layout sets the language's)
    by_name: str = ""
    by_role: str = ""


@dataclass(frozen=True)
class Contents:
    """A contents list: the chapters with their pages (computed), optionally the stories."""
    stories: bool = False


def chapter_photos(chapter):
    """The photos a chapter places, in its order: the cover's, the opener's, the stories'
    figures, the board's, the closing photo."""
    photos = [getattr(chapter, "photo", None), opener_photo(chapter)]
    photos += [s.figure.photo for s in getattr(chapter, "sections", [])
               if isinstance(s, Story) and s.figure]
    if isinstance(chapter, BoardChapter) and chapter.figure:
        photos.append(chapter.figure.photo)
    if chapter.closing:
        photos.append(chapter.closing.photo)
    return [p for p in photos if p]


def opener_photo(chapter):
    """The photo of a chapter's opener, or None."""
    opener = getattr(chapter, "opener", None)
    return opener.photo.photo if opener and opener.photo else None
