"""The chapters report.yaml lists: each read from its folder's chapter.yaml by its kind.
KINDS is the one registry of chapter kinds."""
from collections.abc import Callable
from dataclasses import dataclass

from .. import model, yamlfile
from . import stories
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
    title = f.get("title", str, default=name)
    pages = f.get("pages", int, required=False)
    if pages is not None and pages < 1:
        r.report.error(f"`pages` must be 1 or more, not {pages}", f.file,
                          f.key_line("pages"))
        pages = None
    common = dict(id=name, kind=kind, title=title, pages=pages, accept=stories.accept(r, f),
                  pages_line=f.key_line("pages") if pages else None,
                  running_head=f.get("running_head", str, required=False, default=title),
                  source=r.rel(path),
                  closing=r.figure(f.sub("closing_photo", ["photo", "caption", "alt"],
                                            "closing_photo", required=False), f.file,
                                      caption=False))
    return entry.model(**common, **entry.read(r, f, folder))


def _cover(r, f, folder):
    photo = r.photo(f.get("photo", str), f.file, f.key_line("photo"))
    return dict(photo=photo)


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
        signature_role=signature.get("role", str, required=False, default="")
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
        opener = model.Opener(o.markdown("quote"), o.get("pointer", str, default=""),
                              refer, story,
                              by.get("name", str, default="") if by else "",
                              by.get("role", str, required=False, default="") if by else "",
                              r.figure(o.sub("photo", ["photo", "alt", "focus"],
                                             "the opener's `photo`", required=False),
                                       f.file, caption=False))
    return dict(colour=colour, opener=opener, intro=f.markdown("intro", block=True),
                sections=stories.sections(r, f, folder))


def _stories(r, f, folder):
    return dict(sections=stories.sections(r, f, folder))


def _finances(r, f, folder):
    def entity(data, line, what):
        e = Fields(data, f.file, r.report, ["name", "omzet", "subsidies", "total"], what)
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


def _locations(r, f, folder):
    provinces = []
    for i, data in enumerate(f.get("provinces", list, default=[])):
        p = Fields(data, f.file, r.report, ["name", "places"], f"province {i + 1}")
        places = p.get("places", list, default=[])
        provinces.append(model.Province(p.get("name", str, default=""),
                                        tuple(str(x) for x in places)))
    return dict(provinces=provinces)


def _board(r, f, folder):
    groups = []
    for i, data in enumerate(f.get("groups", list, default=[])):
        g = Fields(data, f.file, r.report, ["name", "members"], f"group {i + 1}")
        members = []
        for j, m in enumerate(g.get("members", list, default=[])):
            mf = Fields(m, f.file, r.report, ["name", "role"], f"member {j + 1}")
            members.append(model.Member(mf.get("name", str, default=""),
                                        mf.get("role", str, required=False, default="")))
        groups.append(model.BoardGroup(g.get("name", str, default=""), tuple(members)))
    return dict(groups=groups)


def _colophon(r, f, folder):
    return dict(printer=f.get("printer", str, required=False, default=""),
        **{key: f.markdown(key) for key in ("copyright", "scope", "mission", "sdgs")})


def _back_cover(r, f, folder):
    a = f.sub("address", ["name", "lines", "phone", "email"], "address")
    return dict(partners=f.markdown("partners"),
        address_name=a.get("name", str, default="") if a else "",
        address_lines=tuple(a.get("lines", list, default=[])) if a else (),
        phone=a.get("phone", str, required=False, default="") if a else "",
        email=a.get("email", str, required=False, default="") if a else "",
        follow=f.get("follow", str, required=False, default=""),
        website=r.urls.get("website", ""),
        social=tuple(f.get("social", list, required=False, default=[])))


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
    "cover": _kind("cover", ["photo"], model.CoverChapter, _cover),
    "online": _kind("online", ["text", "contents"], model.OnlineChapter, _online),
    "letter": _kind("letter", ["story", "signature"], model.LetterChapter, _letter),
    "domain": _kind("domain", ["colour", "opener", "intro", "sections"], model.DomainChapter,
                    _domain),
    "stories": _kind("stories", ["sections"], model.StoriesChapter, _stories),
    "finances": _kind("finances", ["entities", "grand_total", "footnote"],
                      model.FinancesChapter, _finances),
    "locations": _kind("locations", ["provinces"], model.LocationsChapter, _locations),
    "board": _kind("board", ["groups"], model.BoardChapter, _board),
    "colophon": _kind("colophon", ["printer", "copyright", "scope", "mission", "sdgs"],
                      model.ColophonChapter, _colophon),
    "back-cover": _kind("back-cover", ["partners", "address", "follow", "social"],
                        model.BackCoverChapter, _back_cover),
}
