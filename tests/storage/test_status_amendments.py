"""`/status` lists each contract's amendments in force as the store wrote them (one JSON
text per contract, sent on without being parsed), in number order on every store: also
when they were numbered out of the order they were recorded and made effective in."""

from __future__ import annotations

from datetime import date

import orjson

from governance.application import Ledger
from governance.projections.contracts import AMENDMENT_LISTS_AT, amendment_list
from governance.projections.runner import ReadModels
from governance.projections.schema import JsonArray, to_json
from governance.projections.status import status_at
from support import command


def _status(ledger: Ledger, models: ReadModels, as_of: date) -> dict[str, object]:
    position = ledger.position()
    models.ensure(position)
    answer = status_at(
        models, as_of=as_of, position=position, known_at="", head_hash=ledger.head_hash(position)
    )
    return orjson.loads(to_json(answer))  # type: ignore[no-any-return]


def _amendment_numbers(answer: dict[str, object]) -> dict[str, list[int]]:
    contracts = answer["contracts"]
    assert isinstance(contracts, list)
    return {
        contract["key"]: [item["amendment_no"] for item in contract["amendments"]] for contract in contracts
    }


def test_amendments_come_in_number_order_whatever_order_they_were_recorded_in(
    ledger: Ledger, models: ReadModels
) -> None:
    ledger.record_many(
        [
            command("contract:KAK-FREQUENTIS", "ContractSigned", "2024-01-10"),
            command("contract:KAK-TELENOR", "ContractSigned", "2024-01-10"),
            command("contract:KAK-FREQUENTIS", "ContractAmended", "2024-06-01", amendment_no=3, title="Tre"),
            # Recorded later, effective earlier, numbered lower.
            command("contract:KAK-FREQUENTIS", "ContractAmended", "2024-02-01", amendment_no=1, title="En"),
            command("contract:KAK-FREQUENTIS", "ContractAmended", "2024-04-01", amendment_no=2, title="To"),
            command("contract:KAK-TELENOR", "ContractAmended", "2024-03-01", amendment_no=7, title="Sju"),
        ]
    )

    now = _status(ledger, models, date(2024, 12, 31))
    assert _amendment_numbers(now) == {"KAK-FREQUENTIS": [1, 2, 3], "KAK-TELENOR": [7]}
    first = now["contracts"][0]["amendments"][0]  # type: ignore[index]
    assert first == {"amendment_no": 1, "kind": "schedule", "title": "En", "effective_on": "2024-02-01"}

    in_april = _status(ledger, models, date(2024, 4, 15))
    assert _amendment_numbers(in_april) == {"KAK-FREQUENTIS": [1, 2], "KAK-TELENOR": [7]}

    before_any = _status(ledger, models, date(2024, 1, 31))
    assert _amendment_numbers(before_any) == {"KAK-FREQUENTIS": [], "KAK-TELENOR": []}

    models.rebuild()
    assert _status(ledger, models, date(2024, 12, 31)) == now


def test_a_list_that_arrives_out_of_number_order_is_sorted() -> None:
    text = '[{"amendment_no":3,"title":"Tre"},{"amendment_no":1,"title":"En"}]'
    assert amendment_list("3,1", text) == [
        {"amendment_no": 1, "title": "En"},
        {"amendment_no": 3, "title": "Tre"},
    ]
    assert (
        to_json(amendment_list("3,1", text))
        == b'[{"amendment_no":1,"title":"En"},{"amendment_no":3,"title":"Tre"}]'
    )


def test_a_list_in_order_is_sent_as_the_store_wrote_it() -> None:
    text = '[{"amendment_no":1,"title":"En"},{"amendment_no":2,"title":"To"}]'
    listed = amendment_list("1,2", text)
    assert listed.text is text
    assert to_json({"amendments": listed}) == b'{"amendments":' + text.encode() + b"}"


def test_a_json_array_reads_as_the_list_it_holds() -> None:
    listed = JsonArray('[{"a":1},{"a":2}]')
    assert len(listed) == 2
    assert listed[1] == {"a": 2}
    assert [item["a"] for item in listed] == [1, 2]
    assert listed == [{"a": 1}, {"a": 2}]
    assert listed == JsonArray('[{"a": 1}, {"a": 2}]')
    assert listed != [{"a": 1}]


def test_sqlite_lists_them_from_the_covering_index_in_number_order(
    sqlite_ledger: Ledger,
) -> None:
    """The scan whose order the lists come in, and the one that reads no table row."""
    models = ReadModels(sqlite_ledger)
    try:
        sqlite_ledger.record_many(
            [command("contract:KAK-FREQUENTIS", "ContractSigned", "2024-01-10")]
            + [
                command("contract:KAK-FREQUENTIS", "ContractAmended", f"2024-02-{day:02d}", amendment_no=day)
                for day in range(1, 29)
            ]
        )
        models.rebuild()  # with the planner's statistics, as after any rebuild
        plan = models.fetch(
            "EXPLAIN QUERY PLAN " + AMENDMENT_LISTS_AT["sqlite"], as_of="2024-02-10", position=10
        )
        assert [row["detail"] for row in plan] == ["SCAN a USING COVERING INDEX rm_amendments_by_number"]
    finally:
        models.close()
