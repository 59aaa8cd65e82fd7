"""Several processes appending to one store at once still write one log: `seq` without
gaps, `recorded_at` never decreasing, the chain unbroken, and no lost or doubled event."""

from __future__ import annotations

import itertools
import multiprocessing

from governance.application import Ledger
from governance.chain import ZERO_HASH, event_hash
from governance.context import acting_as
from support import command

WRITERS = 3
EVENTS_PER_WRITER = 40


def _append(url: str, writer: int) -> None:
    ledger = Ledger(url)
    try:
        with acting_as(f"writer-{writer}"):
            for n in range(EVENTS_PER_WRITER):
                # Every writer assesses the same shared risk too, so appends also race
                # on one subject's version and must be retried, not lost.
                if n % 4 == 0:
                    ledger.record(command("risk:SHARED", "RiskAssessed", "2025-06-01", probability=1 + n % 5))
                else:
                    ledger.record(command(f"risk:W{writer}-{n}", "RiskIdentified", "2025-06-01"))
    finally:
        ledger.close()


def test_concurrent_writers_keep_the_log_gap_free_ordered_and_chained(store_url: str) -> None:
    ledger = Ledger(store_url)
    ledger.record(command("risk:SHARED", "RiskIdentified", "2025-01-01"))
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append, args=(store_url, writer)) for writer in range(WRITERS)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0

    envelopes = list(ledger.envelopes())
    assert [e["seq"] for e in envelopes] == list(range(1, 1 + WRITERS * EVENTS_PER_WRITER + 1))
    assert all(a["recorded_at"] <= b["recorded_at"] for a, b in itertools.pairwise(envelopes))
    previous = ZERO_HASH
    for envelope in envelopes:
        assert envelope["prev_hash"] == previous
        assert envelope["hash"] == event_hash({k: v for k, v in envelope.items() if k != "hash"})
        previous = envelope["hash"]
    shared = [e for e in envelopes if e["subject"] == "risk:SHARED"]
    assert [e["version"] for e in shared] == list(range(1, len(shared) + 1))
    assert len(shared) == 1 + WRITERS * (EVENTS_PER_WRITER // 4)
    ledger.close()
