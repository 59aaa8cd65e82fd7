"""The naive replay of the tertial snapshot, status, reconstruction and audit reads on small
hand-written logs, each rule of DOMAIN.md §4–§6 checked against an answer worked out by hand."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from governance.timemodel import end_of_oslo_day, format_instant, parse_instant
from support.readmodel_oracle import ZERO_HASH, audit, reconstruction, status, tertial_snapshot

EVERYTHING = "9999-12-31T23:59:59.999999Z"
RATINGS = ("time", "cost", "scope", "quality", "risk_exposure", "benefits")


class Log:
    """A log written by hand: seq, version and hashes counted, each event recorded one
    second after the one before unless its `at` is given."""

    def __init__(self, start: str = "2026-01-15T09:00:00.000000Z") -> None:
        self.envelopes: list[dict[str, Any]] = []
        self.moment = parse_instant(start)

    def add(
        self,
        subject: str,
        type_: str,
        on: str,
        *,
        at: str | None = None,
        actor: str = "sekretariat",
        **data: Any,
    ) -> dict[str, Any]:
        if at is None:
            self.moment += timedelta(seconds=1)
        else:
            assert parse_instant(at) >= self.moment, "recorded_at never goes backwards"
            self.moment = parse_instant(at)
        seq = len(self.envelopes) + 1
        envelope = {
            "seq": seq,
            "id": str(uuid.UUID(int=seq)),
            "subject": subject,
            "type": type_,
            "version": 1 + sum(1 for earlier in self.envelopes if earlier["subject"] == subject),
            "effective_on": on,
            "recorded_at": format_instant(self.moment),
            "actor": actor,
            "data": data,
            "prev_hash": self.envelopes[-1]["hash"] if self.envelopes else ZERO_HASH,
            "hash": f"{seq:064x}",
        }
        self.envelopes.append(envelope)
        return envelope


# Writing events -------------------------------------------------------------------------------


def register(log: Log, key: str, on: str, *, organisation: str = "HDO", **kw: Any) -> dict[str, Any]:
    return log.add(
        f"project:{key}",
        "ProjectRegistered",
        on,
        name=f"Prosjekt {key}",
        organisation=organisation,
        phase="execution",
        owner="Programleder",
        **kw,
    )


def assess(log: Log, key: str, on: str, overall: str, **kw: Any) -> dict[str, Any]:
    fields = {"overall": overall, **dict.fromkeys(RATINGS, "green"), "measures": []} | kw
    return log.add(f"project:{key}", "ProjectStatusAssessed", on, **fields)


def assessed(overall: str, on: str, **notes: Any) -> dict[str, Any]:
    """A status item as the tertial snapshot shows it."""
    return {
        "overall": overall,
        **dict.fromkeys(RATINGS, "green"),
        "comment": None,
        "deviation": None,
        "consequence_note": None,
        "measures": [],
        "effective_on": on,
    } | notes


def close_project(log: Log, key: str, on: str, **kw: Any) -> dict[str, Any]:
    return log.add(f"project:{key}", "ProjectClosed", on, summary="Avsluttet", **kw)


def plan(log: Log, milestone: str, on: str, baseline_on: str, **kw: Any) -> dict[str, Any]:
    return log.add(
        f"milestone:{milestone}",
        "MilestonePlanned",
        on,
        name=f"Milepæl {milestone}",
        kind="milestone",
        baseline_on=baseline_on,
        **kw,
    )


def forecast(log: Log, milestone: str, on: str, forecast_on: str, **kw: Any) -> dict[str, Any]:
    return log.add(
        f"milestone:{milestone}",
        "MilestoneForecastChanged",
        on,
        forecast_on=forecast_on,
        reason="Forsinket",
        **kw,
    )


def rebaseline(log: Log, milestone: str, on: str, baseline_on: str, **kw: Any) -> dict[str, Any]:
    return log.add(
        f"milestone:{milestone}",
        "MilestoneRebaselined",
        on,
        baseline_on=baseline_on,
        reason="Ny plan",
        decision_ref="HDO/27-2025",
        **kw,
    )


def achieve(log: Log, milestone: str, on: str, **kw: Any) -> dict[str, Any]:
    return log.add(f"milestone:{milestone}", "MilestoneAchieved", on, achieved_on=on, **kw)


def cancel(log: Log, milestone: str, on: str, **kw: Any) -> dict[str, Any]:
    return log.add(f"milestone:{milestone}", "MilestoneCancelled", on, reason="Utgår", **kw)


def milestone_item(
    key: str, baseline_on: str, state: str, slip_days: int, **dates: str | None
) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"Milepæl {key}",
        "baseline_on": baseline_on,
        "forecast_on": None,
        "achieved_on": None,
        "state": state,
        "slip_days": slip_days,
    } | dates


def identify(
    log: Log, key: str, on: str, p: int, c: int, *, organisation: str = "HDO", **kw: Any
) -> dict[str, Any]:
    return log.add(
        f"risk:{key}",
        "RiskIdentified",
        on,
        title=f"Risiko {key}",
        organisation=organisation,
        owner="Risikoeier",
        probability=p,
        consequence=c,
        **kw,
    )


def reassess(log: Log, key: str, on: str, p: int, c: int, **kw: Any) -> dict[str, Any]:
    return log.add(f"risk:{key}", "RiskAssessed", on, probability=p, consequence=c, **kw)


def close_risk(log: Log, key: str, on: str, **kw: Any) -> dict[str, Any]:
    return log.add(f"risk:{key}", "RiskClosed", on, reason="Bortfalt", **kw)


def reopen_risk(log: Log, key: str, on: str, **kw: Any) -> dict[str, Any]:
    return log.add(f"risk:{key}", "RiskReopened", on, reason="Aktuell igjen", **kw)


def risk_item(
    key: str,
    p: int,
    c: int,
    level: str,
    *,
    organisation: str = "HDO",
    project: str | None = None,
    merged_into: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "title": f"Risiko {key}",
        "organisation": organisation,
        "project": project,
        "owner": "Risikoeier",
        "probability": p,
        "consequence": c,
        "score": p * c,
        "level": level,
        "merged_into": merged_into,
    }


def sign(log: Log, key: str, on: str, **kw: Any) -> dict[str, Any]:
    return log.add(
        f"contract:{key}",
        "ContractSigned",
        on,
        title=f"Kontrakt {key}",
        supplier="Leverandør AS",
        customer="HDO",
        signed_on=on,
        **kw,
    )


def amend(log: Log, key: str, on: str, number: int, kind: str = "schedule", **kw: Any) -> dict[str, Any]:
    return log.add(
        f"contract:{key}",
        "ContractAmended",
        on,
        amendment_no=number,
        kind=kind,
        title=f"Tillegg {number}",
        summary="Endret plan",
        affected_milestones=[],
        **kw,
    )


def register_case(log: Log, case: str, on: str, refs: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    body, case_no = case.split("/")
    return log.add(
        f"board-case:{case}",
        "BoardCaseRegistered",
        on,
        body=body,
        case_no=case_no,
        title=f"Sak {case}",
        meeting_on=on,
        refs=refs or [],
        **kw,
    )


def decide(
    log: Log, case: str, on: str, text: str, refs: list[str] | None = None, **kw: Any
) -> dict[str, Any]:
    decided_on = kw.pop("decided_on", on)
    return log.add(
        f"board-case:{case}",
        "BoardDecisionRecorded",
        on,
        decided_on=decided_on,
        text=text,
        refs=refs or [],
        **kw,
    )


def supersede(log: Log, case: str, on: str, by: str, **kw: Any) -> dict[str, Any]:
    return log.add(f"board-case:{case}", "BoardDecisionSuperseded", on, by=by, reason="Erstattet", **kw)


def t2_2025(log: Log, known_at: str = EVERYTHING, **kw: Any) -> dict[str, Any]:
    return tertial_snapshot(log.envelopes, "2025-T2", known_at=known_at, **kw)


def project_keys(snapshot: dict[str, Any]) -> list[str]:
    return [project["key"] for project in snapshot["projects"]]


def keys_of(items: list[dict[str, Any]]) -> list[str]:
    return [item["key"] for item in items]


# Tertial snapshot: which projects ---------------------------------------------------------------


def test_tertial_period_runs_from_its_first_to_its_last_day():
    log = Log()
    for tertial, start, end in [
        ("2025-T1", "2025-01-01", "2025-04-30"),
        ("2025-T2", "2025-05-01", "2025-08-31"),
        ("2024-T3", "2024-09-01", "2024-12-31"),
    ]:
        snapshot = tertial_snapshot(log.envelopes, tertial, known_at=EVERYTHING)
        assert snapshot["period"] == {"start": start, "end": end}
        assert snapshot["known_at"] == EVERYTHING


def test_project_registered_on_the_periods_last_day_is_in_it_and_one_registered_the_day_after_is_not():
    log = Log()
    register(log, "LAST", "2025-08-31")
    register(log, "AFTER", "2025-09-01")
    register(log, "EARLY", "2024-02-01")

    assert project_keys(t2_2025(log)) == ["EARLY", "LAST"]


def test_project_closed_on_the_periods_first_day_is_in_it_and_one_closed_the_day_before_is_not():
    log = Log()
    register(log, "FIRST", "2025-01-10")
    close_project(log, "FIRST", "2025-05-01")
    register(log, "BEFORE", "2025-01-10")
    close_project(log, "BEFORE", "2025-04-30")
    register(log, "LATER", "2025-01-10")
    close_project(log, "LATER", "2025-10-01")

    assert project_keys(t2_2025(log)) == ["FIRST", "LATER"]


def test_projects_are_sorted_by_key_whatever_their_log_order():
    log = Log()
    for key in ["SP", "AKS", "KAK", "B2"]:
        register(log, key, "2025-03-01")

    assert project_keys(t2_2025(log)) == ["AKS", "B2", "KAK", "SP"]


# Tertial snapshot: status, previous status and trend ------------------------------------------


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        ("red", "yellow", "improved"),
        ("yellow", "green", "improved"),
        ("green", "red", "worsened"),
        ("yellow", "red", "worsened"),
        ("yellow", "yellow", "unchanged"),
    ],
)
def test_trend_compares_overall_with_the_previous_tertials_end(before: str, now: str, expected: str):
    log = Log()
    register(log, "KAK", "2025-01-10")
    assess(log, "KAK", "2025-04-30", before)  # the previous tertial's last day
    assess(log, "KAK", "2025-08-31", now, comment="Siste dag")  # this tertial's last day

    [project] = t2_2025(log)["projects"]
    assert project["status"] == assessed(now, "2025-08-31", comment="Siste dag")
    assert project["previous_status"] == assessed(before, "2025-04-30")
    assert project["trend"] == expected


def test_an_assessment_after_the_previous_end_is_not_the_previous_status():
    log = Log()
    register(log, "KAK", "2025-01-10")
    assess(log, "KAK", "2025-05-01", "yellow")

    [project] = t2_2025(log)["projects"]
    assert project["status"] == assessed("yellow", "2025-05-01")
    assert project["previous_status"] is None
    assert project["trend"] == "new"


def test_a_status_carried_over_from_an_earlier_tertial_is_unchanged():
    log = Log()
    register(log, "KAK", "2024-10-01")
    assess(log, "KAK", "2024-11-01", "red")
    assess(log, "KAK", "2025-03-01", "yellow")

    [project] = t2_2025(log)["projects"]
    assert project["status"] == project["previous_status"] == assessed("yellow", "2025-03-01")
    assert project["trend"] == "unchanged"


def test_a_project_never_assessed_has_no_status_and_no_trend():
    log = Log()
    register(log, "KAK", "2025-01-10")
    assess(log, "KAK", "2025-09-01", "green")  # after the period's end

    [project] = t2_2025(log)["projects"]
    assert project["status"] is None
    assert project["previous_status"] is None
    assert project["trend"] is None


def test_the_latest_assessment_in_effective_time_stands_over_a_backdated_one():
    log = Log()
    register(log, "KAK", "2025-01-10")
    assess(log, "KAK", "2025-07-01", "green")
    assess(log, "KAK", "2025-06-01", "red", deviation="Etterregistrert")  # recorded later, effective earlier

    [project] = t2_2025(log)["projects"]
    assert project["status"] == assessed("green", "2025-07-01")


def test_project_item_carries_its_registered_fields_and_phase_at_the_periods_end():
    log = Log()
    register(log, "KAK", "2025-01-10", organisation="Sykehuspartner HF")
    log.add("project:KAK", "ProjectPhaseChanged", "2025-06-01", phase="closing")
    log.add("project:KAK", "ProjectPhaseChanged", "2025-09-01", phase="planning")
    assess(
        log,
        "KAK",
        "2025-06-02",
        "yellow",
        comment="K",
        deviation="D",
        consequence_note="N",
        measures=["M1", "M2"],
    )

    [project] = t2_2025(log)["projects"]
    assert project == {
        "key": "KAK",
        "name": "Prosjekt KAK",
        "organisation": "Sykehuspartner HF",
        "phase": "closing",
        "status": {
            "overall": "yellow",
            **dict.fromkeys(RATINGS, "green"),
            "comment": "K",
            "deviation": "D",
            "consequence_note": "N",
            "measures": ["M1", "M2"],
            "effective_on": "2025-06-02",
        },
        "previous_status": None,
        "trend": "new",
        "financials": None,
        "milestones_achieved": [],
        "milestones_slipped": [],
    }


# Tertial snapshot: financials -----------------------------------------------------------------


def cost_frame(log: Log, key: str, on: str, frame: int, steering: int) -> None:
    log.add(
        f"project:{key}",
        "ProjectCostFrameChanged",
        on,
        cost_frame=frame,
        steering_frame=steering,
        reason="Vedtak",
    )


def report(log: Log, key: str, on: str, budget: int, forecast_: int, actual: int, earned: int) -> None:
    log.add(
        f"project:{key}",
        "ProjectFinancialsReported",
        on,
        phase_budget=budget,
        forecast=forecast_,
        actual=actual,
        earned_value=earned,
    )


def test_financials_are_null_without_a_cost_frame_or_a_report():
    log = Log()
    register(log, "KAK", "2025-01-10")
    cost_frame(log, "KAK", "2025-09-02", 1, 1)  # after the period

    [project] = t2_2025(log)["projects"]
    assert project["financials"] is None


def test_financials_with_only_a_cost_frame_have_null_figures():
    log = Log()
    register(log, "KAK", "2025-01-10")
    cost_frame(log, "KAK", "2025-02-01", 900, 700)
    cost_frame(log, "KAK", "2025-06-01", 1000, 800)

    [project] = t2_2025(log)["projects"]
    assert project["financials"] == {
        "cost_frame": 1000,
        "steering_frame": 800,
        "phase_budget": None,
        "forecast": None,
        "actual": None,
        "earned_value": None,
    }


def test_financials_with_only_a_report_have_null_frames_and_the_latest_report_in_effective_time_stands():
    log = Log()
    register(log, "KAK", "2025-01-10")
    report(log, "KAK", "2025-08-20", 100, 120, 60, 50)
    report(log, "KAK", "2025-06-01", 1, 2, 3, 4)  # backdated: recorded later, effective earlier
    report(log, "KAK", "2025-09-01", 9, 9, 9, 9)  # after the period

    [project] = t2_2025(log)["projects"]
    assert project["financials"] == {
        "cost_frame": None,
        "steering_frame": None,
        "phase_budget": 100,
        "forecast": 120,
        "actual": 60,
        "earned_value": 50,
    }


def test_financials_combine_the_latest_cost_frame_and_the_latest_report():
    log = Log()
    register(log, "KAK", "2025-01-10")
    cost_frame(log, "KAK", "2025-02-01", 1000, 800)
    report(log, "KAK", "2025-07-01", 100, 120, 0, 0)

    [project] = t2_2025(log)["projects"]
    assert project["financials"] == {
        "cost_frame": 1000,
        "steering_frame": 800,
        "phase_budget": 100,
        "forecast": 120,
        "actual": 0,
        "earned_value": 0,
    }


# Tertial snapshot: milestones -----------------------------------------------------------------


def test_milestones_achieved_and_slipped_in_the_period():
    log = Log()
    register(log, "KAK", "2025-01-10")
    register(log, "OTHER", "2025-01-10")
    # Achieved after its baseline in the period: achieved and slipped.
    plan(log, "KAK/LATE", "2025-02-15", "2025-06-30")
    achieve(log, "KAK/LATE", "2025-07-05")
    # Achieved on its baseline: achieved, not slipped.
    plan(log, "KAK/ONTIME", "2025-02-15", "2025-07-15")
    achieve(log, "KAK/ONTIME", "2025-07-15")
    # Achieved before its baseline, which lies after the period: achieved, not slipped.
    plan(log, "KAK/EARLY", "2025-02-15", "2025-10-01")
    achieve(log, "KAK/EARLY", "2025-08-31")
    # Not achieved by the end, baseline in the period: slipped (its forecast lies after the end).
    plan(log, "KAK/OPEN", "2025-02-15", "2025-08-10")
    forecast(log, "KAK/OPEN", "2025-07-01", "2025-09-15")
    # Not achieved, baseline on the period's last day: slipped, not yet overdue.
    plan(log, "KAK/LASTDAY", "2025-02-15", "2025-08-31")
    # Cancelled by the end, baseline in the period: not slipped.
    plan(log, "KAK/GONE", "2025-02-15", "2025-08-20")
    cancel(log, "KAK/GONE", "2025-08-01")
    # Rebaselined out of the period: the baseline in force at the end is not in it.
    plan(log, "KAK/MOVED", "2025-02-15", "2025-06-01")
    rebaseline(log, "KAK/MOVED", "2025-05-20", "2025-10-01")
    # Achieved in the previous tertial: neither.
    plan(log, "KAK/T1", "2025-02-15", "2025-04-25")
    achieve(log, "KAK/T1", "2025-04-20")
    # Baseline in the period but achieved after its end: slipped, and not achieved in it.
    plan(log, "KAK/AFTER", "2025-02-15", "2025-08-01")
    achieve(log, "KAK/AFTER", "2025-09-03")
    # Another project's milestone never shows under KAK.
    plan(log, "OTHER/M1", "2025-02-15", "2025-06-01")

    kak, other = t2_2025(log)["projects"]
    assert kak["milestones_achieved"] == [
        milestone_item("KAK/EARLY", "2025-10-01", "achieved", -31, achieved_on="2025-08-31"),
        milestone_item("KAK/LATE", "2025-06-30", "achieved", 5, achieved_on="2025-07-05"),
        milestone_item("KAK/ONTIME", "2025-07-15", "achieved", 0, achieved_on="2025-07-15"),
    ]
    assert kak["milestones_slipped"] == [
        milestone_item("KAK/AFTER", "2025-08-01", "overdue", 0),
        milestone_item("KAK/LASTDAY", "2025-08-31", "planned", 0),
        milestone_item("KAK/LATE", "2025-06-30", "achieved", 5, achieved_on="2025-07-05"),
        milestone_item("KAK/OPEN", "2025-08-10", "planned", 36, forecast_on="2025-09-15"),
    ]
    assert other["milestones_achieved"] == []
    assert keys_of(other["milestones_slipped"]) == ["OTHER/M1"]


def test_a_rebaseline_into_the_period_makes_a_milestone_slip_against_its_new_baseline():
    log = Log()
    register(log, "KAK", "2025-01-10")
    plan(log, "KAK/DM1", "2025-02-15", "2025-10-01")
    forecast(log, "KAK/DM1", "2025-03-01", "2025-11-01")
    rebaseline(log, "KAK/DM1", "2025-05-10", "2025-06-15")  # clears the forecast
    achieve(log, "KAK/DM1", "2025-06-20")

    [project] = t2_2025(log)["projects"]
    assert project["milestones_slipped"] == [
        milestone_item("KAK/DM1", "2025-06-15", "achieved", 5, achieved_on="2025-06-20")
    ]


def test_a_rebaseline_clears_the_forecast():
    log = Log()
    register(log, "KAK", "2025-01-10")
    plan(log, "KAK/DM1", "2025-02-15", "2025-06-01")
    forecast(log, "KAK/DM1", "2025-03-01", "2025-07-01")
    rebaseline(log, "KAK/DM1", "2025-05-10", "2025-06-20")

    [project] = t2_2025(log)["projects"]
    assert project["milestones_slipped"] == [milestone_item("KAK/DM1", "2025-06-20", "overdue", 0)]


def test_a_forecast_after_a_rebaseline_in_effective_time_stands():
    log = Log()
    register(log, "KAK", "2025-01-10")
    plan(log, "KAK/DM1", "2025-02-15", "2025-06-01")
    rebaseline(log, "KAK/DM1", "2025-05-10", "2025-06-20")
    forecast(log, "KAK/DM1", "2025-05-11", "2025-09-10")

    [project] = t2_2025(log)["projects"]
    assert project["milestones_slipped"] == [
        milestone_item("KAK/DM1", "2025-06-20", "planned", 82, forecast_on="2025-09-10")
    ]


def test_a_milestone_is_overdue_only_when_its_date_is_strictly_before_the_periods_end():
    log = Log()
    register(log, "KAK", "2025-01-10")
    plan(log, "KAK/BEFORE", "2025-02-15", "2025-08-30")
    plan(log, "KAK/ON", "2025-02-15", "2025-08-31")
    plan(log, "KAK/FORECAST", "2025-02-15", "2025-06-01")
    forecast(log, "KAK/FORECAST", "2025-05-01", "2025-08-31")  # the forecast, not the baseline, counts
    plan(log, "KAK/EARLIER", "2025-02-15", "2025-09-30")
    forecast(log, "KAK/EARLIER", "2025-05-01", "2025-08-30")

    [project] = t2_2025(log)["projects"]
    states = {item["key"]: item["state"] for item in project["milestones_slipped"]}
    assert states == {"KAK/BEFORE": "overdue", "KAK/ON": "planned", "KAK/FORECAST": "planned"}
    earlier = tertial_snapshot(log.envelopes, "2025-T3", known_at=EVERYTHING)["projects"][0]
    assert earlier["milestones_slipped"] == [
        milestone_item("KAK/EARLIER", "2025-09-30", "overdue", -31, forecast_on="2025-08-30")
    ]


def test_a_milestone_planned_after_the_period_is_not_in_it():
    log = Log()
    register(log, "KAK", "2025-01-10")
    plan(
        log, "KAK/DM1", "2025-09-01", "2025-06-01"
    )  # planned (effective) after the end, baseline in the period

    [project] = t2_2025(log)["projects"]
    assert project["milestones_slipped"] == []


# Tertial snapshot: risks ------------------------------------------------------------------------


def test_risks_open_new_and_closed_in_the_period():
    log = Log()
    identify(log, "R1-OPEN", "2025-03-01", 4, 4)
    identify(log, "R2-NEW", "2025-06-01", 2, 3, project="KAK")
    # Closed in the period and reopened after its end: at the period's end (the state the
    # snapshot shows, folding only events effective by then) it is closed, by a closure
    # effective in the period, so it is closed in the period and not open (§5, §6).
    identify(log, "R3-REOPENED-AFTER", "2025-02-01", 3, 3)
    close_risk(log, "R3-REOPENED-AFTER", "2025-07-01")
    reopen_risk(log, "R3-REOPENED-AFTER", "2025-09-10")
    # Closed and reopened within the period: open at the end, so not closed in the period.
    identify(log, "R4-REOPENED-WITHIN", "2025-02-01", 1, 2)
    close_risk(log, "R4-REOPENED-WITHIN", "2025-06-01")
    reopen_risk(log, "R4-REOPENED-WITHIN", "2025-07-01")
    # Closed the day before the period: neither open nor closed in it.
    identify(log, "R5-CLOSED-BEFORE", "2025-01-05", 2, 2)
    close_risk(log, "R5-CLOSED-BEFORE", "2025-04-30")
    # Identified after the end: absent.
    identify(log, "R6-LATER", "2025-09-01", 5, 5)
    # New on the first day and closed on the last day: new and closed, not open.
    identify(log, "R7-BRIEF", "2025-05-01", 2, 2)
    close_risk(log, "R7-BRIEF", "2025-08-31")
    # Reassessed after the end: items show the risk as it stands at the end.
    identify(log, "R8-REASSESSED", "2025-01-01", 2, 2)
    reassess(log, "R8-REASSESSED", "2025-06-01", 1, 1)
    reassess(log, "R8-REASSESSED", "2025-09-05", 5, 5)
    # Closed before the period, reopened in it and closed again in it: closed in the period.
    identify(log, "R9-CLOSED-AGAIN", "2025-01-01", 3, 2)
    close_risk(log, "R9-CLOSED-AGAIN", "2025-02-01")
    reopen_risk(log, "R9-CLOSED-AGAIN", "2025-05-02")
    close_risk(log, "R9-CLOSED-AGAIN", "2025-06-02")

    risks = t2_2025(log)["risks"]
    assert risks["open"] == [
        risk_item("R1-OPEN", 4, 4, "critical"),
        risk_item("R2-NEW", 2, 3, "medium", project="KAK"),
        risk_item("R4-REOPENED-WITHIN", 1, 2, "low"),
        risk_item("R8-REASSESSED", 1, 1, "low"),
    ]
    assert risks["open_count"] == 4
    assert risks["new_in_period"] == [
        risk_item("R2-NEW", 2, 3, "medium", project="KAK"),
        risk_item("R7-BRIEF", 2, 2, "low"),
    ]
    assert risks["closed_in_period"] == [
        risk_item("R3-REOPENED-AFTER", 3, 3, "high"),
        risk_item("R7-BRIEF", 2, 2, "low"),
        risk_item("R9-CLOSED-AGAIN", 3, 2, "medium"),
    ]


def test_heatmap_counts_open_risks_at_probability_row_and_consequence_column_and_levels_have_their_bounds():
    # Scores 7 and 14 are no product of two scores 1–5, so the bounds 4/5, 7/8 and 14/15
    # are met by the nearest possible scores: 4/5, 6/8 and 12/15.
    log = Log()
    identify(log, "S04", "2025-01-01", 1, 4)
    identify(log, "S05", "2025-01-01", 1, 5)
    identify(log, "S06", "2025-01-01", 2, 3)
    identify(log, "S08", "2025-01-01", 2, 4)
    identify(log, "S12", "2025-01-01", 3, 4)
    identify(log, "S15", "2025-01-01", 3, 5)
    identify(log, "S25", "2025-01-01", 5, 5)
    identify(log, "SHUT", "2025-01-01", 5, 1)
    close_risk(log, "SHUT", "2025-03-01")

    risks = t2_2025(log)["risks"]
    assert [(item["key"], item["score"], item["level"]) for item in risks["open"]] == [
        ("S04", 4, "low"),
        ("S05", 5, "medium"),
        ("S06", 6, "medium"),
        ("S08", 8, "high"),
        ("S12", 12, "high"),
        ("S15", 15, "critical"),
        ("S25", 25, "critical"),
    ]
    assert risks["heatmap"] == [
        [0, 0, 0, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 0, 0, 1, 1],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 1],
    ]
    assert risks["by_level"] == {"low": 1, "medium": 2, "high": 2, "critical": 2}


def test_a_ledger_without_risks_has_an_empty_heatmap_and_every_level_at_zero():
    risks = t2_2025(Log())["risks"]
    assert risks == {
        "open": [],
        "open_count": 0,
        "new_in_period": [],
        "closed_in_period": [],
        "heatmap": [[0] * 5 for _ in range(5)],
        "by_level": {"low": 0, "medium": 0, "high": 0, "critical": 0},
    }


# Tertial snapshot: amendments, decisions, organisation --------------------------------------------


def test_amendments_in_the_period_sorted_by_contract_then_number():
    log = Log()
    sign(log, "B-CON", "2025-01-10")
    sign(log, "A-CON", "2025-01-10")
    amend(log, "B-CON", "2025-05-01", 2, kind="price")
    amend(log, "B-CON", "2025-08-31", 1)
    amend(log, "A-CON", "2025-04-30", 4)  # the day before the period
    amend(log, "A-CON", "2025-06-01", 5, kind="settlement")
    amend(log, "A-CON", "2025-09-01", 6)  # the day after

    assert t2_2025(log)["amendments_in_period"] == [
        {
            "contract": "A-CON",
            "amendment_no": 5,
            "kind": "settlement",
            "title": "Tillegg 5",
            "effective_on": "2025-06-01",
        },
        {
            "contract": "B-CON",
            "amendment_no": 1,
            "kind": "schedule",
            "title": "Tillegg 1",
            "effective_on": "2025-08-31",
        },
        {
            "contract": "B-CON",
            "amendment_no": 2,
            "kind": "price",
            "title": "Tillegg 2",
            "effective_on": "2025-05-01",
        },
    ]


def test_decisions_in_the_period_superseded_ones_too_sorted_by_body_case_then_effective_order():
    log = Log()
    register_case(log, "HDO/3-2025", "2025-01-10")
    register_case(log, "HDO/27-2025", "2025-01-10")
    register_case(log, "AAA/1-2025", "2025-01-10")
    decide(log, "HDO/3-2025", "2025-06-01", "Tre")
    decide(log, "HDO/27-2025", "2025-07-01", "Syv senere")
    decide(log, "HDO/27-2025", "2025-05-02", "Syv tidlig", decided_on="2025-04-28")  # effective in the period
    decide(log, "HDO/27-2025", "2025-07-01", "Syv samme dag")  # same day, later in the log
    supersede(log, "HDO/27-2025", "2025-08-01", "HDO/3-2025")
    decide(log, "AAA/1-2025", "2025-04-30", "Før perioden")
    decide(log, "AAA/1-2025", "2025-08-31", "Siste dag")
    decide(log, "AAA/1-2025", "2025-09-01", "Etter perioden")

    assert t2_2025(log)["decisions_in_period"] == [
        {"body": "AAA", "case_no": "1-2025", "decided_on": "2025-08-31", "text": "Siste dag"},
        {"body": "HDO", "case_no": "27-2025", "decided_on": "2025-04-28", "text": "Syv tidlig"},
        {"body": "HDO", "case_no": "27-2025", "decided_on": "2025-07-01", "text": "Syv senere"},
        {"body": "HDO", "case_no": "27-2025", "decided_on": "2025-07-01", "text": "Syv samme dag"},
        {"body": "HDO", "case_no": "3-2025", "decided_on": "2025-06-01", "text": "Tre"},
    ]


def test_organisation_filters_projects_and_risks_but_not_amendments_decisions_or_the_log():
    log = Log()
    register(log, "KAK", "2025-01-10", organisation="HDO")
    register(log, "SP1", "2025-01-10", organisation="Sykehuspartner HF")
    identify(log, "HDO-1", "2025-06-01", 2, 4, organisation="HDO")
    identify(log, "SP-1", "2025-06-01", 5, 5, organisation="Sykehuspartner HF", project="SP1")
    identify(log, "SP-2", "2025-02-01", 1, 1, organisation="Sykehuspartner HF")
    close_risk(log, "SP-2", "2025-06-01")
    sign(log, "SP-CON", "2025-01-10", project="SP1")
    amend(log, "SP-CON", "2025-06-01", 1)
    register_case(log, "SP/1-2025", "2025-06-01")
    decide(log, "SP/1-2025", "2025-06-01", "Vedtak")

    whole = t2_2025(log)
    hdo = t2_2025(log, organisation="HDO")
    assert project_keys(hdo) == ["KAK"]
    assert hdo["risks"] == {
        "open": [risk_item("HDO-1", 2, 4, "high")],
        "open_count": 1,
        "new_in_period": [risk_item("HDO-1", 2, 4, "high")],
        "closed_in_period": [],
        "heatmap": [[0] * 5, [0, 0, 0, 1, 0], [0] * 5, [0] * 5, [0] * 5],
        "by_level": {"low": 0, "medium": 0, "high": 1, "critical": 0},
    }
    sp = t2_2025(log, organisation="Sykehuspartner HF")
    assert project_keys(sp) == ["SP1"]
    assert keys_of(sp["risks"]["open"]) == ["SP-1"]
    assert keys_of(sp["risks"]["closed_in_period"]) == ["SP-2"]
    assert sp["risks"]["by_level"] == {"low": 0, "medium": 0, "high": 0, "critical": 1}
    for filtered in (hdo, sp):
        assert filtered["amendments_in_period"] == whole["amendments_in_period"] != []
        assert filtered["decisions_in_period"] == whole["decisions_in_period"] != []
        assert filtered["log"] == whole["log"] == {"position": 10, "head_hash": f"{10:064x}"}
    assert t2_2025(log, organisation="Helse Nord IKT")["projects"] == []


# Tertial snapshot: known_at and the log ---------------------------------------------------------


def test_known_at_leaves_out_a_backdated_event_recorded_after_it():
    log = Log(start="2025-09-01T08:00:00.000000Z")
    register(log, "KAK", "2025-01-10")
    assess(log, "KAK", "2025-08-20", "yellow", at="2025-09-02T08:00:00.000000Z")
    board_meeting = "2025-09-15T10:00:00.000000Z"
    assess(log, "KAK", "2025-08-25", "red", at="2025-10-01T08:00:00.000000Z")  # backdated into T2
    assess(log, "KAK", "2025-08-10", "green", at="2025-10-02T08:00:00.000000Z")  # earlier still: overridden
    identify(log, "LATE", "2025-06-01", 3, 3, at="2025-10-03T08:00:00.000000Z")

    as_the_board_saw_it = t2_2025(log, known_at=board_meeting)
    as_known_now = t2_2025(log)
    assert as_the_board_saw_it["projects"][0]["status"] == assessed("yellow", "2025-08-20")
    assert as_the_board_saw_it["risks"]["open"] == []
    assert as_the_board_saw_it["log"] == {"position": 2, "head_hash": f"{2:064x}"}
    assert as_the_board_saw_it["known_at"] == board_meeting
    assert as_known_now["projects"][0]["status"] == assessed("red", "2025-08-25")
    assert keys_of(as_known_now["risks"]["new_in_period"]) == ["LATE"]
    assert as_known_now["log"] == {"position": 5, "head_hash": f"{5:064x}"}


def test_known_at_is_inclusive_and_a_date_is_turned_into_the_end_of_its_oslo_day_by_the_caller():
    log = Log(start="2025-09-15T00:00:00.000000Z")
    register(log, "KAK", "2025-01-10", at="2025-09-15T21:59:59.999999Z")  # 23:59:59.999999 in Oslo (CEST)
    register(log, "SP", "2025-01-10", at="2025-09-15T22:00:00.000000Z")  # already 16 September in Oslo
    known_at = format_instant(end_of_oslo_day(date(2025, 9, 15)))

    assert known_at == "2025-09-15T21:59:59.999999Z"
    assert project_keys(t2_2025(log, known_at=known_at)) == ["KAK"]
    assert t2_2025(log, known_at=known_at)["log"]["position"] == 1
    assert project_keys(t2_2025(log, known_at="2025-09-15T21:59:59.999998Z")) == []


def test_log_position_counts_events_recorded_by_known_at_and_heads_at_that_seq():
    log = Log(start="2025-09-01T08:00:00.000000Z")
    for index in range(4):
        register(log, f"P{index}", "2025-01-10", at=f"2025-09-0{index + 1}T08:00:00.000000Z")
    for envelope, real_hash in zip(log.envelopes, ["a" * 64, "b" * 64, "c" * 64, "d" * 64], strict=True):
        envelope["hash"] = real_hash

    def position(known_at: str) -> dict[str, Any]:
        return t2_2025(log, known_at=known_at)["log"]

    assert position("2025-08-31T23:00:00.000000Z") == {"position": 0, "head_hash": ZERO_HASH}
    assert position("2025-09-01T08:00:00.000000Z") == {"position": 1, "head_hash": "a" * 64}
    assert position("2025-09-03T07:59:59.999999Z") == {"position": 2, "head_hash": "b" * 64}
    assert position(EVERYTHING) == {"position": 4, "head_hash": "d" * 64}
    assert ZERO_HASH == "0" * 64


# Status ------------------------------------------------------------------------------------------


def status_history() -> Log:
    log = Log()
    register(log, "KAK", "2025-01-10")
    assess(log, "KAK", "2025-09-01", "green")
    cost_frame(log, "KAK", "2025-02-01", 1000, 800)
    register(log, "OLD", "2025-01-05", organisation="Helse Nord IKT")
    close_project(log, "OLD", "2025-06-30")
    register(log, "NEW", "2025-11-01")
    plan(log, "KAK/DM2", "2025-02-01", "2025-09-01")
    plan(log, "KAK/DM1", "2025-02-01", "2025-10-01")
    forecast(log, "KAK/DM1", "2025-09-15", "2025-10-20")
    plan(log, "KAK/DM3", "2025-11-01", "2026-01-01")
    plan(log, "OLD/M1", "2025-02-01", "2025-05-01")
    achieve(log, "OLD/M1", "2025-05-02")
    identify(log, "OR-1", "2025-03-01", 3, 4, project="KAK")
    identify(log, "OR-2", "2025-03-01", 2, 2)
    identify(log, "OR-3", "2025-03-01", 5, 5, project="KAK")
    close_risk(log, "OR-3", "2025-08-01")
    identify(log, "OR-4", "2025-03-01", 5, 5, project="OLD")
    identify(log, "OR-5", "2025-10-16", 1, 1, project="KAK")
    sign(log, "KAK-FREQ", "2025-02-01", value=5000, project="KAK")
    amend(log, "KAK-FREQ", "2025-05-01", 2)
    amend(log, "KAK-FREQ", "2025-03-01", 1, kind="scope")
    log.add("contract:KAK-FREQ", "ContractDisputeRaised", "2025-09-01", description="Uenighet")
    amend(log, "KAK-FREQ", "2025-11-01", 3)
    sign(log, "ENDED", "2025-01-01")
    log.add("contract:ENDED", "ContractTerminated", "2025-07-01", reason="Oppfylt")
    sign(log, "LATER", "2025-10-20")
    register_case(log, "HDO/20-2025", "2025-03-01")
    decide(log, "HDO/20-2025", "2025-03-01", "A")
    register_case(log, "HDO/27-2025", "2025-06-12")
    decide(log, "HDO/27-2025", "2025-06-12", "B")
    supersede(log, "HDO/20-2025", "2025-06-12", "HDO/27-2025")
    register_case(log, "HDO/31-2025", "2025-10-10")
    supersede(log, "HDO/27-2025", "2025-11-01", "HDO/31-2025")  # after as_of
    decide(log, "HDO/31-2025", "2025-11-01", "C")
    return log


def test_status_answers_every_part_in_its_shape():
    log = status_history()
    as_of = "2025-10-15"

    answer = status(log.envelopes, as_of=as_of, known_at=EVERYTHING)

    or_1 = risk_item("OR-1", 3, 4, "high", project="KAK")
    or_2 = risk_item("OR-2", 2, 2, "low")
    or_4 = risk_item("OR-4", 5, 5, "critical", project="OLD")
    assert answer == {
        "as_of": as_of,
        "known_at": EVERYTHING,
        "projects": [
            {
                "key": "KAK",
                "name": "Prosjekt KAK",
                "organisation": "HDO",
                "phase": "execution",
                "status": assessed("green", "2025-09-01"),
                "financials": {
                    "cost_frame": 1000,
                    "steering_frame": 800,
                    "phase_budget": None,
                    "forecast": None,
                    "actual": None,
                    "earned_value": None,
                },
                "closed_on": None,
                "milestones": [
                    milestone_item("KAK/DM1", "2025-10-01", "planned", 19, forecast_on="2025-10-20"),
                    milestone_item("KAK/DM2", "2025-09-01", "overdue", 0),
                ],
                "open_risks": [or_1],
            },
            {
                "key": "OLD",
                "name": "Prosjekt OLD",
                "organisation": "Helse Nord IKT",
                "phase": "execution",
                "status": None,
                "financials": None,
                "closed_on": "2025-06-30",
                "milestones": [
                    milestone_item("OLD/M1", "2025-05-01", "achieved", 1, achieved_on="2025-05-02")
                ],
                "open_risks": [or_4],
            },
        ],
        "open_risks": [or_1, or_2, or_4],
        "contracts": [
            {
                "key": "ENDED",
                "title": "Kontrakt ENDED",
                "supplier": "Leverandør AS",
                "customer": "HDO",
                "signed_on": "2025-01-01",
                "value": None,
                "project": None,
                "dispute_open": False,
                "terminated": True,
                "amendments": [],
            },
            {
                "key": "KAK-FREQ",
                "title": "Kontrakt KAK-FREQ",
                "supplier": "Leverandør AS",
                "customer": "HDO",
                "signed_on": "2025-02-01",
                "value": 5000,
                "project": "KAK",
                "dispute_open": True,
                "terminated": False,
                "amendments": [
                    {"amendment_no": 1, "kind": "scope", "title": "Tillegg 1", "effective_on": "2025-03-01"},
                    {
                        "amendment_no": 2,
                        "kind": "schedule",
                        "title": "Tillegg 2",
                        "effective_on": "2025-05-01",
                    },
                ],
            },
        ],
        "recent_decisions": [
            {
                "body": "HDO",
                "case_no": "27-2025",
                "decided_on": "2025-06-12",
                "text": "B",
                "effective_on": "2025-06-12",
                "superseded_by": None,
            },
            {
                "body": "HDO",
                "case_no": "20-2025",
                "decided_on": "2025-03-01",
                "text": "A",
                "effective_on": "2025-03-01",
                "superseded_by": "HDO/27-2025",
            },
        ],
        "log": {"position": len(log.envelopes), "head_hash": log.envelopes[-1]["hash"]},
    }


def test_status_later_in_time_shows_what_happened_since():
    log = status_history()

    answer = status(log.envelopes, as_of="2025-11-01", known_at=EVERYTHING)

    assert keys_of(answer["projects"]) == ["KAK", "NEW", "OLD"]
    assert keys_of(answer["contracts"]) == ["ENDED", "KAK-FREQ", "LATER"]
    assert [(d["case_no"], d["text"], d["superseded_by"]) for d in answer["recent_decisions"]] == [
        ("31-2025", "C", None),
        ("27-2025", "B", "HDO/31-2025"),
        ("20-2025", "A", "HDO/27-2025"),
    ]
    assert keys_of(answer["projects"][0]["open_risks"]) == ["OR-1", "OR-5"]


def test_status_known_at_leaves_out_what_was_recorded_later():
    log = status_history()
    known_at = log.envelopes[14]["recorded_at"]  # up to OR-3's identification, before its closure

    answer = status(log.envelopes, as_of="2025-10-15", known_at=known_at)

    assert keys_of(answer["open_risks"]) == ["OR-1", "OR-2", "OR-3"]
    assert answer["contracts"] == []
    assert answer["recent_decisions"] == []
    assert answer["log"] == {"position": 15, "head_hash": f"{15:064x}"}


def test_recent_decisions_are_the_twenty_newest_by_effective_day_then_log_order():
    log = Log()
    register_case(log, "HDO/1-2025", "2025-01-10")
    for day in range(1, 22):
        decide(log, "HDO/1-2025", f"2025-03-{day:02d}", f"Dag {day}")
    decide(log, "HDO/1-2025", "2025-03-21", "Dag 21 igjen")
    decide(log, "HDO/1-2025", "2025-03-05", "Etterregistrert")
    decide(log, "HDO/1-2025", "2025-03-22", "Etter as_of")

    answer = status(log.envelopes, as_of="2025-03-21", known_at=EVERYTHING)

    assert [decision["text"] for decision in answer["recent_decisions"]] == [
        "Dag 21 igjen",
        *(f"Dag {day}" for day in range(21, 5, -1)),
        "Etterregistrert",  # effective 5 March, later in the log than "Dag 5"
        "Dag 5",
        "Dag 4",
    ]


# Reconstruction -----------------------------------------------------------------------------------


def reconstruction_history() -> Log:
    log = Log(start="2025-01-10T08:00:00.000000Z")
    register(log, "KAK", "2025-01-10", at="2025-01-10T09:00:00.000000Z")
    plan(log, "KAK/DM1", "2025-02-01", "2025-09-30", at="2025-02-01T08:00:00.000000Z")
    assess(log, "KAK", "2025-06-01", "yellow", at="2025-06-01T08:00:00.000000Z")
    identify(log, "OR-1", "2025-06-10", 3, 4, at="2025-06-10T08:00:00.000000Z")
    register_case(log, "HDO/20-2025", "2025-06-10", at="2025-06-10T09:00:00.000000Z")
    decide(log, "HDO/20-2025", "2025-06-10", "Første vedtak", at="2025-06-10T10:00:00.000000Z")
    register_case(
        log,
        "HDO/27-2025",
        "2025-06-12",
        ["project:KAK", "milestone:KAK/DM1"],
        at="2025-06-12T07:00:00.000000Z",
    )
    # 23:30 in Oslo on the meeting day (CEST): the board could know it.
    assess(log, "KAK", "2025-06-12", "red", at="2025-06-12T21:30:00.000000Z")
    # Backdated to before the meeting but recorded the day after: the board could not know it.
    forecast(log, "KAK/DM1", "2025-06-11", "2025-12-01", at="2025-06-13T08:00:00.000000Z")
    identify(log, "OR-2", "2025-06-20", 2, 2, at="2025-06-20T08:00:00.000000Z")
    decide(
        log,
        "HDO/27-2025",
        "2025-06-25",
        "Vedtatt",
        ["project:KAK", "risk:OR-1", "risk:OR-2"],
        at="2025-06-25T08:00:00.000000Z",
    )
    log.add(
        "project:KAK",
        "ProjectPhaseChanged",
        "2025-06-26",
        phase="closing",
        decision_ref="HDO/27-2025",
        at="2025-06-26T08:00:00.000000Z",
    )
    supersede(log, "HDO/20-2025", "2025-06-27", "HDO/27-2025", at="2025-06-27T08:00:00.000000Z")
    register_case(
        log, "HDO/31-2025", "2025-06-28", ["board-case:HDO/27-2025"], at="2025-06-28T08:00:00.000000Z"
    )
    log.add(
        "project:KAK",
        "ProjectPhaseChanged",
        "2025-06-29",
        phase="execution",
        decision_ref="HDO/20-2025",
        at="2025-06-29T08:00:00.000000Z",
    )
    rebaseline(
        log, "KAK/DM1", "2025-07-01", "2025-12-15", at="2025-07-01T08:00:00.000000Z"
    )  # cites HDO/27-2025
    return log


def test_reconstruction_shows_the_case_the_states_the_board_could_know_and_the_events_citing_it():
    log = reconstruction_history()
    known_at = "2025-06-30T00:00:00.000000Z"

    answer = reconstruction(log.envelopes, "HDO/27-2025", known_at=known_at, today="2025-06-30")

    assert answer is not None
    assert answer["case"] == {
        "key": "HDO/27-2025",
        "version": 2,
        "created_on": "2025-06-12",
        "body": "HDO",
        "case_no": "27-2025",
        "title": "Sak HDO/27-2025",
        "meeting_on": "2025-06-12",
        "refs": ["project:KAK", "milestone:KAK/DM1"],
        "decisions": [
            {
                "decided_on": "2025-06-25",
                "text": "Vedtatt",
                "refs": ["project:KAK", "risk:OR-1", "risk:OR-2"],
                "effective_on": "2025-06-25",
                "superseded_by": None,
            }
        ],
    }
    assert answer["referenced"] == [
        {
            "subject": "milestone:KAK/DM1",
            "state": {
                "key": "KAK/DM1",
                "version": 1,
                "created_on": "2025-02-01",
                "name": "Milepæl KAK/DM1",
                "kind": "milestone",
                "baseline_on": "2025-09-30",
                "forecast_on": None,
                "achieved_on": None,
                "cancelled_on": None,
                "state": "planned",
                "slip_days": 0,
            },
        },
        {
            "subject": "project:KAK",
            "state": {
                "key": "KAK",
                "version": 3,
                "created_on": "2025-01-10",
                "name": "Prosjekt KAK",
                "organisation": "HDO",
                "phase": "execution",
                "owner": "Programleder",
                "purpose": None,
                "status": assessed("red", "2025-06-12"),
                "financials": None,
                "closed_on": None,
            },
        },
        {
            "subject": "risk:OR-1",
            "state": {
                "key": "OR-1",
                "version": 1,
                "created_on": "2025-06-10",
                "title": "Risiko OR-1",
                "description": None,
                "organisation": "HDO",
                "project": None,
                "owner": "Risikoeier",
                "probability": 3,
                "consequence": 4,
                "score": 12,
                "level": "high",
                "open": True,
                "closed_on": None,
                "merged_into": None,
                "mitigations": [],
            },
        },
        {"subject": "risk:OR-2", "state": None},
    ]
    assert [envelope["seq"] for envelope in answer["citing_events"]] == [12, 13, 14]
    assert answer["citing_events"][0] == log.envelopes[11]


def test_reconstruction_known_at_limits_the_case_and_its_citing_events():
    log = reconstruction_history()

    before_the_decision = reconstruction(
        log.envelopes, "HDO/27-2025", known_at="2025-06-24T00:00:00.000000Z", today="2025-06-24"
    )
    assert before_the_decision is not None
    assert before_the_decision["case"]["decisions"] == []
    assert [item["subject"] for item in before_the_decision["referenced"]] == [
        "milestone:KAK/DM1",
        "project:KAK",
    ]
    assert before_the_decision["citing_events"] == []

    now = reconstruction(log.envelopes, "HDO/27-2025", known_at=EVERYTHING, today="2026-01-15")
    assert now is not None
    assert [envelope["seq"] for envelope in now["citing_events"]] == [12, 13, 14, 16]

    assert (
        reconstruction(
            log.envelopes, "HDO/27-2025", known_at="2025-06-12T06:59:59.999999Z", today="2025-06-12"
        )
        is None
    )
    assert reconstruction(log.envelopes, "HDO/99-2025", known_at=EVERYTHING, today="2026-01-15") is None


# Audit ---------------------------------------------------------------------------------------------


def test_audit_filters_by_every_given_filter_with_inclusive_bounds():
    log = Log(start="2025-06-01T00:00:00.000000Z")
    register(log, "KAK", "2025-06-01", at="2025-06-01T08:00:00.000000Z", actor="anne")
    assess(log, "KAK", "2025-06-02", "green", at="2025-06-02T08:00:00.000000Z", actor="bjørn")
    identify(log, "OR-1", "2025-05-20", 2, 2, at="2025-06-03T08:00:00.000000Z", actor="anne")
    assess(log, "KAK", "2025-06-04", "red", at="2025-06-04T08:00:00.000000Z", actor=None)

    def seqs(**filters: Any) -> list[int]:
        return [envelope["seq"] for envelope in audit(log.envelopes, **filters)]

    assert audit(log.envelopes) == log.envelopes
    assert seqs(subject="project:KAK") == [1, 2, 4]
    assert seqs(actor="anne") == [1, 3]
    assert seqs(type="ProjectStatusAssessed") == [2, 4]
    assert seqs(recorded_from="2025-06-02T08:00:00.000000Z") == [2, 3, 4]
    assert seqs(recorded_to="2025-06-02T08:00:00.000000Z") == [1, 2]
    assert seqs(recorded_from="2025-06-02T08:00:00.000001Z", recorded_to="2025-06-04T07:59:59.999999Z") == [3]
    assert seqs(effective_from="2025-06-02") == [2, 4]
    assert seqs(effective_to="2025-06-01") == [1, 3]
    assert seqs(effective_from="2025-05-20", effective_to="2025-05-20") == [3]
    assert seqs(subject="project:KAK", actor="bjørn", type="ProjectStatusAssessed") == [2]
    assert seqs(subject="project:KAK", actor="anne", type="ProjectStatusAssessed") == []
