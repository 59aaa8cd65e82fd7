"""A board case (styresak) of a board, project board or steering group, and its decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from governance import keys
from governance.answers import BoardCaseAnswer, DecisionAnswer
from governance.base import Aggregate, Created
from governance.errors import LifecycleViolation
from governance.values import CaseRef, Day, Key, SubjectRef, Text


@dataclass
class Decision:
    decided_on: date
    text: str
    refs: list[str]
    effective_on: date
    superseded_by: str | None = None

    def answer(self) -> DecisionAnswer:
        return DecisionAnswer(
            decided_on=self.decided_on,
            text=self.text,
            refs=list(self.refs),
            effective_on=self.effective_on,
            superseded_by=self.superseded_by,
        )


@dataclass
class BoardCaseState:
    created_on: date
    body: str
    case_no: str
    title: str
    meeting_on: date
    refs: list[str]
    decisions: list[Decision] = field(default_factory=list)

    def answer(self, as_of: date, *, key: str, version: int) -> BoardCaseAnswer:
        return BoardCaseAnswer(
            key=key,
            version=version,
            created_on=self.created_on,
            body=self.body,
            case_no=self.case_no,
            title=self.title,
            meeting_on=self.meeting_on,
            refs=list(self.refs),
            decisions=[decision.answer() for decision in self.decisions],
        )


class BoardCase(Aggregate):
    TOPIC = "governance.aggregates:BoardCase"

    class Event(Aggregate.Event):
        pass

    class Registered(Event, Created):
        TOPIC: ClassVar[str] = "governance.events:BoardCaseRegistered"
        body: Key
        case_no: Key
        title: Text
        meeting_on: Day
        refs: list[SubjectRef]

        def evolve(self, _: object) -> BoardCaseState:
            if keys.board_case(self.body, self.case_no).id != self.originator_id:
                raise LifecycleViolation("", "body and case_no must match the subject key")
            return BoardCaseState(
                created_on=self.effective_on,
                body=self.body,
                case_no=self.case_no,
                title=self.title,
                meeting_on=self.meeting_on,
                refs=list(self.refs),
            )

    class DecisionRecorded(Event):
        TOPIC: ClassVar[str] = "governance.events:BoardDecisionRecorded"
        decided_on: Day
        text: Text
        refs: list[SubjectRef]

        def evolve(self, case: BoardCaseState) -> BoardCaseState:
            case.decisions.append(Decision(self.decided_on, self.text, list(self.refs), self.effective_on))
            return case

    class DecisionSuperseded(Event):
        TOPIC: ClassVar[str] = "governance.events:BoardDecisionSuperseded"
        by: CaseRef
        reason: Text

        def evolve(self, case: BoardCaseState) -> BoardCaseState:
            in_force = [decision for decision in case.decisions if decision.superseded_by is None]
            if not in_force:
                raise LifecycleViolation("", f"no decision of the case is in force on {self.effective_on}")
            for decision in in_force:
                decision.superseded_by = self.by
            return case
