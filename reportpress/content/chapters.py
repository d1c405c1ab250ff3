"""The chapters report.yaml lists: each read from its folder's chapter.yaml by its kind.
KINDS is the one registry of chapter kinds."""
import math
from collections.abc import Callable
from dataclasses import dataclass

from .. import model, yamlfile
from . import logo, stories
from .fields import STORY_ID, Fields, shown


def read_all(r, f):
    """The chapters report.yaml lists, in order; a folder not listed is an error."""
    names = f.get("chapters", list, default=[])
    chapters, seen = [], {}
    for name, line in zip(names, getattr(names, "item_lines", []), strict=False):
        if not isinstance(name, str) or not STORY_ID.match(name):
            r.report.error(f"chapter name {shown(name)} must be a folder name like "
                              "`vrije-tijd`", f.file, line)
            continue
        if name in seen:  # its pages would be printed twice
            r.report.error(f"chapter `{name}` is listed twice (also on line "
                              f"{seen[name]})", f.file, line)
            continue
        seen[name] = line
        folder = r.dir / name
        if not r.confined(folder, f.file, line, "chapter folder"):
            continue
        if not (folder / "chapter.yaml").is_file():
            r.report.error(f"chapter `{name}` has no {name}/chapter.yaml", f.file, line)
            continue
        chapter = read(r, name, folder)
        if chapter:
            chapters.append(chapter)
    if not isinstance(names, yamlfile.Sequence):  # (no list to be missing from)
        return chapters
    listed = {name for name in names if isinstance(name, str)}
    for folder in sorted(p for p in r.dir.iterdir() if (p / "chapter.yaml").is_file()):
        if folder.name not in listed:
            r.report.error(f"chapter folder `{folder.name}` is not listed in report.yaml",
                              f.file, f.key_line("chapters"),
                              hint="add it to `chapters:` or remove the folder")
    return chapters


def read(r, name, folder):
    path = folder / "chapter.yaml"
    data = r.read_yaml(path)
    if data is None:
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in KINDS:
        r.report.error(f"`kind` must be one of: {', '.join(KINDS)} (got {shown(kind)})",
                          r.rel(path), getattr(data, "line", None))
        return None
    entry = KINDS[kind]
    f = Fields(data, r.rel(path), r.report,
               ["kind", "title", "running_head", "closing_photo", "pages", "accept",
                *entry.fields],
               f"{name}/chapter.yaml")
    title = f.text("title", default=name)
    pages = f.get("pages", int, required=False)
    if pages is not None and pages < 1:
        r.report.error(f"`pages` must be 1 or more, not {pages}", f.file,
                          f.key_line("pages"))
        pages = None
    common = dict(id=name, kind=kind, title=title, pages=pages, accept=stories.accept(r, f),
                  pages_line=f.key_line("pages") if pages else None,
                  running_head=f.text("running_head", required=False, default=title),
                  source=r.rel(path),
                  closing=r.figure(f.sub("closing_photo", ["photo", "caption", "alt"],
                                            "closing_photo", required=False), f.file,
                                      caption=False))
    return entry.model(**common, **entry.read(r, f, folder))


def _cover(r, f, folder):
    photo = r.photo(f.get("photo", str), f.file, f.key_line("photo"))
    return dict(photo=photo, logo=logo.read(r, f))


def _online(r, f, folder):
    c = f.sub("contents", ["stories"], "contents", required=False)
    contents = model.Contents(c.get("stories", bool, required=False, default=False)) if c \
        else None
    return dict(text=f.markdown("text", block=True),
                               url=r.urls.get("online", ""), contents=contents)


def _letter(r, f, folder):
    story = stories.story(r, folder, f.get("story", str, default=""), f.file, f.key_line("story"))
    signature = f.sub("signature", ["name", "role"], "signature")
    return dict(story=story,
        signature_name=signature.get("name", str, default="") if signature else "",
        signature_role=signature.text("role", required=False, default="")
        if signature else "")


def _domain(r, f, folder):
    colour_name = f.get("colour", str, default="")
    colour = r.colours.get(colour_name)
    if colour_name and not colour:
        r.report.error(f"unknown colour `{colour_name}`", f.file, f.key_line("colour"),
                          hint="colours are defined in report.yaml")
    o = f.sub("opener", ["quote", "by", "pointer", "refer", "story", "photo"], "opener")
    opener = None
    if o:
        refer = o.get("refer", str, default="page")
        if refer not in ("facing", "page", "online"):
            r.report.error("`refer` must be facing, page or online", f.file,
                              o.key_line("refer"))
        story = o.get("story", str, required=refer != "online", default=None)
        by = o.sub("by", ["name", "role"], "the opener's `by`")
        opener = model.Opener(o.markdown("quote"), o.text("pointer", default=""),
                              refer, story,
                              by.get("name", str, default="") if by else "",
                              by.text("role", required=False, default="") if by else "",
                              r.figure(o.sub("photo", ["photo", "alt", "focus"],
                                             "the opener's `photo`", required=False),
                                       f.file, caption=False))
    return dict(colour=colour, opener=opener, intro=f.markdown("intro", block=True),
                sections=stories.sections(r, f, folder))


