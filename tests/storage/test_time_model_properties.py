"""Properties of the time model on every store: the same events give the same answers,
whatever order they were recorded in, and a read sees nothing recorded after `known_at`
or effective after `as_of`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from governance.application import Command, Ledger
from governance.errors import LedgerError
from governance.events import AGGREGATES, EVENT_TYPES
from governance.timemodel import FAR_FUTURE, format_instant, parse_instant
from support import VALID_FIELDS, replay_subject
from support.strategies import (
    FIRST_DAY,
    KINDS,
    LAST_DAY,
    command_on,
    fresh_subject,
    histories,
    independent_histories,
    seed_references,
)

SHARED_STORE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def seeded(ledger: Ledger) -> Ledger:
    if ledger.position() == 0:
        ledger.record_many(seed_references())
    return ledger


def record_all(ledger: Ledger, commands: list[Command]) -> list[bool]:
    accepted = []
    for command in commands:
        try:
            ledger.record(command)
            accepted.append(True)
        except LedgerError:
            accepted.append(False)
    return accepted


def fold_in_memory(commands: list[Command]) -> tuple[Any, list[bool]]:
    """The same commands applied to a bare aggregate, with no store at all."""
    aggregate = None
    accepted = []
    for command in commands:
        fields = {**command.fields, "effective_on": command.effective_on}
        try:
            if aggregate is None:
                aggregate = AGGREGATES[command.subject.kind].create(
                    command.subject.id, EVENT_TYPES[command.type], **fields
                )
            else:
                aggregate.record(EVENT_TYPES[command.type], **fields)
            accepted.append(True)
        except (LedgerError, ValueError):
            accepted.append(False)
    return aggregate, accepted


@SHARED_STORE
@given(data=st.data())
def test_stored_events_fold_to_the_aggregates_own_state(ledger: Ledger, data: st.DataObject) -> None:
    commands = data.draw(histories())
    subject = commands[0].subject
    accepted_by_store = record_all(seeded(ledger), commands)
    in_memory, accepted_in_memory = fold_in_memory(commands)

    assert accepted_by_store == accepted_in_memory
    replayed = replay_subject(ledger.envelopes(), str(subject), as_of=FAR_FUTURE)
    loaded = ledger.aggregate(subject)
    assert loaded is not None
    own_state = loaded.current().answer(FAR_FUTURE, key=subject.key, version=loaded.version).model_dump()
    assert replayed == own_state
    assert (
        in_memory.current().answer(FAR_FUTURE, key=subject.key, version=loaded.version).model_dump()
        == own_state
    )
    assert ledger.subject(subject, as_of=FAR_FUTURE) == own_state


@SHARED_STORE
@given(data=st.data())
def test_a_read_sees_nothing_recorded_after_known_at_or_effective_after_as_of(
    ledger: Ledger, data: st.DataObject
) -> None:
    commands = data.draw(histories())
    subject = commands[0].subject
    record_all(seeded(ledger), commands)
    envelopes = list(ledger.envelopes())
    instants = sorted({e["recorded_at"] for e in envelopes if e["subject"] == str(subject)})

    for _ in range(4):
        as_of = data.draw(st.dates(FIRST_DAY - timedelta(days=10), LAST_DAY + timedelta(days=10)))
        known_at = data.draw(st.sampled_from(instants))
        shift = data.draw(st.sampled_from([timedelta(0), timedelta(microseconds=-1)]))
        moment = parse_instant(known_at) + shift
        answer = ledger.subject(subject, as_of=as_of, known_at=moment)
        expected = replay_subject(envelopes, str(subject), as_of=as_of, known_at=format_instant(moment))
        assert answer == expected
        if answer is not None:
            assert answer["version"] == sum(
                1
                for e in envelopes
                if e["subject"] == str(subject) and parse_instant(e["recorded_at"]) <= moment
            )
            assert answer["created_on"] <= as_of


@SHARED_STORE
@given(history=independent_histories(), order=st.randoms(use_true_random=False))
def test_recording_order_of_independent_backdated_events_changes_no_answer(
    ledger: Ledger, history: tuple[str, date, list[tuple[date, str, dict[str, Any]]]], order: Any
) -> None:
    kind, created_on, events = history
    seeded(ledger)
    shuffled = list(events)
    order.shuffle(shuffled)
    subjects = []
    for sequence in (events, shuffled):
        subject = fresh_subject(kind)
        creating = KINDS[kind][0]
        commands = [command_on(subject, creating, VALID_FIELDS[creating], created_on)]
        commands += [command_on(subject, type_, fields, day) for day, type_, fields in sequence]
        assert all(record_all(ledger, commands))
        subjects.append(subject)

    probe_days = sorted(
        {created_on, *(day for day, _, _ in events), *(day + timedelta(days=1) for day, _, _ in events)}
    )
    for as_of in probe_days:
        first, second = (ledger.subject(subject, as_of=as_of) for subject in subjects)
        assert first is not None and second is not None
        assert _without_names(first) == _without_names(second)


@SHARED_STORE
@given(data=st.data())
def test_a_refused_command_leaves_the_store_unchanged(ledger: Ledger, data: st.DataObject) -> None:
    commands = data.draw(histories())
    seeded(ledger)
    refusals = 0
    for command in commands:
        before = _fingerprint(ledger, command)
        try:
            ledger.record(command)
        except LedgerError:
            refusals += 1
            assert _fingerprint(ledger, command) == before
    assume(refusals > 0)


def _fingerprint(ledger: Ledger, command: Command) -> tuple[Any, ...]:
    position = ledger.position()
    return (
        position,
        ledger.head_hash(position),
        ledger.recorder.max_notification_id(),
        ledger.log.subject_version(str(command.subject)),
        ledger.subject(command.subject, as_of=FAR_FUTURE),
    )


def _without_names(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without what its subject key puts in it."""
    return {name: value for name, value in answer.items() if name not in ("key", "case_no")}
