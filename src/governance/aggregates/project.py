"""A project under a board (prosjekt): phase, status assessments, financials, closure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from governance.answers import Financials, ProjectAnswer, Status
from governance.base import Aggregate, Created
from governance.errors import LifecycleViolation
from governance.values import Amount, CaseRef, Phase, PositiveInt, Rating, Text

STATUS_DIMENSIONS = ("overall", "time", "cost", "scope", "quality", "risk_exposure", "benefits")
FINANCIAL_FIGURES = ("phase_budget", "forecast", "actual", "earned_value")
COST_FRAME_FIGURES = ("cost_frame", "steering_frame")


@dataclass
class ProjectState:
    created_on: date
    name: str
    organisation: str
    phase: str
    owner: str
    purpose: str | None
    # The latest events of each kind; their figures are read when the state is shown.
    assessment: Project.StatusAssessed | None = None
    cost_frame: Project.CostFrameChanged | None = None
    report: Project.FinancialsReported | None = None
    closed_on: date | None = None

    @property
    def status(self) -> Status | None:
        return self.assessment.status() if self.assessment is not None else None

    @property
    def financials(self) -> Financials | None:
        """Cost frame from the latest change, figures from the latest report (§6)."""
        if self.cost_frame is None and self.report is None:
            return None
        frame, report = self.cost_frame, self.report
        return Financials(
            cost_frame=None if frame is None else frame.cost_frame,
            steering_frame=None if frame is None else frame.steering_frame,
            phase_budget=None if report is None else report.phase_budget,
            forecast=None if report is None else report.forecast,
            actual=None if report is None else report.actual,
            earned_value=None if report is None else report.earned_value,
        )

    def answer(self, as_of: date, *, key: str, version: int) -> ProjectAnswer:
        return ProjectAnswer(
            key=key,
            version=version,
            created_on=self.created_on,
            name=self.name,
            organisation=self.organisation,
            phase=self.phase,
            owner=self.owner,
            purpose=self.purpose,
            status=self.status,
            financials=self.financials,
            closed_on=self.closed_on,
        )


def check_project_is_not_closed(project: ProjectState, event: Project.Event) -> None:
    if project.closed_on is not None:
        raise LifecycleViolation(
            "",
            f"nothing happens to a project after it is closed "
            f"({event.type_name()} on {event.effective_on}, closed on {project.closed_on})",
        )


class Project(Aggregate):
    TOPIC = "governance.aggregates:Project"

    class Event(Aggregate.Event):
        def evolve(self, project: ProjectState) -> ProjectState:
            check_project_is_not_closed(project, self)
            self.change(project)
            return project

        def change(self, project: ProjectState) -> None:
            raise NotImplementedError

    class Registered(Event, Created):
        TOPIC: ClassVar[str] = "governance.events:ProjectRegistered"
        name: Text
        organisation: Text
        phase: Phase
        owner: Text
        purpose: Text | None = None

        def evolve(self, _: object) -> ProjectState:
            return ProjectState(
                created_on=self.effective_on,
                name=self.name,
                organisation=self.organisation,
                phase=self.phase,
                owner=self.owner,
                purpose=self.purpose,
            )

    class PhaseChanged(Event):
        TOPIC: ClassVar[str] = "governance.events:ProjectPhaseChanged"
        phase: Phase
        decision_ref: CaseRef | None = None

        def change(self, project: ProjectState) -> None:
            project.phase = self.phase

    class StatusAssessed(Event):
        TOPIC: ClassVar[str] = "governance.events:ProjectStatusAssessed"
        overall: Rating
        time: Rating
        cost: Rating
        scope: Rating
        quality: Rating
        risk_exposure: Rating
        benefits: Rating
        comment: Text | None = None
        deviation: Text | None = None
        consequence_note: Text | None = None
        measures: list[Text]

        def change(self, project: ProjectState) -> None:
            project.assessment = self

        def status(self) -> Status:
            """The status as the tertial snapshot shows it."""
            return Status(
                overall=self.overall,
                time=self.time,
                cost=self.cost,
                scope=self.scope,
                quality=self.quality,
                risk_exposure=self.risk_exposure,
                benefits=self.benefits,
                comment=self.comment,
                deviation=self.deviation,
                consequence_note=self.consequence_note,
                measures=list(self.measures),
                effective_on=self.effective_on,
            )

    class FinancialsReported(Event):
        TOPIC: ClassVar[str] = "governance.events:ProjectFinancialsReported"
        phase_budget: Amount
        forecast: Amount
        actual: Amount
        earned_value: Amount

        def change(self, project: ProjectState) -> None:
            project.report = self

    class CostFrameChanged(Event):
        TOPIC: ClassVar[str] = "governance.events:ProjectCostFrameChanged"
        cost_frame: Amount
        steering_frame: Amount
        price_year: PositiveInt | None = None
        reason: Text
        decision_ref: CaseRef | None = None

        def change(self, project: ProjectState) -> None:
            project.cost_frame = self

    class Closed(Event):
        TOPIC: ClassVar[str] = "governance.events:ProjectClosed"
        summary: Text
        decision_ref: CaseRef | None = None

        def change(self, project: ProjectState) -> None:
            project.closed_on = self.effective_on
