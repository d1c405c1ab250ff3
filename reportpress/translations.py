"""`make_pdf.py translations`: what each of the report's other languages still lacks —
texts and stories missing, figures and paragraphs that differ from the main language, and
translations older than their source — and `--mark-current FILE` to record that a
translated story is up to date with its source (its `source:` fingerprint)."""
import argparse
import os
import re
import sys
from pathlib import Path

from . import PROJECT, content
from .content import translations
from .content.fields import TRANSLATION
from .errors import ContentError


def parser():
    p = argparse.ArgumentParser(
        prog="make_pdf.py translations",
        description="List, per language, what its edition lacks or has older than the main "
                    "language (exit code 2 when anything does); or mark translations current.")
    p.add_argument("--content", type=Path, default=PROJECT / "content", metavar="DIR",
                   help="content folder (default: content/)")
    p.add_argument("--mark-current", nargs="+", type=Path, metavar="FILE",
                   help="translated stories (<story>.<language>.md) checked against their "
                        "source: record the source's fingerprint in their `source:`")
    return p


def main(argv=None):
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        book, _ = content.load(args.content)
    except ContentError as error:
        return _failed(error.problems)
    if args.mark_current:
        return mark_current(book, args.mark_current)
    gaps = 0
    for language in book.languages[1:]:
        found = gaps_in(args.content, book, language)
        gaps += len(found)
        print(f"{language}: " + (f"{len(found)} gap(s)" if found else "complete and current"))
        for problem in found:
            print(f"  {problem}")
    if len(book.languages) < 2:
        print(f"one language ({book.language}): nothing to translate")
    return 2 if gaps else 0


def gaps_in(content_dir, book, language):
    """The problems of the `language` edition that are about its translation, and the
    translated stories never marked current."""
    try:
        _, report = content.load(content_dir, language)
        found = report.warnings
    except ContentError as error:
        found = error.problems
    found = [problem for problem in found if problem.rule == TRANSLATION]
    for _, story in book.stories():
        main = book.content_dir.parent / story.source
        path = translations.path_of(main, language)
        if path.is_file() and not _recorded(path.read_text(encoding="utf-8")):
            found.append(content.Problem(  # (a build does not warn: it cannot know)
                "never marked current: whether it matches its source is not known",
                path.relative_to(book.content_dir.parent), 1, rule=TRANSLATION,
                hint="check it, then `make_pdf.py translations --mark-current "
                f"{os.path.relpath(path)}`"))
    return found


def _recorded(text):
    header = translations.split(text)[0] or ""
    return re.search(r"^source:\s*\S", header, re.MULTILINE)


def mark_current(book, paths):
    """Write each translation's `source:`: the fingerprint of its main file as it is now."""
    problems = []
    for path in paths:
        path = Path(path).resolve()
        match = re.fullmatch(r"(.+)\.([A-Za-z-]+)\.md", path.name)
        main = path.with_name(f"{match[1]}.md") if match else None
        if (not match or match[2] not in book.languages[1:] or not main.is_file()
                or not path.is_file() or not path.is_relative_to(book.content_dir)):
            problems.append(content.Problem(
                "not a translated story of this report: <story>.<language>.md beside "
                "<story>.md, in one of " + ", ".join(book.languages[1:]), path))
            continue
        source = translations.fingerprint(main.read_text(encoding="utf-8"))
        path.write_text(with_source(path.read_text(encoding="utf-8"), source),
                        encoding="utf-8")
        print(f"marked current: {path} (source {source})")
    return _failed(problems) if problems else 0


def with_source(text, source):
    """The story's text with `source: <fingerprint>` in its header (added or replaced)."""
    header, _, body, _ = translations.split(text)
    if header is None or not text.startswith("---\n"):
        return f"---\nsource: {source}\n---\n\n{text}"
    if re.search(r"^source:.*$", header, re.MULTILINE):
        header = re.sub(r"^source:.*$", f"source: {source}", header, count=1,
                        flags=re.MULTILINE)
    else:
        header = f"source: {source}\n{header}"
    return f"---\n{header}\n---\n{body}"


def _failed(problems):
    print(f"{len(problems)} content problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  error: {problem}", file=sys.stderr)
    return 2
