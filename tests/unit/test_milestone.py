"""The milestone aggregate on its own: forecasts, rebaselines, achievement and cancellation,
the state and slip days it derives at a date, and the rule that it changes only while planned."""

from __future__ import annotations

from typing import Any

import pytest
from aggregate_checks import assert_refused, day
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from governance import keys
from governance.aggregates import Milestone

MILESTONE = keys.milestone("KAK", "DM1")


def planned(on: str = "2025-01-10", baseline_on: str = "2025-06-01", **overrides: Any) -> Milestone:
    fields: dict[str, Any] = {
        "name": "Delleveranse 1",
        "kind": "delivery",
        "baseline_on": baseline_on,
    } | overrides
    milestone = Milestone.create(MILESTONE.id, Milestone.Planned, effective_on=on, **fields)
    assert isinstance(milestone, Milestone)
    return milestone


def answer(milestone: Milestone, as_of: str = "2025-12-31") -> dict[str, Any]:
    state = milestone.state(as_of=day(as_of))
    assert state is not None
    return state.answer(day(as_of), key="-", version=milestone.version).model_dump(exclude={"key", "version"})


def forecast(milestone: Milestone, on: str, forecast_on: str) -> None:
    milestone.record(Milestone.ForecastChanged, effective_on=on, forecast_on=forecast_on, reason="Forsinket")


def rebaseline(milestone: Milestone, on: str, baseline_on: str) -> None:
    milestone.record(
        Milestone.Rebaselined,
        effective_on=on,
        baseline_on=baseline_on,
        reason="Forlik",
        decision_ref="HDO/27-2025",
    )


def achieve(milestone: Milestone, on: str) -> None:
    milestone.record(Milestone.Achieved, effective_on=on, achieved_on=on)


def cancel(milestone: Milestone, on: str) -> None:
    milestone.record(Milestone.Cancelled, effective_on=on, reason="Utgår")


EVENTS_WHILE_PLANNED: list[tuple[type[Milestone.Event], dict[str, Any]]] = [
    (Milestone.ForecastChanged, {"forecast_on": "2025-09-01", "reason": "Forsinket"}),
    (
        Milestone.Rebaselined,
        {"baseline_on": "2025-10-01", "reason": "Forlik", "amendment_ref": "KAK-FREQUENTIS#3"},
    ),
    (Milestone.Achieved, {"achieved_on": "2025-08-01"}),
    (Milestone.Cancelled, {"reason": "Utgår"}),
]


# Effects ---------------------------------------------------------------------------------


def test_planned_milestone_answers_every_field_of_its_shape():
    milestone = planned()

    assert milestone.version == 1
    assert answer(milestone, "2025-03-01") == {
        "created_on": day("2025-01-10"),
        "name": "Delleveranse 1",
        "kind": "delivery",
        "baseline_on": day("2025-06-01"),
        "forecast_on": None,
        "achieved_on": None,
        "cancelled_on": None,
        "state": "planned",
        "slip_days": 0,
    }


@pytest.mark.parametrize("kind", ["milestone", "decision_point", "delivery", "payment"])
def test_milestone_is_planned_with_any_of_the_four_kinds(kind):
    assert answer(planned(kind=kind))["kind"] == kind


def test_milestone_does_not_exist_before_the_day_it_is_planned():
    assert planned(on="2025-01-10").state(as_of=day("2025-01-09")) is None


@pytest.mark.parametrize(
    ("as_of", "state"),
    [
        ("2025-05-31", "planned"),
        ("2025-06-01", "planned"),
        ("2025-06-02", "overdue"),
        ("2025-12-31", "overdue"),
    ],
)
def test_milestone_is_overdue_only_strictly_after_its_baseline(as_of, state):
    milestone = planned(baseline_on="2025-06-01")

    assert answer(milestone, as_of)["state"] == state


@pytest.mark.parametrize(
    ("as_of", "state"),
    [("2025-06-15", "planned"), ("2025-07-01", "planned"), ("2025-07-02", "overdue")],
)
def test_forecast_in_place_of_the_baseline_decides_when_it_is_overdue(as_of, state):
    milestone = planned(baseline_on="2025-06-01")
    forecast(milestone, "2025-05-01", "2025-07-01")

    assert answer(milestone, as_of)["state"] == state


