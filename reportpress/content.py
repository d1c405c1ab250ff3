"""Read a content folder into the model, checking everything an editor can get wrong.

Every problem is collected with its file and line, so an editor sees all of them at once.
"""
import datetime
import difflib
import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from . import audit, model, prose, yamlfile
from .problems import Report

STORY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IMAGE_FORMATS = {"JPEG", "PNG"}
KINDS = (
    "cover", "online", "letter", "domain", "stories", "finances",
    "locations", "board", "colophon", "back-cover",
)
TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false",
              list: "a list", dict: "a mapping (key: value lines)", object: "a value"}


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
        for key, line in getattr(data, "duplicates", []):
            report.error(f"`{key}` is given twice in {what}", file, line)
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
                f"`{key}` in {self.what} must be {TYPE_NAMES.get(kind, 'a number')}, not {value!r}",
                self.file, self.key_line(key))
            return default
        if kind is str and not value.strip() and required:
            self.report.error(f"`{key}` in {self.what} is empty", self.file, self.key_line(key))
        return value.strip() if kind is str else value

    def sub(self, key, allowed, what, required=True):
        value = self.get(key, dict, required)
        return Fields(value, self.file, self.report, allowed, what) if value is not None else None


def load(content_dir):
    """Read content_dir into a model.Book. Returns (book, report); raises ContentError."""
    content_dir = Path(content_dir).resolve()
    report = Report()
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

    def read_yaml(self, path):
        if not path.is_file():
            self.report.error("file not found", self._rel(path))
            return None
        try:
            return yamlfile.parse(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self.report.error("not UTF-8 text", self._rel(path))
        except yamlfile.YAMLSyntaxError as error:
            self.report.error(str(error), self._rel(path), error.line, error.column)
        return None

    def _rel(self, path):
        try:
            return Path(path).resolve().relative_to(self.dir.parent)
        except ValueError:
            return Path(path)

    # --- report.yaml -------------------------------------------------------------------

    def book(self):
        path = self.dir / "report.yaml"
        f = Fields(self.read_yaml(path), self._rel(path), self.report, [
            "title", "organisation", "year", "language", "output", "published", "trim",
            "bleed_mm", "overprint_below_pt", "process_only",
            "binding", "urls", "colours", "notes", "chapters"], "report.yaml")
        trim = f.sub("trim", ["width_mm", "height_mm"], "trim")
        colours = self.colours(f)
        self.photos = self.photo_registry()
        book = model.Book(
            title=f.get("title", str, default=""),
            organisation=f.get("organisation", str, default=""),
            year=f.get("year", int, default=0),
            language=f.get("language", str, default="nl"),
            output_names=self.output_names(f),
            published=self.published(f),
            trim_width_mm=_number(trim, "width_mm") if trim else 210,
            trim_height_mm=_number(trim, "height_mm") if trim else 297,
            bleed_mm=_number(f, "bleed_mm"),
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
        book.chapters = self.chapters(f, colours, book)
        return book

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
                                               f.get("licence", str, default=""))
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
            with Image.open(path) as image:
                image_format = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError):
            self.report.error(f"{name!r} is not a readable image", file, line)
            return None
        if image_format not in IMAGE_FORMATS:
            self.report.error(f"{name!r} is {image_format}; use JPEG or PNG", file, line)
            return None
        return path

    def figure(self, fig, file, caption=True):
        """A photo with caption (and alt text) from a `figure:`-like mapping, or None.
        Without `caption`, the caption may be left out (a closing photo needs none)."""
        if not fig:
            return None
        photo = self.photo(fig.get("photo", str), file, fig.key_line("photo"))
        if not photo:
            return None
        return model.Figure(photo, fig.get("caption", str, required=caption, default=""),
                            fig.get("alt", str, required=False, default=""))

    def photo(self, photo_id, file, line):
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
        chapters = []
        for name, line in zip(names, getattr(names, "item_lines", []), strict=False):
            if not isinstance(name, str) or not STORY_ID.match(name):
                self.report.error(f"chapter name {name!r} must be a folder name like `vrije-tijd`",
                                  f.file, line)
                continue
            folder = self.dir / name
            if not (folder / "chapter.yaml").is_file():
                self.report.error(f"chapter `{name}` has no {name}/chapter.yaml", f.file, line)
                continue
            chapter = self.chapter(name, folder, colours)
            if chapter:
                chapters.append(chapter)
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
        if kind not in KINDS:
            self.report.error(f"`kind` must be one of: {', '.join(KINDS)} (got {kind!r})",
                              self._rel(path), getattr(data, "line", None))
            return None
        fields = {
            "cover": ["photo"],
            "online": ["text"],
            "letter": ["story", "signature"],
            "domain": ["colour", "opener", "intro", "sections"],
            "stories": ["sections"],
            "finances": ["entities", "grand_total", "footnote"],
            "locations": ["provinces"],
            "board": ["groups"],
            "colophon": ["printer", "copyright", "scope", "mission", "sdgs"],
            "back-cover": ["partners", "address", "follow", "social"],
        }[kind]
        f = Fields(data, self._rel(path), self.report,
                   ["kind", "title", "running_head", "closing_photo", "pages", "accept",
                    *fields],
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
        return getattr(self, "chapter_" + kind.replace("-", "_"))(f, folder, common, colours)

    def chapter_cover(self, f, folder, common, colours):
        photo = self.photo(f.get("photo", str), f.file, f.key_line("photo"))
        return model.CoverChapter(**common, photo=photo)

    def chapter_online(self, f, folder, common, colours):
        return model.OnlineChapter(**common, text=f.get("text", str, default=""),
                                   url=self.book_urls.get("online", ""))

    def chapter_letter(self, f, folder, common, colours):
        story = self.story(folder, f.get("story", str, default=""), f.file, f.key_line("story"))
        signature = f.sub("signature", ["name", "role"], "signature")
        return model.LetterChapter(
            **common, story=story,
            signature_name=signature.get("name", str, default="") if signature else "",
            signature_role=signature.get("role", str, required=False, default="")
            if signature else "")

    def chapter_domain(self, f, folder, common, colours):
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
            opener = model.Opener(o.get("quote", str, default=""), o.get("pointer", str,
                                  default=""), refer, story,
                                  by.get("name", str, default="") if by else "",
                                  by.get("role", str, required=False, default="") if by else "")
        chapter = model.DomainChapter(**common, colour=colour, opener=opener,
                                      intro=f.get("intro", str, default=""))
        chapter.sections = self.sections(f, folder)
        return chapter

    def chapter_stories(self, f, folder, common, colours):
        return model.StoriesChapter(**common, sections=self.sections(f, folder))

    def chapter_finances(self, f, folder, common, colours):
        def entity(data, line, what):
            e = Fields(data, f.file, self.report, ["name", "omzet", "subsidies", "total"], what)
            return model.Entity(e.get("name", str, default=""), e.get("omzet", int, default=0),
                                e.get("subsidies", int, default=0),
                                e.get("total", int, default=0))
        items = f.get("entities", list, default=[])
        entities = [entity(d, ln, f"entity {i + 1}") for i, (d, ln) in
                    enumerate(zip(items, getattr(items, "item_lines", []), strict=False))]
        grand = f.get("grand_total", dict, default=None)
        return model.FinancesChapter(
            **common, entities=entities,
            grand_total=entity(grand, f.key_line("grand_total"), "grand_total") if grand else None,
            footnote=f.get("footnote", str, required=False, default=""))

    def chapter_locations(self, f, folder, common, colours):
        provinces = []
        for i, data in enumerate(f.get("provinces", list, default=[])):
            p = Fields(data, f.file, self.report, ["name", "places"], f"province {i + 1}")
            places = p.get("places", list, default=[])
            provinces.append(model.Province(p.get("name", str, default=""),
                                            tuple(str(x) for x in places)))
        return model.LocationsChapter(**common, provinces=provinces)

    def chapter_board(self, f, folder, common, colours):
        groups = []
        for i, data in enumerate(f.get("groups", list, default=[])):
            g = Fields(data, f.file, self.report, ["name", "members"], f"group {i + 1}")
            members = []
            for j, m in enumerate(g.get("members", list, default=[])):
                mf = Fields(m, f.file, self.report, ["name", "role"], f"member {j + 1}")
                members.append(model.Member(mf.get("name", str, default=""),
                                            mf.get("role", str, required=False, default="")))
            groups.append(model.BoardGroup(g.get("name", str, default=""), tuple(members)))
        return model.BoardChapter(**common, groups=groups)

    def chapter_colophon(self, f, folder, common, colours):
        return model.ColophonChapter(**common, **{
            key: f.get(key, str, required=key != "printer", default="")
            for key in ("printer", "copyright", "scope", "mission", "sdgs")})

    def chapter_back_cover(self, f, folder, common, colours):
        a = f.sub("address", ["name", "lines", "phone", "email"], "address")
        return model.BackCoverChapter(
            **common, partners=f.get("partners", str, default=""),
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
                parts.append(model.Part(pf.get("value", int, default=0),
                                        pf.get("label", str, default="")))
            figure = model.KeyFigure(k.get("value", int, default=0),
                                     k.get("label", str, default=""), note, tuple(parts))
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
        if not path.is_file():
            self.report.error(f"story `{story_id}` has no file {self._rel(path)}", file, line)
            return None
        return self.read_story(path, story_id)

    def read_story(self, path, story_id):
        rel = self._rel(path)
        text = path.read_text(encoding="utf-8")
        header, body, body_line = {}, text, 1
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            if end < 0:
                self.report.error("the YAML header has no closing `---` line", rel, 1)
                return None
            try:
                header = yamlfile.parse(text[4:end], first_line=2) or {}
            except yamlfile.YAMLSyntaxError as error:
                self.report.error(str(error), rel, error.line, error.column)
                return None
            body_line = text[: end + 5].count("\n") + 1
            body = text[end + 5:]
        f = Fields(header, rel, self.report, ["title", "online", "interview", "figure", "qr",
                                              "accept"], "the story header")
        figure = self.figure(f.sub("figure", ["photo", "caption", "alt"], "figure",
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
            id=story_id, title=f.get("title", str, default=story_id), body=body, source=rel,
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


def _number(f, key):
    value = f.get(key, (int, float), default=0) if f else 0
    return float(value)


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
                report.warn(f"{entity.name}: omzet + subsidies = {_n(entity.computed_total)}, "
                            f"stated total {_n(entity.stated_total)} (the stated total is printed)",
                            chapter.source)
        grand = chapter.grand_total
        if grand and entities:
            for key in ("omzet", "subsidies", "stated_total"):
                parts = sum(getattr(e, key) for e in entities)
                if parts != getattr(grand, key):
                    label = "total" if key == "stated_total" else key
                    report.warn(f"{grand.name}: the entities’ {label} add up to {_n(parts)}, "
                                f"stated {_n(getattr(grand, key))} (the stated figure is printed)",
                                chapter.source)


def _n(value):
    """24422 → 24.422, as the editor sees figures in print."""
    return f"{value:,}".replace(",", ".")
