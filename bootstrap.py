"""Set-up for a fresh machine: a virtual environment in .venv with the pinned packages.

make_pdf.py and run_tests.py call `ensure_venv()` first; it re-runs the calling script
inside .venv, installing or updating the packages when a requirements file changed.
"""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".requirements-hash"


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
    if not VENV_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    args = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for f in files:
        args += ["-r", str(f)]
    subprocess.run(args, check=True)
    STAMP.write_text(_digest(files))
