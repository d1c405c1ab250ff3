"""A chapter's sections: its stories (Markdown with a YAML header) and key-figure panels,
and the `accept:` entries stories and chapters may carry."""
import re

from .. import audit, model, prose
from . import translations
from .fields import STORY_ID, Fields


def sections(r, f, folder):
    items = f.get("sections", list, default=[])
    if not items and f.ok:
        r.report.error("chapter has no sections", f.file, f.line,
                          hint="list its stories under `sections:`")
    sections = []
    for data, line in zip(items, getattr(items, "item_lines", []), strict=False):
        if isinstance(data, dict) and "key_figures" in data:
            sections.append(key_figures(r, data, f.file))
        elif isinstance(data, dict) and "story" in data:
            Fields(data, f.file, r.report, ["story"], "a section")
            found = story(r, folder, data["story"], f.file, line)
            if found:
                sections.append(found)
        else:
            r.report.error("a section is `- story: <id>` or `- key_figures: [...]`",
                              f.file, line)
    return sections


def key_figures(r, data, file):
    Fields(data, file, r.report, ["key_figures"], "a key-figure section")
    figures = []
    items = data["key_figures"]
    if not isinstance(items, list) or not items:
        r.report.error("`key_figures` must be a list of figures", file, data.line)
        return model.KeyFigurePanel(())
    for item in items:
        k = Fields(item, file, r.report, ["value", "label", "note", "parts", "previous"],
                   "a key figure")
        note = k.get("note", str, required=False)
        if note and note not in r.notes:
            r.report.error(f"unknown note `{note}`", file, k.key_line("note"),
                              hint="notes are defined in report.yaml")
        parts = []
        for p in k.get("parts", list, required=False, default=[]):
            pf = Fields(p, file, r.report, ["value", "label"], "a part")
            parts.append(model.Part(pf.get("value", int, default=0), pf.markdown("label")))
        figure = model.KeyFigure(k.get("value", int, default=0), k.markdown("label"), note,
                                 tuple(parts), k.get("previous", int, required=False))
        figure_line = k.line
        figures.append(figure)
        if parts and sum(p.value for p in parts) != figure.value:
            r.report.warn(
                f"key figure “{figure.label}”: parts add up to "
                f"{sum(p.value for p in parts)}, the figure says {figure.value}",
                file, figure_line)
    return model.KeyFigurePanel(tuple(figures))


def story(r, folder, story_id, file, line):
    if not isinstance(story_id, str) or not STORY_ID.match(story_id):
        r.report.error(f"story id {story_id!r} must be lowercase words joined by -",
                          file, line)
        return None
    path = folder / f"{story_id}.md"
    if not r.confined(path, file, line, "story file"):
        return None
    if not path.is_file():
        r.report.error(f"story `{story_id}` has no file {r.rel(path)}", file, line)
        return None
    return translations.in_edition(r, path, read_story(r, path, story_id))


def read_story(r, path, story_id):
    rel = r.rel(path)
    text = r.read_text(path, "the story file")
    if text is None:
        return None
    header, body, body_line = {}, text, 1
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            r.report.error("the YAML header has no closing `---` line", rel, 1)
            return None
        header = r.parse_yaml(text[4:end], rel, first_line=2) or {}
        if rel in r.unread:  # (its YAML cannot be read)
            return None
        body_line = text[: end + 5].count("\n") + 1
        body = text[end + 5:]
    f = Fields(header, rel, r.report, ["title", "online", "interview", "figure", "qr",
                                          "accept"], "the story header",
               written_in=r.languages[0] if r.languages else None)  # (translations: .fr.md)
    figure = r.figure(f.sub("figure", ["photo", "caption", "alt", "size"], "figure",
                               required=False), rel)
    qr = None
    q = f.sub("qr", ["url", "text", "unconfirmed"], "qr", required=False)
    if q:
        url = q.get("url", str, default="")
        if url and not re.match(r"https?://[^\s<>\"']+$", url):
            r.report.error("qr url must be a web address starting with https://",
                              rel, q.key_line("url"))
        unconfirmed = q.get("unconfirmed", str, required=False, default="")
        if unconfirmed:  # every build says so, until an editor confirms the address
            r.report.warn(f"the QR code's address {url} is not confirmed: "
                             f"{unconfirmed}", rel, q.key_line("unconfirmed"),
                             hint="remove `unconfirmed:` once it is")
        qr = model.QRCode(url, q.get("text", str, required=False, default=""),
                          unconfirmed)
    if not body.strip():
        r.report.error("the story has no text", rel, body_line)
    for problem, offset in prose.check(body):
        r.report.error(problem, rel, body_line + offset)
    return model.Story(
        id=story_id, title=f.markdown("title") or story_id, body=body, source=rel,
        body_line=body_line, online=f.get("online", bool, required=False, default=False),
        interview=f.get("interview", bool, required=False, default=False),
        figure=figure, qr=qr, accept=accept(r, f))


def accept(r, f):
    """`accept:` entries: layout-audit findings the content accepts, each naming its
    rule, with the reason (and optionally the page)."""
    items = f.get("accept", list, required=False, default=[])
    accepted = []
    for item, line in zip(items, getattr(items, "item_lines", []), strict=False):
        a = Fields(item, f.file, r.report, ["rule", "reason", "page"], "an `accept:`")
        rule = a.get("rule", str, default="")
        if a.ok and rule not in audit.RULES:
            r.report.error(f"`accept:` names no audit rule: `{rule}`", f.file, line,
                              hint="rules: " + ", ".join(audit.RULES))
        accepted.append(model.Acceptance(rule, a.get("reason", str, default=""),
                                         a.get("page", int, required=False)))
    return tuple(accepted)
