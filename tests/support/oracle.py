"""The naive replay: a subject's answer computed from nothing but the exported log.

It reads envelopes (§7), keeps those recorded at or before `known_at`, turns them back
into domain events and folds them with the time model. Every read the product answers
from stores or read models is compared with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from eventsourcing.utils import get_topic

from governance.answers import AnsweringState
from governance.base import Aggregate, Created
from governance.events import AGGREGATES, EVENT_TYPES
from governance.keys import SubjectKey
from governance.timemodel import fold


def domain_event(envelope: dict[str, Any]) -> Aggregate.Event:
    subject = SubjectKey.parse(envelope["subject"])
    event_class = EVENT_TYPES[envelope["type"]]
    fields = {
        **envelope["data"],
        "effective_on": envelope["effective_on"],
        "originator_id": subject.id,
        "originator_version": envelope["version"],
    }
    if issubclass(event_class, Created):
        fields["originator_topic"] = get_topic(AGGREGATES[subject.kind])
    return event_class.model_validate(fields)


def replay_subject(
    envelopes: Iterable[dict[str, Any]], subject: str, *, as_of: date, known_at: str | None = None
) -> dict[str, Any] | None:
    """`subject`'s answer at `as_of` as known at `known_at` (a canonical instant)."""
    known = [
        envelope
        for envelope in envelopes
        if envelope["subject"] == subject and (known_at is None or envelope["recorded_at"] <= known_at)
    ]
    if not known:
        return None
    kind = SubjectKey.parse(subject).kind
    state: AnsweringState | None = fold(
        [domain_event(envelope) for envelope in known], AGGREGATES[kind].evolve, as_of=as_of
    )
    if state is None:
        return None
    return state.answer(as_of, key=SubjectKey.parse(subject).key, version=len(known)).model_dump()