def test_forecast_earlier_than_the_baseline_makes_it_overdue_sooner():
    milestone = planned(baseline_on="2025-06-01")
    forecast(milestone, "2025-04-01", "2025-05-15")

    assert answer(milestone, "2025-05-20")["state"] == "overdue"


def test_forecast_change_sets_the_forecast_and_the_slip_from_its_day():
    milestone = planned(baseline_on="2025-06-01")

    milestone.record(
        Milestone.ForecastChanged, effective_on="2025-05-01", forecast_on="2025-07-01", reason="Forsinket"
    )

    after = answer(milestone, "2025-05-01")
    assert (after["forecast_on"], after["slip_days"], after["baseline_on"]) == (
        day("2025-07-01"),
        30,
        day("2025-06-01"),
    )
    before = answer(milestone, "2025-04-30")
    assert (before["forecast_on"], before["slip_days"]) == (None, 0)


def test_forecast_ahead_of_the_baseline_gives_negative_slip_days():
    milestone = planned(baseline_on="2025-06-01")
    forecast(milestone, "2025-05-01", "2025-05-25")

    assert answer(milestone)["slip_days"] == -7


def test_latest_forecast_in_effective_time_stands():
    milestone = planned(baseline_on="2025-06-01")
    forecast(milestone, "2025-05-01", "2025-08-01")

    forecast(milestone, "2025-04-01", "2025-07-01")

    assert answer(milestone)["forecast_on"] == day("2025-08-01")
    assert answer(milestone, "2025-04-15")["forecast_on"] == day("2025-07-01")


def test_rebaseline_sets_the_baseline_and_clears_the_forecast():
    milestone = planned(baseline_on="2025-06-01")
    forecast(milestone, "2025-05-01", "2025-09-01")

    rebaseline(milestone, "2025-06-15", "2025-10-24")

    after = answer(milestone, "2025-06-15")
    assert (after["baseline_on"], after["forecast_on"], after["slip_days"], after["state"]) == (
        day("2025-10-24"),
        None,
        0,
        "planned",
    )
    before = answer(milestone, "2025-06-14")
    assert (before["baseline_on"], before["forecast_on"], before["slip_days"]) == (
        day("2025-06-01"),
        day("2025-09-01"),
        92,
    )


def test_forecast_after_a_rebaseline_slips_against_the_new_baseline():
    milestone = planned(baseline_on="2025-06-01")
    rebaseline(milestone, "2025-05-01", "2025-10-01")

    forecast(milestone, "2025-09-01", "2025-10-11")

    assert answer(milestone)["slip_days"] == 10


@pytest.mark.parametrize(
    "reference",
    [{"decision_ref": "HDO/27-2025"}, {"amendment_ref": "KAK-FREQUENTIS#3"}],
)
def test_rebaseline_with_either_reference_is_accepted(reference):
    milestone = planned()

    event = milestone.record(
        Milestone.Rebaselined,
        effective_on="2025-05-01",
        baseline_on="2025-10-01",
        reason="Forlik",
        **reference,
    )

    assert event.data() == {"baseline_on": "2025-10-01", "reason": "Forlik", **reference}


def test_rebaseline_needs_a_decision_or_an_amendment():
    milestone = planned()

    assert_refused(
        milestone,
        Milestone.Rebaselined,
        ValidationError,
        effective_on="2025-05-01",
        baseline_on="2025-10-01",
        reason="X",
    )


def test_achievement_gives_state_achieved_and_slip_from_achieved_on():
    milestone = planned(baseline_on="2025-06-01")
    forecast(milestone, "2025-05-01", "2025-09-01")

    event = milestone.record(
        Milestone.Achieved,
        effective_on="2025-06-11",
        achieved_on="2025-06-11",
        approved_by="Styret",
        note="Godkjent",
    )

    after = answer(milestone)
    assert (after["state"], after["achieved_on"], after["slip_days"]) == ("achieved", day("2025-06-11"), 10)
    before = answer(milestone, "2025-06-10")
    assert (before["state"], before["achieved_on"], before["slip_days"]) == ("planned", None, 92)
    assert event.data() == {"achieved_on": "2025-06-11", "approved_by": "Styret", "note": "Godkjent"}


def test_achievement_before_the_baseline_gives_negative_slip_days():
    milestone = planned(baseline_on="2025-06-01")

    achieve(milestone, "2025-05-30")

    assert answer(milestone)["slip_days"] == -2


