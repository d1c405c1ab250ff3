"""Typed, checked access to the YAML an editor writes: each value of the wrong type, out of
range or unknown is a problem with its file and line, and reading goes on."""
import difflib
import math
import re
import reprlib

from .. import prose

STORY_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # a story's or chapter folder's name
TYPE_NAMES = {str: "text", int: "a whole number", bool: "true or false",
              list: "a list", dict: "a mapping (key: value lines)", object: "a value"}
# report.yaml's numbers: (smallest, largest) in mm, or the year
RANGES = {"width_mm": (50, 600), "height_mm": (50, 600), "bleed_mm": (0, 10),
          "year": (1900, 2999)}
_SHORT = reprlib.Repr()  # a value shown in a message: never the whole of a huge one
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlevel = (
    40, 40, 4, 4, 2)


def shown(value):
    return _SHORT.repr(value)


class Fields:
    """Typed, checked access to one YAML mapping; problems go to the Problems."""

    def __init__(self, data, file, report, allowed, what):
        self.file, self.report, self.what = file, report, what
        self.ok = isinstance(data, dict)
        self.data = data if self.ok else {}
        self.line = getattr(data, "line", None)
        if not self.ok:
            report.error(f"{what} must be a mapping of `key: value` lines", file, self.line)
            return
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean `{close[0]}`?" if close else "known: " + ", ".join(allowed)
                report.error(f"unknown key `{key}` in {what}", file, self.key_line(key), hint=hint)

    def key_line(self, key):
        return getattr(self.data, "key_lines", {}).get(key, self.line)

    def get(self, key, kind, required=True, default=None):
        if key not in self.data or self.data[key] is None:
            if required and self.ok:
                self.report.error(f"{self.what} needs `{key}`", self.file, self.line)
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.report.error(
                f"`{key}` in {self.what} must be {TYPE_NAMES.get(kind, 'a number')}, "
                f"not {shown(value)}",
                self.file, self.key_line(key))
            return default
        if kind is str and not value.strip() and required:
            self.report.error(f"`{key}` in {self.what} is empty", self.file, self.key_line(key))
        return value.strip() if kind is str else value

    def markdown(self, key, required=True, block=False):
        """A text field the layout reads as Markdown, checked as a story's prose is (no
        HTML, no images, links only to the web or mail); `block`: paragraphs, not one line."""
        text = self.get(key, str, required, default="")
        first = getattr(self.data, "text_lines", {}).get(key, self.key_line(key))
        for message, offset in prose.check(text, inline=not block):
            self.report.error(message, self.file, first + offset)
        return text

    def number(self, key, default):
        """A number of report.yaml within its range (RANGES), or `default` (reported);
        a `default` of None: the build stops on the error, so none is made up."""
        fallback = None if default is None else float(default)
        value = self.get(key, (int, float), default=None) if self.ok else None
        if value is None:
            return fallback
        low, high = RANGES[key]
        if isinstance(value, bool) or not math.isfinite(value) or not low <= value <= high:
            self.report.error(f"`{key}` must be between {low} and {high}, not {shown(value)}",
                              self.file, self.key_line(key))
            return fallback
        return float(value)

    def sub(self, key, allowed, what, required=True):
        value = self.get(key, dict, required)
        return Fields(value, self.file, self.report, allowed, what) if value is not None else None
