"""Read a content folder into the model, checking everything an editor can get wrong.

Every problem is collected with its file and line, so an editor sees all of them at once.
"""
import datetime
import difflib
import math
import re
import reprlib
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from . import audit, images, model, prose, words, yamlfile
from .problems import Problems

STORY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IMAGE_FORMATS = {"JPEG", "PNG"}


@dataclass(frozen=True)
class Kind:
    """One kind of chapter, in one place: the keys its chapter.yaml may have besides those
    of every chapter, the model it is read into, the _Loader method that reads those keys
    (into the model's fields) and the template that lays it out (in layout/)."""

    fields: tuple
    model: type
    read: str
    template: str


def _kind(name, fields, model_class):
    return Kind(tuple(fields), model_class, "chapter_" + name.replace("-", "_"),
                f"chapters/{name}.html")


# Adding a kind: an entry here, its reader below, its template and stylesheet in layout/
# (imported by report.css), and a section in content/README.md.
KINDS = {
    "cover": _kind("cover", ["photo"], model.CoverChapter),
    "online": _kind("online", ["text"], model.OnlineChapter),
    "letter": _kind("letter", ["story", "signature"], model.LetterChapter),
    "domain": _kind("domain", ["colour", "opener", "intro", "sections"], model.DomainChapter),
    "stories": _kind("stories", ["sections"], model.StoriesChapter),
    "finances": _kind("finances", ["entities", "grand_total", "footnote"],
                      model.FinancesChapter),
    "locations": _kind("locations", ["provinces"], model.LocationsChapter),
    "board": _kind("board", ["groups"], model.BoardChapter),
    "colophon": _kind("colophon", ["printer", "copyright", "scope", "mission", "sdgs"],
                      model.ColophonChapter),
    "back-cover": _kind("back-cover", ["partners", "address", "follow", "social"],
                        model.BackCoverChapter),
}
TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false",
              list: "a list", dict: "a mapping (key: value lines)", object: "a value"}

# Limits on what an editor can write, far above any real report's, so that a mistake (or a
# hostile file) is a content error naming its file instead of minutes of layout, swapping
# or a killed process. README.md in the content folder lists them for editors.
MAX_TEXT_BYTES = 200_000  # a story or YAML file (the longest story here: 4 kB)
MAX_PIXELS = 60_000_000  # a photo (the largest here: 16 megapixels)
# report.yaml's numbers: (smallest, largest) in mm, or the year
RANGES = {"width_mm": (50, 600), "height_mm": (50, 600), "bleed_mm": (0, 10),
          "year": (1900, 2999)}
# A story's figure: "" the standard panel, "large" a photo-led opening (figure.css sizes it)
FIGURE_SIZES = ("", "large")
_SHORT = reprlib.Repr()  # a value shown in a message: never the whole of a huge one
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlevel = (
    40, 40, 4, 4, 2)


def shown(value):
    return _SHORT.repr(value)


class Fields:
    """Typed, checked access to one YAML mapping; problems go to the Report."""

    def __init__(self, data, file, report, allowed, what):
        self.file, self.report, self.what = file, report, what
        self.ok = isinstance(data, dict)
        self.data = data if self.ok else {}
        self.line = getattr(data, "line", None)
        if not self.ok:
            report.error(f"{what} must be a mapping of `key: value` lines", file, self.line)
            return
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean `{close[0]}`?" if close else "known: " + ", ".join(allowed)
                report.error(f"unknown key `{key}` in {what}", file, self.key_line(key), hint=hint)

    def key_line(self, key):
        return getattr(self.data, "key_lines", {}).get(key, self.line)

    def get(self, key, kind, required=True, default=None):
        if key not in self.data or self.data[key] is None:
            if required and self.ok:
                self.report.error(f"{self.what} needs `{key}`", self.file, self.line)
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.report.error(
                f"`{key}` in {self.what} must be {TYPE_NAMES.get(kind, 'a number')}, "
                f"not {shown(value)}",
                self.file, self.key_line(key))
            return default
        if kind is str and not value.strip() and required:
            self.report.error(f"`{key}` in {self.what} is empty", self.file, self.key_line(key))
        return value.strip() if kind is str else value

    def markdown(self, key, required=True, block=False):
        """A text field the layout reads as Markdown, checked as a story's prose is (no
        HTML, no images, links only to the web or mail); `block`: paragraphs, not one line."""
        text = self.get(key, str, required, default="")
        first = getattr(self.data, "text_lines", {}).get(key, self.key_line(key))
        for message, offset in prose.check(text, inline=not block):
            self.report.error(message, self.file, first + offset)
        return text

    def number(self, key, default):
        """A number of report.yaml within its range (RANGES), or `default` (reported);
        a `default` of None: the build stops on the error, so none is made up."""
        fallback = None if default is None else float(default)
        value = self.get(key, (int, float), default=None) if self.ok else None
        if value is None:
            return fallback
        low, high = RANGES[key]
        if isinstance(value, bool) or not math.isfinite(value) or not low <= value <= high:
            self.report.error(f"`{key}` must be between {low} and {high}, not {shown(value)}",
                              self.file, self.key_line(key))
            return fallback
        return float(value)

    def sub(self, key, allowed, what, required=True):
        value = self.get(key, dict, required)
        return Fields(value, self.file, self.report, allowed, what) if value is not None else None


