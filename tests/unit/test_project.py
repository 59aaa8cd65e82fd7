"""The project aggregate on its own: phase, status assessments, financials (null, partial
and whole), closure, and the rule that nothing happens before registration or after closure."""

from __future__ import annotations

from typing import Any

import pytest
from aggregate_checks import assert_refused, day
from eventsourcing.utils import get_topic

from governance import keys
from governance.aggregates import Project
from governance.errors import LifecycleViolation

PROJECT = keys.project("KAK")

STATUS = {
    "overall": "yellow",
    "time": "red",
    "cost": "yellow",
    "scope": "green",
    "quality": "yellow",
    "risk_exposure": "red",
    "benefits": "green",
}
FINANCIALS = {
    "phase_budget": 120_000_000,
    "forecast": 118_000_000,
    "actual": 64_000_000,
    "earned_value": 60_000_000,
}


def registered(on: str = "2025-01-10", **overrides: Any) -> Project:
    fields: dict[str, Any] = {
        "name": "Ny felles kommunikasjonsløsning",
        "organisation": "HDO",
        "phase": "execution",
        "owner": "Administrerende direktør",
    } | overrides
    project = Project.create(PROJECT.id, Project.Registered, effective_on=on, **fields)
    assert isinstance(project, Project)
    return project


def answer(project: Project, as_of: str = "2025-12-31") -> dict[str, Any]:
    state = project.state(as_of=day(as_of))
    assert state is not None
    return state.answer(day(as_of), key="-", version=project.version).model_dump(exclude={"key", "version"})


EVENTS_AFTER_REGISTRATION: list[tuple[type[Project.Event], dict[str, Any]]] = [
    (Project.PhaseChanged, {"phase": "closing"}),
    (Project.StatusAssessed, {**STATUS, "measures": []}),
    (Project.FinancialsReported, FINANCIALS),
    (
        Project.CostFrameChanged,
        {"cost_frame": 450_000_000, "steering_frame": 400_000_000, "reason": "Vedtak"},
    ),
    (Project.Closed, {"summary": "Igjen"}),
]


# Effects ---------------------------------------------------------------------------------


def test_registered_project_answers_every_field_of_its_shape():
    project = registered()

    assert project.version == 1
    assert answer(project) == {
        "created_on": day("2025-01-10"),
        "name": "Ny felles kommunikasjonsløsning",
        "organisation": "HDO",
        "phase": "execution",
        "owner": "Administrerende direktør",
        "purpose": None,
        "status": None,
        "financials": None,
        "closed_on": None,
    }


def test_registered_project_keeps_its_optional_purpose():
    project = registered(purpose="Erstatte dagens nødnett-kjerne")

    assert answer(project)["purpose"] == "Erstatte dagens nødnett-kjerne"
    assert project.history[0].data()["purpose"] == "Erstatte dagens nødnett-kjerne"
    assert "purpose" not in registered().history[0].data()


def test_project_does_not_exist_before_the_day_it_is_registered():
    project = registered(on="2025-01-10")

    assert project.state(as_of=day("2025-01-09")) is None


def test_phase_change_sets_the_phase_from_its_day():
    project = registered(phase="planning")

    event = project.record(
        Project.PhaseChanged, effective_on="2025-03-01", phase="execution", decision_ref="HDO/12-2025"
    )

    assert event.data() == {"phase": "execution", "decision_ref": "HDO/12-2025"}
    assert answer(project)["phase"] == "execution"
    assert answer(project, "2025-02-28")["phase"] == "planning"


def test_phase_change_without_decision_leaves_it_out_of_the_data():
    project = registered()

    event = project.record(Project.PhaseChanged, effective_on="2025-03-01", phase="closing")

    assert event.data() == {"phase": "closing"}


def test_status_assessment_gives_the_status_with_every_field_and_its_day():
    project = registered()

    project.record(
        Project.StatusAssessed,
        effective_on="2025-04-30",
        **STATUS,
        comment="Forsinkelser hos leverandør",
        deviation="Ikke akseptansetestet",
        consequence_note="Utsatt idriftsettelse",
        measures=["Tett oppfølging", "Eskalering"],
    )

    assert answer(project)["status"] == {
        **STATUS,
        "comment": "Forsinkelser hos leverandør",
        "deviation": "Ikke akseptansetestet",
        "consequence_note": "Utsatt idriftsettelse",
        "measures": ["Tett oppfølging", "Eskalering"],
        "effective_on": day("2025-04-30"),
    }
    assert answer(project, "2025-04-29")["status"] is None


def test_status_assessment_without_notes_has_them_null():
    project = registered()

    event = project.record(Project.StatusAssessed, effective_on="2025-04-30", **STATUS, measures=[])

    status = answer(project)["status"]
    assert (status["comment"], status["deviation"], status["consequence_note"], status["measures"]) == (
        None,
        None,
        None,
        [],
    )
    assert event.data() == {**STATUS, "measures": []}


def test_latest_status_assessment_in_effective_time_stands():
    project = registered()
    project.record(
        Project.StatusAssessed, effective_on="2025-08-31", **(STATUS | {"overall": "red"}), measures=[]
    )

    project.record(
        Project.StatusAssessed, effective_on="2025-04-30", **(STATUS | {"overall": "green"}), measures=[]
    )

    assert answer(project)["status"]["overall"] == "red"
    assert answer(project, "2025-05-15")["status"]["overall"] == "green"


