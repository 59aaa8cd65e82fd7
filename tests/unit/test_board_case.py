"""The board case aggregate on its own: registration that must match the case's key,
decisions, and supersession of exactly the decisions in force on its effective day."""

from __future__ import annotations

from typing import Any

import pytest
from aggregate_checks import assert_refused, day
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from governance import keys
from governance.aggregates import BoardCase
from governance.errors import LifecycleViolation

CASE = keys.board_case("HDO", "27-2025")


def registered(on: str = "2025-09-01", **overrides: Any) -> BoardCase:
    fields: dict[str, Any] = {
        "body": "HDO",
        "case_no": "27-2025",
        "title": "Tertialrapport 2 2025",
        "meeting_on": "2025-09-10",
        "refs": [],
    } | overrides
    case = BoardCase.create(CASE.id, BoardCase.Registered, effective_on=on, **fields)
    assert isinstance(case, BoardCase)
    return case


def answer(case: BoardCase, as_of: str = "2025-12-31") -> dict[str, Any]:
    state = case.state(as_of=day(as_of))
    assert state is not None
    return state.answer(day(as_of), key="-", version=case.version).model_dump(exclude={"key", "version"})


def decide(
    case: BoardCase, on: str, text: str = "Styret tar saken til orientering", refs: list[str] | None = None
):
    return case.record(BoardCase.DecisionRecorded, effective_on=on, decided_on=on, text=text, refs=refs or [])


def supersede(case: BoardCase, on: str, by: str = "HDO/40-2025"):
    return case.record(BoardCase.DecisionSuperseded, effective_on=on, by=by, reason="Nytt vedtak")


def superseded_by(case: BoardCase, as_of: str = "2025-12-31") -> list[str | None]:
    return [decision["superseded_by"] for decision in answer(case, as_of)["decisions"]]


# Effects ---------------------------------------------------------------------------------


def test_registered_case_answers_every_field_of_its_shape():
    case = registered(refs=["project:KAK", "milestone:KAK/DM1", "board-case:HDO/22-2025"])

    assert case.version == 1
    assert answer(case) == {
        "created_on": day("2025-09-01"),
        "body": "HDO",
        "case_no": "27-2025",
        "title": "Tertialrapport 2 2025",
        "meeting_on": day("2025-09-10"),
        "refs": ["project:KAK", "milestone:KAK/DM1", "board-case:HDO/22-2025"],
        "decisions": [],
    }


def test_case_does_not_exist_before_the_day_it_is_registered():
    assert registered(on="2025-09-01").state(as_of=day("2025-08-31")) is None


@pytest.mark.parametrize(
    ("body", "case_no"),
    [("SP", "27-2025"), ("HDO", "28-2025"), ("hdo", "27-2025"), ("27-2025", "HDO")],
)
def test_registration_must_name_the_body_and_case_number_of_its_key(body, case_no):
    with pytest.raises(LifecycleViolation, match="match the subject key"):
        registered(body=body, case_no=case_no)


@pytest.mark.parametrize(("body", "case_no"), [("H DO", "27-2025"), ("HDO", "27/2025"), ("HDO", "")])
def test_registration_with_a_body_or_case_number_that_is_not_a_key_is_invalid(body, case_no):
    with pytest.raises(ValidationError):
        registered(body=body, case_no=case_no)


def test_decision_is_listed_with_every_field_and_in_force():
    case = registered()

    event = case.record(
        BoardCase.DecisionRecorded,
        effective_on="2025-09-11",
        decided_on="2025-09-10",
        text="Styret godkjenner forliket",
        refs=["contract:KAK-FREQUENTIS"],
    )

    assert answer(case)["decisions"] == [
        {
            "decided_on": day("2025-09-10"),
            "text": "Styret godkjenner forliket",
            "refs": ["contract:KAK-FREQUENTIS"],
            "effective_on": day("2025-09-11"),
            "superseded_by": None,
        }
    ]
    assert answer(case, "2025-09-10")["decisions"] == []
    assert event.data() == {
        "decided_on": "2025-09-10",
        "text": "Styret godkjenner forliket",
        "refs": ["contract:KAK-FREQUENTIS"],
    }


def test_case_may_record_several_decisions():
    case = registered()
    decide(case, "2025-09-10", "Første")
    decide(case, "2025-09-12", "Andre")
    decide(case, "2025-09-11", "Mellom")

    assert [d["text"] for d in answer(case)["decisions"]] == ["Første", "Mellom", "Andre"]


