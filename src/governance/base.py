"""Base classes of the domain: pydantic events on the `eventsourcing` library's aggregates.

An aggregate keeps the events it has accepted and derives its state from them by the
time model's fold, in (`effective_on`, version) order, so a backdated event lands on its
effective day and never overrides what happened after it. A command builds its event,
checks the subject's whole lifecycle with the event placed at its effective day, and
only then applies it. The `data` of an event is exactly its DOMAIN.md §3 fields.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from copy import copy
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    datetime_now_with_tzinfo,
)
from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict, Field

from governance.errors import LifecycleViolation
from governance.timemodel import effective_order, fold
from governance.values import Day

LIBRARY_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
"""Fields the library needs on every stored event; they are not part of an event's `data`."""

NOT_DATA = LIBRARY_FIELDS | {"effective_on"}
_DUMP_EXCLUDE: set[str] = set(NOT_DATA)
"""`NOT_DATA` as pydantic's `exclude` takes it (a set, not a frozenset)."""


class Immutable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DomainEvent(Immutable):
    originator_id: UUID
    originator_version: int
    timestamp: datetime = Field(default_factory=datetime_now_with_tzinfo, strict=False)


class Aggregate(BaseAggregate[UUID]):
    """A subject of the ledger: its accepted events, and its state derived from them."""

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        TOPIC: ClassVar[str]
        effective_on: Day

        @classmethod
        def type_name(cls) -> str:
            """The event's `type` in the log (``RiskAssessed``)."""
            return cls.TOPIC.rpartition(":")[2]

        def data(self) -> dict[str, Any]:
            """Exactly the event's §3 fields; optional fields without a value are absent."""
            return self.model_dump(mode="json", exclude_none=True, exclude=_DUMP_EXCLUDE)

        def evolve(self, state: Any) -> Any:
            """Check the lifecycle rules this event is subject to, then apply it."""
            raise NotImplementedError

        def apply(self, aggregate: Aggregate) -> None:
            aggregate._accept(self)

    CHECKPOINT_EVERY = 64

    def __init__(self) -> None:
        self._history: list[Aggregate.Event] = []
        self._ordered: list[Aggregate.Event] = []
        """The events in (`effective_on`, version) order: the order they fold in."""
        self._order_keys: list[tuple[date, int]] = []
        self._current: Any = None
        """The fold of every event, kept so that an event later than all others (the
        usual case) is checked by one step of the fold rather than all of it."""
        self._checkpoints: list[Any] = []
        """The state after every `CHECKPOINT_EVERY` events of `_ordered`, so that a
        backdated event is checked by folding from the last checkpoint before its day,
        not from the subject's creation."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Aggregate:
        # Events are immutable, so copies of the lists are deep enough; the folded state
        # is not, since commands change it in place (checkpoints are only ever cloned).
        clone = copy(self)
        clone._history = list(self._history)
        clone._ordered = list(self._ordered)
        clone._order_keys = list(self._order_keys)
        clone._checkpoints = list(self._checkpoints)
        clone._pending_events = list(self._pending_events)
        clone._current = clone_state(self._current)
        return clone

    def _accept(self, event: Aggregate.Event) -> None:
        self._history.append(event)
        key = effective_order(event)
        position = bisect_right(self._order_keys, key)
        self._ordered.insert(position, event)
        self._order_keys.insert(position, key)
        del self._checkpoints[position // self.CHECKPOINT_EVERY :]
        self._current = None

    @property
    def history(self) -> tuple[Aggregate.Event, ...]:
        return tuple(self._history)

    @classmethod
    def evolve(cls, state: Any, event: Aggregate.Event) -> Any:
        if isinstance(event, Created):
            if state is not None:
                raise LifecycleViolation("", "the creating event comes first, once")
        elif state is None:
            raise LifecycleViolation(
                "", f"nothing happens before the subject's creation ({event.effective_on} is earlier)"
            )
        return event.evolve(state)

    def state(self, *, as_of: date | None = None, version: int | None = None) -> Any:
        """The state folded from the events up to `version` (all by default), at `as_of`."""
        latest_day = self._ordered[-1].effective_on if self._ordered else date.min
        if (version is None or version >= self.version) and (as_of is None or as_of >= latest_day):
            return self.current()
        events: Iterable[Aggregate.Event] = self._history
        if version is not None:
            events = (event for event in self._history if event.originator_version <= version)
        return fold(events, self.evolve, as_of=as_of)

    def current(self) -> Any:
        """The state with every event applied (what commands are checked against)."""
        if self._current is None:
            self._current, self._checkpoints = self._fold_ordered(self._ordered)
        return self._current

    def _fold_ordered(
        self, ordered: list[Aggregate.Event], inserted: int | None = None
    ) -> tuple[Any, list[Any]]:
        """Fold events already in effective order, from the last checkpoint still valid
        (before `inserted`, the position of a new event), taking new checkpoints as it
        goes; the final state and every checkpoint."""
        every = self.CHECKPOINT_EVERY
        valid = len(self._checkpoints) if inserted is None else min(len(self._checkpoints), inserted // every)
        checkpoints = self._checkpoints[:valid]
        state = clone_state(checkpoints[-1]) if checkpoints else None
        for position in range(valid * every, len(ordered)):
            state = self.evolve(state, ordered[position])
            if (position + 1) % every == 0:
                checkpoints.append(clone_state(state))
        return state, checkpoints

    @classmethod
    def create(cls, subject_id: UUID, event_class: type[Created], **fields: Any) -> Aggregate:
        """Build the creating event; the new aggregate exists once the event is valid."""
        created = event_class(
            originator_id=subject_id,
            originator_version=cls.INITIAL_VERSION,
            originator_topic=get_topic(cls),
            **fields,
        )
        cls.evolve(None, created)
        aggregate = created.mutate(None)
        assert isinstance(aggregate, cls)
        aggregate.pending_events.append(created)
        return aggregate

    def record(self, event_class: type[Aggregate.Event], **fields: Any) -> Aggregate.Event:
        """Build the next event and accept it only if the lifecycle stays valid with the
        event placed at its effective day; a refused event changes nothing."""
        fields["originator_id"], fields["originator_version"] = self.id, self.version + 1
        event = event_class.model_validate(fields)
        position = bisect_right(self._order_keys, effective_order(event))
        if position == len(self._ordered):
            # It folds last: one step of the fold checks it. Should a refused event
            # have changed the state before its guard failed, the state is folded anew.
            try:
                state, checkpoints = self.evolve(self.current(), event), self._checkpoints
            except Exception:
                self._current = None
                raise
        else:
            # Backdated: every event after it is checked again, from the checkpoint before it.
            ordered = [*self._ordered[:position], event, *self._ordered[position:]]
            state, checkpoints = self._fold_ordered(ordered, inserted=position)
        # What `event.mutate(self)` does, without checking again the id and version the
        # event was just built with: the library's checks cost an import about 6% (60,000
        # events, alternated with and without, medians 14.3k and 15.2k events/s).
        event.apply(self)
        self.version = event.originator_version
        self.modified_on = event.timestamp
        self._current, self._checkpoints = state, checkpoints
        if (
            len(self._ordered) % self.CHECKPOINT_EVERY == 0
            and len(checkpoints) == len(self._ordered) // self.CHECKPOINT_EVERY - 1
        ):
            self._checkpoints.append(clone_state(state))
        self.pending_events.append(event)
        return event


def clone_state(state: Any) -> Any:
    """A copy of a folded state that commands may change without touching the original:
    its lists and dicts are copied, and so are the records in them (two levels is as
    deep as any state goes; text, numbers and dates are immutable)."""
    if state is None:
        return None
    clone = copy(state)
    for field in dataclass_fields(state):
        value = getattr(state, field.name)
        if isinstance(value, list):
            setattr(clone, field.name, [copy(item) for item in value])
        elif isinstance(value, dict):
            setattr(clone, field.name, {key: copy(item) for key, item in value.items()})
    return clone


class Created(Aggregate.Event, CanInitAggregate[UUID]):
    """Base of the events that create a subject."""

    originator_topic: str
