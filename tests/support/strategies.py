"""Hypothesis strategies for histories: commands on one subject, valid or not, with
effective days in 2024–2025 (the tests' clock stands in January 2026)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from governance.application import Command
from governance.keys import SubjectKey
from support.commands import VALID_FIELDS

FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2025, 12, 31)

days = st.integers(0, (LAST_DAY - FIRST_DAY).days).map(lambda n: FIRST_DAY + timedelta(days=n))
scores = st.integers(1, 5)
mitigation_ids = st.sampled_from(["T1", "T2", "T3"])

# Subjects every history may refer to; `seed_references` creates them.
REFERENCED_PROJECT = "P0"
REFERENCED_CASE = "B/0"
REFERENCED_RISK = "R-OTHER"


def seed_references() -> list[Command]:
    return [
        Command(
            SubjectKey.parse(f"project:{REFERENCED_PROJECT}"),
            "ProjectRegistered",
            VALID_FIELDS["ProjectRegistered"],
            "2023-06-01",
        ),
        Command(
            SubjectKey.parse(f"board-case:{REFERENCED_CASE}"),
            "BoardCaseRegistered",
            {**VALID_FIELDS["BoardCaseRegistered"], "body": "B", "case_no": "0"},
            "2023-06-01",
        ),
        Command(
            SubjectKey.parse(f"risk:{REFERENCED_RISK}"),
            "RiskIdentified",
            VALID_FIELDS["RiskIdentified"],
            "2023-06-01",
        ),
    ]


def fresh_subject(kind: str) -> SubjectKey:
    suffix = uuid.uuid4().hex[:10]
    if kind == "milestone":
        return SubjectKey.parse(f"milestone:{REFERENCED_PROJECT}/M{suffix}")
    if kind == "board-case":
        return SubjectKey.parse(f"board-case:B/{suffix}")
    return SubjectKey.parse(f"{kind}:S{suffix}")


def _event(type_: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    return st.fixed_dictionaries(fields).map(lambda values: (type_, {**VALID_FIELDS[type_], **values}))


RISK_EVENTS = st.one_of(
    _event("RiskAssessed", probability=scores, consequence=scores),
    _event("MitigationAdded", mitigation_id=mitigation_ids),
    _event("MitigationCompleted", mitigation_id=mitigation_ids),
    _event("RiskClosed"),
    _event("RiskClosed", merged_into=st.just(REFERENCED_RISK)),
    _event("RiskReopened"),
)
PROJECT_EVENTS = st.one_of(
    _event("ProjectPhaseChanged", phase=st.sampled_from(["concept", "planning", "execution", "closing"])),
    _event("ProjectStatusAssessed", overall=st.sampled_from(["green", "yellow", "red"])),
    _event("ProjectFinancialsReported", actual=st.integers(0, 10**9)),
    _event("ProjectCostFrameChanged", cost_frame=st.integers(0, 10**9)),
    _event("ProjectClosed"),
)
MILESTONE_EVENTS = st.one_of(
    _event("MilestoneForecastChanged", forecast_on=days.map(str)),
    _event("MilestoneRebaselined", baseline_on=days.map(str), decision_ref=st.just(REFERENCED_CASE)),
    _event("MilestoneAchieved"),
    _event("MilestoneCancelled"),
)
CONTRACT_EVENTS = st.one_of(
    _event("ContractAmended", amendment_no=st.integers(1, 4)),
    _event("ContractDisputeRaised"),
    _event("ContractDisputeResolved"),
    _event("ContractDisputeResolved", amendment_no=st.integers(1, 4)),
    _event("ContractTerminated"),
)
BOARD_CASE_EVENTS = st.one_of(
    _event("BoardDecisionRecorded", refs=st.just([f"project:{REFERENCED_PROJECT}"])),
    _event("BoardDecisionSuperseded", by=st.just(REFERENCED_CASE)),
)
KINDS: dict[str, tuple[str, st.SearchStrategy[tuple[str, dict[str, Any]]]]] = {
    "risk": ("RiskIdentified", RISK_EVENTS),
    "project": ("ProjectRegistered", PROJECT_EVENTS),
    "milestone": ("MilestonePlanned", MILESTONE_EVENTS),
    "contract": ("ContractSigned", CONTRACT_EVENTS),
    "board-case": ("BoardCaseRegistered", BOARD_CASE_EVENTS),
}


def _command(subject: SubjectKey, type_: str, fields: dict[str, Any], day: date) -> Command:
    fields = dict(fields)
    if type_ == "MilestoneAchieved":
        fields["achieved_on"] = day.isoformat()
    if type_ == "BoardCaseRegistered":
        fields["body"], fields["case_no"] = subject.parts
    return Command(subject, type_, fields, effective_on=day.isoformat())


@st.composite
def histories(draw: st.DrawFn, kind: str | None = None, max_events: int = 12) -> list[Command]:
    """Commands on one fresh subject: its creation, then events in any order of
    effective days (so some are backdated, and some break the lifecycle)."""
    kind = kind or draw(st.sampled_from(sorted(KINDS)))
    subject = fresh_subject(kind)
    creating, events = KINDS[kind]
    commands = [_command(subject, creating, VALID_FIELDS[creating], draw(days))]
    for _ in range(draw(st.integers(0, max_events))):
        type_, fields = draw(events)
        commands.append(_command(subject, type_, fields, draw(days)))
    return commands


INDEPENDENT_EVENTS: dict[str, st.SearchStrategy[tuple[str, dict[str, Any]]]] = {
    "risk": _event("RiskAssessed", probability=scores, consequence=scores),
    "project": st.one_of(
        _event("ProjectStatusAssessed", overall=st.sampled_from(["green", "yellow", "red"])),
        _event("ProjectFinancialsReported", actual=st.integers(0, 10**9)),
        _event("ProjectCostFrameChanged", cost_frame=st.integers(0, 10**9)),
        _event("ProjectPhaseChanged", phase=st.sampled_from(["concept", "planning", "execution", "closing"])),
    ),
    "milestone": st.one_of(
        _event("MilestoneForecastChanged", forecast_on=days.map(str)),
        _event("MilestoneRebaselined", baseline_on=days.map(str), decision_ref=st.just(REFERENCED_CASE)),
    ),
    "board-case": _event("BoardDecisionRecorded", refs=st.just([])),
}


@st.composite
def independent_histories(draw: st.DrawFn) -> tuple[str, date, list[tuple[date, str, dict[str, Any]]]]:
    """A creation and events on distinct later days that any lifecycle order accepts."""
    kind = draw(st.sampled_from(sorted(INDEPENDENT_EVENTS)))
    event_days = draw(st.lists(days, min_size=2, max_size=8, unique=True))
    created_on = min(event_days) - timedelta(days=1)
    events = [(day, *draw(INDEPENDENT_EVENTS[kind])) for day in event_days]
    return kind, created_on, events


def command_on(subject: SubjectKey, type_: str, fields: dict[str, Any], day: date) -> Command:
    return _command(subject, type_, fields, day)
