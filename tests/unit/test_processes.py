"""The worker pool verify walks long chains with: its workers know they are workers (and
start none of their own), and leave Ctrl-C to the process that started them."""

from __future__ import annotations

import signal
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from governance import integrity
from governance.processes import in_worker_process, worker_pool


def test_a_pool_worker_knows_it_is_one_and_the_process_that_started_it_is_not() -> None:
    assert not in_worker_process()
    assert worker_pool(1).submit(in_worker_process).result(timeout=120) is True


def test_a_pool_worker_leaves_ctrl_c_to_the_process_that_started_it() -> None:
    handler = worker_pool(1).submit(signal.getsignal, signal.SIGINT).result(timeout=120)

    assert handler == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) != signal.SIG_IGN


def test_a_pool_whose_worker_died_is_replaced_and_its_part_walked_here() -> None:
    pool = worker_pool(1)
    died: Future[None] = Future()
    died.set_exception(BrokenProcessPool("a worker died"))

    assert integrity._part_result(died, pool) is None
    assert worker_pool(1) is not pool
    assert worker_pool(1).submit(in_worker_process).result(timeout=120) is True
