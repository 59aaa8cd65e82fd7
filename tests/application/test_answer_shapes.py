"""Every subject answer has exactly its model's shape (governance/answers.py): the answer
the aggregates give, and the read models' answer, read back through the model give the
same JSON bytes — no field missing, none extra, none of another type, in the model's
order. Checked after every event of the demo history and of generated histories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from governance.answers import ANSWERS, AnsweringState
from governance.application import Command, Ledger
from governance.base import Aggregate
from governance.demo import demo_commands, load_demo
from governance.errors import LedgerError
from governance.events import AGGREGATES, EVENT_TYPES
from governance.keys import SubjectKey
from governance.projections.runner import ReadModels
from governance.projections.subjects import answer as read_model_answer
from governance.timemodel import FAR_FUTURE, parse_instant
from support.strategies import histories


def assert_has_its_model_shape(subject: SubjectKey, answer: dict[str, Any]) -> None:
    raw = orjson.dumps(answer)
    model = ANSWERS[subject.kind].model_validate_json(raw)
    assert orjson.dumps(model.model_dump(mode="json")) == raw, f"{subject}: {raw!r}"


def folded(commands: Iterable[Command]) -> Iterator[tuple[Command, Aggregate]]:
    """Each accepted command with its subject's aggregate right after it (no store)."""
    aggregates: dict[SubjectKey, Aggregate] = {}
    for command in commands:
        fields = {**command.fields, "effective_on": command.effective_on}
        try:
            if command.subject not in aggregates:
                aggregates[command.subject] = AGGREGATES[command.subject.kind].create(
                    command.subject.id, EVENT_TYPES[command.type], **fields
                )
            else:
                aggregates[command.subject].record(EVENT_TYPES[command.type], **fields)
        except (LedgerError, ValueError):
            continue
        yield command, aggregates[command.subject]


def aggregate_answers(command: Command, aggregate: Aggregate) -> Iterator[dict[str, Any]]:
    """The subject's answer on the command's effective day and with everything applied."""
    for as_of in (date.fromisoformat(str(command.effective_on)), FAR_FUTURE):
        state: AnsweringState | None = aggregate.state(as_of=as_of)
        if state is not None:
            yield state.answer(as_of, key=command.subject.key, version=aggregate.version).model_dump()


def test_the_aggregates_answer_in_their_models_shape_after_every_demo_event() -> None:
    seen = set()
    for command, aggregate in folded(demo_commands()):
        for answer in aggregate_answers(command, aggregate):
            assert_has_its_model_shape(command.subject, answer)
        seen.add(command.type)

    assert seen == {command.type for command in demo_commands()}
    assert {EVENT_TYPES[type_].__qualname__.partition(".")[0] for type_ in seen} == {
        aggregate.__name__ for aggregate in AGGREGATES.values()
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=histories(max_events=16))
def test_the_aggregates_answer_in_their_models_shape_in_generated_histories(commands: list[Command]) -> None:
    for command, aggregate in folded(commands):
        for answer in aggregate_answers(command, aggregate):
            assert_has_its_model_shape(command.subject, answer)


@pytest.fixture
def demo_models(sqlite_ledger: Ledger) -> Iterator[ReadModels]:
    load_demo(sqlite_ledger)
    models = ReadModels(sqlite_ledger)
    models.catch_up()
    yield models
    models.close()


def test_the_read_models_answer_in_the_same_shapes_after_every_demo_event(demo_models: ReadModels) -> None:
    ledger = demo_models.ledger
    for position, command in enumerate(demo_commands(), start=1):
        as_of = date.fromisoformat(str(command.effective_on))
        found = read_model_answer(demo_models, command.subject, as_of=as_of, position=position)
        assert found is not None
        assert_has_its_model_shape(command.subject, found)
        known_at = parse_instant(ledger.envelope_at(position)["recorded_at"])
        replayed = ledger.subject(command.subject, as_of=as_of, known_at=known_at)
        assert orjson.dumps(found) == orjson.dumps(replayed)
