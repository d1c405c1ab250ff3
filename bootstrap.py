"""Set-up for a fresh machine, run by make_pdf.py and run_tests.py before anything else.

1. System packages (`ensure_system`): what the build or the tests need from the operating
   system. Found missing on Debian or Ubuntu as root, they are installed with apt-get (as a
   CI runner or a container has it); otherwise the command stops at once and prints the one
   command that installs them, so a first run is never a red run for a missing tool.
2. Python packages (`ensure_venv`): a virtual environment in .venv with the pinned packages;
   the calling script is re-run inside it, installing or updating the packages when a
   requirements file changed.
"""
import ctypes
import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".requirements-hash"


@dataclass(frozen=True)
class Need:
    """One thing from the system: found by a command on PATH or a shared library."""
    what: str  # said to the user
    package: str  # Debian's (and Ubuntu's) package
    command: str = ""
    library: str = ""
    optional: bool = False  # the command still works without it, and says what it skips

    def present(self):
        if self.command:
            return shutil.which(self.command) is not None
        try:
            ctypes.CDLL(self.library)
        except OSError:  # elsewhere (macOS: libpango-1.0.0.dylib) by its short name
            short = self.library.removeprefix("lib").split(".so")[0]
            return ctypes.util.find_library(short) is not None
        return True


# The build: WeasyPrint lays out with Pango; preflight measures ink with Ghostscript (a
# build without it says the ink was not measured).
BUILD = (
    Need("Pango", "libpango-1.0-0", library="libpango-1.0.so.0"),
    Need("Pango's FreeType backend", "libpangoft2-1.0-0", library="libpangoft2-1.0.so.0"),
    Need("Ghostscript", "ghostscript", command="gs", optional=True),
)
# The tests also read the PDF with poppler and MuPDF as independent readers, drive the
# proof page in Chromium, and check that the bytes do not depend on HarfBuzz-Subset.
TESTS = BUILD + (
    Need("poppler", "poppler-utils", command="pdffonts"),
    Need("MuPDF's tools", "mupdf-tools", command="mutool"),
    Need("Chromium", "chromium", command="chromium"),
    Need("libatomic (for Playwright's driver)", "libatomic1", library="libatomic.so.1"),
    Need("HarfBuzz-Subset", "libharfbuzz-subset0", library="libharfbuzz-subset.so.0"),
)


def ensure_system(needs):
    """Install what is missing when we can; otherwise stop with the command to run (or,
    for what is optional, say what will be skipped)."""
    missing = [need for need in needs if not need.present()]
    if not missing:
        return
    if _can_install():
        _apt_install(missing)
        missing = [need for need in missing if not need.present()]
        if not missing:
            return
    packages = " ".join(need.package for need in missing)
    names = ", ".join(need.what for need in missing)
    if all(need.optional for need in missing):
        print(f"note: {names} not installed; to add: sudo apt-get install {packages}",
              file=sys.stderr)
        return
    print(f"reportpress needs {names}. On Debian or Ubuntu install with:\n"
          f"    sudo apt-get install --no-install-recommends {packages}\n"
          f"(elsewhere, your system's packages of the same names), then run this again.",
          file=sys.stderr)
    sys.exit(2)


def _can_install():
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def _apt_install(missing):
    packages = [need.package for need in missing]
    print(f"Installing system packages: {' '.join(packages)}…", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = dict(env=env, stdout=subprocess.DEVNULL)
    # the package lists of a new machine are empty or old
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                   check=False, **quiet)


def _requirements(with_tests):
    names = ["requirements.txt"] + (["requirements-test.txt"] if with_tests else [])
    return [ROOT / name for name in names]


def _digest(files):
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def _installed_ok(files):
    return VENV_PYTHON.exists() and STAMP.exists() and STAMP.read_text() == _digest(files)


def ensure_venv(with_tests=False):
    """Make sure we run inside .venv with everything installed; re-exec if not."""
    files = _requirements(with_tests)
    # the test set includes the build set, so a venv made for the tests serves builds too
    if not _installed_ok(files) and not _installed_ok(_requirements(True)):
        _install(files)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])


def _install(files):
    print("Setting up .venv (first run or requirements changed)…", file=sys.stderr)
    if not VENV_PYTHON.exists() and subprocess.run(
            [sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
        sys.exit("Could not create .venv: Python's venv module is missing "
                 "(Debian/Ubuntu: apt-get install python3-venv).")
    args = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for f in files:
        args += ["-r", str(f)]
    if subprocess.run(args).returncode != 0:
        names = " and ".join(f.name for f in files)
        sys.exit(f"Could not install the Python packages of {names} into .venv (pip's "
                 "messages above say why); run this again once that is fixed.")
    STAMP.write_text(_digest(files))
