"""Read a content folder into the model, checking everything an editor can get wrong.

Every problem is collected with its file and line, so an editor sees all of them at once.
`files.py` reads the folder's files and photos, `settings.py` report.yaml, `chapters.py`
each chapter by its kind (KINDS, the registry), `stories.py` their stories and key
figures, `checks.py` what only the whole book can show.
"""
from pathlib import Path

from ..problems import Problems
from . import checks, settings
from .chapters import KINDS
from .files import Reader

__all__ = ["KINDS", "load"]


def load(content_dir):
    """Read content_dir into a model.Book. Returns (book, problems); raises ContentError."""
    content_dir = Path(content_dir).resolve()
    report = Problems()
    if not (content_dir / "report.yaml").is_file():
        report.error(f"no report.yaml in {content_dir}", hint="is this a content folder?")
        report.raise_if_errors()
    book = settings.book(Reader(content_dir, report))
    report.raise_if_errors()
    checks.check_references(book, report)
    checks.check_figures(book, report)
    checks.check_photos_once(book, report)
    report.raise_if_errors()
    return book, report
