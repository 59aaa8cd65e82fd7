"""The shapes of subject answers (DOMAIN.md §6): what `GET /{kind}/{key}` and every list
item of §6a answer, field by field in the contract's order (the order of their CSV
columns too).

These models are the one definition of each answer: the aggregates' states build them
(`ProjectState.answer`), the API declares them as response models, and the tests hold the
read models' answers and the naive replay's to them."""

from __future__ import annotations

from datetime import date
from typing import Literal, Protocol

from pydantic import BaseModel

from governance.keys import Kind
from governance.values import Rating, RiskLevel

__all__ = [
    "ANSWERS",
    "AmendmentAnswer",
    "AnsweringState",
    "BoardCaseAnswer",
    "ContractAnswer",
    "DecisionAnswer",
    "Financials",
    "MilestoneAnswer",
    "MilestoneStateName",
    "MitigationAnswer",
    "ProjectAnswer",
    "Rating",
    "RiskAnswer",
    "RiskLevel",
    "Status",
    "SubjectAnswer",
]

MilestoneStateName = Literal["achieved", "cancelled", "overdue", "planned"]
"""A milestone's state on a day (DOMAIN.md §5)."""


class SubjectAnswer(BaseModel):
    key: str
    version: int
    created_on: date


class Status(BaseModel):
    overall: Rating
    time: Rating
    cost: Rating
    scope: Rating
    quality: Rating
    risk_exposure: Rating
    benefits: Rating
    comment: str | None
    deviation: str | None
    consequence_note: str | None
    measures: list[str]
    effective_on: date


class Financials(BaseModel):
    cost_frame: int | None
    steering_frame: int | None
    phase_budget: int | None
    forecast: int | None
    actual: int | None
    earned_value: int | None


class ProjectAnswer(SubjectAnswer):
    name: str
    organisation: str
    phase: str
    owner: str
    purpose: str | None
    status: Status | None
    financials: Financials | None
    closed_on: date | None


class MilestoneAnswer(SubjectAnswer):
    name: str
    kind: str
    baseline_on: date
    forecast_on: date | None
    achieved_on: date | None
    cancelled_on: date | None
    state: MilestoneStateName
    slip_days: int


class MitigationAnswer(BaseModel):
    mitigation_id: str
    description: str
    owner: str | None
    due_on: date | None
    completed: bool


class RiskAnswer(SubjectAnswer):
    title: str
    description: str | None
    organisation: str
    project: str | None
    owner: str
    probability: int
    consequence: int
    score: int
    level: RiskLevel
    open: bool
    closed_on: date | None
    merged_into: str | None
    mitigations: list[MitigationAnswer]


class AmendmentAnswer(BaseModel):
    amendment_no: int
    kind: str
    title: str
    summary: str
    value_change: int | None
    affected_milestones: list[str]
    effective_on: date


class ContractAnswer(SubjectAnswer):
    title: str
    supplier: str
    customer: str
    signed_on: date
    value: int | None
    project: str | None
    amendments: list[AmendmentAnswer]
    dispute_open: bool
    terminated: bool


class DecisionAnswer(BaseModel):
    decided_on: date
    text: str
    refs: list[str]
    effective_on: date
    superseded_by: str | None


class BoardCaseAnswer(SubjectAnswer):
    body: str
    case_no: str
    title: str
    meeting_on: date
    refs: list[str]
    decisions: list[DecisionAnswer]


ANSWERS: dict[Kind, type[SubjectAnswer]] = {
    "project": ProjectAnswer,
    "milestone": MilestoneAnswer,
    "risk": RiskAnswer,
    "contract": ContractAnswer,
    "board-case": BoardCaseAnswer,
}


class AnsweringState(Protocol):
    """A subject's folded state (what `Aggregate.state` gives): it answers as its model."""

    def answer(self, as_of: date, *, key: str, version: int) -> SubjectAnswer: ...
