"""Text the fonts cannot set: every character of the content against the fonts' cmaps.

Run before layout, because the renderer would otherwise drop the character silently or set
it in another font. Fonts are only ever those in fonts/ (see render.py).
"""
import dataclasses
import unicodedata
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from . import model
from .problems import Problem

# Characters that are layout, not glyphs: line breaks, spaces the shaper handles itself.
IGNORED = set("\n\r\t\u00ad\u200b\u200c\u200d\ufeff")


@cache
def coverage(font_dir):
    """Code points every font file in font_dir can set (the weakest weight decides)."""
    maps = [_code_points(path) for path in sorted(Path(font_dir).glob("**/*.[ot]tf"))]
    return frozenset(set.intersection(*maps)) if maps else frozenset()


def _code_points(path):
    return set(by_number(TTFont(path, lazy=True)).getBestCmap())


def by_number(font):
    """The TTFont with its glyphs named by number ("glyph12"): reading the cmap, fontTools
    would first name every glyph (a font without glyph names: from the cmap itself), four
    times as long as the rest."""
    font.setGlyphOrder([f"glyph{index}" for index in range(font["maxp"].numGlyphs)])
    return font


@cache
def _settable(font_dir):
    """The characters the fonts can set, and those that are layout, not glyphs."""
    return frozenset(map(chr, coverage(font_dir))) | IGNORED


def check(book, font_dir):
    """Problems for each character the fonts lack, with code point, file, line and story."""
    covered = _settable(font_dir)
    problems, seen = [], set()
    for source, story_id, text in _texts(book):
        for char in sorted(set(text) - covered, key=text.index):  # (in order of appearance)
            if (source, char) in seen:
                continue
            seen.add((source, char))
            name = unicodedata.name(char, "unnamed character")
            where = f" in story `{story_id}`" if story_id else ""
            problems.append(Problem(
                f"the fonts cannot set {char!r} (U+{ord(char):04X} {name}){where}",
                source, _line_of(book.content_dir, source, char),
                hint="replace it, or add a font that has it to fonts/"))
    return problems


def _texts(book):
    """(file, story id, text) for every string in the model that gets printed."""
    yield Path(book.content_dir.name) / "report.yaml", None, book.title + book.organisation
    # the layout's words (a report may give its own, in strings.yaml)
    yield Path(book.content_dir.name) / "strings.yaml", None, "".join(book.strings.values())
    for chapter in book.chapters:
        for section in getattr(chapter, "sections", []) + [getattr(chapter, "story", None)]:
            if isinstance(section, model.Story):
                yield from ((section.source, section.id, t) for t in _strings(section))
        yield from ((chapter.source, None, t) for t in _strings(
            chapter, skip=("sections", "story")))


def _strings(value, skip=()):
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            if field.name not in skip and field.name not in ("id", "source", "kind"):
                yield from _strings(getattr(value, field.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _line_of(content_dir, source, char):
    path = Path(content_dir).parent / source
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if char in line:
                return number
    except OSError:
        pass
    return None
