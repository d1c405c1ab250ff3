"""The processes a build starts end with it, and a layout worker stays within bounds.

- Every process a build starts ends when the build does, however the build ends (even by
  SIGKILL): a photo worker, the build's own child, by PR_SET_PDEATHSIG (Linux); a layout
  worker, the fork server's child, by watching the build's pid (a pidfd); the fork server
  then ends by itself (multiprocessing's rule: once no process holds its pipe).
- SIGTERM and SIGHUP end a build as Ctrl+C does (`on_signals`, cli.py): what is being
  written is removed, and the workers are stopped (`end_children`) rather than awaited.
- A layout worker may take so much memory (address space) and so much time for one chunk;
  past either, the build fails with a message that names the chunk's stories. Content is
  bounded when it is read (content/, prose.py); this is for whatever slips through.

These bounds live here, not in chunks.py or render.py, because those files are part of
every chunk's cache key: a change to a limit should not lay every chunk out again.
"""
import atexit
import contextlib
import ctypes
import functools
import json
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import LAYOUT, PHOTOS, PROJECT, anchors
from .errors import LayoutError

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # <malloc.h>
# A layout worker's address space is about 250 MB; one 2 MB paragraph made one grow to
# 24 GB. (The environment variables are for tests and for unusual machines.)
LAYOUT_MEMORY = int(os.environ.get("REPORTPRESS_LAYOUT_MB", 3072)) * 2**20
# A chunk is laid out in about a second; ten minutes means it never will be.
LAYOUT_SECONDS = float(os.environ.get("REPORTPRESS_LAYOUT_SECONDS", 600))
SERVER_PRELOAD = ["reportpress.forkserver", "reportpress.render"]


def lean_malloc():
    """glibc's malloc set to give memory back: one arena for the process. glibc gives each
    thread that allocates an arena of its own and keeps what is freed there for that
    thread: the proof server's threads (builds, drawing, the web server) held some 60 MB so
    at their peak. Python's lock lets one thread run at a time anyway. (Glibc only;
    elsewhere nothing changes. The proof's workers also keep large blocks apart:
    large_blocks_apart.)"""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 1)


def large_blocks_apart():
    """glibc told to map blocks of 1 MB and more on their own, and so to unmap them when
    freed (glibc only). Otherwise it raises that threshold to the largest block freed so
    far (up to 32 MB; a page the proof draws is 9 MB), and every later block below it comes
    from the heap, which does not shrink past what is still in use above it. For the proof
    server's layout workers, which lay out and then draw pages (forkserver.py): the proof's
    peak 50 MB lower. (Not for the proof server itself: its story edit was 0.15 s slower.)"""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, 1 << 20)


# set (to "1") in a process whose fork server's workers keep large blocks apart: the proof
LARGE_BLOCKS_APART = "REPORTPRESS_LARGE_BLOCKS_APART"


def start_server(layout_dir=LAYOUT, photo_dir=PHOTOS):
    """Start the fork server the layout workers are forked from (see workers.start_workers),
    with `reportpress.forkserver` loaded first: it bounds every worker the server forks,
    and lays a little text out in `layout_dir`'s stylesheet before it forks one (with the
    photos of `photo_dir`: as the build's chunks are laid out)."""
    with _starting:  # (the environment is set for it and put back: one build at a time)
        _start_server(layout_dir, photo_dir)


_starting = threading.Lock()
WARM_UP = "REPORTPRESS_WARM_UP"  # (the fork server's layout and photo folders)


def _start_server(layout_dir, photo_dir):
    multiprocessing.get_context("forkserver").set_forkserver_preload(SERVER_PRELOAD)
    # The server imports its preload before it takes the sys.path it is given (Python
    # 3.11), from the folder the build was started in: where that is not the project, it
    # found neither module (and went on without them, silently).
    previous = {name: os.environ.get(name) for name in ("PYTHONPATH", NOTES, WARM_UP)}
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT),
                                                             previous["PYTHONPATH"]]))
    os.environ[NOTES] = str(_notes())
    os.environ[WARM_UP] = json.dumps([str(layout_dir), str(photo_dir)])
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


# The build's folder for its layout workers, removed when the build ends. There each notes
# the stories it is laying out, so that when one is killed (GLib ends a process that cannot
# get memory), the build can say which stories it was; and there go their temporary files:
# WeasyPrint writes @font-face fonts to a folder of its own (7 MB), which it removes only
# when their configuration is garbage-collected, and a worker ends without that (os._exit).
NOTES = "REPORTPRESS_LAYOUT_NOTES"


