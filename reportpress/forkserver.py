"""Loaded by the fork server the layout workers are forked from (processes.start_server
puts it in the server's preload), and by nothing else: each process the server forks ends
with the build and is bounded in memory and time (processes.bound_layout_worker).

Before it forks one, the server lays a little text out and writes it, in the layout's
stylesheet (`render.warm_up`): every worker then starts with what a first layout loads
(the parsed stylesheets and their fonts, the C types WeasyPrint asks cffi for, the colour
transforms), loaded once rather than in each worker's first chunk; so are the modules a
chunk needs.
"""
import contextlib
import gc
import json
import os
import tempfile

from . import processes

# the warm-up's fonts go where the workers' temporary files go: with the build (NOTES)
tempfile.tempdir = os.environ.get(processes.NOTES) or None
if os.environ.get(processes.LARGE_BLOCKS_APART):  # (the proof server's workers)
    processes.large_blocks_apart()
_BUILD = os.getppid()  # the process that started the server
os.register_at_fork(after_in_child=lambda: processes.bound_layout_worker(_BUILD))

# what a worker's chunk needs besides WeasyPrint: imported here once, not by each worker as
# it starts its first chunk (0.2 s), the image formats of the photos too; and fontTools'
# subsetter, for the merged font subsets the workers make (subsets.py)
from fontTools import subset  # noqa: E402, F401
from PIL import Image  # noqa: E402

from . import audit, chunks, images, overflow, overprint, prepress  # noqa: E402, F401

Image.preinit()

if warm_up := os.environ.get(processes.WARM_UP):
    from . import render

    with contextlib.suppress(Exception):  # (a layout's errors are the chunks' to say)
        render.warm_up(*json.loads(warm_up))

# What the server has loaded is there in every worker, as it is: the workers' garbage
# collector need not look through it again and again (nor, looking, copy the pages it lies
# on into each worker). A worker's own objects it looks through less often: a layout makes
# many and keeps most of them until the chunk is written.
gc.freeze()
gc.set_threshold(5000, 10, 10)
