"""Loaded by the fork server the layout workers are forked from (processes.start_server
puts it in the server's preload), and by nothing else: each process the server forks ends
with the build and is bounded in memory and time (processes.bound_layout_worker)."""
import os

from . import processes

# (the proof server's workers give memory back as the server does)
processes.lean_malloc(large_blocks_apart=bool(os.environ.get(processes.LARGE_BLOCKS_APART)))
_BUILD = os.getppid()  # the process that started the server
os.register_at_fork(after_in_child=lambda: processes.bound_layout_worker(_BUILD))
