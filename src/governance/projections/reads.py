"""The reads the API, the report and the command line share: find P for `known_at`,
make sure the read models have applied it, and answer (once per P: the first P events
never change)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from governance.projections.runner import ReadModels
from governance.projections.status import status_at
from governance.projections.tertial import tertial_snapshot
from governance.timemodel import Tertial, format_instant


def _position(models: ReadModels, known_at: datetime) -> int:
    cut = None if known_at >= models.ledger.clock() else known_at
    position = models.ledger.position(cut)
    models.ensure(position)
    return position


def tertial_report(
    models: ReadModels, period: Tertial, *, known_at: datetime, organisation: str | None = None
) -> dict[str, Any]:
    """The tertial snapshot of §6 as known at `known_at` (now when later)."""
    position = _position(models, known_at)
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
    position = _position(models, known_at)
    answer = models.cached(
        ("status", as_of, position),
        lambda: status_at(
            models, as_of=as_of, position=position, known_at="", head_hash=models.ledger.head_hash(position)
        ),
    )
    return {**answer, "known_at": format_instant(min(known_at, models.ledger.clock()))}