def load(content_dir):
    """Read content_dir into a model.Book. Returns (book, report); raises ContentError."""
    content_dir = Path(content_dir).resolve()
    report = Problems()
    if not (content_dir / "report.yaml").is_file():
        report.error(f"no report.yaml in {content_dir}", hint="is this a content folder?")
        report.raise_if_errors()
    loader = _Loader(content_dir, report)
    book = loader.book()
    report.raise_if_errors()
    _check_references(book, report)
    _check_figures(book, report)
    _check_photos_once(book, report)
    report.raise_if_errors()
    return book, report


class _Loader:
    def __init__(self, content_dir, report):
        self.dir, self.report = content_dir, report
        self.photos = {}
        self.unread = set()  # files that could not be read: what follows from them is not

    def read_yaml(self, path):
        text = self.read_text(path)
        return None if text is None else self.parse_yaml(text, self._rel(path))

    def parse_yaml(self, text, rel, first_line=1):
        """The YAML's data (None, reported, when it cannot be read), every key given twice
        at any depth reported at its line."""
        try:
            data = yamlfile.parse(text, first_line)
        except yamlfile.YAMLSyntaxError as error:
            self.report.error(str(error), rel, error.line, error.column)
            self.unread.add(rel)
            return None
        for key, line in yamlfile.duplicates(data):
            self.report.error(f"`{str(key)[:40]}` is given twice", rel, line,
                              hint="the second would silently win; keep one")
        return data

    def read_text(self, path, what="file"):
        """The text of a content file (a BOM allowed), or None: reported when it is missing,
        leads outside the content folder, is too big or is not UTF-8."""
        rel = self._rel(path)
        self.unread.add(rel)  # (until it is read)
        if not self.confined(path, rel, None, what):
            return None
        if not path.is_file():
            self.report.error(f"{what} not found", rel)
            return None
        if path.stat().st_size > MAX_TEXT_BYTES:
            self.report.error(f"{what} is {path.stat().st_size:,} bytes; at most "
                              f"{MAX_TEXT_BYTES:,}", rel, hint="split it up")
            return None
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[:error.start].count(b"\n") + 1
            self.report.error(f"not UTF-8 text: byte {data[error.start]:#04x} cannot be read",
                              rel, line, hint="save the file as UTF-8")
            return None
        self.unread.discard(rel)
        return text.removeprefix("\ufeff")  # a byte order mark, as some editors write

    def confined(self, path, file, line, what):
        """Whether `path` really is inside the content folder (a link may lead out of it);
        reported at `file`:`line` when not."""
        if Path(path).resolve().is_relative_to(self.dir):
            return True
        self.report.error(f"{what} {self._rel(path)} leads outside content/ (a link?)", file,
                          line, hint="content is read from the content folder only")
        return False

    def _rel(self, path):
        """The path as the editor sees it: from the content folder's parent (content/…)."""
        for candidate in (Path(path), Path(path).resolve()):
            if candidate.is_relative_to(self.dir.parent):
                return candidate.relative_to(self.dir.parent)
        return Path(path)

    # --- report.yaml -------------------------------------------------------------------

    def book(self):
        path = self.dir / "report.yaml"
        data = self.read_yaml(path)
        if data is None:  # all else follows from it: its errors would only mislead
            self.report.raise_if_errors()
        f = Fields(data, self._rel(path), self.report, [
            "title", "organisation", "year", "language", "currency", "output", "published",
            "trim",
            "bleed_mm", "overprint_below_pt", "process_only",
            "binding", "urls", "colours", "notes", "chapters"], "report.yaml")
        trim = f.sub("trim", ["width_mm", "height_mm"], "trim")
        colours = self.colours(f)
        self.photos = self.photo_registry()
        book = model.Book(
            title=f.get("title", str, default=""),
            organisation=f.get("organisation", str, default=""),
            year=self.year(f),
            language=f.get("language", str, default="nl"),
            locale=self.locale(f),
            currency=self.currency(f),
            output_names=self.output_names(f),
            published=self.published(f),
            # (no size of its own: a trim missing or out of range stops the build below)
            trim_width_mm=trim.number("width_mm", None) if trim else None,
            trim_height_mm=trim.number("height_mm", None) if trim else None,
            bleed_mm=f.number("bleed_mm", 3),
            binding=self.binding(f),
            urls=self.urls(f),
            colours=colours,
            notes=self.notes(f),
            chapters=[],
            content_dir=self.dir,
            overprint_below_pt=self.overprint_below(f),
            process_only=f.get("process_only", bool, required=False, default=False),
        )
        self.book_urls, self.book_notes = book.urls, book.notes
        if book.locale:  # (else reported: no language to choose strings by)
            book.strings = words.load(book.language, self.dir, self.report, self.read_yaml,
                                      f.key_line("language"))
        book.chapters = self.chapters(f, colours, book)
        return book

    def locale(self, f):
        """Babel's locale for `language:` (how numbers are written), or "" (reported)."""
        language = f.get("language", str, default="nl")
        locale = words.babel_locale(language)
        if not locale:
            self.report.error(f"`language` {shown(language)} is no language tag (like nl, fr,"
                              " en, de or nl-BE)", f.file, f.key_line("language"),
                              hint="the layout's words exist for: "
                              + ", ".join(words.shipped_languages()))
        return locale or ""

    def currency(self, f):
        """The amounts' currency, an ISO 4217 code (EUR, CHF, USD …)."""
        currency = f.get("currency", str, required=False, default="EUR")
        if not words.known_currency(currency):
            self.report.error(f"`currency` {shown(currency)} is no ISO 4217 currency code "
                              "(like EUR, CHF, USD)", f.file, f.key_line("currency"))
        return currency

    def year(self, f):
        year = f.get("year", int, default=None)
        low, high = RANGES["year"]
        if year is not None and not low <= year <= high:
            self.report.error(f"`year` must be between {low} and {high}, not {year}", f.file,
                              f.key_line("year"))
        return year or 0

    def output_names(self, f):
        o = f.sub("output", ["print", "digital"], "output")
        names = {}
        for edition in ("print", "digital"):
            name = o.get(edition, str, default=edition) if o else edition
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
                self.report.error(f"output.{edition} must be a plain file name "
                                  "(letters, digits, - _ .)", f.file, o.key_line(edition))
            names[edition] = name
        return names

    def overprint_below(self, f):
        """Black text under this size overprints in print (0: none does)."""
        value = f.get("overprint_below_pt", (int, float), default=12, required=False)
        if not 0 <= value <= 72:
            self.report.error("`overprint_below_pt` must be a size in points from 0 to 72 "
                              "(0: no black text overprints)", f.file,
                              f.key_line("overprint_below_pt"))
            return 12.0
        return float(value)

    def published(self, f):
        """The publication date (default: 1 January after the report's year)."""
        value = f.get("published", object, required=False)
        if value is None:
            year = f.data.get("year")
            return f"{year + 1 if isinstance(year, int) and 0 < year < 9999 else 2000:04}-01-01"
        if not isinstance(value, datetime.date):
            self.report.error("`published` must be a date like 2023-06-30", f.file,
                              f.key_line("published"))
            return "2000-01-01"
        return value.isoformat()

    def binding(self, f):
        binding = f.get("binding", str, default="saddle-stitch")
        if binding not in ("saddle-stitch", "perfect"):
            self.report.error("`binding` must be saddle-stitch or perfect", f.file,
                              f.key_line("binding"))
        return binding

    def urls(self, f):
        urls = f.get("urls", dict, default={})
        for key, url in urls.items():
            if not isinstance(url, str) or not re.match(r"https?://[^\s<>\"']+$", url):
                self.report.error(f"urls.{key} must be a web address starting with https://",
                                  f.file, urls.key_lines.get(key))
        for key in ("online", "website"):
            if key not in urls:
                self.report.error(f"urls needs `{key}`", f.file, f.key_line("urls"))
        return dict(urls)

    def colours(self, f):
        """Each colour: [c, m, y, k] in percent, or a spot colour: {spot: NAME, cmyk: […]}
        (its CMYK the alternate, printed where spots are converted)."""
        colours = {}
        for name, value in (f.get("colours", dict, default={}) or {}).items():
            line = f.data["colours"].key_lines.get(name)
            spot = None
            if isinstance(value, dict) and set(value) == {"spot", "cmyk"}:
                spot, value = value["spot"], value["cmyk"]
                if not isinstance(spot, str) or not spot.strip() or len(spot) > 60:
                    self.report.error(f"colour `{name}`: `spot` must be the ink's name "
                                      "(e.g. PANTONE 032 C)", f.file, line)
                    continue
            if (not isinstance(value, list) or len(value) != 4 or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100
                    for v in value)):
                self.report.error(f"colour `{name}` must be [c, m, y, k] in percent (0–100), "
                                  "or {spot: NAME, cmyk: [c, m, y, k]}", f.file, line)
                continue
            if sum(value) > 300:
                self.report.error(f"colour `{name}` has {sum(value)}% total ink; at most 300%",
                                  f.file, line)
            colours[name] = model.Colour(name, *value, spot=spot.strip() if spot else None)
        self.check_spots(colours, f)
        return colours

    def check_spots(self, colours, f):
        """A spot colour is found in the PDF by its CMYK alternate (spots.py): no other
        colour, nor a tint of one, nor a grey the layout uses, may share it."""
        for name, colour in colours.items():
            if not colour.spot:
                continue
            line = f.data["colours"].key_lines.get(name)
            if not max(colour.c, colour.m, colour.y):
                self.report.error(f"colour `{name}`: a spot colour's CMYK alternate must not "
                                  "be a grey (the layout's greys would print in it)", f.file,
                                  line)
            for other in colours.values():
                if other is not colour and _proportional(colour, other):
                    self.report.error(f"colour `{name}` (spot {colour.spot}) and `{other.name}`"
                                      " have the same CMYK, or one is a tint of the other: "
                                      "give the spot an alternate of its own", f.file, line)

    def notes(self, f):
        notes = f.get("notes", dict, required=False, default={})
        for key, text in notes.items():
            if not isinstance(text, str):
                self.report.error(f"note `{key}` must be text", f.file, notes.key_lines.get(key))
        return dict(notes)

    def photo_registry(self):
        path = self.dir / "photos.yaml"
        if not path.exists():
            return {}
        data = self.read_yaml(path)
        if data is not None and not isinstance(data, dict):
            self.report.error("photos.yaml must map each photo id to its file, credit and "
                              "licence", self._rel(path), 1)
            return {}
        photos = {}
        for photo_id, entry in (data or {}).items():
            f = Fields(entry, self._rel(path), self.report, ["file", "credit", "licence"],
                       f"photo `{photo_id}`")
            file = self.image_path(f.get("file", str, default=""), f.file, f.key_line("file"))
            if file:
                photos[photo_id] = model.Photo(photo_id, file, f.get("credit", str, default=""),
                                               f.get("licence", str, default=""),
                                               f.file, f.key_line("file"))
        return photos

    def image_path(self, name, file, line):
        """A path inside the content folder that holds a JPEG or PNG, or None (reported)."""
        if not name:
            return None
        candidate = Path(name)
        if candidate.is_absolute() or ".." in candidate.parts:
            self.report.error(f"image path {name!r} must be relative and stay inside content/",
                              file, line)
            return None
        path = (self.dir / candidate).resolve()
        if not path.is_relative_to(self.dir):
            self.report.error(f"image {name!r} leads outside content/ (a link?)", file, line)
            return None
        if not path.is_file():
            self.report.error(f"image {name!r} not found", file, line,
                              hint=f"looked for {self._rel(path)}")
            return None
        try:
            with warnings.catch_warnings():  # (a huge image: refused below, by its size)
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    image_format, size = image.format, image.size
                    transparent = images.has_alpha(image)
                    image.verify()
        except Image.DecompressionBombError:
            size, image_format, transparent = None, None, False
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            self.report.error(f"{name!r} is not a readable image", file, line)
            return None
        if size is None or size[0] * size[1] > MAX_PIXELS:
            self.report.error(f"{name!r} has too many pixels" + (
                f" ({size[0]} × {size[1]})" if size else "") + f"; at most "
                f"{MAX_PIXELS // 1_000_000} megapixels", file, line,
                hint="scale it down: print needs at most 450 ppi at full page")
            return None
        if image_format not in IMAGE_FORMATS:
            self.report.error(f"{name!r} is {image_format}; use JPEG or PNG", file, line)
            return None
        if transparent:
            self.report.warn(f"{name!r} has transparent areas: they are printed white", file,
                             line, hint="save it without transparency to choose otherwise")
        return path

    def figure(self, fig, file, caption=True):
        """A photo with caption (and alt text) from a `figure:`-like mapping, or None.
        Without `caption`, the caption may be left out (a closing photo needs none)."""
        if not fig:
            return None
        photo = self.photo(fig.get("photo", str), file, fig.key_line("photo"))
        if not photo:
            return None
        size = fig.get("size", str, required=False, default="")
        if size not in FIGURE_SIZES:
            self.report.error(f"`size` must be {' or '.join(filter(None, FIGURE_SIZES))}, "
                              f"not {shown(size)}", file, fig.key_line("size"))
            size = ""
        return model.Figure(photo, fig.markdown("caption", required=caption),
                            fig.get("alt", str, required=False, default=""), size)

    def photo(self, photo_id, file, line):
        if photo_id not in self.photos and self._rel(self.dir / "photos.yaml") in self.unread:
            return None  # (photos.yaml could not be read: that is the one error to show)
        if photo_id not in self.photos:
            close = difflib.get_close_matches(str(photo_id), list(self.photos), n=1)
            self.report.error(f"unknown photo `{photo_id}`", file, line,
                              hint=f"did you mean `{close[0]}`?" if close
                              else "photos are listed in photos.yaml")
            return None
        return self.photos[photo_id]

    # --- chapters -------------------------------------------------------------------------

    def chapters(self, f, colours, book):
        names = f.get("chapters", list, default=[])
        chapters, seen = [], {}
        for name, line in zip(names, getattr(names, "item_lines", []), strict=False):
            if not isinstance(name, str) or not STORY_ID.match(name):
                self.report.error(f"chapter name {shown(name)} must be a folder name like "
                                  "`vrije-tijd`", f.file, line)
                continue
            if name in seen:  # its pages would be printed twice
                self.report.error(f"chapter `{name}` is listed twice (also on line "
                                  f"{seen[name]})", f.file, line)
                continue
            seen[name] = line
            folder = self.dir / name
            if not self.confined(folder, f.file, line, "chapter folder"):
                continue
            if not (folder / "chapter.yaml").is_file():
                self.report.error(f"chapter `{name}` has no {name}/chapter.yaml", f.file, line)
                continue
            chapter = self.chapter(name, folder, colours)
            if chapter:
                chapters.append(chapter)
        if not isinstance(names, yamlfile.Sequence):  # (no list to be missing from)
            return chapters
        listed = {name for name in names if isinstance(name, str)}
        for folder in sorted(p for p in self.dir.iterdir() if (p / "chapter.yaml").is_file()):
            if folder.name not in listed:
                self.report.error(f"chapter folder `{folder.name}` is not listed in report.yaml",
                                  f.file, f.key_line("chapters"),
                                  hint="add it to `chapters:` or remove the folder")
        return chapters

    def chapter(self, name, folder, colours):
        path = folder / "chapter.yaml"
        data = self.read_yaml(path)
        if data is None:
            return None
        kind = data.get("kind") if isinstance(data, dict) else None
        if not isinstance(kind, str) or kind not in KINDS:
            self.report.error(f"`kind` must be one of: {', '.join(KINDS)} (got {shown(kind)})",
                              self._rel(path), getattr(data, "line", None))
            return None
        entry = KINDS[kind]
        f = Fields(data, self._rel(path), self.report,
                   ["kind", "title", "running_head", "closing_photo", "pages", "accept",
                    *entry.fields],
                   f"{name}/chapter.yaml")
        title = f.get("title", str, default=name)
        pages = f.get("pages", int, required=False)
        if pages is not None and pages < 1:
            self.report.error(f"`pages` must be 1 or more, not {pages}", f.file,
                              f.key_line("pages"))
            pages = None
        common = dict(id=name, kind=kind, title=title, pages=pages, accept=self.accept(f),
                      pages_line=f.key_line("pages") if pages else None,
                      running_head=f.get("running_head", str, required=False, default=title),
                      source=self._rel(path),
                      closing=self.figure(f.sub("closing_photo", ["photo", "caption", "alt"],
                                                "closing_photo", required=False), f.file,
                                          caption=False))
        return entry.model(**common, **getattr(self, entry.read)(f, folder, colours))

    def chapter_cover(self, f, folder, colours):
        photo = self.photo(f.get("photo", str), f.file, f.key_line("photo"))
        return dict(photo=photo)

    def chapter_online(self, f, folder, colours):
        return dict(text=f.markdown("text", block=True),
                                   url=self.book_urls.get("online", ""))

    def chapter_letter(self, f, folder, colours):
        story = self.story(folder, f.get("story", str, default=""), f.file, f.key_line("story"))
        signature = f.sub("signature", ["name", "role"], "signature")
        return dict(story=story,
            signature_name=signature.get("name", str, default="") if signature else "",
            signature_role=signature.get("role", str, required=False, default="")
            if signature else "")

    def chapter_domain(self, f, folder, colours):
        colour_name = f.get("colour", str, default="")
        colour = colours.get(colour_name)
        if colour_name and not colour:
            self.report.error(f"unknown colour `{colour_name}`", f.file, f.key_line("colour"),
                              hint="colours are defined in report.yaml")
        o = f.sub("opener", ["quote", "by", "pointer", "refer", "story"], "opener")
        opener = None
        if o:
            refer = o.get("refer", str, default="page")
            if refer not in ("facing", "page", "online"):
                self.report.error("`refer` must be facing, page or online", f.file,
                                  o.key_line("refer"))
            story = o.get("story", str, required=refer != "online", default=None)
            by = o.sub("by", ["name", "role"], "the opener's `by`")
            opener = model.Opener(o.markdown("quote"), o.get("pointer", str, default=""),
                                  refer, story,
                                  by.get("name", str, default="") if by else "",
                                  by.get("role", str, required=False, default="") if by else "")
        return dict(colour=colour, opener=opener, intro=f.markdown("intro", block=True),
                    sections=self.sections(f, folder))

    def chapter_stories(self, f, folder, colours):
        return dict(sections=self.sections(f, folder))

    def chapter_finances(self, f, folder, colours):
        def entity(data, line, what):
            e = Fields(data, f.file, self.report, ["name", "omzet", "subsidies", "total"], what)
            return model.Entity(e.get("name", str, default=""), e.get("omzet", int, default=0),
                                e.get("subsidies", int, default=0),
                                e.get("total", int, default=0))
        items = f.get("entities", list, default=[])
        entities = [entity(d, ln, f"entity {i + 1}") for i, (d, ln) in
                    enumerate(zip(items, getattr(items, "item_lines", []), strict=False))]
        grand = f.get("grand_total", dict, default=None)
        return dict(entities=entities,
            grand_total=entity(grand, f.key_line("grand_total"), "grand_total") if grand else None,
            footnote=f.get("footnote", str, required=False, default=""))

    def chapter_locations(self, f, folder, colours):
        provinces = []
        for i, data in enumerate(f.get("provinces", list, default=[])):
            p = Fields(data, f.file, self.report, ["name", "places"], f"province {i + 1}")
            places = p.get("places", list, default=[])
            provinces.append(model.Province(p.get("name", str, default=""),
                                            tuple(str(x) for x in places)))
        return dict(provinces=provinces)

    def chapter_board(self, f, folder, colours):
        groups = []
        for i, data in enumerate(f.get("groups", list, default=[])):
            g = Fields(data, f.file, self.report, ["name", "members"], f"group {i + 1}")
            members = []
            for j, m in enumerate(g.get("members", list, default=[])):
                mf = Fields(m, f.file, self.report, ["name", "role"], f"member {j + 1}")
                members.append(model.Member(mf.get("name", str, default=""),
                                            mf.get("role", str, required=False, default="")))
            groups.append(model.BoardGroup(g.get("name", str, default=""), tuple(members)))
        return dict(groups=groups)

    def chapter_colophon(self, f, folder, colours):
        return dict(printer=f.get("printer", str, required=False, default=""),
            **{key: f.markdown(key) for key in ("copyright", "scope", "mission", "sdgs")})

    def chapter_back_cover(self, f, folder, colours):
        a = f.sub("address", ["name", "lines", "phone", "email"], "address")
        return dict(partners=f.markdown("partners"),
            address_name=a.get("name", str, default="") if a else "",
            address_lines=tuple(a.get("lines", list, default=[])) if a else (),
            phone=a.get("phone", str, required=False, default="") if a else "",
            email=a.get("email", str, required=False, default="") if a else "",
            follow=f.get("follow", str, required=False, default=""),
            website=self.book_urls.get("website", ""),
            social=tuple(f.get("social", list, required=False, default=[])))

    # --- sections and stories --------------------------------------------------------------

    def sections(self, f, folder):
        items = f.get("sections", list, default=[])
        if not items and f.ok:
            self.report.error("chapter has no sections", f.file, f.line,
                              hint="list its stories under `sections:`")
        sections = []
        for data, line in zip(items, getattr(items, "item_lines", []), strict=False):
            if isinstance(data, dict) and "key_figures" in data:
                sections.append(self.key_figures(data, f.file))
            elif isinstance(data, dict) and "story" in data:
                Fields(data, f.file, self.report, ["story"], "a section")
                story = self.story(folder, data["story"], f.file, line)
                if story:
                    sections.append(story)
            else:
                self.report.error("a section is `- story: <id>` or `- key_figures: [...]`",
                                  f.file, line)
        return sections

    def key_figures(self, data, file):
        Fields(data, file, self.report, ["key_figures"], "a key-figure section")
        figures = []
        items = data["key_figures"]
        if not isinstance(items, list) or not items:
            self.report.error("`key_figures` must be a list of figures", file, data.line)
            return model.KeyFigurePanel(())
        for item in items:
            k = Fields(item, file, self.report, ["value", "label", "note", "parts"],
                       "a key figure")
            note = k.get("note", str, required=False)
            if note and note not in self.book_notes:
                self.report.error(f"unknown note `{note}`", file, k.key_line("note"),
                                  hint="notes are defined in report.yaml")
            parts = []
            for p in k.get("parts", list, required=False, default=[]):
                pf = Fields(p, file, self.report, ["value", "label"], "a part")
                parts.append(model.Part(pf.get("value", int, default=0), pf.markdown("label")))
            figure = model.KeyFigure(k.get("value", int, default=0), k.markdown("label"), note,
                                     tuple(parts))
            figure_line = k.line
            figures.append(figure)
            if parts and sum(p.value for p in parts) != figure.value:
                self.report.warn(
                    f"key figure “{figure.label}”: parts add up to "
                    f"{sum(p.value for p in parts)}, the figure says {figure.value}",
                    file, figure_line)
        return model.KeyFigurePanel(tuple(figures))

    def story(self, folder, story_id, file, line):
        if not isinstance(story_id, str) or not STORY_ID.match(story_id):
            self.report.error(f"story id {story_id!r} must be lowercase words joined by -",
                              file, line)
            return None
        path = folder / f"{story_id}.md"
        if not self.confined(path, file, line, "story file"):
            return None
        if not path.is_file():
            self.report.error(f"story `{story_id}` has no file {self._rel(path)}", file, line)
            return None
        return self.read_story(path, story_id)

    def read_story(self, path, story_id):
        rel = self._rel(path)
        text = self.read_text(path, "the story file")
        if text is None:
            return None
        header, body, body_line = {}, text, 1
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            if end < 0:
                self.report.error("the YAML header has no closing `---` line", rel, 1)
                return None
            header = self.parse_yaml(text[4:end], rel, first_line=2) or {}
            if rel in self.unread:  # (its YAML cannot be read)
                return None
            body_line = text[: end + 5].count("\n") + 1
            body = text[end + 5:]
        f = Fields(header, rel, self.report, ["title", "online", "interview", "figure", "qr",
                                              "accept"], "the story header")
        figure = self.figure(f.sub("figure", ["photo", "caption", "alt", "size"], "figure",
                                   required=False), rel)
        qr = None
        q = f.sub("qr", ["url", "text", "unconfirmed"], "qr", required=False)
        if q:
            url = q.get("url", str, default="")
            if url and not re.match(r"https?://[^\s<>\"']+$", url):
                self.report.error("qr url must be a web address starting with https://",
                                  rel, q.key_line("url"))
            unconfirmed = q.get("unconfirmed", str, required=False, default="")
            if unconfirmed:  # every build says so, until an editor confirms the address
                self.report.warn(f"the QR code's address {url} is not confirmed: "
                                 f"{unconfirmed}", rel, q.key_line("unconfirmed"),
                                 hint="remove `unconfirmed:` once it is")
            qr = model.QRCode(url, q.get("text", str, required=False, default=""),
                              unconfirmed)
        if not body.strip():
            self.report.error("the story has no text", rel, body_line)
        for problem, offset in prose.check(body):
            self.report.error(problem, rel, body_line + offset)
        return model.Story(
            id=story_id, title=f.markdown("title") or story_id, body=body, source=rel,
            body_line=body_line, online=f.get("online", bool, required=False, default=False),
            interview=f.get("interview", bool, required=False, default=False),
            figure=figure, qr=qr, accept=self.accept(f))

    def accept(self, f):
        """`accept:` entries: layout-audit findings the content accepts, each naming its
        rule, with the reason (and optionally the page)."""
        items = f.get("accept", list, required=False, default=[])
        accepted = []
        for item, line in zip(items, getattr(items, "item_lines", []), strict=False):
            a = Fields(item, f.file, self.report, ["rule", "reason", "page"], "an `accept:`")
            rule = a.get("rule", str, default="")
            if a.ok and rule not in audit.RULES:
                self.report.error(f"`accept:` names no audit rule: `{rule}`", f.file, line,
                                  hint="rules: " + ", ".join(audit.RULES))
            accepted.append(model.Acceptance(rule, a.get("reason", str, default=""),
                                             a.get("page", int, required=False)))
        return tuple(accepted)


