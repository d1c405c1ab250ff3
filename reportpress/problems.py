"""Problems found in content or layout, reported to the user with where they stand."""
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    message: str
    file: Path | None = None
    line: int | None = None
    column: int | None = None
    hint: str = ""

    def __str__(self):
        where = ""
        if self.file:
            where = str(self.file)
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        return where + self.message + (f" ({self.hint})" if self.hint else "")


class ContentError(Exception):
    """The content cannot be built; carries every problem found, not just the first."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LayoutError(Exception):
    """The layout could not honour what the content asks (e.g. a facing-page reference)."""


class PreflightError(LayoutError):
    """The finished print PDF fails the print shop's checks (see preflight.py)."""


@dataclass
class Report:
    """Collects errors and warnings while reading content."""

    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def error(self, message, file=None, line=None, column=None, hint=""):
        self.errors.append(Problem(message, file, line, column, hint))

    def warn(self, message, file=None, line=None, column=None, hint=""):
        self.warnings.append(Problem(message, file, line, column, hint))

    def raise_if_errors(self):
        if self.errors:
            raise ContentError(self.errors)