def test_achieved_on_must_equal_the_effective_day():
    milestone = planned()

    assert_refused(
        milestone, Milestone.Achieved, ValidationError, effective_on="2025-05-01", achieved_on="2025-05-02"
    )


def test_cancellation_gives_state_cancelled_from_its_day():
    milestone = planned(baseline_on="2025-06-01")

    event = milestone.record(
        Milestone.Cancelled, effective_on="2025-07-01", reason="Utgår", decision_ref="HDO/27-2025"
    )

    after = answer(milestone)
    assert (after["state"], after["cancelled_on"], after["achieved_on"]) == (
        "cancelled",
        day("2025-07-01"),
        None,
    )
    assert answer(milestone, "2025-06-30")["state"] == "overdue"
    assert event.data() == {"reason": "Utgår", "decision_ref": "HDO/27-2025"}


# Lifecycle rules -------------------------------------------------------------------------


def test_milestone_is_planned_only_once():
    milestone = planned()

    assert_refused(
        milestone,
        Milestone.Planned,
        effective_on="2025-02-01",
        originator_topic=get_topic(Milestone),
        name="Igjen",
        kind="milestone",
        baseline_on="2025-07-01",
    )


@pytest.mark.parametrize(("event_class", "fields"), EVENTS_WHILE_PLANNED)
def test_nothing_happens_to_a_milestone_before_it_is_planned(event_class, fields):
    milestone = planned(on="2025-01-10")
    fields = fields | ({"achieved_on": "2025-01-09"} if event_class is Milestone.Achieved else {})

    assert_refused(milestone, event_class, effective_on="2025-01-09", **fields)


@pytest.mark.parametrize(("event_class", "fields"), EVENTS_WHILE_PLANNED)
def test_nothing_happens_to_an_achieved_milestone(event_class, fields):
    milestone = planned()
    achieve(milestone, "2025-06-01")
    fields = fields | ({"achieved_on": "2025-08-01"} if event_class is Milestone.Achieved else {})

    error = assert_refused(milestone, event_class, effective_on="2025-08-01", **fields)

    assert "achieved on 2025-06-01" in error.rule


@pytest.mark.parametrize(("event_class", "fields"), EVENTS_WHILE_PLANNED)
def test_nothing_happens_to_a_cancelled_milestone(event_class, fields):
    milestone = planned()
    cancel(milestone, "2025-06-01")
    fields = fields | ({"achieved_on": "2025-08-01"} if event_class is Milestone.Achieved else {})

    error = assert_refused(milestone, event_class, effective_on="2025-08-01", **fields)

    assert "cancelled on 2025-06-01" in error.rule


def test_cancelled_milestone_cannot_be_achieved():
    milestone = planned()
    cancel(milestone, "2025-03-01")

    assert_refused(milestone, Milestone.Achieved, effective_on="2025-04-01", achieved_on="2025-04-01")


def test_achievement_backdated_before_a_cancellation_is_refused():
    milestone = planned()
    cancel(milestone, "2025-03-01")

    assert_refused(milestone, Milestone.Achieved, effective_on="2025-02-01", achieved_on="2025-02-01")


def test_achievement_backdated_before_a_later_forecast_is_refused():
    milestone = planned()
    forecast(milestone, "2025-05-01", "2025-09-01")

    assert_refused(milestone, Milestone.Achieved, effective_on="2025-04-01", achieved_on="2025-04-01")


def test_cancellation_backdated_before_a_later_rebaseline_is_refused():
    milestone = planned()
    rebaseline(milestone, "2025-05-01", "2025-09-01")

    assert_refused(milestone, Milestone.Cancelled, effective_on="2025-04-01", reason="Utgår")


def test_forecast_backdated_before_the_achievement_is_accepted():
    milestone = planned(baseline_on="2025-06-01")
    achieve(milestone, "2025-08-01")

    forecast(milestone, "2025-05-01", "2025-07-15")

    assert answer(milestone, "2025-05-02")["forecast_on"] == day("2025-07-15")
    assert answer(milestone)["slip_days"] == 61


def test_event_recorded_after_an_achievement_on_the_same_day_is_refused():
    milestone = planned()
    achieve(milestone, "2025-06-01")

    assert_refused(milestone, Milestone.Cancelled, effective_on="2025-06-01", reason="Utgår")