def _stories(r, f, folder):
    return dict(sections=stories.sections(r, f, folder))


CHARTS = ("donut", "bar")  # the chart of the whole a finance chapter may choose


def _finances(r, f, folder):
    """Lines grouped as the report says, each entity's amounts per group, the whole."""
    chart = f.get("chart", str, required=False, default="donut")
    if chart not in CHARTS:
        r.report.error(f"`chart` must be {' or '.join(CHARTS)}, not {shown(chart)}", f.file,
                       f.key_line("chart"))
        chart = "donut"
    groups = _finance_groups(r, f)
    items = f.get("entities", list, default=[])
    if isinstance(items, list) and not items:
        r.report.error("`entities` lists no entity", f.file, f.key_line("entities"))
    entities = [_entity(r, f, data, line, groups, f"entity {i + 1}") for i, (data, line) in
                enumerate(zip(items, getattr(items, "item_lines", []), strict=False))]
    grand = f.get("grand_total", dict, required=False)
    footnote = f.text("footnote", required=False, default="")
    marked = [line.label for g in groups for line in g.lines if line.marked]
    if marked and not footnote:
        r.report.error(f"{', '.join(marked)}: marked `footnote: true`, but the chapter has "
                       "no `footnote:`", f.file, f.key_line("groups"))
    return dict(groups=groups, entities=entities, chart=chart, footnote=footnote,
                grand_total=_entity(r, f, grand, f.key_line("grand_total"), groups,
                                    "grand_total") if grand is not None else None)


def _finance_groups(r, f):
    """The groups of lines (at least one); with several, each needs a label to be told by."""
    items = f.get("groups", list, default=[])
    if isinstance(items, list) and not items:
        r.report.error("`groups` lists no group", f.file, f.key_line("groups"))
    groups, ids = [], set()
    for i, data in enumerate(items if isinstance(items, list) else []):
        g = Fields(data, f.file, r.report, ["id", "label", "lines"], f"group {i + 1}")
        gid = _finance_id(r, g, ids, "group", ("name",))
        label = g.text("label", required=len(items) > 1, default="")
        lines, line_ids = [], set()
        raw = g.get("lines", list, default=[])
        if isinstance(raw, list) and not raw:
            r.report.error(f"group {i + 1} lists no line", f.file, g.key_line("lines"))
        for j, line in enumerate(raw if isinstance(raw, list) else []):
            lf = Fields(line, f.file, r.report, ["id", "label", "colour", "footnote"],
                        f"line {j + 1} of group {i + 1}")
            lines.append(model.FinanceLine(
                _finance_id(r, lf, line_ids, "line", ("total",)), lf.text("label", default=""),
                _palette_colour(r, lf), lf.get("footnote", bool, required=False, default=False)))
        groups.append(model.FinanceGroup(gid, label, tuple(lines)))
    return tuple(groups)


def _finance_id(r, fields, seen, what, reserved):
    """A group's or line's `id`, the key entities give its figures under: unique."""
    value = fields.get("id", str, default="")
    if value in reserved or value in seen:
        r.report.error(f"{what} id `{value}` is " + (
            "taken by the layout" if value in reserved else f"used by another {what}"),
            fields.file, fields.key_line("id"))
    seen.add(value)
    return value


def _palette_colour(r, fields):
    name = fields.get("colour", str, default="")
    colour = r.colours.get(name)
    if name and not colour:
        r.report.error(f"unknown colour `{name}` in {fields.what}", fields.file,
                       fields.key_line("colour"),
                       hint="the palette (`colours:` in report.yaml): " + ", ".join(r.colours))
    return colour or model.Colour(name, 0, 0, 0, 100)  # (an error stops the build)


def _entity(r, f, data, line, groups, what):
    """An entity: its name and, under each group's id, an amount per line and the total."""
    e = Fields(data, f.file, r.report, ["name", *(g.id for g in groups)], what)
    name = e.text("name", default="")
    what = f"{what} ({name})" if name else what
    figures = []
    for group in groups:
        sub = e.sub(group.id, [*(line.id for line in group.lines), "total"],
                    f"`{group.id}` of {what}")
        if sub is None:  # (missing or not a mapping: reported; zeros keep the shape)
            figures.append(model.Figures(group, (0,) * len(group.lines)))
            continue
        amounts = tuple(_amount(r, sub, line.id, required=True) or 0 for line in group.lines)
        figures.append(model.Figures(
            group, amounts, _amount(r, sub, "total", required=False),
            tuple(sub.key_line(line.id) for line in group.lines), sub.key_line("total")))
    return model.Entity(name, tuple(figures), e.line or line)


def _amount(r, fields, key, required):
    """A whole amount of 0 or more (an amount is what was received or spent: no sign)."""
    value = fields.get(key, int, required=required)
    if value is not None and value < 0:
        r.report.error(f"`{key}` in {fields.what} must be 0 or more, not {value}", fields.file,
                       fields.key_line(key))
        return None
    return value


