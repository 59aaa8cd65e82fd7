"""What changed between two readings of the log (DOMAIN.md §6a): a tertial's changes and
one subject's, each the structural difference of the answers the read models give at
the two positions, with the events learnt in between."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from governance.changes import diff
from governance.errors import InvalidInput, SubjectNotFound
from governance.keys import SubjectKey
from governance.projections.backdated import LATER_BUT_EFFECTIVE_BY
from governance.projections.reads import position_at, reading, subject_at, tertial_report
from governance.projections.runner import ReadModels
from governance.timemodel import Tertial, end_of_oslo_day

READING_FIELDS = ("known_at", "log")
"""What a tertial snapshot says of the reading itself, not of the period."""


def check_order(from_known_at: datetime, to_known_at: datetime) -> None:
    if from_known_at > to_known_at:
        raise InvalidInput.single(
            ("from_known_at",), "lies after to_known_at: compare an earlier reading with a later one"
        )


def events_bearing_on(models: ReadModels, day: date, *, after: int, until: int) -> list[dict[str, Any]]:
    """The envelopes with `after < seq <= until` effective on or before `day`, in log order.

    Every event recorded by the end of `day` (in Oslo) is effective by then, and every
    later one effective by then is backdated: the first part is a range of the log, the
    second a range of the small read model of backdated events, so neither is a scan of
    everything recorded between the two readings.
    """
    ledger = models.ledger
    recorded_by_then = ledger.position(end_of_oslo_day(day))
    envelopes = list(ledger.envelopes(after=after, until=min(until, recorded_by_then)))
    if until > recorded_by_then:
        later = models.fetch(
            LATER_BUT_EFFECTIVE_BY, after=max(after, recorded_by_then), until=until, day=day.isoformat()
        )
        seqs = [row["seq"] for row in later]
        decode = ledger.mapper.decode_state
        for start in range(0, len(seqs), 500):
            envelopes += [row.envelope(decode) for row in ledger.log.log_rows_at(seqs[start : start + 500])]
    return envelopes


def without(answer: dict[str, Any] | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    return None if answer is None else {name: value for name, value in answer.items() if name not in names}


def tertial_changes(
    models: ReadModels,
    period: Tertial,
    *,
    from_known_at: datetime,
    to_known_at: datetime,
    organisation: str | None = None,
) -> dict[str, Any]:
    """The tertial's snapshot as known at A against the same as known at B, and the
    events recorded between them that bear on the period (effective by its end)."""
    check_order(from_known_at, to_known_at)
    before = tertial_report(models, period, known_at=from_known_at, organisation=organisation)
    after = tertial_report(models, period, known_at=to_known_at, organisation=organisation)
    start, end = before["log"]["position"], after["log"]["position"]
    return {
        "tertial": str(period),
        "from": reading(models, from_known_at, start),
        "to": reading(models, to_known_at, end),
        "changes": diff(without(before, READING_FIELDS), without(after, READING_FIELDS)),
        "events": events_bearing_on(models, period.end, after=start, until=end),
    }


def subject_changes(
    models: ReadModels,
    subject: SubjectKey,
    *,
    as_of: date,
    from_known_at: datetime,
    to_known_at: datetime,
) -> dict[str, Any]:
    """One subject's answer at `as_of` as known at A against the same as known at B, and
    its events recorded between them, effective by `as_of`."""
    check_order(from_known_at, to_known_at)
    start, end = position_at(models, from_known_at), position_at(models, to_known_at)
    before = subject_at(models, subject, as_of=as_of, position=start)
    after = subject_at(models, subject, as_of=as_of, position=end)
    if before is None and after is None:
        raise SubjectNotFound(str(subject))
    return {
        "subject": str(subject),
        "as_of": as_of.isoformat(),
        "from": reading(models, from_known_at, start),
        "to": reading(models, to_known_at, end),
        "changes": diff(without(before, ("version",)), without(after, ("version",))),
        "events": list(
            models.ledger.envelopes(after=start, until=end, subject=str(subject), effective_until=as_of)
        ),
    }
