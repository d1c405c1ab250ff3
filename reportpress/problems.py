"""Problems found in content, each with where it stands; collected, then raised together."""
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError


@dataclass(frozen=True)
class Problem:
    message: str
    file: Path | None = None
    line: int | None = None
    column: int | None = None
    hint: str = ""
    page: int | None = None  # the page it concerns, where it concerns one
    rule: str = ""  # which check found it (layout and print checks)
    source: str = "content"  # what found it: content, layout or preflight
    level: str = ""  # preflight's own level (error, warning, info); else by where it is kept

    def __str__(self):
        where = ""
        if self.file:
            where = str(self.file)
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        if self.page:
            where += f"page {self.page}: "
        return (where + self.message + (f" ({self.hint})" if self.hint else "")
                + (f" [{self.rule}]" if self.rule else ""))


@dataclass
class Problems:
    """Collects errors and warnings while reading content."""

    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def error(self, message, file=None, line=None, column=None, hint="", rule=""):
        self.errors.append(Problem(message, file, line, column, hint, rule=rule))

    def warn(self, message, file=None, line=None, column=None, hint="", rule=""):
        self.warnings.append(Problem(message, file, line, column, hint, rule=rule))

    def raise_if_errors(self):
        if self.errors:
            raise ContentError(self.errors)


def page_ranges(numbers):
    """[3, 4, 5, 9] -> '3–5, 9'."""
    parts, numbers = [], sorted(numbers)
    start = previous = None
    for n in numbers + [None]:
        if start is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}–{previous}")
        start = previous = n
    return ", ".join(parts)
