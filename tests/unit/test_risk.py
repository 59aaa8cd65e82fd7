"""The risk aggregate on its own: what each event does to a risk and its answer, the score
and level it derives, and every lifecycle rule, with backdated events placed at their day."""

from __future__ import annotations

from typing import Any

import pytest
from aggregate_checks import assert_refused, day
from eventsourcing.utils import get_topic

from governance import keys
from governance.aggregates import Risk
from governance.values import risk_level

RISK = keys.risk("OR-631")


def identified(on: str = "2025-01-10", **overrides: Any) -> Risk:
    fields: dict[str, Any] = {
        "title": "Risiko for forsinket leveranse",
        "organisation": "HDO",
        "owner": "Prosjektleder",
        "probability": 3,
        "consequence": 4,
    } | overrides
    risk = Risk.create(RISK.id, Risk.Identified, effective_on=on, **fields)
    assert isinstance(risk, Risk)
    return risk


def answer(risk: Risk, as_of: str = "2025-12-31") -> dict[str, Any]:
    state = risk.state(as_of=day(as_of))
    assert state is not None
    return state.answer(day(as_of), key="-", version=risk.version).model_dump(exclude={"key", "version"})


# Effects ---------------------------------------------------------------------------------


def test_identified_risk_answers_every_field_of_its_shape():
    risk = identified()

    assert risk.version == 1
    assert answer(risk) == {
        "created_on": day("2025-01-10"),
        "title": "Risiko for forsinket leveranse",
        "description": None,
        "organisation": "HDO",
        "project": None,
        "owner": "Prosjektleder",
        "probability": 3,
        "consequence": 4,
        "score": 12,
        "level": "high",
        "open": True,
        "closed_on": None,
        "merged_into": None,
        "mitigations": [],
    }


def test_identified_risk_keeps_its_optional_description_and_project():
    risk = identified(description="Leverandøren er forsinket", project="KAK")

    assert answer(risk)["description"] == "Leverandøren er forsinket"
    assert answer(risk)["project"] == "KAK"


def test_optional_fields_without_a_value_are_absent_from_the_event_data():
    bare = identified().history[0]
    full = identified(description="Beskrivelse", project="KAK").history[0]

    assert bare.data() == {
        "title": "Risiko for forsinket leveranse",
        "organisation": "HDO",
        "owner": "Prosjektleder",
        "probability": 3,
        "consequence": 4,
    }
    assert full.data()["description"] == "Beskrivelse"
    assert full.data()["project"] == "KAK"
    assert "effective_on" not in full.data()


def test_risk_does_not_exist_before_the_day_it_is_identified():
    risk = identified(on="2025-01-10")

    assert risk.state(as_of=day("2025-01-09")) is None
    assert risk.state(as_of=day("2025-01-10")) is not None


@pytest.mark.parametrize(
    ("probability", "consequence", "score", "level"),
    [
        (1, 1, 1, "low"),
        (2, 2, 4, "low"),
        (1, 5, 5, "medium"),
        (5, 1, 5, "medium"),
        (2, 3, 6, "medium"),
        (2, 4, 8, "high"),
        (4, 2, 8, "high"),
        (3, 4, 12, "high"),
        (3, 5, 15, "critical"),
        (4, 4, 16, "critical"),
        (5, 5, 25, "critical"),
    ],
)
def test_score_is_probability_times_consequence_and_sets_the_level(probability, consequence, score, level):
    risk = identified(probability=probability, consequence=consequence)

    assert answer(risk)["score"] == score
    assert answer(risk)["level"] == level


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1, "low"),
        (4, "low"),
        (5, "medium"),
        (7, "medium"),
        (8, "high"),
        (14, "high"),
        (15, "critical"),
        (25, "critical"),
    ],
)
def test_level_boundaries_lie_between_4_and_5_7_and_8_14_and_15(score, level):
    assert risk_level(score) == level


