"""The worker pool verify walks long chains with: its workers know they are workers (and
start none of their own), and leave Ctrl-C to the process that started them."""

from __future__ import annotations

import signal

from governance.processes import in_worker_process, worker_pool


def test_a_pool_worker_knows_it_is_one_and_the_process_that_started_it_is_not() -> None:
    assert not in_worker_process()
    assert worker_pool(1).submit(in_worker_process).result(timeout=120) is True


def test_a_pool_worker_leaves_ctrl_c_to_the_process_that_started_it() -> None:
    handler = worker_pool(1).submit(signal.getsignal, signal.SIGINT).result(timeout=120)

    assert handler == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) != signal.SIG_IGN