def test_financials_are_null_while_neither_figures_nor_cost_frame_exist():
    project = registered()
    project.record(Project.PhaseChanged, effective_on="2025-02-01", phase="closing")

    assert answer(project)["financials"] is None


def test_financial_report_alone_leaves_the_cost_frame_figures_null():
    project = registered()

    project.record(Project.FinancialsReported, effective_on="2025-04-30", **FINANCIALS)

    assert answer(project)["financials"] == {"cost_frame": None, "steering_frame": None, **FINANCIALS}
    assert answer(project, "2025-04-29")["financials"] is None


def test_cost_frame_alone_leaves_the_reported_figures_null():
    project = registered()

    event = project.record(
        Project.CostFrameChanged,
        effective_on="2025-03-01",
        cost_frame=450_000_000,
        steering_frame=400_000_000,
        price_year=2024,
        reason="Styrevedtak",
        decision_ref="HDO/12-2025",
    )

    assert answer(project)["financials"] == {
        "cost_frame": 450_000_000,
        "steering_frame": 400_000_000,
        "phase_budget": None,
        "forecast": None,
        "actual": None,
        "earned_value": None,
    }
    assert event.data()["price_year"] == 2024


def test_financials_take_the_latest_cost_frame_and_the_latest_report():
    project = registered()
    project.record(
        Project.CostFrameChanged, effective_on="2025-02-01", cost_frame=400, steering_frame=300, reason="A"
    )
    project.record(Project.FinancialsReported, effective_on="2025-04-30", **FINANCIALS)
    project.record(
        Project.CostFrameChanged, effective_on="2025-06-01", cost_frame=500, steering_frame=450, reason="B"
    )
    project.record(
        Project.FinancialsReported,
        effective_on="2025-08-31",
        phase_budget=1,
        forecast=2,
        actual=3,
        earned_value=0,
    )

    assert answer(project)["financials"] == {
        "cost_frame": 500,
        "steering_frame": 450,
        "phase_budget": 1,
        "forecast": 2,
        "actual": 3,
        "earned_value": 0,
    }
    assert answer(project, "2025-05-01")["financials"] == {
        "cost_frame": 400,
        "steering_frame": 300,
        **FINANCIALS,
    }


def test_closure_sets_closed_on_from_its_day():
    project = registered()

    event = project.record(
        Project.Closed, effective_on="2025-11-01", summary="Avsluttet", decision_ref="HDO/40-2025"
    )

    assert answer(project)["closed_on"] == day("2025-11-01")
    assert answer(project, "2025-10-31")["closed_on"] is None
    assert event.data() == {"summary": "Avsluttet", "decision_ref": "HDO/40-2025"}


# Lifecycle rules -------------------------------------------------------------------------


def test_project_is_registered_only_once():
    project = registered()

    assert_refused(
        project,
        Project.Registered,
        effective_on="2025-02-01",
        originator_topic=get_topic(Project),
        name="Igjen",
        organisation="HDO",
        phase="concept",
        owner="Eier",
    )


@pytest.mark.parametrize(("event_class", "fields"), EVENTS_AFTER_REGISTRATION)
def test_nothing_happens_to_a_project_before_it_is_registered(event_class, fields):
    project = registered(on="2025-01-10")

    assert_refused(project, event_class, effective_on="2025-01-09", **fields)


@pytest.mark.parametrize(("event_class", "fields"), EVENTS_AFTER_REGISTRATION)
def test_nothing_happens_to_a_project_after_it_is_closed(event_class, fields):
    project = registered()
    project.record(Project.Closed, effective_on="2025-11-01", summary="Avsluttet")

    error = assert_refused(project, event_class, effective_on="2025-11-02", **fields)

    assert "closed on 2025-11-01" in error.rule


def test_nothing_recorded_after_the_closure_happens_on_its_day():
    project = registered()
    project.record(Project.Closed, effective_on="2025-11-01", summary="Avsluttet")

    assert_refused(project, Project.PhaseChanged, effective_on="2025-11-01", phase="closing")


def test_closure_backdated_before_a_later_event_is_refused():
    project = registered()
    project.record(Project.StatusAssessed, effective_on="2025-08-31", **STATUS, measures=[])

    assert_refused(project, Project.Closed, effective_on="2025-06-01", summary="Avsluttet")


def test_closure_backdated_before_an_existing_closure_is_refused():
    project = registered()
    project.record(Project.Closed, effective_on="2025-11-01", summary="Avsluttet")

    assert_refused(project, Project.Closed, effective_on="2025-10-01", summary="Tidligere")


def test_event_backdated_before_the_closure_is_accepted():
    project = registered()
    project.record(Project.Closed, effective_on="2025-11-01", summary="Avsluttet")

    project.record(Project.StatusAssessed, effective_on="2025-08-31", **STATUS, measures=[])

    assert answer(project)["status"]["effective_on"] == day("2025-08-31")
    assert answer(project)["closed_on"] == day("2025-11-01")


def test_refused_event_reports_the_rule_it_breaks():
    project = registered()
    project.record(Project.Closed, effective_on="2025-11-01", summary="Avsluttet")

    with pytest.raises(LifecycleViolation, match="after it is closed"):
        project.record(Project.PhaseChanged, effective_on="2025-12-01", phase="closing")
