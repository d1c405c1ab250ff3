"""One real build of the report per test run; tests read the PDF back."""
import contextlib
import io
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdftext import page_texts  # noqa: E402

from reportpress import cli, content  # noqa: E402

CONTENT = ROOT / "content"
SEED = ROOT.parent / "shared" / "seed" / "jaarverslag-2022.txt"


def needs(command, package):
    """A test that reads with a system tool: skipped where the tool is missing, with the
    one line that installs it (run_tests.py installs them all before the tests)."""
    return pytest.mark.skipif(shutil.which(command) is None,
                              reason=f"needs {command}: apt-get install {package}")


GHOSTSCRIPT = needs("gs", "ghostscript")
POPPLER = needs("pdffonts", "poppler-utils")


@dataclass
class Build:
    pdf: Path
    html: Path
    book: object
    pages: list  # text of each page
    findings: list  # what the build found, as make_pdf.py --json gives it


@pytest.fixture(scope="session")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build")
    pdf, html = folder / "report.pdf", folder / "report.html"
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert cli.main(["-o", str(pdf), "--html", str(html), "--json"]) == 0
    book, _ = content.load(CONTENT)
    return Build(pdf, html, book, page_texts(pdf), json.loads(out.getvalue())["findings"])
