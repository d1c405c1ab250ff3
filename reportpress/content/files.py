"""The content folder's files as the rest of content/ reads them: text and YAML (never from
outside the folder, never too big), photos (checked images listed in photos.yaml), and the
book-wide settings the chapters refer to (colours, notes, URLs)."""
import difflib
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .. import images, model, yamlfile
from .fields import Fields, shown

IMAGE_FORMATS = {"JPEG", "PNG"}
# Limits on what an editor can write, far above any real report's, so that a mistake (or a
# hostile file) is a content error naming its file instead of minutes of layout, swapping
# or a killed process. README.md in the content folder lists them for editors.
MAX_TEXT_BYTES = 200_000  # a story or YAML file (the longest story here: 4 kB)
MAX_PIXELS = 60_000_000  # a photo (the largest here: 16 megapixels)
# A story's figure: "" the standard panel, "large" a photo-led opening (figure.css sizes it)
FIGURE_SIZES = ("", "large")


class Reader:
    """Reads files of one content folder, reporting each problem to `report`."""

    def __init__(self, content_dir, report):
        self.dir, self.report = content_dir, report
        self.photos = {}
        self.unread = set()  # files that could not be read: what follows from them is not
        # report.yaml's settings, once read (chapters refer to them)
        self.colours, self.urls, self.notes = {}, {}, {}
        self.language, self.languages = None, ()  # the edition's, and the report's

    def read_yaml(self, path):
        text = self.read_text(path)
        return None if text is None else self.parse_yaml(text, self.rel(path))

    def parse_yaml(self, text, rel, first_line=1):
        """The YAML's data (None, reported, when it cannot be read), every key given twice
        at any depth reported at its line."""
        try:
            data = yamlfile.parse(text, first_line)
        except yamlfile.YAMLSyntaxError as error:
            self.report.error(str(error), rel, error.line, error.column)
            self.unread.add(rel)
            return None
        for key, line in yamlfile.duplicates(data):
            self.report.error(f"`{str(key)[:40]}` is given twice", rel, line,
                              hint="the second would silently win; keep one")
        return data

    def read_text(self, path, what="file"):
        """The text of a content file (a BOM allowed), or None: reported when it is missing,
        leads outside the content folder, is too big or is not UTF-8."""
        rel = self.rel(path)
        self.unread.add(rel)  # (until it is read)
        if not self.confined(path, rel, None, what):
            return None
        if not path.is_file():
            self.report.error(f"{what} not found", rel)
            return None
        if path.stat().st_size > MAX_TEXT_BYTES:
            self.report.error(f"{what} is {path.stat().st_size:,} bytes; at most "
                              f"{MAX_TEXT_BYTES:,}", rel, hint="split it up")
            return None
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[:error.start].count(b"\n") + 1
            self.report.error(f"not UTF-8 text: byte {data[error.start]:#04x} cannot be read",
                              rel, line, hint="save the file as UTF-8")
            return None
        self.unread.discard(rel)
        return text.removeprefix("\ufeff")  # a byte order mark, as some editors write

    def confined(self, path, file, line, what):
        """Whether `path` really is inside the content folder (a link may lead out of it);
        reported at `file`:`line` when not."""
        if Path(path).resolve().is_relative_to(self.dir):
            return True
        self.report.error(f"{what} {self.rel(path)} leads outside content/ (a link?)", file,
                          line, hint="content is read from the content folder only")
        return False

    def rel(self, path):
        """The path as the editor sees it: from the content folder's parent (content/…)."""
        for candidate in (Path(path), Path(path).resolve()):
            if candidate.is_relative_to(self.dir.parent):
                return candidate.relative_to(self.dir.parent)
        return Path(path)

    def photo_registry(self):
        path = self.dir / "photos.yaml"
        if not path.exists():
            return {}
        data = self.read_yaml(path)
        if data is not None and not isinstance(data, dict):
            self.report.error("photos.yaml must map each photo id to its file, credit and "
                              "licence", self.rel(path), 1)
            return {}
        photos = {}
        for photo_id, entry in (data or {}).items():
            f = Fields(entry, self.rel(path), self.report, ["file", "credit", "licence"],
                       f"photo `{photo_id}`")
            file = self.image_path(f.get("file", str, default=""), f.file, f.key_line("file"))
            if file:
                photos[photo_id] = model.Photo(photo_id, file, f.get("credit", str, default=""),
                                               f.get("licence", str, default=""),
                                               f.file, f.key_line("file"))
        return photos

    def image_path(self, name, file, line):
        """A path inside the content folder that holds a JPEG or PNG, or None (reported)."""
        if not name:
            return None
        candidate = Path(name)
        if candidate.is_absolute() or ".." in candidate.parts:
            self.report.error(f"image path {name!r} must be relative and stay inside content/",
                              file, line)
            return None
        path = (self.dir / candidate).resolve()
        if not path.is_relative_to(self.dir):
            self.report.error(f"image {name!r} leads outside content/ (a link?)", file, line)
            return None
        if not path.is_file():
            self.report.error(f"image {name!r} not found", file, line,
                              hint=f"looked for {self.rel(path)}")
            return None
        try:
            with warnings.catch_warnings():  # (a huge image: refused below, by its size)
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    image_format, size = image.format, image.size
                    transparent = images.has_alpha(image)
                    image.verify()
        except Image.DecompressionBombError:
            size, image_format, transparent = None, None, False
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            self.report.error(f"{name!r} is not a readable image", file, line)
            return None
        if size is None or size[0] * size[1] > MAX_PIXELS:
            self.report.error(f"{name!r} has too many pixels" + (
                f" ({size[0]} × {size[1]})" if size else "") + f"; at most "
                f"{MAX_PIXELS // 1_000_000} megapixels", file, line,
                hint="scale it down: print needs at most 450 ppi at full page")
            return None
        if image_format not in IMAGE_FORMATS:
            self.report.error(f"{name!r} is {image_format}; use JPEG or PNG", file, line)
            return None
        if transparent:
            self.report.warn(f"{name!r} has transparent areas: they are printed white", file,
                             line, hint="save it without transparency to choose otherwise")
        return path

    def figure(self, fig, file, caption=True):
        """A photo with caption (and alt text) from a `figure:`-like mapping, or None.
        Without `caption`, the caption may be left out (a closing photo needs none)."""
        if not fig:
            return None
        photo = self.photo(fig.get("photo", str), file, fig.key_line("photo"))
        if not photo:
            return None
        size = fig.get("size", str, required=False, default="")
        if size not in FIGURE_SIZES:
            self.report.error(f"`size` must be {' or '.join(filter(None, FIGURE_SIZES))}, "
                              f"not {shown(size)}", file, fig.key_line("size"))
            size = ""
        return model.Figure(photo, fig.markdown("caption", required=caption),
                            fig.get("alt", str, required=False, default=""), size)

    def photo(self, photo_id, file, line):
        if photo_id not in self.photos and self.rel(self.dir / "photos.yaml") in self.unread:
            return None  # (photos.yaml could not be read: that is the one error to show)
        if photo_id not in self.photos:
            close = difflib.get_close_matches(str(photo_id), list(self.photos), n=1)
            self.report.error(f"unknown photo `{photo_id}`", file, line,
                              hint=f"did you mean `{close[0]}`?" if close
                              else "photos are listed in photos.yaml")
            return None
        return self.photos[photo_id]
