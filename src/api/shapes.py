"""The shapes of the status, the tertial snapshot and the reconstruction (DOMAIN.md §6,
§6a), for the OpenAPI schema: subject answers are the domain's own models
(`governance.answers`), and the items here are what the read models answer."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.bodies import Envelope
from api.changes import Change
from api.problems import HASH_REGEX, RECORDED_AT_REGEX, TERTIAL_REGEX
from governance.answers import (
    BoardCaseAnswer,
    ContractAnswer,
    Financials,
    MilestoneAnswer,
    ProjectAnswer,
    RiskAnswer,
    Status,
)

Level = Literal["low", "medium", "high", "critical"]
MilestoneState = Literal["achieved", "cancelled", "overdue", "planned"]
Instant = Annotated[str, Field(pattern=RECORDED_AT_REGEX, examples=["2025-09-15T08:30:00.000000Z"])]
Count = Annotated[int, Field(ge=0)]


class LogReading(BaseModel):
    position: Count = Field(description="The number of events recorded at or before `known_at`")
    head_hash: str = Field(pattern=HASH_REGEX, description="The `hash` of event `position` (64 zeros at 0)")


class MilestoneItem(BaseModel):
    key: str = Field(description="PROJECT/KEY")
    name: str
    baseline_on: date
    forecast_on: date | None
    achieved_on: date | None
    state: MilestoneState
    slip_days: int


class RiskItem(BaseModel):
    key: str
    title: str
    organisation: str
    project: str | None
    owner: str
    probability: int = Field(ge=1, le=5)
    consequence: int = Field(ge=1, le=5)
    score: int = Field(ge=1, le=25)
    level: Level
    merged_into: str | None


class Period(BaseModel):
    start: date
    end: date


class TertialProject(BaseModel):
    key: str
    name: str
    organisation: str
    phase: str
    status: Status | None
    previous_status: Status | None
    trend: Literal["improved", "worsened", "unchanged", "new"] | None
    financials: Financials | None
    milestones_achieved: list[MilestoneItem]
    milestones_slipped: list[MilestoneItem]


class RisksByLevel(BaseModel):
    low: Count
    medium: Count
    high: Count
    critical: Count


class TertialRisks(BaseModel):
    open: list[RiskItem]
    open_count: Count
    new_in_period: list[RiskItem]
    closed_in_period: list[RiskItem]
    heatmap: list[Annotated[list[Count], Field(min_length=5, max_length=5)]] = Field(
        min_length=5,
        max_length=5,
        description="heatmap[p-1][c-1]: the open risks with probability p and consequence c",
    )
    by_level: RisksByLevel


class AmendmentInPeriod(BaseModel):
    contract: str
    amendment_no: int = Field(ge=1)
    kind: str
    title: str
    effective_on: date


class DecisionInPeriod(BaseModel):
    body: str
    case_no: str
    decided_on: date
    text: str


class TertialSnapshot(BaseModel):
    tertial: str = Field(pattern=TERTIAL_REGEX)
    period: Period
    known_at: Instant
    organisation: str | None
    projects: list[TertialProject]
    risks: TertialRisks
    amendments_in_period: list[AmendmentInPeriod]
    decisions_in_period: list[DecisionInPeriod]
    log: LogReading


class StatusProject(BaseModel):
    key: str
    name: str
    organisation: str
    phase: str
    status: Status | None
    financials: Financials | None
    closed_on: date | None
    milestones: list[MilestoneItem]
    open_risks: list[RiskItem]


class StatusAmendment(BaseModel):
    amendment_no: int = Field(ge=1)
    kind: str
    title: str
    effective_on: date


class StatusContract(BaseModel):
    key: str
    title: str
    supplier: str
    customer: str
    signed_on: date
    value: int | None
    project: str | None
    dispute_open: bool
    terminated: bool
    amendments: list[StatusAmendment]


class RecentDecision(BaseModel):
    body: str
    case_no: str
    decided_on: date
    text: str
    effective_on: date
    superseded_by: str | None


class StatusAnswer(BaseModel):
    as_of: date
    known_at: Instant
    projects: list[StatusProject]
    open_risks: list[RiskItem]
    contracts: list[StatusContract]
    recent_decisions: list[RecentDecision]
    log: LogReading


SubjectState = ProjectAnswer | MilestoneAnswer | RiskAnswer | ContractAnswer | BoardCaseAnswer


class Referenced(BaseModel):
    subject: str
    state: SubjectState | None = Field(
        description="The subject at the meeting day as known at its end; null where it did not exist then"
    )


class Correction(BaseModel):
    subject: str
    changes: list[Change]
    events: list[Envelope]


class Reconstruction(BaseModel):
    case: BoardCaseAnswer
    referenced: list[Referenced]
    citing_events: list[Envelope]
    corrections: list[Correction]
