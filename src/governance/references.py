"""The subjects an event refers to, each located by the field that names it.

Every reference must name a subject (or an amendment) that exists in the log when the
event is recorded (DOMAIN.md §3); the application checks them against the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from governance import keys
from governance.base import Aggregate
from governance.keys import SubjectKey


@dataclass(frozen=True)
class Reference:
    loc: tuple[str | int, ...]
    subject: SubjectKey
    amendment_no: int | None = None

    def __str__(self) -> str:
        if self.amendment_no is not None:
            return f"amendment {self.subject.key}#{self.amendment_no}"
        return str(self.subject)


_SINGLE = {
    "decision_ref": keys.parse_case_ref,
    "by": keys.parse_case_ref,
    "project": keys.project,
    "merged_into": keys.risk,
}
_LISTS = {
    "affected_milestones": keys.parse_milestone_ref,
    "refs": keys.SubjectKey.parse,
}


def references(event: Aggregate.Event) -> Iterator[Reference]:
    """Every reference the event's fields make, in field order."""
    for name in _referring_fields(type(event)):
        value = getattr(event, name)
        if value is None:
            continue
        if name in _SINGLE:
            yield Reference((name,), _SINGLE[name](value))
        elif name in _LISTS:
            for index, item in enumerate(value):
                yield Reference((name, index), _LISTS[name](item))
        else:
            contract, number = keys.parse_amendment_ref(value)
            yield Reference((name,), contract, number)


@cache
def _referring_fields(event_class: type[Aggregate.Event]) -> tuple[str, ...]:
    """The fields of an event type that can name a subject, in field order."""
    return tuple(
        name
        for name in event_class.model_fields
        if name in _SINGLE or name in _LISTS or name == "amendment_ref"
    )