def _proportional(one, other):
    a, b = one.fractions, other.fractions
    if not max(a) or not max(b):
        return not max(a) and not max(b)
    ratio = max(b) / max(a)
    return all(abs(x * ratio - y) < 0.0005 for x, y in zip(a, b, strict=True))


def _check_references(book, report):
    """Story ids unique across the report; opener stories exist and sit where refer needs."""
    seen = {}
    for chapter, story in book.stories():
        if story.id in seen:
            report.error(f"story id `{story.id}` is used twice (also in {seen[story.id]})",
                         chapter.source)
        seen[story.id] = story.source
    for chapter in book.chapters:
        opener = getattr(chapter, "opener", None)
        if not opener or opener.refer == "online":
            continue
        stories = [s for s in chapter.sections if isinstance(s, model.Story)]
        ids = [s.id for s in stories]
        if opener.story not in seen:
            close = difflib.get_close_matches(opener.story or "", list(seen), n=1)
            report.error(f"the opener points at story `{opener.story}`, which does not exist",
                         chapter.source, hint=f"did you mean `{close[0]}`?" if close else "")
        elif opener.refer == "facing" and (not ids or ids[0] != opener.story):
            report.error(
                f"the opener says the story `{opener.story}` is on the facing page, "
                "so it must be the chapter's first section", chapter.source,
                hint="move it first, or use `refer: page`")
    if not any(isinstance(c, model.OnlineChapter) for c in book.chapters):
        needs = [s.id for _, s in book.stories() if s.online] + [
            c.id for c in book.chapters
            if getattr(c, "opener", None) and c.opener.refer == "online"]
        if needs:
            report.error("stories point at the online QR code, but no chapter of kind "
                         f"`online` holds it: {', '.join(needs)}", Path("report.yaml"))


