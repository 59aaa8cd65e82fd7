"""The contract aggregate on its own: amendments, one dispute at a time, resolutions that
need an open dispute and an existing amendment, and nothing after termination."""

from __future__ import annotations

from typing import Any

import pytest
from aggregate_checks import assert_refused, day
from eventsourcing.utils import get_topic

from governance import keys
from governance.aggregates import Contract

CONTRACT = keys.contract("KAK-FREQUENTIS")


def signed(on: str = "2021-03-01", **overrides: Any) -> Contract:
    fields: dict[str, Any] = {
        "title": "Kontrakt om ny kommunikasjonsløsning",
        "supplier": "Frequentis AG",
        "customer": "HDO",
        "signed_on": "2021-02-20",
    } | overrides
    contract = Contract.create(CONTRACT.id, Contract.Signed, effective_on=on, **fields)
    assert isinstance(contract, Contract)
    return contract


def answer(contract: Contract, as_of: str = "2025-12-31") -> dict[str, Any]:
    state = contract.state(as_of=day(as_of))
    assert state is not None
    return state.answer(day(as_of), key="-", version=contract.version).model_dump(exclude={"key", "version"})


def amend(contract: Contract, on: str, number: int, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "kind": "schedule",
        "title": f"Kontraktstillegg {number}",
        "summary": "Ny fremdriftsplan",
        "affected_milestones": [],
    } | overrides
    contract.record(Contract.Amended, effective_on=on, amendment_no=number, **fields)


def raise_dispute(contract: Contract, on: str) -> None:
    contract.record(Contract.DisputeRaised, effective_on=on, description="Uenighet om forsinkelse")


EVENTS_AFTER_SIGNING: list[tuple[type[Contract.Event], dict[str, Any]]] = [
    (
        Contract.Amended,
        {"amendment_no": 9, "kind": "other", "title": "T", "summary": "S", "affected_milestones": []},
    ),
    (Contract.DisputeRaised, {"description": "Uenighet"}),
    (Contract.Terminated, {"reason": "Avsluttet"}),
]


# Effects ---------------------------------------------------------------------------------


def test_signed_contract_answers_every_field_of_its_shape():
    contract = signed()

    assert contract.version == 1
    assert answer(contract) == {
        "created_on": day("2021-03-01"),
        "title": "Kontrakt om ny kommunikasjonsløsning",
        "supplier": "Frequentis AG",
        "customer": "HDO",
        "signed_on": day("2021-02-20"),
        "value": None,
        "project": None,
        "amendments": [],
        "dispute_open": False,
        "terminated": False,
    }


def test_signed_contract_keeps_its_optional_value_and_project():
    contract = signed(value=1_200_000_000, project="KAK")

    assert (answer(contract)["value"], answer(contract)["project"]) == (1_200_000_000, "KAK")
    assert contract.history[0].data()["value"] == 1_200_000_000
    assert "value" not in signed().history[0].data()


def test_contract_does_not_exist_before_the_day_it_is_signed():
    assert signed(on="2021-03-01").state(as_of=day("2021-02-28")) is None


def test_amendment_is_listed_with_every_field_and_its_day():
    contract = signed()

    amend(
        contract,
        "2025-06-12",
        3,
        kind="settlement",
        title="Forlik",
        summary="Kompensasjon for forsinkelse",
        value_change=-25_000_000,
        affected_milestones=["KAK/DM1", "KAK/DM2"],
    )

    assert answer(contract)["amendments"] == [
        {
            "amendment_no": 3,
            "kind": "settlement",
            "title": "Forlik",
            "summary": "Kompensasjon for forsinkelse",
            "value_change": -25_000_000,
            "affected_milestones": ["KAK/DM1", "KAK/DM2"],
            "effective_on": day("2025-06-12"),
        }
    ]
    assert answer(contract, "2025-06-11")["amendments"] == []


def test_amendment_without_value_change_has_it_null_and_absent_from_the_data():
    contract = signed()

    amend(contract, "2025-06-12", 1)

    assert answer(contract)["amendments"][0]["value_change"] is None
    assert "value_change" not in contract.history[-1].data()


def test_several_amendments_are_all_listed():
    contract = signed()
    amend(contract, "2024-01-10", 1)
    amend(contract, "2025-06-12", 2)
    amend(contract, "2024-09-01", 3)

    assert [a["amendment_no"] for a in answer(contract)["amendments"]] == [1, 3, 2]
    assert [a["amendment_no"] for a in answer(contract, "2024-12-31")["amendments"]] == [1, 3]


def test_dispute_raised_opens_a_dispute_and_resolution_closes_it():
    contract = signed()

    raise_dispute(contract, "2024-05-01")
    assert answer(contract)["dispute_open"] is True
    assert answer(contract, "2024-04-30")["dispute_open"] is False

    contract.record(Contract.DisputeResolved, effective_on="2025-06-12", resolution="Forlik")
    assert answer(contract)["dispute_open"] is False
    assert answer(contract, "2025-06-11")["dispute_open"] is True


def test_dispute_can_be_raised_again_after_the_last_one_was_resolved():
    contract = signed()
    raise_dispute(contract, "2024-05-01")
    contract.record(Contract.DisputeResolved, effective_on="2024-06-01", resolution="Enighet")

    raise_dispute(contract, "2024-07-01")

    assert answer(contract)["dispute_open"] is True