@functools.cache
def _notes():
    folder = Path(tempfile.mkdtemp(prefix="reportpress-layout-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def explain(error):
    """The LayoutError to raise for `error`: when a layout worker died, one that names the
    stories it (or the other worker, stopped with it) was laying out."""
    from . import workers

    if str(error) != workers.WORKER_DIED:
        return error
    said = []
    for note in sorted(_notes().glob("*.txt")):
        said.append(note.read_text(encoding="utf-8"))
        note.unlink()
    if not said:
        return error
    return LayoutError(f"a layout process stopped while laying out {' or '.join(said)}, "
                       "out of memory?" + _HINT)


def end_with_parent(parent):
    """Be killed when `parent` (the pid, and the thread, that started this process) ends,
    even by SIGKILL (Linux only; elsewhere nothing happens)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before we asked
        os._exit(1)


def end_with(pid):
    """End this process when process `pid` (not its parent) ends: a thread waits for it."""
    def wait():
        try:
            with contextlib.closing(os.pidfd_open(pid)) as fd:
                select.select([fd], [], [])
        except (AttributeError, OSError):  # (no pidfd: Linux before 5.3, other systems)
            while _alive(pid):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=wait, daemon=True, name="end-with-build").start()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def end_children():
    """Stop every worker this process started (layout and photo workers), at once; the
    next build starts new layout workers."""
    from . import workers

    for child in multiprocessing.active_children():
        with contextlib.suppress(OSError, ValueError):
            child.kill()
    workers.stop_workers()


def bound_layout_worker(build):
    """In a process the fork server has just forked: ends with the build (pid `build`),
    holds at most LAYOUT_MEMORY, and lays a chunk out in at most LAYOUT_SECONDS; its
    temporary files go in the build's folder for them (NOTES)."""
    end_with(build)
    tempfile.tempdir = os.environ.get(NOTES) or None
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (LAYOUT_MEMORY, LAYOUT_MEMORY))
    render = sys.modules.get("reportpress.render")
    if render is not None and not hasattr(render.render, "bounded"):
        render.render = _bounded(render.render)


class _TookTooLong(BaseException):  # (not an Exception: nothing in WeasyPrint catches it)
    pass


def _bounded(render):
    """render.render that stops after LAYOUT_SECONDS and, past LAYOUT_MEMORY, fails with a
    message naming the stories it was laying out (rather than a Python MemoryError)."""

    def bounded(html, *args, **kwargs):
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, LAYOUT_SECONDS)
        note = Path(os.environ.get(NOTES) or tempfile.gettempdir()) / f"{os.getpid()}.txt"
        with contextlib.suppress(OSError):
            note.write_text(_stories(html), encoding="utf-8")
        try:
            return render(html, *args, **kwargs)
        except _TookTooLong:
            raise LayoutError(f"laying out {_stories(html)} took more than "
                              f"{LAYOUT_SECONDS:g} s and was stopped" + _HINT) from None
        except MemoryError:
            raise LayoutError(f"laying out {_stories(html)} needed more than "
                              f"{LAYOUT_MEMORY >> 20} MB and was stopped" + _HINT) from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            note.unlink(missing_ok=True)

    bounded.bounded = True
    return bounded


_HINT = "; is a paragraph or list very long? shorten or split it"


def _alarm(*_):
    raise _TookTooLong


def _stories(html):
    """'the pages of story `a`, `b`' from a chunk's HTML (its stories' anchors)."""
    ids = anchors.named_in(html, anchors.STORY)
    chapters = anchors.named_in(html, anchors.CHAPTER)
    if ids:
        return "the pages of " + ("story " if len(ids) == 1 else "stories ") + ", ".join(
            f"`{name}`" for name in ids)
    if chapters:
        return "the pages of chapter " + ", ".join(f"`{name}`" for name in chapters)
    return "a page"


def on_signals(handler, signals=(signal.SIGTERM, signal.SIGHUP)):
    """`handler` for SIGTERM and SIGHUP (as sent by CI runners, editors' tools and systemd,
    or a closed terminal), in the main thread only (where Python allows it)."""
    with contextlib.suppress(ValueError):
        for number in signals:
            signal.signal(number, handler)
