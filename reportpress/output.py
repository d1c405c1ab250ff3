"""Writing output files so that a failed build never leaves a half-written file or loses
the one an earlier build made."""
import os
import tempfile
from pathlib import Path


def write_atomically(path, write, steps=()):
    """`write(tmp)`, then each of `steps(tmp)` finishes or checks the file, then it replaces
    `path`: a failed build never leaves a half-written or lost PDF."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        for step in steps:
            step(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary file only
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
