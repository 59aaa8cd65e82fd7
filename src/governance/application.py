"""The ledger's application service: commands in, events recorded, subjects read.

One write path serves every caller: a command names its subject, its event type and the
event's fields; a batch of commands (one for an HTTP write, many for an import or the
demo) is validated against the log plus the commands before it and stored in one
transaction, together with each event's log fields, or not at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from pydantic import ValidationError

from governance import keys
from governance.aggregates import Contract
from governance.answers import AnsweringState
from governance.base import LIBRARY_FIELDS, Aggregate, Created
from governance.context import current_actor
from governance.errors import (
    ConcurrentAppend,
    FieldError,
    IdempotencyConflict,
    InvalidInput,
    LedgerError,
    LifecycleViolation,
    ReferenceNotFound,
    SubjectAlreadyExists,
    SubjectNotFound,
    VersionMismatch,
)
from governance.events import AGGREGATES, EVENT_TYPES, KIND_OF_TYPE
from governance.keys import SubjectKey
from governance.references import Reference, references
from governance.settings import settings
from governance.store.config import database_url, prepare_store, store_env
from governance.store.log import (
    IdempotencyRecord,
    LedgerLogRecorder,
    LogOrderError,
    PendingEntry,
    chain_entries,
    recorded_day,
    state_data,
)
from governance.store.postgres import PostgresLedgerRecorder
from governance.store.serialisation import PydanticMapper
from governance.timemodel import TimeFormatError, format_instant, oslo_day, parse_day

APPEND_ATTEMPTS = 8


@dataclass(frozen=True)
class Command:
    """Record one event: its subject, its type, its §3 fields and its effective day.

    An import also states the log fields it brings (`recorded_at`, `actor`, `event_id`)
    and those it only asserts (`stated`: `seq`, `prev_hash`, `hash`, `version`).
    """

    subject: SubjectKey
    type: str
    fields: dict[str, Any]
    effective_on: date | str | None = None
    expected_version: int | None = None
    recorded_at: str | None = None
    actor: str | None = None
    event_id: str | None = None
    stated: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """A stored event as §7 writes it, and whether it was an idempotent replay."""

    envelope: dict[str, Any]
    replayed: bool = False

    @property
    def version(self) -> int:
        return cast(int, self.envelope["version"])


class BatchError(LedgerError):
    """The command at `index` of a batch was refused for `cause`; nothing was stored."""

    def __init__(self, index: int, cause: LedgerError) -> None:
        super().__init__(cause.detail)
        self.index = index
        self.cause = cause


class Ledger(Application[UUID]):
    """The governance ledger on one store (SQLite file or PostgreSQL database)."""

    name = "Governance"
    mapper: PydanticMapper
    """The store's environment always names `PydanticMapper` (`store_env`)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        env: dict[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        url = url or database_url()
        library_env = store_env(url) | (env or {})
        prepare_store(library_env)
        super().__init__(library_env)
        self.url = url
        self.write_wait = settings().import_wait
        """Seconds an append waits while an exclusive batch (an import) holds the log
        before it gives up with the store's `OperationalError` (the API's 503)."""
        if clock is not None:
            self.log.clock = clock
        self.clock: Callable[[], datetime] = clock or self.log.store_now
        """"Now" for every read and write: the store's clock, which `recorded_at` is
        read from (on PostgreSQL the database server's, whatever this host's says)."""
        self._append_listeners: list[Callable[[], None]] = []
        self._exclusive = threading.Lock()

    def on_append(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every append this process makes (read models wake up)."""
        self._append_listeners.append(listener)

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        for listener in self._append_listeners:
            listener()

    @property
    def log(self) -> LedgerLogRecorder:  # type: ignore[override]  # replaces the library's deprecated alias of notification_log
        """The store's recorder, with the ledger log's reads."""
        return cast(LedgerLogRecorder, self.recorder)

    def today(self) -> date:
        return oslo_day(self.clock())

    # Writes ------------------------------------------------------------------------

    def record(self, command: Command, *, idempotency: IdempotencyRecord | None = None) -> Recorded:
        """Record one event; with an idempotency key, a repeated request answers the
        first response again and appends nothing."""
        if idempotency is not None and (replay := self.replay(idempotency)) is not None:
            return replay
        for attempt in range(APPEND_ATTEMPTS):
            batch = Batch(self)
            entry = batch.apply(command)
            try:
                batch.save(idempotency=idempotency)
            except IntegrityError:
                if idempotency is not None and (replay := self.replay(idempotency)) is not None:
                    return replay
                current = self.log.subject_version(str(command.subject))
                if command.expected_version is not None and current != command.expected_version:
                    raise VersionMismatch(str(command.subject), command.expected_version, current) from None
                if command.type in _CREATING and current > 0:
                    raise SubjectAlreadyExists(str(command.subject)) from None
                time.sleep(0.002 * (attempt + 1))
                continue
            return Recorded(entry.envelope())
        raise ConcurrentAppend()

    def record_many(
        self, commands: Iterable[Command], *, expected_tail: int | None = None
    ) -> list[dict[str, Any]]:
        """Record a batch of events in one transaction, or none of them. A refused
        command raises `BatchError` with its index."""
        batch = Batch(self)
        for index, command in enumerate(commands):
            try:
                batch.apply(command)
            except LedgerError as error:
                raise BatchError(index, error) from error
        try:
            batch.save(expected_tail=expected_tail)
        except LedgerError as error:
            raise BatchError(getattr(error, "index", len(batch.entries) - 1), error) from error
        return [entry.envelope() for entry in batch.entries]

    def wait_while_exclusive(self) -> None:
        """Appends wait here while an exclusive batch runs in this process, rather than in
        the store's connection pool, where a queued writer would hold up readers too."""
        if self._exclusive.locked():
            if not self._exclusive.acquire(timeout=self.write_wait):
                raise OperationalError("an import holds the log; retry shortly")
            self._exclusive.release()

    def record_exclusive(
        self, commands: Iterable[Command], *, idempotency: IdempotencyRecord | None = None
    ) -> list[dict[str, Any]]:
        """Record a batch holding the append lock from before its first command is checked
        until its last event is stored (an import): other writers wait, reads go on.

        Each command is checked against the log plus the commands before it, its log
        fields included (`recorded_at` order, stated `seq`/`version`/`prev_hash`/`hash`),
        and the first bad one is reported: `BatchError` with its index. What iterating
        `commands` raises propagates, unless a command before it was bad. Either way
        nothing is stored. With `idempotency`, the key is remembered with the batch (a
        batch that stores nothing remembers nothing).
        """
        recorder = self.log
        with self._exclusive, recorder.write_transaction() as curs:
            if isinstance(recorder, PostgresLedgerRecorder):
                # While the batch is checked, this transaction waits on other
                # connections' reads: longer than the store lets a transaction sit idle.
                curs.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            tail, now = recorder._select_tail(curs), recorder.now(curs)
            batch = Batch(self)

            def check_log_fields() -> None:
                # The log fields are checked when stored; a refusal first looks for an
                # earlier command whose log fields are bad.
                try:
                    chain_entries([copy(entry) for entry in batch.entries], tail, now)
                except LogOrderError as error:
                    raise BatchError(error.index, error) from error

            batch.apply_all(commands, check_log_fields)
            for aggregate in batch.aggregates.values():
                if aggregate is not None:
                    aggregate.collect_events()
            if batch.entries:
                stored = batch.stored_events()
                try:
                    recorder._append(curs, stored, log_entries=batch.entries, idempotency=idempotency)
                except LedgerError as error:
                    raise BatchError(getattr(error, "index", len(batch.entries) - 1), error) from error
        self._notify([])
        return [entry.envelope() for entry in batch.entries]

    def replay(self, idempotency: IdempotencyRecord) -> Recorded | None:
        """The first answer to a request with this idempotency key, if there was one;
        `IdempotencyConflict` if that request was another."""
        found = self.log.idempotent_seq(idempotency.principal, idempotency.key)
        if found is None:
            return None
        fingerprint, seq = found
        if fingerprint != idempotency.fingerprint:
            raise IdempotencyConflict(idempotency.key)
        return Recorded(self.envelope_at(seq), replayed=True)

    # Reads -------------------------------------------------------------------------

    def position(self, known_at: datetime | None = None) -> int:
        """The number of events recorded at or before `known_at` (all by default)."""
        return self.log.log_position(None if known_at is None else format_instant(known_at))

    def head_hash(self, position: int) -> str:
        return self.log.log_hash(position)

    def envelopes(
        self,
        *,
        after: int = 0,
        until: int | None = None,
        subject: str | None = None,
        limit: int | None = None,
        effective_until: date | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Events in log order as §7 envelopes: those with `after < seq <= until`, of
        `subject` and effective on or before `effective_until` when given."""
        decode = self.mapper.decode_state
        rows = self.log.log_rows(
            after=after,
            until=until,
            subject=subject,
            limit=limit,
            effective_until=None if effective_until is None else effective_until.isoformat(),
        )
        for row in rows:
            yield row.envelope(decode)

    def envelope_at(self, seq: int) -> dict[str, Any]:
        return next(self.envelopes(after=seq - 1, until=seq))

    def aggregate(self, subject: SubjectKey) -> Aggregate | None:
        try:
            return cast(Aggregate, self.repository.get(subject.id, projector_func=_project))
        except AggregateNotFoundError:
            return None

    def subject(
        self, subject: SubjectKey, *, as_of: date, known_at: datetime | None = None
    ) -> dict[str, Any] | None:
        """A subject's answer (§6) at `as_of` as known at `known_at`; None where it did
        not exist then."""
        position = None if known_at is None else self.position(known_at)
        version = self.log.subject_version(str(subject), position)
        if version == 0:
            return None
        aggregate = self.aggregate(subject)
        if aggregate is None:
            return None
        state: AnsweringState | None = aggregate.state(as_of=as_of, version=version)
        if state is None:
            return None
        return state.answer(as_of, key=subject.key, version=version).model_dump()

    def history(self, subject: SubjectKey, *, known_at: datetime | None = None) -> list[dict[str, Any]]:
        position = None if known_at is None else self.position(known_at)
        return list(self.envelopes(subject=str(subject), until=position))


_CREATING = frozenset(name for name, cls in EVENT_TYPES.items() if issubclass(cls, Created))
_RESERVED = LIBRARY_FIELDS | {"effective_on"}
"""Names a command's fields must not use: the library's and `effective_on` (its own argument)."""


class Batch:
    """Commands validated against the log plus the commands before them, stored together.

    A batch whose `apply` raised is discarded: the aggregates it loaded are copies.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.aggregates: dict[UUID, Aggregate | None] = {}
        self.events: list[Aggregate.Event] = []
        self.states: list[dict[str, Any]] = []
        """Each event's state as it is stored (`PydanticMapper.event_state`), dumped once
        for both its `data` and its stored event."""
        self.entries: list[PendingEntry] = []

    def load(self, subject: SubjectKey) -> Aggregate | None:
        if subject.id not in self.aggregates:
            self.aggregates[subject.id] = self.ledger.aggregate(subject)
        return self.aggregates[subject.id]

    def exists(self, subject: SubjectKey) -> bool:
        if subject.id in self.aggregates:
            return self.aggregates[subject.id] is not None
        return self.ledger.log.subject_version(str(subject)) > 0

    def apply(self, command: Command) -> PendingEntry:
        subject = command.subject
        event_class = self._event_class(command)
        effective_on = self._effective_on(command)
        aggregate = self.load(subject)
        if command.expected_version is not None:
            actual = aggregate.version if aggregate is not None else 0
            if actual != command.expected_version:
                raise VersionMismatch(str(subject), command.expected_version, actual)
        fields = {**command.fields, "effective_on": effective_on}
        try:
            if issubclass(event_class, Created):
                if aggregate is not None:
                    raise SubjectAlreadyExists(str(subject))
                if subject.kind == "milestone" and not self.exists(keys.project(subject.parts[0])):
                    raise SubjectNotFound(str(keys.project(subject.parts[0])))
                aggregate = AGGREGATES[subject.kind].create(subject.id, event_class, **fields)
                self.aggregates[subject.id] = aggregate
                created = aggregate.pending_events[-1]
                assert isinstance(created, Aggregate.Event)
                event = created
            else:
                if aggregate is None:
                    raise SubjectNotFound(str(subject))
                event = aggregate.record(event_class, **fields)
        except ValidationError as error:
            raise InvalidInput(_field_errors(error)) from None
        except LifecycleViolation as error:
            raise LifecycleViolation(str(subject), error.rule) from None
        for reference in references(event):
            # A creating event cannot refer to its own subject: it is not in the log yet.
            creating_itself = isinstance(event, Created) and reference.subject == subject
            if creating_itself or not self._exists(reference):
                raise ReferenceNotFound(reference.loc, str(reference))
        actor = command.actor if command.actor is not None else current_actor.get()
        if actor is not None and "\x00" in actor:
            raise InvalidInput.single(("actor",), "must not contain the character U+0000")
        state = self.ledger.mapper.event_state(event)
        entry = PendingEntry(
            event_id=command.event_id or str(uuid4()),
            subject=str(subject),
            type=command.type,
            version=event.originator_version,
            effective_on=event.effective_on.isoformat(),
            actor=actor,
            data=state_data(state),
            recorded_at=command.recorded_at,
            expected=command.stated or None,
        )
        self.events.append(event)
        self.states.append(state)
        self.entries.append(entry)
        return entry

    def apply_all(
        self,
        commands: Iterable[Command],
        check_log_fields: Callable[[], None],
        *,
        stored: Callable[[], int] = lambda: 0,
        full: Callable[[], None] | None = None,
        chunk: int = 0,
    ) -> None:
        """Apply each command in turn: the first refused raises `BatchError` with its
        index from the first command (`stored()` counts those already written and let
        go), and what iterating `commands` raises propagates; either way only after
        `check_log_fields` looked for an earlier command whose log fields are bad. With
        `full`, it is called whenever `chunk` commands are held."""
        iterator = iter(commands)
        while True:
            try:
                command = next(iterator)
            except StopIteration:
                return
            except Exception:
                check_log_fields()
                raise
            try:
                self.apply(command)
            except LedgerError as error:
                check_log_fields()
                raise BatchError(stored() + len(self.entries), error) from error
            if full is not None and len(self.entries) >= chunk:
                full()

    def stored_events(self) -> list[StoredEvent]:
        """The batch's events as the store writes them (from the states already dumped)."""
        stored_event = self.ledger.mapper.stored_event
        return [stored_event(event, state) for event, state in zip(self.events, self.states, strict=True)]

    def clear(self) -> None:
        """Forget the events and entries (once written); the aggregates stay."""
        self.events.clear()
        self.states.clear()
        self.entries.clear()

    def save(self, *, idempotency: IdempotencyRecord | None = None, expected_tail: int | None = None) -> None:
        """Store the batch's events in their order, with their log entries, in one
        transaction (straight to the event store: the events are already collected)."""
        self.ledger.wait_while_exclusive()
        for aggregate in self.aggregates.values():
            if aggregate is not None:
                aggregate.collect_events()
        recordings = self.ledger.events.put(
            self.events, log_entries=self.entries, idempotency=idempotency, expected_tail=expected_tail
        )
        cache = self.ledger.repository.cache
        if cache is not None:
            # The aggregates as stored, their folded state included, so that the next
            # command on the same subject starts from here rather than folding again.
            for aggregate_id, aggregate in self.aggregates.items():
                if aggregate is not None:
                    cache.put(aggregate_id, aggregate)
        self.ledger._notify(recordings)

    def _event_class(self, command: Command) -> type[Aggregate.Event]:
        event_class = EVENT_TYPES.get(command.type)
        if event_class is None:
            raise InvalidInput.single(("type",), f"unknown event type {command.type!r}")
        if KIND_OF_TYPE[command.type] != command.subject.kind:
            raise InvalidInput.single(
                ("type",), f"{command.type} is not an event of a {command.subject.kind} subject"
            )
        if not _RESERVED.isdisjoint(command.fields):
            raise InvalidInput(
                [
                    FieldError((name,), "is not a field of the event", "extra_forbidden")
                    for name in sorted(_RESERVED.intersection(command.fields))
                ]
            )
        return event_class

    def _effective_on(self, command: Command) -> date:
        recorded_at = command.recorded_at
        if recorded_at is None:
            recorded_on = self.ledger.today()
        elif len(recorded_at) == 27 and recorded_at[10] == "T" and recorded_at[-1] == "Z":
            recorded_on = recorded_day(recorded_at)  # the canonical form: looked up by its hour
        else:
            recorded_on = oslo_day(datetime.fromisoformat(recorded_at))
        if command.effective_on is None:
            return recorded_on
        if type(command.effective_on) is date:
            effective_on = command.effective_on
        elif not isinstance(command.effective_on, str):
            raise InvalidInput.single(("effective_on",), "must be a date written YYYY-MM-DD")
        else:
            try:
                effective_on = parse_day(command.effective_on)
            except TimeFormatError as error:
                raise InvalidInput.single(("effective_on",), str(error)) from None
        if effective_on > recorded_on:
            raise InvalidInput.single(
                ("effective_on",),
                f"lies in the future: facts are recorded when they have happened ({recorded_on})",
            )
        return effective_on

    def _exists(self, reference: Reference) -> bool:
        if reference.amendment_no is None:
            return self.exists(reference.subject)
        contract = self.load(reference.subject)
        return contract is not None and any(
            isinstance(event, Contract.Amended) and event.amendment_no == reference.amendment_no
            for event in contract.history
        )


def _project(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's aggregate projector, without its per-event protocol check (a costly
    runtime isinstance on a Protocol); our stored events are all aggregate events."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _field_errors(error: ValidationError) -> list[FieldError]:
    return [
        FieldError(tuple(item["loc"]), item["msg"].removeprefix("Value error, "), item["type"])
        for item in error.errors(include_url=False)
    ]