def test_supersession_marks_every_decision_in_force_with_the_superseding_case():
    case = registered()
    decide(case, "2025-09-10", "Første")
    decide(case, "2025-09-11", "Andre")

    event = supersede(case, "2025-11-05", by="HDO/40-2025")

    assert superseded_by(case) == ["HDO/40-2025", "HDO/40-2025"]
    assert superseded_by(case, "2025-11-04") == [None, None]
    assert event.data() == {"by": "HDO/40-2025", "reason": "Nytt vedtak"}


def test_supersession_leaves_decisions_effective_after_it_in_force():
    case = registered()
    decide(case, "2025-09-10", "Første")
    supersede(case, "2025-11-05", by="HDO/40-2025")

    decide(case, "2025-11-20", "Senere")

    assert superseded_by(case) == ["HDO/40-2025", None]


def test_decision_recorded_later_the_same_day_as_a_supersession_stays_in_force():
    case = registered()
    decide(case, "2025-09-10", "Første")
    supersede(case, "2025-11-05")

    decide(case, "2025-11-05", "Samme dag")

    assert superseded_by(case) == ["HDO/40-2025", None]


def test_supersession_keeps_the_first_superseding_case_of_an_earlier_supersession():
    case = registered()
    decide(case, "2025-09-10", "Første")
    supersede(case, "2025-10-01", by="HDO/30-2025")
    decide(case, "2025-10-15", "Andre")

    supersede(case, "2025-11-05", by="HDO/40-2025")

    assert superseded_by(case) == ["HDO/30-2025", "HDO/40-2025"]


def test_decision_backdated_before_a_supersession_is_superseded_by_it():
    case = registered()
    decide(case, "2025-09-12", "Første")
    supersede(case, "2025-11-05", by="HDO/40-2025")

    decide(case, "2025-09-10", "Tilbakedatert")

    decisions = answer(case)["decisions"]
    assert [(d["text"], d["superseded_by"]) for d in decisions] == [
        ("Tilbakedatert", "HDO/40-2025"),
        ("Første", "HDO/40-2025"),
    ]


# Lifecycle rules -------------------------------------------------------------------------


def test_case_is_registered_only_once():
    case = registered()

    assert_refused(
        case,
        BoardCase.Registered,
        effective_on="2025-09-02",
        originator_topic=get_topic(BoardCase),
        body="HDO",
        case_no="27-2025",
        title="Igjen",
        meeting_on="2025-09-10",
        refs=[],
    )


@pytest.mark.parametrize(
    ("event_class", "fields"),
    [
        (BoardCase.DecisionRecorded, {"decided_on": "2025-08-31", "text": "Vedtak", "refs": []}),
        (BoardCase.DecisionSuperseded, {"by": "HDO/40-2025", "reason": "Nytt vedtak"}),
    ],
)
def test_nothing_happens_to_a_case_before_it_is_registered(event_class, fields):
    case = registered(on="2025-09-01")

    assert_refused(case, event_class, effective_on="2025-08-31", **fields)


def test_supersession_without_any_decision_is_refused():
    case = registered()

    error = assert_refused(
        case, BoardCase.DecisionSuperseded, effective_on="2025-11-05", by="HDO/40-2025", reason="X"
    )

    assert "in force" in error.rule


def test_supersession_when_every_decision_is_already_superseded_is_refused():
    case = registered()
    decide(case, "2025-09-10")
    supersede(case, "2025-10-01", by="HDO/30-2025")

    assert_refused(
        case, BoardCase.DecisionSuperseded, effective_on="2025-11-05", by="HDO/40-2025", reason="X"
    )


def test_supersession_backdated_before_every_decision_is_refused():
    case = registered()
    decide(case, "2025-09-10")

    assert_refused(
        case, BoardCase.DecisionSuperseded, effective_on="2025-09-05", by="HDO/40-2025", reason="X"
    )


def test_supersession_backdated_between_two_supersessions_with_nothing_in_force_is_refused():
    case = registered()
    decide(case, "2025-09-10")
    supersede(case, "2025-10-01", by="HDO/30-2025")
    decide(case, "2025-11-01")
    supersede(case, "2025-11-05", by="HDO/40-2025")

    assert_refused(
        case, BoardCase.DecisionSuperseded, effective_on="2025-10-15", by="HDO/35-2025", reason="X"
    )
