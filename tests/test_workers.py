"""The layout workers (reportpress/workers.py): work goes where it waits least."""
import os
import time

from reportpress import workers


def test_a_map_goes_to_the_workers_only_while_they_have_nothing_else_to_do():
    """workers.map_where_idle: beside a build still laying out (a task in flight), the
    merge's font subsets are made in this process rather than queued behind it; once the
    workers are idle, in them, side by side."""
    workers.start_workers()
    busy = workers.run_in_worker(time.sleep, 1.0)
    try:
        assert workers.map_where_idle(_pid, range(2)) == [os.getpid()] * 2
    finally:
        busy.result()
    for _ in range(100):  # (the future's done callback runs on the pool's own thread)
        if not workers._in_flight:
            break
        time.sleep(0.01)
    pids = workers.map_where_idle(_pid, range(4))
    assert os.getpid() not in pids


def _pid(_):
    return os.getpid()
