"""Typed, checked access to the YAML an editor writes: each value of the wrong type, out of
range or unknown is a problem with its file and line, and reading goes on."""
import contextvars
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


# The edition being read: (its language, the report's languages, main first). A text may
# then be written once per language, `title: {nl: …, fr: …}`; settings.py sets it as soon
# as report.yaml has named the languages, content.load sets it back.
EDITION = contextvars.ContextVar("edition", default=(None, ()))
TRANSLATION = "translation"  # the rule of the problems a translation's gaps are


def shown(value):
    return _SHORT.repr(value)


class Fields:
    """Typed, checked access to one YAML mapping; problems go to the Problems."""

    def __init__(self, data, file, report, allowed, what, written_in=None):
        # `written_in`: a file in one language (a translated story), its texts plain
        self.file, self.report, self.what, self.written_in = file, report, what, written_in
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

    def get(self, key, kind, required=True, default=None, text=False):
        """The value of `key`, of type `kind`. A `str` may be given per language
        (`{nl: …, fr: …}`): the edition's is returned. A plain `str` is the same in every
        language, unless it is a `text` (prose): then it is the main language's only."""
        if key not in self.data or self.data[key] is None:
            if required and self.ok:
                self.report.error(f"{self.what} needs `{key}`", self.file, self.line)
            return default
        value, line = self.data[key], self.key_line(key)
        if kind is str and (isinstance(value, dict) or text):
            value, line = self._in_language(key, value)
            if value is None:  # (reported)
                return default
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.report.error(
                f"`{key}` in {self.what} must be {TYPE_NAMES.get(kind, 'a number')}, "
                f"not {shown(value)}",
                self.file, line)
            return default
        if kind is str and not value.strip() and required:
            self.report.error(f"`{key}` in {self.what} is empty", self.file, line)
        return value.strip() if kind is str else value

    def text(self, key, required=True, default=None):
        """A text the reader reads (a title, a role): one per language in a report of
        several."""
        return self.get(key, str, required, default, text=True)

    def markdown(self, key, required=True, block=False):
        """A text field the layout reads as Markdown, checked as a story's prose is (no
        HTML, no images, links only to the web or mail); `block`: paragraphs, not one line."""
        text = self.text(key, required, default="")
        value, language = self.data.get(key), EDITION.get()[0]
        lines = value if isinstance(value, dict) else self.data
        first = getattr(lines, "text_lines", {}).get(
            language if lines is value else key, self.key_line(key))
        for message, offset in prose.check(text, inline=not block):
            self.report.error(message, self.file, first + offset)
        return text

    def _in_language(self, key, value):
        """(the edition's text of `key`, its line), or (None, line) where it has none
        (an error; a missing text of another language is a warning in the main language's
        edition, which checks them all). A plain text is the main language's."""
        language, languages = EDITION.get()
        if not languages or self.written_in:  # (no choice to make)
            return value, self.key_line(key)
        texts = value if isinstance(value, dict) else {languages[0]: value}
        lines = getattr(value, "key_lines", {})
        for other in texts:
            if other not in languages:
                self.report.error(f"`{key}` in {self.what}: `{shown(other)}` is not one of the "
                                  "report's languages", self.file, lines.get(other, self.line),
                                  hint="report.yaml names them: " + ", ".join(languages))
        checked = languages if language == languages[0] else (language,)
        for other in checked:
            if texts.get(other) in (None, ""):
                told = self.report.error if other == language else self.report.warn
                told(f"`{key}` in {self.what} has no {other} text", self.file,
                     self.key_line(key), rule=TRANSLATION,
                     hint=f"write it per language: `{key}: {{"
                     + ", ".join(f"{name}: …" for name in languages) + "}`")
        self._same_figures(key, texts, lines, [o for o in checked if o != languages[0]])
        return texts.get(language) or None, lines.get(language, self.key_line(key))

    def _same_figures(self, key, texts, lines, others):
        """A figure in a text is written once: each translation says the same numbers."""
        from collections import Counter

        from .translations import figures

        main = EDITION.get()[1][0]
        if not isinstance(texts.get(main), str):
            return
        ours = Counter(figures(texts[main]))
        for other in others:
            if isinstance(texts.get(other), str) and Counter(figures(texts[other])) != ours:
                self.report.warn(f"`{key}` in {self.what}: the figures differ between {main} "
                                 f"({', '.join(sorted(ours.elements())) or 'none'}) and {other} "
                                 f"({', '.join(sorted(figures(texts[other]))) or 'none'})",
                                 self.file, lines.get(other, self.key_line(key)),
                                 rule=TRANSLATION, hint="a figure is written once: check both")

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
        return (Fields(value, self.file, self.report, allowed, what, self.written_in)
                if value is not None else None)
