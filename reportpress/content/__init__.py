"""Read a content folder into the model, checking everything an editor can get wrong.

Every problem is collected with its file and line, so an editor sees all of them at once.
`files.py` reads the folder's files and photos, `settings.py` report.yaml, `chapters.py`
each chapter by its kind (KINDS, the registry), `stories.py` their stories and key
figures, `checks.py` what only the whole book can show.
"""
from pathlib import Path

from ..problems import Problem, Problems
from . import checks, settings, translations
from .chapters import KINDS
from .fields import EDITION
from .files import Reader

__all__ = ["KINDS", "Problem", "load"]


def load(content_dir, language=None):
    """Read content_dir into a model.Book in `language`, one of report.yaml's `languages`
    (None: the main one): one Book per edition. Returns (book, problems); raises
    ContentError."""
    content_dir = Path(content_dir).resolve()
    report = Problems()
    if not (content_dir / "report.yaml").is_file():
        report.error(f"no report.yaml in {content_dir}", hint="is this a content folder?")
        report.raise_if_errors()
    token = EDITION.set(EDITION.get())
    try:
        book = settings.book(Reader(content_dir, report), language)
    finally:
        EDITION.reset(token)
    report.raise_if_errors()
    checks.check_references(book, report)
    checks.check_figures(book, report)
    checks.check_photos_once(book, report)
    checks.check_spread_crops(book, report)
    translations.check_only_translated(book, report)
    report.raise_if_errors()
    return book, report