def test_assessment_changes_probability_consequence_score_and_level():
    risk = identified(probability=3, consequence=4)

    event = risk.record(
        Risk.Assessed, effective_on="2025-03-01", probability=5, consequence=3, rationale="Økt"
    )

    assert risk.version == 2
    assert event.data() == {"probability": 5, "consequence": 3, "rationale": "Økt"}
    after = answer(risk)
    assert (after["probability"], after["consequence"], after["score"], after["level"]) == (
        5,
        3,
        15,
        "critical",
    )
    before = answer(risk, "2025-02-28")
    assert (before["probability"], before["consequence"], before["score"], before["level"]) == (
        3,
        4,
        12,
        "high",
    )


def test_assessment_backdated_before_a_later_one_does_not_override_it():
    risk = identified()
    risk.record(Risk.Assessed, effective_on="2025-03-01", probability=4, consequence=4)

    risk.record(Risk.Assessed, effective_on="2025-02-15", probability=1, consequence=2)

    assert (answer(risk)["probability"], answer(risk)["consequence"]) == (4, 4)
    between = answer(risk, "2025-02-20")
    assert (between["probability"], between["consequence"], between["level"]) == (1, 2, "low")


def test_assessments_on_the_same_day_fold_in_the_order_they_were_recorded():
    risk = identified()
    risk.record(Risk.Assessed, effective_on="2025-03-01", probability=4, consequence=4)
    risk.record(Risk.Assessed, effective_on="2025-03-01", probability=2, consequence=2)

    assert (answer(risk)["probability"], answer(risk)["consequence"]) == (2, 2)


def test_state_at_a_version_sees_only_the_events_up_to_it():
    risk = identified()
    risk.record(Risk.Assessed, effective_on="2025-03-01", probability=5, consequence=5)

    assert risk.state(version=1).score == 12
    assert risk.state(version=2).score == 25


def test_mitigation_is_listed_with_its_fields_and_not_completed():
    risk = identified()

    risk.record(
        Risk.MitigationAdded,
        effective_on="2025-02-01",
        mitigation_id="T1",
        description="Tett oppfølging av leverandør",
        owner="Prosjektleder",
        due_on="2025-06-30",
    )
    risk.record(Risk.MitigationAdded, effective_on="2025-02-02", mitigation_id="T2", description="Eskalering")

    assert answer(risk)["mitigations"] == [
        {
            "mitigation_id": "T1",
            "description": "Tett oppfølging av leverandør",
            "owner": "Prosjektleder",
            "due_on": day("2025-06-30"),
            "completed": False,
        },
        {
            "mitigation_id": "T2",
            "description": "Eskalering",
            "owner": None,
            "due_on": None,
            "completed": False,
        },
    ]


def test_completed_mitigation_is_marked_completed_from_its_day():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T2", description="Tiltak 2")

    risk.record(Risk.MitigationCompleted, effective_on="2025-04-01", mitigation_id="T1", note="Ferdig")

    completed = {m["mitigation_id"]: m["completed"] for m in answer(risk)["mitigations"]}
    assert completed == {"T1": True, "T2": False}
    assert [m["completed"] for m in answer(risk, "2025-03-31")["mitigations"]] == [False, False]


def test_closure_closes_the_risk_from_its_day():
    risk = identified()

    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    closed = answer(risk)
    assert (closed["open"], closed["closed_on"], closed["merged_into"]) == (False, day("2025-03-01"), None)
    before = answer(risk, "2025-02-28")
    assert (before["open"], before["closed_on"]) == (True, None)


def test_closure_into_another_risk_records_what_it_was_merged_into():
    risk = identified()

    event = risk.record(Risk.Closed, effective_on="2025-03-01", reason="Slått sammen", merged_into="OR-700")

    assert answer(risk)["merged_into"] == "OR-700"
    assert event.data() == {"reason": "Slått sammen", "merged_into": "OR-700"}


def test_reopening_opens_the_risk_and_clears_its_closure():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Slått sammen", merged_into="OR-700")

    risk.record(Risk.Reopened, effective_on="2025-04-01", reason="Aktuell igjen")

    reopened = answer(risk)
    assert (reopened["open"], reopened["closed_on"], reopened["merged_into"]) == (True, None, None)
    assert answer(risk, "2025-03-15")["open"] is False


