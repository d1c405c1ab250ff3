"""A proof build and its pages, as the proof page is told them."""
import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime


def now():
    return datetime.now().strftime("%H:%M:%S")


@dataclass
class ShownPage:
    """A page as the proof page gets it."""
    number: int
    digest: str  # (the first 24 hex digits of its pixels' hash)
    image: str  # its PNG's URL
    width: int
    height: int
    changed: bool  # looks different from the same page of the build shown before
    warnings: list = field(default_factory=list)  # (as text)
    stale: bool = False  # of the build before: its chunk is still being laid out again


@dataclass
class Build:
    """A build as the proof page gets it (`data()`: as JSON)."""
    number: int  # the attempt it came from
    when: str
    seconds: float
    title: str
    pdf: str  # URL of its PDF
    pdf_name: str
    page_count: int
    pages: list  # of ShownPage, in page order
    chapters: list  # [{"id", "title", "page"}]
    warnings: list  # those on no page (as text)
    accepted: list  # the layout audit's findings the content accepts (Finding.data())
    content: str  # the content folder
    # the numbers of the pages laid out anew and shown so far, while the rest of the
    # report is still being rebuilt (its pages marked `stale`); None: a finished build
    rebuilding: list | None = None

    def data(self):
        return dataclasses.asdict(self)

    def copy(self):
        """A copy whose lists of warnings can be added to (the page may be reading this)."""
        return dataclasses.replace(self, warnings=list(self.warnings), pages=[
            dataclasses.replace(page, warnings=list(page.warnings)) for page in self.pages])


def drawn_pages(futures):
    """The pages the workers drew (none of a part that failed: those are drawn here)."""
    pages = []
    for future in futures:
        with contextlib.suppress(Exception):
            pages += future.result()
    return pages
