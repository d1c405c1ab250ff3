"""Checks across the whole book, once every file is read: references between chapters and
stories, photos placed once, spread photos whose subject the spine would cut, totals that
add up."""
import difflib
import re
from pathlib import Path

from .. import model, words


def check_references(book, report):
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


def check_photos_once(book, report):
    """A photo printed twice reads as a mistake: each is placed once (cover, opener, story
    figures, the board's photo and closing photos together)."""
    placed = {}
    for chapter in book.chapters:
        for photo in model.chapter_photos(chapter):
            if photo.id in placed:
                report.warn(f"photo `{photo.id}` is placed twice (also in "
                            f"{placed[photo.id]}): each photo appears once", chapter.source)
            placed.setdefault(photo.id, chapter.source)


def check_spread_crops(book, report):
    """A photo across a spread whose subject compose.spread_crop cannot keep off the spine
    (not by moving the crop, nor by enlarging the photo as far as it may) would be cut by
    the fold: a warning on the story's `focus:` line (or its `figure:`)."""
    from .. import compose  # (compose reads the content: imported when the book is read)

    for _, story in book.stories():
        if story.opening != "spread" or not story.figure:
            continue
        crop = compose.spread_crop(story.figure, book.trim_width_mm, book.trim_height_mm,
                                   book.bleed_mm)
        if not crop.subject_off_gutter:
            file = book.content_dir.parent / story.source
            report.warn(f"the spread photo `{story.figure.photo.id}`: its subject cannot be "
                        "kept off the spine, where the fold cuts it", story.source,
                        _header_line(file, ("focus", "figure")),
                        hint="set `focus:` where the subject is, or choose a wider photo or "
                        "another opening")


def _header_line(file, keys):
    """The line of the first of `keys` in a story's YAML header (None: not there)."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    ends = [i for i, line in enumerate(lines) if line.strip() == "---"]
    header = lines[:ends[1]] if len(ends) > 1 else lines
    for key in keys:
        for number, line in enumerate(header, 1):
            if re.match(rf"\s*{key}\s*:", line):
                return number
    return None


def check_figures(book, report):
    """Totals that do not add up are warnings with both numbers, on the line of the stated
    figure; the stated figure is printed."""
    for chapter in book.chapters:
        if not isinstance(chapter, model.FinancesChapter):
            continue
        entities = list(chapter.entities)
        for entity in entities + ([chapter.grand_total] if chapter.grand_total else []):
            for figures in entity.figures:
                _check_total(entity, figures, chapter.source, book, report)
        if chapter.grand_total and entities:
            _check_whole(chapter, book, report)


def _check_total(entity, figures, source, book, report):
    if figures.stated_total is None or figures.stated_total == figures.computed_total:
        return
    labels = " + ".join(line.label for line in figures.group.lines)
    report.warn(f"{_who(entity, figures)}: {labels} = {_n(figures.computed_total, book)}, "
                f"stated total {_n(figures.stated_total, book)} (the stated total is printed)",
                source, figures.total_line)


def _check_whole(chapter, book, report):
    """The grand total's every figure against the entities' figures added up."""
    grand = chapter.grand_total
    for g, stated in enumerate(grand.figures):
        parts = [e.figures[g] for e in chapter.entities]
        for i, line in enumerate(stated.group.lines):
            _check_sum(grand, stated, line.label, sum(p.amounts[i] for p in parts),
                       stated.amounts[i], stated.lines[i] if stated.lines else None,
                       chapter.source, book, report)
        if stated.stated_total is not None:
            _check_sum(grand, stated, "totals", sum(p.total for p in parts),
                       stated.stated_total, stated.total_line, chapter.source, book, report)


def _check_sum(grand, figures, label, parts, stated, line, source, book, report):
    if parts != stated:
        report.warn(f"{_who(grand, figures)}: the entities’ {label} add up to "
                    f"{_n(parts, book)}, stated {_n(stated, book)} (the stated figure is "
                    "printed)", source, line)


def _who(entity, figures):
    """An entity's name, and its group's where the report has several."""
    return f"{entity.name} ({figures.group.label})" if figures.group.label else entity.name


def _n(value, book):
    """A figure as the editor sees it in print (24.422 in a Dutch report)."""
    return words.number(value, book.locale)