def _locations(r, f, folder):
    provinces = []
    items = f.get("provinces", list, default=[])
    for i, (data, line) in enumerate(zip(items, getattr(items, "item_lines", []),
                                         strict=False)):
        p = Fields(data, f.file, r.report, ["name", "colour", "places"], f"province {i + 1}")
        colour_name = p.get("colour", str, required=False)
        colour = r.colours.get(colour_name) if colour_name else None
        if colour_name and not colour:
            r.report.error(f"unknown colour `{colour_name}`", f.file, p.key_line("colour"),
                           hint="colours are defined in report.yaml")
        places = p.get("places", list, default=[])
        provinces.append(model.Province(p.text("name", default=""), tuple(
            _place(r, f.file, item, item_line or line) for item, item_line in
            zip(places, getattr(places, "item_lines", [None] * len(places)), strict=False)),
            colour))
    return dict(provinces=provinces)


def _place(r, file, item, line):
    """A place: its name alone (listed, not on the map), or `{name, lat, lon}`."""
    if isinstance(item, str):
        return model.Place(item.strip())
    p = Fields(item, file, r.report, ["name", "lat", "lon"], "a place")
    coordinates = [_degrees(r, p, key, limit) for key, limit in (("lat", 90), ("lon", 180))]
    if None in coordinates:
        coordinates = [None, None]
    return model.Place(p.get("name", str, default=""), *coordinates)


def _degrees(r, p, key, limit):
    """A latitude or longitude in decimal degrees, within ±limit."""
    value = p.get(key, (int, float))
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            r.report.error(f"`{key}` must be a number of degrees, not {shown(value)}",
                           p.file, p.key_line(key))
        return None
    if not math.isfinite(value) or not -limit <= value <= limit:
        r.report.error(f"`{key}` must be between -{limit} and {limit} degrees, not "
                       f"{shown(value)}", p.file, p.key_line(key),
                       hint="decimal degrees, north and east positive: lat: 51.05, lon: 3.72")
        return None
    return float(value)


def _board(r, f, folder):
    groups = []
    for i, data in enumerate(f.get("groups", list, default=[])):
        g = Fields(data, f.file, r.report, ["name", "members"], f"group {i + 1}")
        members = []
        for j, m in enumerate(g.get("members", list, default=[])):
            mf = Fields(m, f.file, r.report, ["name", "role"], f"member {j + 1}")
            members.append(model.Member(mf.get("name", str, default=""),
                                        mf.text("role", required=False, default="")))
        groups.append(model.BoardGroup(g.text("name", default=""), tuple(members)))
    figure = r.figure(f.sub("figure", ["photo", "caption", "alt", "focus"], "figure",
                            required=False), f.file, caption=False)
    return dict(groups=groups, figure=figure)


def _colophon(r, f, folder):
    return dict(printer=f.get("printer", str, required=False, default=""),
        publisher=f.get("publisher", str, required=False, default=""),
        **{key: f.markdown(key) for key in ("copyright", "scope", "mission", "sdgs")})


def _back_cover(r, f, folder):
    a = f.sub("address", ["name", "lines", "phone", "email"], "address")
    return dict(partners=f.markdown("partners"),
        address_name=a.get("name", str, default="") if a else "",
        address_lines=tuple(a.get("lines", list, default=[])) if a else (),
        phone=a.get("phone", str, required=False, default="") if a else "",
        email=a.get("email", str, required=False, default="") if a else "",
        follow=f.text("follow", required=False, default=""),
        website=r.urls.get("website", ""),
        social=tuple(f.get("social", list, required=False, default=[])),
        logo=logo.read(r, f))


@dataclass(frozen=True)
class Kind:
    """One kind of chapter, in one place: the keys its chapter.yaml may have besides those
    of every chapter, the model it is read into, the function that reads those keys (into
    the model's fields) and the template that lays it out (in layout/)."""

    fields: tuple
    model: type
    read: Callable
    template: str


def _kind(name, fields, model_class, read):
    return Kind(tuple(fields), model_class, read, f"chapters/{name}.html")


# Adding a kind: an entry here with its reader above, its template and stylesheet in
# layout/chapters/ (imported by report.css), and a section in content/README.md.
KINDS = {
    "cover": _kind("cover", ["photo", "logo"], model.CoverChapter, _cover),
    "online": _kind("online", ["text", "contents"], model.OnlineChapter, _online),
    "letter": _kind("letter", ["story", "signature"], model.LetterChapter, _letter),
    "domain": _kind("domain", ["colour", "opener", "intro", "sections"], model.DomainChapter,
                    _domain),
    "stories": _kind("stories", ["sections"], model.StoriesChapter, _stories),
    "finances": _kind("finances", ["chart", "groups", "entities", "grand_total", "footnote"],
                      model.FinancesChapter, _finances),
    "locations": _kind("locations", ["provinces"], model.LocationsChapter, _locations),
    "board": _kind("board", ["groups", "figure"], model.BoardChapter, _board),
    "colophon": _kind("colophon", ["printer", "publisher", "copyright", "scope", "mission",
                                   "sdgs"],
                      model.ColophonChapter, _colophon),
    "back-cover": _kind("back-cover", ["partners", "address", "follow", "social", "logo"],
                        model.BackCoverChapter, _back_cover),
}
