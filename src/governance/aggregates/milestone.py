"""A milestone, sub-milestone or decision point of a project (milepæl, beslutningspunkt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from pydantic import model_validator

from governance.answers import MilestoneAnswer, MilestoneStateName
from governance.base import Aggregate, Created
from governance.errors import LifecycleViolation
from governance.values import AmendmentRef, CaseRef, Day, MilestoneKind, Text


@dataclass
class MilestoneState:
    created_on: date
    name: str
    kind: str
    baseline_on: date
    forecast_on: date | None = None
    achieved_on: date | None = None
    cancelled_on: date | None = None

    def state_on(self, day: date) -> MilestoneStateName:
        """§5: achieved, cancelled, overdue (its forecast, else its baseline, is strictly
        before `day`) or planned."""
        if self.achieved_on is not None:
            return "achieved"
        if self.cancelled_on is not None:
            return "cancelled"
        if (self.forecast_on or self.baseline_on) < day:
            return "overdue"
        return "planned"

    @property
    def slip_days(self) -> int:
        outcome = self.achieved_on or self.forecast_on or self.baseline_on
        return (outcome - self.baseline_on).days

    def answer(self, as_of: date, *, key: str, version: int) -> MilestoneAnswer:
        return MilestoneAnswer(
            key=key,
            version=version,
            created_on=self.created_on,
            name=self.name,
            kind=self.kind,
            baseline_on=self.baseline_on,
            forecast_on=self.forecast_on,
            achieved_on=self.achieved_on,
            cancelled_on=self.cancelled_on,
            state=self.state_on(as_of),
            slip_days=self.slip_days,
        )


def check_milestone_is_planned(milestone: MilestoneState, event: Milestone.Event) -> None:
    if milestone.achieved_on is not None or milestone.cancelled_on is not None:
        outcome = "achieved" if milestone.achieved_on is not None else "cancelled"
        on = milestone.achieved_on or milestone.cancelled_on
        raise LifecycleViolation(
            "",
            f"a milestone changes only while planned: it is {outcome} on {on}, "
            f"before {event.type_name()} on {event.effective_on}",
        )


class Milestone(Aggregate):
    TOPIC = "governance.aggregates:Milestone"

    class Event(Aggregate.Event):
        def evolve(self, milestone: MilestoneState) -> MilestoneState:
            check_milestone_is_planned(milestone, self)
            self.change(milestone)
            return milestone

        def change(self, milestone: MilestoneState) -> None:
            raise NotImplementedError

    class Planned(Event, Created):
        TOPIC: ClassVar[str] = "governance.events:MilestonePlanned"
        name: Text
        kind: MilestoneKind
        baseline_on: Day

        def evolve(self, _: object) -> MilestoneState:
            return MilestoneState(
                created_on=self.effective_on, name=self.name, kind=self.kind, baseline_on=self.baseline_on
            )

    class ForecastChanged(Event):
        TOPIC: ClassVar[str] = "governance.events:MilestoneForecastChanged"
        forecast_on: Day
        reason: Text

        def change(self, milestone: MilestoneState) -> None:
            milestone.forecast_on = self.forecast_on

    class Rebaselined(Event):
        TOPIC: ClassVar[str] = "governance.events:MilestoneRebaselined"
        baseline_on: Day
        reason: Text
        decision_ref: CaseRef | None = None
        amendment_ref: AmendmentRef | None = None

        @model_validator(mode="after")
        def _needs_a_reference(self) -> Milestone.Rebaselined:
            if self.decision_ref is None and self.amendment_ref is None:
                raise ValueError("a rebaseline needs decision_ref or amendment_ref")
            return self

        def change(self, milestone: MilestoneState) -> None:
            milestone.baseline_on = self.baseline_on
            milestone.forecast_on = None

    class Achieved(Event):
        TOPIC: ClassVar[str] = "governance.events:MilestoneAchieved"
        achieved_on: Day
        approved_by: Text | None = None
        note: Text | None = None

        @model_validator(mode="after")
        def _achieved_on_is_effective_on(self) -> Milestone.Achieved:
            if self.achieved_on != self.effective_on:
                raise ValueError("achieved_on must equal effective_on")
            return self

        def change(self, milestone: MilestoneState) -> None:
            milestone.achieved_on = self.achieved_on

    class Cancelled(Event):
        TOPIC: ClassVar[str] = "governance.events:MilestoneCancelled"
        reason: Text
        decision_ref: CaseRef | None = None

        def change(self, milestone: MilestoneState) -> None:
            milestone.cancelled_on = self.effective_on
