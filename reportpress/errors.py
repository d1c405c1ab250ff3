"""Every failure reportpress reports to a person, in one hierarchy.

    ReportpressError                  base: the command line prints `label: message`
    ├── ContentError       exit 2     the content has mistakes (every one, with file:line)
    ├── LayoutError        exit 2     the layout cannot do what the content asks
    ├── PreflightError     exit 2     the finished print PDF fails the print shop's checks
    ├── CannotCheck        exit 2     preflight was given something it cannot read
    ├── UnreadablePDF      exit 2     diff or the proof was given something it cannot read
    ├── DamagedImage                  a photo cannot be decoded (becomes a ContentError)
    ├── YAMLSyntaxError               a YAML file cannot be parsed (becomes a ContentError)
    └── InkError                      Ghostscript could not measure ink (a preflight finding)

Anything else that escapes is a bug: the command line says so in one line (exit 1), with
the traceback under --debug.
"""


class ReportpressError(Exception):
    label = "error"
    exit_code = 2


class ContentError(ReportpressError):
    """The content cannot be built; carries every problem found, not just the first."""
    label = "content error"

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LayoutError(ReportpressError):
    """The layout could not honour what the content asks (e.g. a facing-page reference)."""
    label = "layout error"


class PreflightError(ReportpressError):
    """The finished print PDF fails the print shop's checks (see preflight/)."""
    label = "preflight error"


class CannotCheck(ReportpressError):
    """Preflight's input is missing, not a PDF, encrypted or too broken to open."""
    label = "preflight"


class UnreadablePDF(ReportpressError):
    """An input of diff or the proof is missing or not a PDF that can be read."""
    label = "diff"


class DamagedImage(ReportpressError):
    """A photo that cannot be decoded (truncated, too many pixels, not an image)."""

    def __init__(self, path, reason):
        super().__init__(path, reason)  # (as it is rebuilt when it comes from a worker)
        self.path, self.reason = path, reason

    def __str__(self):
        return f"{self.path}: {self.reason}"


class YAMLSyntaxError(ReportpressError):
    """A YAML file that cannot be parsed; `line` and `column` say where (1-based)."""

    def __init__(self, message, line=None, column=None):
        super().__init__(message)
        self.line, self.column = line, column


class InkError(ReportpressError):
    """Ghostscript could not render the separations to measure total ink."""
