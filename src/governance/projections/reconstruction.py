"""What a board decision was based on, what cites it, and what has been corrected since
(DOMAIN.md §6 `GET /board-cases/{body}/{case_no}/reconstruction`, §6a corrections).

The case as it stands today as known at `known_at`; every subject it or its decisions
refer to as the board could know it when it met (at the meeting day, as recorded by the
end of that day in Oslo); the events, up to `known_at`, that cite the case; and, for each
referenced subject whose answer for the meeting day has changed since, what changed and
the events that changed it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from governance.changes import diff
from governance.keys import SubjectKey
from governance.projections.board_cases import CITING
from governance.projections.changes import without
from governance.projections.reads import position_at, subject_at
from governance.projections.runner import ReadModels
from governance.timemodel import end_of_oslo_day


def reconstruction(
    models: ReadModels, case: SubjectKey, *, today: date, known_at: datetime
) -> dict[str, Any] | None:
    ledger = models.ledger
    position = position_at(models, known_at)
    answer = subject_at(models, case, as_of=today, position=position)
    if answer is None:
        return None
    refs = set(answer["refs"])
    for decision in answer["decisions"]:
        refs.update(decision["refs"])
    meeting_on = date.fromisoformat(answer["meeting_on"])
    board_knew_at = end_of_oslo_day(meeting_on)
    then = position_at(models, board_knew_at)
    referenced = [
        {"subject": ref, "state": subject_at(models, SubjectKey.parse(ref), as_of=meeting_on, position=then)}
        for ref in sorted(refs)
    ]
    corrections = []
    if known_at > board_knew_at and position > then:
        for item in referenced:
            subject = SubjectKey.parse(item["subject"])
            now = subject_at(models, subject, as_of=meeting_on, position=position)
            changes = diff(without(item["state"], ("version",)), without(now, ("version",)))
            if changes:
                events = ledger.envelopes(
                    after=then, until=position, subject=str(subject), effective_until=meeting_on
                )
                corrections.append({"subject": str(subject), "changes": changes, "events": list(events)})
    seqs = [row["seq"] for row in models.fetch(CITING, case_key=case.key, position=position)]
    decode = ledger.mapper.decode_state
    return {
        "case": answer,
        "referenced": referenced,
        "citing_events": [row.envelope(decode) for row in ledger.log.log_rows_at(seqs)],
        "corrections": corrections,
    }