def test_reopened_risk_can_be_assessed_mitigated_and_closed_again():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")
    risk.record(Risk.Reopened, effective_on="2025-04-01", reason="Aktuell igjen")

    risk.record(Risk.Assessed, effective_on="2025-04-02", probability=1, consequence=1)
    risk.record(Risk.MitigationAdded, effective_on="2025-04-03", mitigation_id="T1", description="Tiltak")
    risk.record(Risk.MitigationCompleted, effective_on="2025-04-04", mitigation_id="T1")
    risk.record(Risk.Closed, effective_on="2025-05-01", reason="Håndtert igjen")

    assert risk.version == 7
    assert answer(risk)["closed_on"] == day("2025-05-01")


# Lifecycle rules -------------------------------------------------------------------------


def test_risk_is_identified_only_once():
    risk = identified()

    assert_refused(
        risk,
        Risk.Identified,
        effective_on="2025-02-01",
        originator_topic=get_topic(Risk),
        title="Igjen",
        organisation="HDO",
        owner="Eier",
        probability=1,
        consequence=1,
    )


def test_identification_backdated_before_the_first_one_is_refused():
    risk = identified(on="2025-01-10")

    assert_refused(
        risk,
        Risk.Identified,
        effective_on="2025-01-01",
        originator_topic=get_topic(Risk),
        title="Tidligere",
        organisation="HDO",
        owner="Eier",
        probability=1,
        consequence=1,
    )


@pytest.mark.parametrize(
    ("event_class", "fields"),
    [
        (Risk.Assessed, {"probability": 1, "consequence": 1}),
        (Risk.MitigationAdded, {"mitigation_id": "T1", "description": "Tiltak"}),
        (Risk.Closed, {"reason": "Håndtert"}),
    ],
)
def test_nothing_happens_to_a_risk_before_it_is_identified(event_class, fields):
    risk = identified(on="2025-01-10")

    error = assert_refused(risk, event_class, effective_on="2025-01-09", **fields)

    assert "creation" in error.rule


def test_risk_can_be_assessed_on_the_day_it_is_identified():
    risk = identified(on="2025-01-10")

    risk.record(Risk.Assessed, effective_on="2025-01-10", probability=1, consequence=1)

    assert answer(risk)["score"] == 1


def test_closed_risk_cannot_be_assessed():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    error = assert_refused(risk, Risk.Assessed, effective_on="2025-03-10", probability=5, consequence=5)

    assert "closed on 2025-03-01" in error.rule


def test_risk_cannot_be_assessed_on_a_day_it_is_closed():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")
    risk.record(Risk.Reopened, effective_on="2025-04-01", reason="Aktuell igjen")

    assert_refused(risk, Risk.Assessed, effective_on="2025-03-15", probability=5, consequence=5)

    risk.record(Risk.Assessed, effective_on="2025-02-15", probability=1, consequence=1)
    risk.record(Risk.Assessed, effective_on="2025-04-10", probability=2, consequence=2)
    assert answer(risk, "2025-02-20")["score"] == 1
    assert answer(risk)["score"] == 4


def test_risk_cannot_be_assessed_on_the_day_it_was_closed():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    assert_refused(risk, Risk.Assessed, effective_on="2025-03-01", probability=5, consequence=5)


def test_closure_backdated_before_a_later_assessment_is_refused():
    risk = identified()
    risk.record(Risk.Assessed, effective_on="2025-03-01", probability=4, consequence=4)

    assert_refused(risk, Risk.Closed, effective_on="2025-02-01", reason="Håndtert")


def test_closure_backdated_before_a_later_mitigation_is_refused():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-03-01", mitigation_id="T1", description="Tiltak")

    assert_refused(risk, Risk.Closed, effective_on="2025-02-01", reason="Håndtert")


def test_closure_backdated_between_earlier_events_is_accepted():
    risk = identified()
    risk.record(Risk.Assessed, effective_on="2025-02-01", probability=4, consequence=4)
    risk.record(Risk.Assessed, effective_on="2025-01-20", probability=2, consequence=2)

    risk.record(Risk.Closed, effective_on="2025-02-15", reason="Håndtert")

    assert answer(risk)["closed_on"] == day("2025-02-15")
    assert answer(risk)["score"] == 16


