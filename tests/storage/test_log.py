"""The ledger log on every store: gap-free seq, non-decreasing recorded_at, an unbroken
chain, and reads that see exactly what was recorded."""

from __future__ import annotations

from datetime import date

from governance.application import Ledger
from governance.chain import ZERO_HASH, event_hash
from governance.keys import SubjectKey
from support import command


def test_first_event_is_chained_to_zeros_and_numbered_one(ledger: Ledger) -> None:
    recorded = ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10"))

    envelope = recorded.envelope
    assert envelope["seq"] == 1
    assert envelope["version"] == 1
    assert envelope["prev_hash"] == ZERO_HASH
    assert envelope["hash"] == event_hash({k: v for k, v in envelope.items() if k != "hash"})
    assert ledger.position() == 1
    assert ledger.head_hash(1) == envelope["hash"]


def test_stored_envelopes_read_back_exactly_as_written(ledger: Ledger) -> None:
    written = [
        ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10")).envelope,
        ledger.record(command("risk:OR-631", "RiskIdentified", "2025-02-01", project="KAK")).envelope,
        ledger.record(command("risk:OR-631", "RiskAssessed", "2025-03-01")).envelope,
    ]

    assert list(ledger.envelopes()) == written
    assert ledger.history(SubjectKey.parse("risk:OR-631")) == written[1:]


def test_a_backdated_assessment_does_not_override_a_later_one(ledger: Ledger) -> None:
    ledger.record(command("risk:OR-631", "RiskIdentified", "2025-01-01"))
    ledger.record(command("risk:OR-631", "RiskAssessed", "2025-03-01", probability=2, consequence=4))
    ledger.record(command("risk:OR-631", "RiskAssessed", "2025-02-15", probability=5, consequence=5))

    now = ledger.subject(SubjectKey.parse("risk:OR-631"), as_of=date(2025, 12, 31))
    then = ledger.subject(SubjectKey.parse("risk:OR-631"), as_of=date(2025, 2, 20))

    assert now is not None and (now["probability"], now["consequence"]) == (2, 4)
    assert then is not None and (then["probability"], then["consequence"]) == (5, 5)
