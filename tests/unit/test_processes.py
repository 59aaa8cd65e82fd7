"""The worker pool verify walks long chains with: its workers know they are workers (and
start none of their own), and leave Ctrl-C to the process that started them."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from governance import integrity
from governance.processes import in_worker_process, worker_pool


def test_a_pool_worker_knows_it_is_one_and_the_process_that_started_it_is_not() -> None:
    assert not in_worker_process()
    assert worker_pool(1).submit(in_worker_process).result(timeout=120) is True


def test_a_pool_worker_leaves_ctrl_c_to_the_process_that_started_it() -> None:
    # In a process of its own that takes Ctrl-C (this one may have been started ignoring it,
    # and its workers with it): its worker ignores it all the same.
    program = (
        "import signal\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from governance.processes import worker_pool\n"
        "worker = worker_pool(1).submit(signal.getsignal, signal.SIGINT).result(timeout=120)\n"
        "print(worker == signal.SIG_IGN, signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=180, check=True
    )

    assert ran.stdout.split() == ["True", "True"], ran.stderr


def test_a_pool_whose_worker_died_is_replaced_and_its_part_walked_here() -> None:
    pool = worker_pool(1)
    died: Future[None] = Future()
    died.set_exception(BrokenProcessPool("a worker died"))

    assert integrity._part_result(died, pool) is None
    assert worker_pool(1) is not pool
    assert worker_pool(1).submit(in_worker_process).result(timeout=120) is True
