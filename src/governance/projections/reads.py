"""The reads the API, the pages, the report and the command line share: find P for
`known_at`, make sure the read models have applied it, and answer (once per P: the first P
events never change)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from governance.keys import SubjectKey
from governance.projections.runner import ReadModels
from governance.projections.status import status_at
from governance.projections.subjects import answer
from governance.projections.tertial import tertial_snapshot
from governance.timemodel import Tertial, format_instant


def position_at(models: ReadModels, known_at: datetime) -> int:
    """P for `known_at` (the number of events recorded at or before it), once the read
    models have applied it."""
    cut = None if known_at >= models.ledger.clock() else known_at
    position = models.ledger.position(cut)
    models.ensure(position)
    return position


def reading(models: ReadModels, known_at: datetime, position: int) -> dict[str, Any]:
    """A reading of the log: `known_at` as used (now when later), its position and head."""
    return {
        "known_at": format_instant(min(known_at, models.ledger.clock())),
        "position": position,
        "head_hash": models.ledger.head_hash(position),
    }


def tertial_report(
    models: ReadModels, period: Tertial, *, known_at: datetime, organisation: str | None = None
) -> dict[str, Any]:
    """The tertial snapshot of §6 as known at `known_at` (now when later)."""
    position = position_at(models, known_at)
    answer = models.cached(
        ("tertial", str(period), position, organisation),
        lambda: tertial_snapshot(
            models,
            period,
            position=position,
            known_at="",
            head_hash=models.ledger.head_hash(position),
            organisation=organisation,
        ),
    )
    return {**answer, "known_at": format_instant(min(known_at, models.ledger.clock()))}


def status_report(models: ReadModels, *, as_of: date, known_at: datetime) -> dict[str, Any]:
    position = position_at(models, known_at)
    answer = models.cached(
        ("status", as_of, position),
        lambda: status_at(
            models, as_of=as_of, position=position, known_at="", head_hash=models.ledger.head_hash(position)
        ),
    )
    return {**answer, "known_at": format_instant(min(known_at, models.ledger.clock()))}


def subject_at(
    models: ReadModels, subject: SubjectKey, *, as_of: date, position: int
) -> dict[str, Any] | None:
    """A subject's answer (§6) at (`as_of`, P), P already applied; None where it does not
    exist then."""
    return models.cached(
        ("subject", str(subject), as_of, position),
        lambda: answer(models, subject, as_of=as_of, position=position),
    )


def subject_answer(
    models: ReadModels, subject: SubjectKey, *, as_of: date, known_at: datetime
) -> dict[str, Any] | None:
    """A subject's answer (§6) at `as_of` as known at `known_at`."""
    return subject_at(models, subject, as_of=as_of, position=position_at(models, known_at))