@pytest.mark.parametrize(
    ("event_class", "fields"),
    [
        (Risk.MitigationAdded, {"mitigation_id": "T2", "description": "Nytt tiltak"}),
        (Risk.MitigationCompleted, {"mitigation_id": "T1"}),
    ],
)
def test_closed_risk_takes_no_mitigation_event(event_class, fields):
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    assert_refused(risk, event_class, effective_on="2025-03-10", **fields)


def test_closed_risk_cannot_be_closed_again():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    assert_refused(risk, Risk.Closed, effective_on="2025-03-10", reason="Igjen")


def test_closure_backdated_before_an_existing_closure_is_refused():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    assert_refused(risk, Risk.Closed, effective_on="2025-02-01", reason="Tidligere")


def test_open_risk_cannot_be_reopened():
    risk = identified()

    assert_refused(risk, Risk.Reopened, effective_on="2025-02-01", reason="Aktuell")


def test_reopening_backdated_before_the_closure_is_refused():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")

    assert_refused(risk, Risk.Reopened, effective_on="2025-02-01", reason="Aktuell")


def test_reopened_risk_cannot_be_reopened_again():
    risk = identified()
    risk.record(Risk.Closed, effective_on="2025-03-01", reason="Håndtert")
    risk.record(Risk.Reopened, effective_on="2025-04-01", reason="Aktuell")

    assert_refused(risk, Risk.Reopened, effective_on="2025-04-02", reason="Igjen")


def test_risk_is_not_merged_into_itself():
    risk = identified()

    error = assert_refused(
        risk, Risk.Closed, effective_on="2025-03-01", reason="Sammenslått", merged_into="OR-631"
    )

    assert "itself" in error.rule


def test_mitigation_is_added_only_once():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")

    assert_refused(
        risk, Risk.MitigationAdded, effective_on="2025-02-05", mitigation_id="T1", description="Igjen"
    )


def test_mitigation_added_again_backdated_before_the_first_is_refused():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")

    assert_refused(
        risk, Risk.MitigationAdded, effective_on="2025-01-20", mitigation_id="T1", description="Igjen"
    )


def test_mitigation_that_was_never_added_cannot_be_completed():
    risk = identified()

    assert_refused(risk, Risk.MitigationCompleted, effective_on="2025-02-01", mitigation_id="T9")


def test_mitigation_cannot_be_completed_before_it_was_added():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-03-01", mitigation_id="T1", description="Tiltak")

    assert_refused(risk, Risk.MitigationCompleted, effective_on="2025-02-01", mitigation_id="T1")


def test_mitigation_can_be_completed_on_the_day_it_was_added():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-03-01", mitigation_id="T1", description="Tiltak")

    risk.record(Risk.MitigationCompleted, effective_on="2025-03-01", mitigation_id="T1")

    assert answer(risk)["mitigations"][0]["completed"] is True


def test_mitigation_is_completed_only_once():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")
    risk.record(Risk.MitigationCompleted, effective_on="2025-03-01", mitigation_id="T1")

    assert_refused(risk, Risk.MitigationCompleted, effective_on="2025-03-05", mitigation_id="T1")


def test_second_completion_backdated_before_the_first_is_refused():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")
    risk.record(Risk.MitigationCompleted, effective_on="2025-03-01", mitigation_id="T1")

    assert_refused(risk, Risk.MitigationCompleted, effective_on="2025-02-10", mitigation_id="T1")


def test_addition_backdated_after_a_completion_it_would_precede_is_refused():
    risk = identified()
    risk.record(Risk.MitigationAdded, effective_on="2025-02-01", mitigation_id="T1", description="Tiltak")
    risk.record(Risk.MitigationCompleted, effective_on="2025-03-01", mitigation_id="T1")

    assert_refused(
        risk, Risk.MitigationAdded, effective_on="2025-02-15", mitigation_id="T1", description="Igjen"
    )
