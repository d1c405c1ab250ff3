"""The pages of the chunk in view, drawn and shown while the rest is still being laid out."""
import dataclasses
import io
import threading
import traceback

from PIL import Image

from .. import pipeline, pixels
from .settings import DPI


class EarlyPages:
    """The chunk laid out first after a save to the layout (the one in view): its pages
    drawn here, on a thread of their own while the workers lay out the others, and shown
    as soon as they are, the spread in view first (Proofer.show_first)."""

    def __init__(self, proofer, attempt):
        self.proofer, self.attempt = proofer, attempt
        self.sources, self.drawn, self.thread = set(), [], None

    def start(self, part, first_page, sources):
        """(pipeline.build's first_laid_out: in the builder's thread, so not drawn here)"""
        self.sources = set(sources)
        self.thread = threading.Thread(target=self._draw, args=(part, first_page, sources),
                                       daemon=True, name="first-shown")
        self.thread.start()

    def _draw(self, part, first_page, sources):
        proofer = self.proofer
        with proofer.lock:
            shown = proofer._rendering.pages if proofer._rendering else []
        seen = {page.digest for page in shown}
        looks = {page.look: page.digest for page in shown if page.look}
        alike = {page.digest: page for page in shown}
        view = proofer.view or first_page  # (the first page of its spread)
        in_view = {view - first_page, view + 1 - first_page} if view % 2 == 0 else {
            view - first_page}
        spread = [index for index in range(len(sources)) if index in in_view]
        rest = [index for index in range(len(sources)) if index not in in_view]
        drawn = {}
        try:
            for indexes in (spread, rest):
                if not indexes:
                    continue
                pages = pixels.draw_part(part, sources, indexes, DPI, True,
                                         pipeline.lighter_photos(), seen, looks)
                for index, page in zip(indexes, pages, strict=True):
                    if page.image is None and page.png is not None:  # (packed: unpack)
                        page.image = Image.open(io.BytesIO(page.png))
                    self.drawn.append(page)
                    if page.image is None and page.digest in alike:  # looks as one shown
                        page = dataclasses.replace(alike[page.digest], source=page.source)
                    if page.image is not None:
                        drawn[index] = page
                proofer.show_first(self.attempt, dict(drawn), first_page, len(sources))
        except Exception:  # (the build goes on; its pages are shown when it is done)
            traceback.print_exc()

    def pages(self):
        """The pages drawn (for pixels.read: not drawn again)."""
        self.done()
        return list(self.drawn)

    def done(self):
        if self.thread:
            self.thread.join()
