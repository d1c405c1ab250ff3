"""The worker processes that lay chunks out (and draw the proof's pages).

They are forked from a server process that has loaded WeasyPrint (processes.py starts it
while the build reads the content), so a worker starts warm; they stay for the next build
in the proof server, and hand their memory back once idle.
"""
import concurrent.futures
import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.popen_forkserver  # noqa: F401 — see below
import os
import threading

from . import processes

# (multiprocessing.popen_forkserver is imported here, not by the pool's first submit on the
# side thread below: a stop signal that lands in the main thread while that import holds
# Python's import lock left the side thread waiting on it for ever, holding the pool's
# shutdown lock that the stop then waited on.)

_workers = None
_starting = threading.Lock()  # (builds side by side in one process share the workers)


def start_workers(language=None):
    """Start the processes that lay chunks out, if not running yet; they stay for the next
    build (the proof server). With `language`, each reads that language's hyphenation
    patterns as it starts, while the build composes the chunks (its first chunk would wait
    for them otherwise). (What else a first layout loads, the fork server has loaded:
    forkserver.py.)"""
    with _starting:
        return _workers or _start(language)


def _start(language):
    global _workers
    processes.start_server()
    count = _worker_count()
    _workers = concurrent.futures.ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("forkserver"))
    # one task each starts them all; that waits for the server to load WeasyPrint,
    # so it is done on the side
    threading.Thread(target=lambda pool: [pool.submit(_warm_up, language)
                                          for _ in range(count)],
                     args=(_workers,), daemon=True).start()
    return _workers


def _worker_count():
    """One per core, or as many as REPORTPRESS_WORKERS says (the bytes do not depend on it;
    tests build with one and with two)."""
    asked = os.environ.get("REPORTPRESS_WORKERS", "")
    return int(asked) if asked.isdigit() and int(asked) > 0 else os.cpu_count() or 1


def _warm_up(language):
    from . import render

    if language:
        render.load_hyphenation(language)


_in_flight = set()  # futures of tasks given to the workers and not done yet


def run_in_worker(task, *args):
    """A future of `task(*args)` run by a worker process (the proof draws pages there)."""
    future = start_workers().submit(_job, task, *args)
    _in_flight.add(future)
    future.add_done_callback(_in_flight.discard)
    return future


def map_in_workers(task, *iterables):
    """[task(*args) for args in zip(*iterables)], side by side in the worker processes."""
    futures = [run_in_worker(task, *args) for args in zip(*iterables, strict=True)]
    return [result(future) for future in futures]


def map_where_idle(task, *iterables):
    """map_in_workers while the workers have nothing else to do; else in this process,
    rather than behind what they have (a build beside this one laying out, the proof's
    pages being drawn)."""
    if _workers is None or _in_flight:
        return list(map(task, *iterables))
    return map_in_workers(task, *iterables)


def result(future):
    """A worker's future's result (its LayoutError raised here); a worker that died stops
    the others and fails the build with WORKER_DIED."""
    from concurrent.futures.process import BrokenProcessPool

    from .errors import LayoutError

    try:
        return future.result()
    except BrokenProcessPool:
        stop_workers()
        raise LayoutError(WORKER_DIED) from None


_jobs = 0  # tasks begun in this worker process
_last_task = None


def _job(task, *args):
    """In a worker: the task; then, once the worker has been idle for half a second, its
    memory handed back. Not at once: collecting garbage would hold up sending the result
    back (0.1 s after a layout), nor in the middle of the next task. A task of another kind
    than the last (pages drawn after chunks laid out) begins by handing back what the last
    kind left: the proof's peak, workers busy from a save until its pages are drawn."""
    global _jobs, _last_task
    if _last_task not in (None, task):
        give_back_memory()
    _last_task = task
    _jobs += 1
    begun = _jobs
    try:
        return task(*args)
    finally:
        timer = threading.Timer(0.5, lambda: begun == _jobs and give_back_memory())
        timer.daemon = True
        timer.start()


def give_back_memory():
    """A process waiting for the next build (a worker, the proof server) would hold the
    memory of its last one, unless it hands what is free back (glibc keeps it otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


WORKER_DIED = "a layout process stopped unexpectedly (out of memory?); build again"


def stop_workers():
    """Let the workers go (their memory with them): a build run once needs them no more
    once its chunks are laid out."""
    global _workers
    if _workers is not None:
        _workers.shutdown(wait=False, cancel_futures=True)
        _workers = None
