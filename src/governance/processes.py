"""Worker processes for work that splits into parts checked independently (a verify of a
long log walks its chain in parts, one per core).

One pool per process, started on first use and kept for the next. Its workers are forked
from a server process that has imported the ledger already (`forkserver`), never from this
process: a web server's threads or a read model's runner may hold a lock at the moment of a
fork, and a forked child would wait for it for ever.

A worker imports the main module of the process that started it under another name, as
every `multiprocessing` child does that is not a plain fork: a script that verifies a long
log keeps its top level under ``if __name__ == "__main__":`` (or sets
`GOVERNANCE_VERIFY_PROCESSES=1`). A worker never starts workers of its own.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor

_PRELOADED = ["governance.integrity"]

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_in_worker = False
"""Set in each worker of the pool as it starts."""


def available_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def in_worker_process() -> bool:
    """Whether this process is a worker of a pool of `worker_pool` (a server's worker
    started by `multiprocessing`, as `serve --workers N` starts them, is not)."""
    return _in_worker


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of at least `workers` processes, shared by every caller in this process."""
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOADED)
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker)
            _pool_size = workers
        return _pool


def _start_worker() -> None:
    """A worker knows it is one, and leaves Ctrl-C to the process that started it (which
    ends the pool): on a terminal it reaches the whole process group, and an idle worker
    would die of it with a traceback."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def discard_pool(pool: ProcessPoolExecutor) -> None:
    """Stop using `pool` (a worker of it died): the next caller starts a new one."""
    global _pool, _pool_size
    with _lock:
        if _pool is pool:
            _pool, _pool_size = None, 0
    pool.shutdown(wait=False, cancel_futures=True)
