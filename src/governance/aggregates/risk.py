"""A risk in an enterprise or project risk register (risiko), with its mitigations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from governance import keys
from governance.answers import MitigationAnswer, RiskAnswer, RiskLevel
from governance.base import Aggregate, Created
from governance.errors import LifecycleViolation
from governance.values import Day, Key, Score, Text, risk_level


@dataclass
class Mitigation:
    mitigation_id: str
    description: str
    owner: str | None
    due_on: date | None
    completed: bool = False
    completed_on: date | None = None

    def answer(self) -> MitigationAnswer:
        return MitigationAnswer(
            mitigation_id=self.mitigation_id,
            description=self.description,
            owner=self.owner,
            due_on=self.due_on,
            completed=self.completed,
        )


@dataclass
class RiskState:
    created_on: date
    title: str
    description: str | None
    organisation: str
    project: str | None
    owner: str
    probability: int
    consequence: int
    open: bool = True
    closed_on: date | None = None
    merged_into: str | None = None
    mitigations: dict[str, Mitigation] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return self.probability * self.consequence

    @property
    def level(self) -> RiskLevel:
        return risk_level(self.score)

    def answer(self, as_of: date, *, key: str, version: int) -> RiskAnswer:
        return RiskAnswer(
            key=key,
            version=version,
            created_on=self.created_on,
            title=self.title,
            description=self.description,
            organisation=self.organisation,
            project=self.project,
            owner=self.owner,
            probability=self.probability,
            consequence=self.consequence,
            score=self.score,
            level=self.level,
            open=self.open,
            closed_on=self.closed_on,
            merged_into=self.merged_into,
            mitigations=[m.answer() for m in self.mitigations.values()],
        )


def check_risk_is_open(risk: RiskState, event: Risk.Event) -> None:
    if not risk.open:
        raise LifecycleViolation(
            "",
            f"a closed risk takes no {event.type_name()} until it is reopened "
            f"({event.type_name()} on {event.effective_on}, closed on {risk.closed_on})",
        )


def check_mitigation_was_added(risk: RiskState, mitigation_id: str) -> Mitigation:
    try:
        return risk.mitigations[mitigation_id]
    except KeyError:
        raise LifecycleViolation("", f"mitigation {mitigation_id} is completed before it is added") from None


class Risk(Aggregate):
    TOPIC = "governance.aggregates:Risk"

    class Event(Aggregate.Event):
        pass

    class Identified(Event, Created):
        TOPIC: ClassVar[str] = "governance.events:RiskIdentified"
        title: Text
        description: Text | None = None
        organisation: Text
        project: Key | None = None
        owner: Text
        probability: Score
        consequence: Score

        def evolve(self, _: object) -> RiskState:
            return RiskState(
                created_on=self.effective_on,
                title=self.title,
                description=self.description,
                organisation=self.organisation,
                project=self.project,
                owner=self.owner,
                probability=self.probability,
                consequence=self.consequence,
            )

    class Assessed(Event):
        TOPIC: ClassVar[str] = "governance.events:RiskAssessed"
        probability: Score
        consequence: Score
        rationale: Text | None = None

        def evolve(self, risk: RiskState) -> RiskState:
            check_risk_is_open(risk, self)
            risk.probability = self.probability
            risk.consequence = self.consequence
            return risk

    class MitigationAdded(Event):
        TOPIC: ClassVar[str] = "governance.events:MitigationAdded"
        mitigation_id: Key
        description: Text
        owner: Text | None = None
        due_on: Day | None = None

        def evolve(self, risk: RiskState) -> RiskState:
            check_risk_is_open(risk, self)
            if self.mitigation_id in risk.mitigations:
                raise LifecycleViolation("", f"mitigation {self.mitigation_id} is already added")
            risk.mitigations[self.mitigation_id] = Mitigation(
                self.mitigation_id, self.description, self.owner, self.due_on
            )
            return risk

    class MitigationCompleted(Event):
        TOPIC: ClassVar[str] = "governance.events:MitigationCompleted"
        mitigation_id: Key
        note: Text | None = None

        def evolve(self, risk: RiskState) -> RiskState:
            check_risk_is_open(risk, self)
            mitigation = check_mitigation_was_added(risk, self.mitigation_id)
            if mitigation.completed:
                raise LifecycleViolation("", f"mitigation {self.mitigation_id} is already completed")
            mitigation.completed = True
            mitigation.completed_on = self.effective_on
            return risk

    class Closed(Event):
        TOPIC: ClassVar[str] = "governance.events:RiskClosed"
        reason: Text
        merged_into: Key | None = None

        def evolve(self, risk: RiskState) -> RiskState:
            if not risk.open:
                raise LifecycleViolation("", f"the risk is already closed on {self.effective_on}")
            if self.merged_into is not None and keys.risk(self.merged_into).id == self.originator_id:
                raise LifecycleViolation("", "a risk is not merged into itself")
            risk.open = False
            risk.closed_on = self.effective_on
            risk.merged_into = self.merged_into
            return risk

    class Reopened(Event):
        TOPIC: ClassVar[str] = "governance.events:RiskReopened"
        reason: Text

        def evolve(self, risk: RiskState) -> RiskState:
            if risk.open:
                raise LifecycleViolation(
                    "", f"the risk is open on {self.effective_on}, so it cannot be reopened"
                )
            risk.open = True
            risk.closed_on = None
            risk.merged_into = None
            return risk