def _check_photos_once(book, report):
    """A photo printed twice reads as a mistake: each is placed once (cover, story
    figures and closing photos together)."""
    placed = {}
    for chapter in book.chapters:
        photos = [getattr(chapter, "photo", None)]
        photos += [s.figure.photo for s in getattr(chapter, "sections", [])
                   if isinstance(s, model.Story) and s.figure]
        photos += [chapter.closing.photo] if chapter.closing else []
        for photo in filter(None, photos):
            if photo.id in placed:
                report.warn(f"photo `{photo.id}` is placed twice (also in "
                            f"{placed[photo.id]}): each photo appears once", chapter.source)
            placed.setdefault(photo.id, chapter.source)


def _check_figures(book, report):
    """Totals that do not add up are warnings with both numbers; the stated total is printed."""
    for chapter in book.chapters:
        if not isinstance(chapter, model.FinancesChapter):
            continue
        entities = list(chapter.entities)
        for entity in entities + ([chapter.grand_total] if chapter.grand_total else []):
            if entity.computed_total != entity.stated_total:
                report.warn(f"{entity.name}: omzet + subsidies = "
                            f"{_n(entity.computed_total, book)}, stated total "
                            f"{_n(entity.stated_total, book)} (the stated total is printed)",
                            chapter.source)
        grand = chapter.grand_total
        if grand and entities:
            for key in ("omzet", "subsidies", "stated_total"):
                parts = sum(getattr(e, key) for e in entities)
                if parts != getattr(grand, key):
                    label = "total" if key == "stated_total" else key
                    report.warn(f"{grand.name}: the entities’ {label} add up to "
                                f"{_n(parts, book)}, stated {_n(getattr(grand, key), book)} "
                                "(the stated figure is printed)",
                                chapter.source)


def _n(value, book):
    """A figure as the editor sees it in print (24.422 in a Dutch report)."""
    return words.number(value, book.locale)
