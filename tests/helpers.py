"""Small helpers for tests that edit a copy of a content folder and build it."""
import shutil
from pathlib import Path

from reportpress import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_content(tmp_path, name="mini"):
    """A private copy of a fixture content folder, named content/ like the real one."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURES / name, target)
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run(capsys, *args):
    """Run the command line; return (exit code, stderr)."""
    code = cli.main([str(a) for a in args])
    return code, capsys.readouterr().err
