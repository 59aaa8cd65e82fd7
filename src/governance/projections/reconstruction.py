"""What a board decision was based on and what cites it (DOMAIN.md §6
`GET /board-cases/{body}/{case_no}/reconstruction`).

The case as it stands today as known at `known_at`; every subject it or its decisions
refer to as the board could know it when it met (at the meeting day, as recorded by the
end of that day in Oslo); and the events, up to `known_at`, that cite the case.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from governance.application import Ledger
from governance.keys import SubjectKey
from governance.projections.board_cases import CITING
from governance.projections.runner import ReadModels
from governance.timemodel import end_of_oslo_day


def reconstruction(
    ledger: Ledger,
    models: ReadModels,
    case: SubjectKey,
    *,
    today: date,
    known_at: datetime | None,
    position: int,
) -> dict[str, Any] | None:
    answer = ledger.subject(case, as_of=today, known_at=known_at)
    if answer is None:
        return None
    refs = set(answer["refs"])
    for decision in answer["decisions"]:
        refs.update(decision["refs"])
    meeting_on: date = answer["meeting_on"]
    seen_then = min(end_of_oslo_day(meeting_on), ledger.clock())
    referenced = [
        {"subject": ref, "state": ledger.subject(SubjectKey.parse(ref), as_of=meeting_on, known_at=seen_then)}
        for ref in sorted(refs)
    ]
    seqs = [row["seq"] for row in models.fetch(CITING, case_key=case.key, position=position)]
    decode = ledger.mapper.decode_state  # type: ignore[attr-defined]
    return {
        "case": answer,
        "referenced": referenced,
        "citing_events": [row.envelope(decode) for row in ledger.log.log_rows_at(seqs)],
    }