def test_resolution_may_name_an_existing_amendment():
    contract = signed()
    raise_dispute(contract, "2024-05-01")
    amend(contract, "2025-06-12", 3, kind="settlement")

    event = contract.record(
        Contract.DisputeResolved, effective_on="2025-06-12", resolution="Forlik", amendment_no=3
    )

    assert event.data() == {"resolution": "Forlik", "amendment_no": 3}
    assert answer(contract)["dispute_open"] is False


def test_termination_marks_the_contract_terminated_from_its_day():
    contract = signed()

    contract.record(Contract.Terminated, effective_on="2025-10-01", reason="Avsluttet")

    assert answer(contract)["terminated"] is True
    assert answer(contract, "2025-09-30")["terminated"] is False


# Lifecycle rules -------------------------------------------------------------------------


def test_contract_is_signed_only_once():
    contract = signed()

    assert_refused(
        contract,
        Contract.Signed,
        effective_on="2022-01-01",
        originator_topic=get_topic(Contract),
        title="Igjen",
        supplier="S",
        customer="C",
        signed_on="2022-01-01",
    )


@pytest.mark.parametrize(("event_class", "fields"), EVENTS_AFTER_SIGNING)
def test_nothing_happens_to_a_contract_before_it_is_signed(event_class, fields):
    contract = signed(on="2021-03-01")

    assert_refused(contract, event_class, effective_on="2021-02-28", **fields)


@pytest.mark.parametrize(
    ("event_class", "fields"),
    [*EVENTS_AFTER_SIGNING, (Contract.DisputeResolved, {"resolution": "Forlik"})],
)
def test_nothing_happens_to_a_contract_after_it_is_terminated(event_class, fields):
    contract = signed()
    raise_dispute(contract, "2024-05-01")
    contract.record(Contract.Terminated, effective_on="2025-10-01", reason="Avsluttet")

    error = assert_refused(contract, event_class, effective_on="2025-10-02", **fields)

    assert "terminated on 2025-10-01" in error.rule


def test_termination_backdated_before_a_later_amendment_is_refused():
    contract = signed()
    amend(contract, "2025-06-12", 1)

    assert_refused(contract, Contract.Terminated, effective_on="2025-01-01", reason="Avsluttet")


def test_amendment_backdated_before_the_termination_is_accepted():
    contract = signed()
    contract.record(Contract.Terminated, effective_on="2025-10-01", reason="Avsluttet")

    amend(contract, "2025-06-12", 1)

    assert [a["amendment_no"] for a in answer(contract)["amendments"]] == [1]


def test_amendment_number_is_used_once_per_contract():
    contract = signed()
    amend(contract, "2024-01-10", 1)

    error = assert_refused(
        contract,
        Contract.Amended,
        effective_on="2024-02-01",
        amendment_no=1,
        kind="scope",
        title="Igjen",
        summary="S",
        affected_milestones=[],
    )

    assert "amendment 1" in error.rule


def test_amendment_number_reused_backdated_before_its_first_use_is_refused():
    contract = signed()
    amend(contract, "2024-06-01", 2)

    assert_refused(
        contract,
        Contract.Amended,
        effective_on="2024-01-01",
        amendment_no=2,
        kind="scope",
        title="Tidligere",
        summary="S",
        affected_milestones=[],
    )


def test_amendment_numbers_are_per_contract():
    first = signed()
    other = Contract.create(
        keys.contract("OTHER").id,
        Contract.Signed,
        effective_on="2021-03-01",
        title="Annen kontrakt",
        supplier="S",
        customer="C",
        signed_on="2021-03-01",
    )
    assert isinstance(other, Contract)
    amend(first, "2024-01-10", 1)

    amend(other, "2024-01-10", 1)

    assert [a["amendment_no"] for a in answer(other)["amendments"]] == [1]


def test_only_one_dispute_is_open_at_a_time():
    contract = signed()
    raise_dispute(contract, "2024-05-01")

    assert_refused(contract, Contract.DisputeRaised, effective_on="2024-06-01", description="Enda en")


def test_dispute_backdated_before_an_open_one_is_refused():
    contract = signed()
    raise_dispute(contract, "2024-05-01")

    assert_refused(contract, Contract.DisputeRaised, effective_on="2024-04-01", description="Tidligere")


def test_resolution_needs_an_open_dispute():
    contract = signed()

    error = assert_refused(contract, Contract.DisputeResolved, effective_on="2024-05-01", resolution="Forlik")

    assert "no dispute is open" in error.rule


def test_resolution_of_a_resolved_dispute_is_refused():
    contract = signed()
    raise_dispute(contract, "2024-05-01")
    contract.record(Contract.DisputeResolved, effective_on="2024-06-01", resolution="Enighet")

    assert_refused(contract, Contract.DisputeResolved, effective_on="2024-07-01", resolution="Igjen")


def test_resolution_backdated_before_the_dispute_was_raised_is_refused():
    contract = signed()
    raise_dispute(contract, "2024-05-01")

    assert_refused(contract, Contract.DisputeResolved, effective_on="2024-04-01", resolution="Forlik")


def test_resolution_naming_an_amendment_that_does_not_exist_is_refused():
    contract = signed()
    raise_dispute(contract, "2024-05-01")
    amend(contract, "2024-05-10", 1)

    error = assert_refused(
        contract, Contract.DisputeResolved, effective_on="2024-06-01", resolution="Forlik", amendment_no=2
    )

    assert "amendment 2" in error.rule


def test_resolution_naming_an_amendment_effective_only_later_is_refused():
    contract = signed()
    raise_dispute(contract, "2024-05-01")
    amend(contract, "2025-06-12", 3)

    assert_refused(
        contract, Contract.DisputeResolved, effective_on="2025-06-01", resolution="Forlik", amendment_no=3
    )
