"""A story in the report's other languages: `<story>.<language>.md` beside `<story>.md`.

The main language's file holds the story's structure (its photo, QR address, `online:`,
`interview:`); a translation holds only its texts: the body, and in its header `title`,
`figure: {caption, alt}`, `qr: {text}` and `source:`, a fingerprint of the main file it was
translated from (`make_pdf.py translations --mark-current FILE` writes it).

A translation that is missing, says other figures (numbers) than its source, has another
number of paragraphs, or is older than its source is a problem with file and line: an error
where the edition being built has no text to print, else a warning (rule `translation`).
The main language's edition checks every language's, so one build lists every gap at once.
"""
import dataclasses
import hashlib
import re
from collections import Counter
from pathlib import Path

from .. import prose, yamlfile
from .fields import TRANSLATION, Fields

# A figure as a language writes it: 24.422 (nl), 24 422 (fr), 24,422 (en), 3,5 or 3.5.
# A separator before exactly three digits groups thousands; any other is a decimal point.
FIGURE = re.compile(r"\d+(?:[.,](?=\d)\d+|[ \u00a0\u202f](?=\d{3}(?!\d))\d{3})*")
HEADER = ["source", "title", "figure", "qr", "accept"]


def path_of(main, language):
    """bionda-tram-200.md → bionda-tram-200.fr.md"""
    return main.with_name(f"{main.stem}.{language}.md")


def fingerprint(text):
    """What a translation records of its source (`source:`): changed when the text is."""
    return hashlib.sha256(text.replace("\r\n", "\n").strip().encode()).hexdigest()[:12]


def in_edition(r, path, story):
    """The story in the edition's language (its translation read, where that is not the
    main one), its translations compared with it; None where it cannot be printed."""
    if story is None or len(r.languages) < 2:
        return story
    main, source = r.languages[0], story
    for language in r.languages[1:]:
        if r.language not in (main, language):  # (an edition checks its own language)
            continue
        translated = path_of(path, language)
        if not translated.is_file():
            told = r.report.error if language == r.language else r.report.warn
            told(f"story `{story.id}` has no {language} translation ({translated.name})",
                 r.rel(path), 1, rule=TRANSLATION,
                 hint=f"write {translated.name} beside it (its header: title, and the "
                 "figure's caption and alt)")
            continue
        text = r.read_text(translated, "the translated story")
        if text is None:
            continue
        if language == r.language:
            story = read(r, translated, text, source, language) or story
        compare(r, path, translated, text, language)
    return story


def split(text):
    """(header text, its first line, body, body's first line) of a Markdown file with a
    YAML header between `---` lines; (None, …) where the header is not closed."""
    if not text.startswith("---\n"):
        return "", 2, text, 1
    end = text.find("\n---\n", 4)
    if end < 0:
        return None, 2, text, 1
    return text[4:end], 2, text[end + 5:], text[: end + 5].count("\n") + 1


def read(r, path, text, source, language):
    """The story with the texts of its translation at `path`; None (reported) where the
    translation cannot be read."""
    from . import stories

    rel = r.rel(path)
    header_text, header_line, body, body_line = split(text)
    if header_text is None:
        r.report.error("the YAML header has no closing `---` line", rel, 1)
        return None
    header = r.parse_yaml(header_text, rel, first_line=header_line) or {}
    if rel in r.unread:
        return None
    f = Fields(header, rel, r.report, HEADER, "the translation's header", written_in=language)
    figure = source.figure
    if figure:
        needs = bool(figure.caption or figure.alt)
        fig = f.sub("figure", ["caption", "alt"], "figure", required=needs)
        if fig:
            figure = dataclasses.replace(
                figure, caption=fig.markdown("caption", required=bool(figure.caption)),
                alt=fig.get("alt", str, required=bool(figure.alt), default=""))
    qr = source.qr
    if qr and qr.text:
        q = f.sub("qr", ["text"], "qr")
        qr = dataclasses.replace(qr, text=q.get("text", str, default="") if q else "")
    for key, what in (("figure", source.figure), ("qr", source.qr and source.qr.text)):
        if key in header and not what:
            r.report.error(f"`{key}:` is not in {source.source.name}, the story's main file: "
                           "a translation gives the texts of what is there, no more", rel,
                           f.key_line(key), hint="add it to the main file first")
    stale(r, f, source, rel)
    if not body.strip():
        r.report.error("the story has no text", rel, body_line)
    for problem, offset in prose.check(body):
        r.report.error(problem, rel, body_line + offset)
    return dataclasses.replace(source, title=f.markdown("title"), body=body, source=rel,
                               body_line=body_line, figure=figure, qr=qr,
                               accept=source.accept + stories.accept(r, f))


