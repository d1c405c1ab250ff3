"""Writing output files so that a failed build never leaves a half-written file or loses
the one an earlier build made."""
import os
import tempfile
import threading
from pathlib import Path

# Set when the build is asked to stop (Ctrl+C, SIGTERM, SIGHUP): from then on no file
# replaces the one before it. The signal's KeyboardInterrupt normally ends the build first,
# but one raised where Python swallows it (in a finaliser, say) must not let the build run
# on to overwrite the earlier PDF.
STOP = threading.Event()
_UNFINISHED = set()  # temporary files being written, removed by a forced stop too


def remove_unfinished():
    for tmp in list(_UNFINISHED):
        Path(tmp).unlink(missing_ok=True)


def write_atomically(path, write, steps=()):
    """`write(tmp)`, then each of `steps(tmp)` finishes or checks the file, then it replaces
    `path`: a failed build never leaves a half-written or lost PDF."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    _UNFINISHED.add(tmp)
    try:
        write(tmp)
        for step in steps:
            step(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary file only
        if STOP.is_set():
            raise KeyboardInterrupt
        os.replace(tmp, path)
    finally:
        _UNFINISHED.discard(tmp)
        if os.path.exists(tmp):
            os.unlink(tmp)
