"""A supplier contract (kontrakt) with its amendments, disputes and termination."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from governance.answers import AmendmentAnswer, ContractAnswer
from governance.base import Aggregate, Created
from governance.errors import LifecycleViolation
from governance.values import AmendmentKind, Amount, Day, Key, MilestoneRef, PositiveInt, SignedAmount, Text


@dataclass
class ContractState:
    created_on: date
    title: str
    supplier: str
    customer: str
    signed_on: date
    value: int | None
    project: str | None
    amendments: dict[int, AmendmentAnswer] = field(default_factory=dict)
    """Each amendment as the answer shows it (nothing changes an amendment once made)."""
    dispute_open: bool = False
    terminated_on: date | None = None

    def answer(self, as_of: date, *, key: str, version: int) -> ContractAnswer:
        return ContractAnswer(
            key=key,
            version=version,
            created_on=self.created_on,
            title=self.title,
            supplier=self.supplier,
            customer=self.customer,
            signed_on=self.signed_on,
            value=self.value,
            project=self.project,
            amendments=list(self.amendments.values()),
            dispute_open=self.dispute_open,
            terminated=self.terminated_on is not None,
        )


def check_contract_is_not_terminated(contract: ContractState, event: Contract.Event) -> None:
    if contract.terminated_on is not None:
        raise LifecycleViolation(
            "",
            f"nothing happens to a contract after it is terminated "
            f"({event.type_name()} on {event.effective_on}, terminated on {contract.terminated_on})",
        )


class Contract(Aggregate):
    TOPIC = "governance.aggregates:Contract"

    class Event(Aggregate.Event):
        def evolve(self, contract: ContractState) -> ContractState:
            check_contract_is_not_terminated(contract, self)
            self.change(contract)
            return contract

        def change(self, contract: ContractState) -> None:
            raise NotImplementedError

    class Signed(Event, Created):
        TOPIC: ClassVar[str] = "governance.events:ContractSigned"
        title: Text
        supplier: Text
        customer: Text
        signed_on: Day
        value: Amount | None = None
        project: Key | None = None

        def evolve(self, _: object) -> ContractState:
            return ContractState(
                created_on=self.effective_on,
                title=self.title,
                supplier=self.supplier,
                customer=self.customer,
                signed_on=self.signed_on,
                value=self.value,
                project=self.project,
            )

    class Amended(Event):
        TOPIC: ClassVar[str] = "governance.events:ContractAmended"
        amendment_no: PositiveInt
        kind: AmendmentKind
        title: Text
        summary: Text
        value_change: SignedAmount | None = None
        affected_milestones: list[MilestoneRef]

        def change(self, contract: ContractState) -> None:
            if self.amendment_no in contract.amendments:
                raise LifecycleViolation(
                    "", f"amendment {self.amendment_no} is already used on this contract"
                )
            contract.amendments[self.amendment_no] = AmendmentAnswer(
                amendment_no=self.amendment_no,
                kind=self.kind,
                title=self.title,
                summary=self.summary,
                value_change=self.value_change,
                affected_milestones=list(self.affected_milestones),
                effective_on=self.effective_on,
            )

    class DisputeRaised(Event):
        TOPIC: ClassVar[str] = "governance.events:ContractDisputeRaised"
        description: Text

        def change(self, contract: ContractState) -> None:
            if contract.dispute_open:
                raise LifecycleViolation("", f"a dispute is already open on {self.effective_on}")
            contract.dispute_open = True

    class DisputeResolved(Event):
        TOPIC: ClassVar[str] = "governance.events:ContractDisputeResolved"
        resolution: Text
        amendment_no: PositiveInt | None = None

        def change(self, contract: ContractState) -> None:
            if not contract.dispute_open:
                raise LifecycleViolation("", f"no dispute is open on {self.effective_on} to resolve")
            if self.amendment_no is not None and self.amendment_no not in contract.amendments:
                raise LifecycleViolation(
                    "", f"amendment {self.amendment_no} does not exist on {self.effective_on}"
                )
            contract.dispute_open = False

    class Terminated(Event):
        TOPIC: ClassVar[str] = "governance.events:ContractTerminated"
        reason: Text

        def change(self, contract: ContractState) -> None:
            contract.terminated_on = self.effective_on