def stale(r, f, source, rel):
    """A translation older than its source (the source changed since `source:` was
    written) is a warning."""
    recorded = f.get("source", str, required=False)
    main = r.read_text(r.dir.parent / source.source, "the story file") or ""
    if recorded and recorded != fingerprint(main):
        r.report.warn(f"{source.source.name} changed since this translation was marked "
                      "current: check it against the source", rel, f.key_line("source"),
                      rule=TRANSLATION, hint="then `make_pdf.py translations "
                      f"--mark-current {rel}`")


def compare(r, main_path, path, text, language):
    """The translation's paragraphs and figures against its source's: each difference a
    warning at its line (a paragraph missing, a figure changed)."""
    main_text = r.read_text(main_path, "the story file") or ""
    ours, theirs = blocks(split(main_text)), blocks(split(text))
    main_rel, rel = r.rel(main_path), r.rel(path)
    if len(ours) != len(theirs):
        at = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False))
                   if a[1] != b[1] or Counter(a[2]) != Counter(b[2])), min(len(ours),
                                                                          len(theirs)))
        line = theirs[min(at, len(theirs) - 1)][0] if theirs else 1
        missing = f"{main_rel}:{ours[at][0]}" if at < len(ours) else "nothing there"
        r.report.warn(f"{len(theirs)} paragraph(s), its source {main_rel.name} has "
                      f"{len(ours)}: the first that differs is here ({missing} in "
                      f"{r.languages[0]})", rel, line, rule=TRANSLATION,
                      hint="translate every paragraph, one for one")
        pairs = [(ours, theirs, line)]
    else:
        pairs = [([a], [b], b[0]) for a, b in zip(ours, theirs, strict=True)]
    for mine, yours, line in pairs:
        a = Counter(f for block in mine for f in block[2])
        b = Counter(f for block in yours for f in block[2])
        if a != b:
            r.report.warn(
                f"the figures differ from {main_rel.name}"
                + (f":{mine[0][0]}" if len(mine) == 1 else "") + ": "
                + "; ".join(filter(None, [
                    _listed(a - b, f"{r.languages[0]} has"),
                    _listed(b - a, f"{language} has")])),
                rel, line, rule=TRANSLATION, hint="a figure is written once: check both")


def _listed(figures, says):
    return f"{says} {', '.join(sorted(figures.elements()))}" if figures else ""


def blocks(parts):
    """[(first line, kind, [figures])] of each block of a Markdown body (a paragraph, a
    heading, a quote or a list, blank lines between), its title counted as a block."""
    header_text, header_line, body, body_line = parts
    found = []
    try:
        header = yamlfile.parse(header_text or "", header_line) or {}
    except yamlfile.YAMLSyntaxError:
        header = {}
    if isinstance(header, dict) and isinstance(header.get("title"), str):
        found.append((header.key_lines.get("title", 1), "title", figures(header["title"])))
    lines = body.split("\n")
    start = None
    for index, line in enumerate(lines + [""]):
        if line.strip() and start is None:
            start = index
        elif not line.strip() and start is not None:
            text = "\n".join(lines[start:index])
            found.append((body_line + start, _kind(text), figures(text)))
            start = None
    return found


def _kind(text):
    first = text.lstrip()[:2]
    return ("heading" if first.startswith("#") else "quote" if first.startswith(">")
            else "list" if first[:1] in "-*" or first[:1].isdigit() and "." in text[:4]
            else "paragraph")


def figures(text):
    """Every figure in a text, written one way (24.422, 24 422 and 24,422 as 24422; 3,5
    as 3.5), links left out (an address is no figure)."""
    text = re.sub(r"https?://\S+", "", text)
    return [_plain(found) for found in FIGURE.findall(text)]


def _plain(figure):
    figure = re.sub(r"[ .,\u00a0\u202f](?=\d{3}(?!\d))", "", figure)
    return figure.replace(",", ".")


def check_only_translated(book, report):
    """A `<story>.<language>.md` whose story the chapter does not list is never printed:
    a warning (in the main edition and in that language's)."""
    main = book.languages[0] if book.languages else book.language
    listed = {(chapter.id, story.id) for chapter, story in book.stories()}
    for chapter in book.chapters:
        folder = Path(book.content_dir) / chapter.id
        for language in book.languages[1:]:
            if book.language not in (main, language):
                continue
            for path in sorted(folder.glob(f"*.{language}.md")):
                story_id = path.name[: -len(f".{language}.md")]
                if (chapter.id, story_id) not in listed:
                    report.warn(f"a {language} story with no story `{story_id}` in the "
                                f"chapter: it is printed in no edition",
                                Path(book.content_dir.name) / chapter.id / path.name, 1,
                                rule=TRANSLATION,
                                hint=f"list `{story_id}` in {chapter.source} and write "
                                f"{story_id}.md, or remove the file")

