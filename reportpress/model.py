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
class Entity:
    """Turnover and subsidies of one entity, with the total the content states."""

    name: str
    omzet: int
    subsidies: int
    stated_total: int

    @property
    def computed_total(self):
        return self.omzet + self.subsidies

    @property
    def shares(self):
        """Percent of omzet and subsidies in the total, rounded so they add up to 100."""
        return rounded_shares([self.omzet, self.subsidies])


@dataclass
class FinancesChapter(Chapter):
    entities: list = field(default_factory=list)
    grand_total: Entity | None = None
    footnote: str = ""


@dataclass(frozen=True)
class Province:
    name: str
    places: tuple[str, ...]


@dataclass
class LocationsChapter(Chapter):
    provinces: list = field(default_factory=list)


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


@dataclass
class ColophonChapter(Chapter):
    printer: str = ""
    copyright: str = ""
    scope: str = ""
    mission: str = ""
    sdgs: str = ""


@dataclass
class CoverChapter(Chapter):
    photo: Photo | None = None


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
            figures = [getattr(chapter, "photo", None), opener_photo(chapter)]
            figures += [s.figure.photo for s in getattr(chapter, "sections", [])
                        if isinstance(s, Story) and s.figure]
            if chapter.closing:
                figures.append(chapter.closing.photo)
            seen += [p for p in figures if p and p not in seen]
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


def opener_photo(chapter):
    """The photo of a chapter's opener, or None."""
    opener = getattr(chapter, "opener", None)
    return opener.photo.photo if opener and opener.photo else None
