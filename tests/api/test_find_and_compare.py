"""Finding and comparing (DOMAIN.md §6a) over HTTP, on the demo history (HDO 2025): lists
and their filters, what changed since the board saw the T2 report, the corrections since
board case 27-2025, CSV answers, and every refusal."""

from __future__ import annotations

import base64
import csv
import io
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.routes.lists import Page
from governance.answers import BoardCaseAnswer, ContractAnswer, MilestoneAnswer, ProjectAnswer, RiskAnswer
from governance.application import Command, Ledger
from governance.keys import SubjectKey
from governance.timemodel import oslo_day, parse_instant
from support import VALID_FIELDS, FakeClock

BOARD_SAW_T2 = "2025-09-15"


def get(client: TestClient, as_: Any, path: str, who: str = "auditor", **params: Any) -> Any:
    response = client.get(path, params=params, headers=as_[who])
    assert response.status_code == 200, response.json()
    return response.json()


def refused(client: TestClient, as_: Any, path: str, **params: Any) -> str:
    """The parameter a 422 names."""
    response = client.get(path, params=params, headers=as_["auditor"])
    assert response.status_code == 422, response.json()
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["errors"][0]["field"])


# What changed since the board saw the T2 report ---------------------------------------------


def test_the_t2_changes_since_the_board_met_show_the_medielogg_correction(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    answer = get(client, as_, "/tertials/2025-T2/changes", from_known_at=BOARD_SAW_T2)

    assert answer["tertial"] == "2025-T2"
    assert answer["from"]["known_at"] == "2025-09-15T21:59:59.999999Z"
    assert answer["from"]["position"] < answer["to"]["position"] == demo.position()
    assert answer["to"]["head_hash"] == demo.head_hash(demo.position())
    changes = {change["path"]: change for change in answer["changes"]}
    assert changes["/projects/MEDIELOGG/status/quality"] == {
        "path": "/projects/MEDIELOGG/status/quality",
        "before": "green",
        "after": "yellow",
    }
    assert [change["path"] for change in answer["changes"]] == sorted(changes)
    correction = next(event for event in answer["events"] if event["subject"] == "project:MEDIELOGG")
    assert correction["type"] == "ProjectStatusAssessed"
    assert correction["effective_on"] == "2025-08-31"
    assert correction["recorded_at"].startswith("2025-09-22")
    assert all(event["effective_on"] <= "2025-08-31" for event in answer["events"])
    assert all(
        answer["from"]["position"] < event["seq"] <= answer["to"]["position"] for event in answer["events"]
    )


def test_the_reconstruction_of_case_27_2025_shows_what_was_corrected_after_the_meeting(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    answer = get(client, as_, "/board-cases/HDO/27-2025/reconstruction")

    corrections = {item["subject"]: item for item in answer["corrections"]}
    assert list(corrections) == sorted(corrections)
    medielogg = corrections["project:MEDIELOGG"]
    assert {"path": "/status/quality", "before": "green", "after": "yellow"} in medielogg["changes"]
    assert [event["type"] for event in medielogg["events"]] == ["ProjectStatusAssessed"]
    assert medielogg["events"][0]["recorded_at"].startswith("2025-09-22")
    state_then = next(
        item["state"] for item in answer["referenced"] if item["subject"] == "project:MEDIELOGG"
    )
    assert state_then["status"]["quality"] == "green"


def test_no_corrections_as_the_board_knew_it_on_the_meeting_day(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    assert (
        get(client, as_, "/board-cases/HDO/27-2025/reconstruction", known_at="2025-09-11")["corrections"]
        == []
    )


def test_what_changed_for_one_subject_between_two_readings(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    answer = get(client, as_, "/projects/MEDIELOGG/changes", as_of="2025-08-31", from_known_at=BOARD_SAW_T2)

    assert answer["subject"] == "project:MEDIELOGG"
    assert answer["as_of"] == "2025-08-31"
    assert {"path": "/status/quality", "before": "green", "after": "yellow"} in answer["changes"]
    assert [event["recorded_at"][:10] for event in answer["events"]] == ["2025-09-22"]


def test_one_reading_compared_with_itself_changes_nothing(demo: Ledger, client: TestClient, as_: Any) -> None:
    answer = get(
        client, as_, "/tertials/2025-T2/changes", from_known_at=BOARD_SAW_T2, to_known_at=BOARD_SAW_T2
    )
    assert answer["changes"] == [] and answer["events"] == []
    assert answer["from"] == answer["to"]


def test_a_subject_created_between_the_readings_is_one_change_at_the_root(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    answer = get(client, as_, "/risks/OR-851/changes", as_of="2025-12-31", from_known_at="2025-01-01")
    assert [change["path"] for change in answer["changes"]] == [""]
    assert answer["changes"][0]["before"] is None
    assert answer["changes"][0]["after"]["key"] == "OR-851"
    assert "version" not in answer["changes"][0]["after"]
    assert answer["events"][0]["type"] == "RiskIdentified"


def test_a_subject_that_exists_at_neither_reading_is_a_404(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    response = client.get(
        "/risks/OR-999/changes", params={"from_known_at": BOARD_SAW_T2}, headers=as_["viewer"]
    )
    assert response.status_code == 404


# Lists ----------------------------------------------------------------------------------------


def test_every_board_case_is_listed_by_key_with_its_whole_answer(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    page = get(client, as_, "/board-cases", "viewer")

    keys = [item["key"] for item in page["items"]]
    assert keys == sorted(keys) and "HDO/27-2025" in keys
    assert page["next_cursor"] is None
    assert page["log"] == {"position": demo.position(), "head_hash": demo.head_hash(demo.position())}
    for item in page["items"]:
        body, case_no = item["key"].split("/")
        assert item == get(client, as_, f"/board-cases/{body}/{case_no}", "viewer")


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/projects", ProjectAnswer),
        ("/milestones", MilestoneAnswer),
        ("/risks", RiskAnswer),
        ("/contracts", ContractAnswer),
        ("/board-cases", BoardCaseAnswer),
    ],
)
def test_every_list_answers_exactly_its_declared_shape(
    demo: Ledger, client: TestClient, as_: Any, path: str, answer: type[BaseModel]
) -> None:
    """The lists are written as the read models answer, not through their response
    models: each answer must already be what the model would write, field for field and
    in its order."""
    response = client.get(path, headers=as_["viewer"])

    assert response.status_code == 200
    page = response.json()
    assert page["items"]
    declared = Page[answer].model_validate(page).model_dump(mode="json")  # type: ignore[valid-type]
    assert orjson.dumps(declared) == orjson.dumps(page)


def test_lists_filter_by_level_project_state_and_reference(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    high = get(client, as_, "/risks", level="high", as_of="2025-12-31")["items"]
    assert high and all(item["level"] == "high" for item in high)
    kak = get(client, as_, "/milestones", project="KAK")["items"]
    assert kak and all(item["key"].startswith("KAK/") for item in kak)
    achieved = get(client, as_, "/milestones", project="KAK", state="achieved")["items"]
    assert {item["key"] for item in achieved} < {item["key"] for item in kak}
    cases = get(client, as_, "/board-cases", refers_to="project:MEDIELOGG")["items"]
    assert "HDO/27-2025" in [item["key"] for item in cases]


def test_the_search_text_is_compared_case_folded(demo: Ledger, client: TestClient, as_: Any) -> None:
    by_key = get(client, as_, "/risks", q="or-8")["items"]
    assert [item["key"] for item in by_key] == ["OR-821", "OR-851"]
    by_name = get(client, as_, "/projects", q="MEDIELOGG")["items"]
    assert [item["key"] for item in by_name] == ["MEDIELOGG"]
    assert get(client, as_, "/projects", q="")["items"] == get(client, as_, "/projects")["items"]


def test_a_well_formed_key_that_names_nothing_lists_nothing(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    assert get(client, as_, "/milestones", project="NOPE")["items"] == []
    assert get(client, as_, "/board-cases", refers_to="risk:OR-999")["items"] == []


def test_paging_while_another_writer_appends_neither_skips_nor_repeats(
    ledger: Ledger, client: TestClient, as_: Any, clock: FakeClock
) -> None:
    def identify(key: str) -> None:
        ledger.record(Command(SubjectKey("risk", key), "RiskIdentified", VALID_FIELDS["RiskIdentified"]))

    for key in ("R-10", "R-20", "R-30", "R-40", "R-50"):
        identify(key)
    first = get(client, as_, "/risks", limit=2)
    for key in ("R-00", "R-25", "R-60"):
        identify(key)
    clock.advance(timedelta(days=1))  # and across midnight
    items, cursor = first["items"], first["next_cursor"]
    while cursor is not None:
        page = get(client, as_, "/risks", limit=2, cursor=cursor)
        assert page["log"] == first["log"]
        items, cursor = items + page["items"], page["next_cursor"]
    assert [item["key"] for item in items] == ["R-10", "R-20", "R-30", "R-40", "R-50"]


# CSV --------------------------------------------------------------------------------------------


def test_a_list_as_csv_has_a_column_for_every_field_of_the_answer(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    response = client.get("/projects", headers={**as_["viewer"], "Accept": "text/csv"}, params={"limit": 1})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert not body.startswith("\ufeff")
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    header, records = rows[0], rows[1:]
    assert header[:8] == ["key", "version", "created_on", "name", "organisation", "phase", "owner", "purpose"]
    assert header[8:20] == [
        f"status.{name}"
        for name in (
            "overall", "time", "cost", "scope", "quality", "risk_exposure", "benefits",
            "comment", "deviation", "consequence_note", "measures", "effective_on",
        )
    ]  # fmt: skip
    assert header[20:] == [
        "financials.cost_frame", "financials.steering_frame", "financials.phase_budget",
        "financials.forecast", "financials.actual", "financials.earned_value", "closed_on",
    ]  # fmt: skip
    answers = get(client, as_, "/projects")["items"]
    assert len(records) == len(answers) > 1  # `limit` is ignored
    kak = dict(zip(header, next(record for record in records if record[0] == "KAK"), strict=True))
    expected = next(item for item in answers if item["key"] == "KAK")
    assert kak["status.measures"].startswith('["') and "\\u" not in kak["status.measures"]
    assert kak["financials.actual"] == str(expected["financials"]["actual"])
    assert kak["closed_on"] == ""


def test_booleans_and_lists_in_csv_cells(demo: Ledger, client: TestClient, as_: Any) -> None:
    response = client.get("/risks", headers={**as_["viewer"], "Accept": "text/csv"}, params={"q": "OR-611"})
    header, record = list(csv.reader(io.StringIO(response.text, newline="")))
    row = dict(zip(header, record, strict=True))
    assert row["open"] in ("true", "false")
    assert row["mitigations"].startswith("[{")
    assert row["merged_into"] == ""


def test_an_empty_csv_answer_is_the_header_alone(demo: Ledger, client: TestClient, as_: Any) -> None:
    response = client.get(
        "/contracts", headers={**as_["viewer"], "Accept": "text/csv"}, params={"project": "NOPE"}
    )
    assert response.text.startswith("key,version,created_on,title,supplier,customer,signed_on,value,project,")
    assert response.text.count("\r\n") == 1


def test_the_audit_trail_as_csv_has_the_envelope_columns(demo: Ledger, client: TestClient, as_: Any) -> None:
    response = client.get(
        "/audit", headers={**as_["auditor"], "Accept": "text/csv"}, params={"subject": "risk:OR-821"}
    )
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == [
        "seq", "id", "subject", "type", "version", "effective_on", "recorded_at", "actor", "data", "prev_hash", "hash",
    ]  # fmt: skip
    assert len(rows) == 1 + len(get(client, as_, "/audit", subject="risk:OR-821")["items"])
    assert rows[1][8].startswith("{")


@pytest.mark.parametrize(
    ("accept", "csv_answer"),
    [
        ("text/csv", True),
        ("text/csv;q=0.9, application/json", False),
        ("application/json;q=0.5, text/csv", True),
        ("*/*", False),
    ],
)
def test_csv_is_answered_when_it_is_the_most_preferred_type(
    demo: Ledger, client: TestClient, as_: Any, accept: str, csv_answer: bool
) -> None:
    response = client.get("/risks", headers={**as_["viewer"], "Accept": accept})
    assert response.headers["content-type"].startswith("text/csv" if csv_answer else "application/json")


# Audit filters ----------------------------------------------------------------------------------


def test_the_audit_trail_filters_backdated_and_late_events(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    late = get(client, as_, "/audit", late="true", limit=1000)["items"]
    backdated = get(client, as_, "/audit", backdated="true", limit=1000)["items"]
    on_time = get(client, as_, "/audit", backdated="false", limit=1000)["items"]
    assert {event["seq"] for event in late} < {event["seq"] for event in backdated}
    assert len(backdated) + len(on_time) == demo.position()
    # Recorded on 22 September, effective on T2's last day: after its period had closed.
    assert any(
        event["subject"] == "project:MEDIELOGG" and event["recorded_at"].startswith("2025-09-22")
        for event in late
    )
    assert all(
        oslo_day(parse_instant(event["recorded_at"])).isoformat() > event["effective_on"]
        for event in backdated
    )


# Refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/projects", {"phase": "execute"}, "phase"),
        ("/projects", {"overall": "blue"}, "overall"),
        ("/milestones", {"state": "late"}, "state"),
        ("/risks", {"level": "huge"}, "level"),
        ("/risks", {"open": "True"}, "open"),
        ("/risks", {"open": "1"}, "open"),
        ("/milestones", {"project": "K K"}, "project"),
        ("/board-cases", {"body": "HDO/27"}, "body"),
        ("/board-cases", {"meeting_from": "2025-13-01"}, "meeting_from"),
        ("/board-cases", {"meeting_to": "15.09.2025"}, "meeting_to"),
        ("/board-cases", {"refers_to": "KAK"}, "refers_to"),
        ("/risks", {"cursor": "not-a-cursor"}, "cursor"),
        ("/risks", {"limit": "0"}, "limit"),
        ("/audit", {"type": "RiskAssesed"}, "type"),
        ("/audit", {"subject": "OR-821"}, "subject"),
        ("/audit", {"backdated": "yes"}, "backdated"),
        ("/audit", {"late": "FALSE"}, "late"),
        ("/audit", {"cursor": "x"}, "cursor"),
        ("/tertials/2025-T2/changes", {}, "from_known_at"),
        ("/tertials/2025-T2/changes", {"from_known_at": "yesterday"}, "from_known_at"),
        ("/tertials/2025-T2/changes", {"from_known_at": ""}, "from_known_at"),
        ("/risks/OR-821/changes", {"from_known_at": ""}, "from_known_at"),
        (
            "/tertials/2025-T2/changes",
            {"from_known_at": "2025-10-01", "to_known_at": "2025-09-01"},
            "from_known_at",
        ),
        (
            "/risks/OR-821/changes",
            {"from_known_at": "2025-10-01", "to_known_at": "2025-09-01"},
            "from_known_at",
        ),
        ("/risks/OR-821/changes", {"from_known_at": "2025-09-01", "as_of": "2025-9-1"}, "as_of"),
    ],
)
def test_every_malformed_filter_is_a_422_naming_it(
    demo: Ledger, client: TestClient, as_: Any, path: str, params: dict[str, str], named: str
) -> None:
    assert refused(client, as_, path, **params) == named


@pytest.mark.parametrize(
    "path", ["/projects?organisation=HDO&organisation=SP", "/audit?actor=a&actor=b", "/risks?q=a&q=b"]
)
def test_a_filter_given_twice_is_a_422_naming_it(
    demo: Ledger, client: TestClient, as_: Any, path: str
) -> None:
    response = client.get(path, headers=as_["auditor"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == path.split("?")[1].split("=")[0]


@pytest.mark.parametrize("path", ["/risks", "/audit"])
def test_a_cursor_sent_with_other_filters_is_a_422_naming_the_cursor(
    demo: Ledger, client: TestClient, as_: Any, path: str
) -> None:
    filters = {"/risks": ("level", "high", "low"), "/audit": ("subject", "risk:OR-821", "risk:OR-611")}
    name, first, other = filters[path]
    cursor = get(client, as_, path, limit=1, **{name: first})["next_cursor"]
    assert cursor is not None
    assert refused(client, as_, path, limit=1, cursor=cursor, **{name: other}) == "cursor"
    assert get(client, as_, path, limit=1, cursor=cursor, **{name: first})["items"]


@pytest.mark.parametrize(
    ("path", "name", "value"), [("/risks", "level", "high"), ("/audit", "subject", "risk:OR-821")]
)
def test_a_cursor_alone_continues_with_the_first_pages_filters(
    demo: Ledger, client: TestClient, as_: Any, path: str, name: str, value: str
) -> None:
    everything = get(client, as_, path, limit=1000, **{name: value})["items"]
    assert len(everything) >= 2
    first = get(client, as_, path, limit=1, **{name: value})
    following = get(client, as_, path, limit=1000, cursor=first["next_cursor"])
    repeated = get(client, as_, path, limit=1000, cursor=first["next_cursor"], **{name: value})
    assert first["items"] + following["items"] == everything
    assert following == repeated


@pytest.mark.parametrize("path", ["/risks", "/audit"])
@pytest.mark.parametrize(
    "paging", ["limit=1&cursor=not-a-cursor", "limit=0", "limit=abc", "cursor=x&cursor=y"]
)
def test_csv_ignores_limit_and_cursor(
    demo: Ledger, client: TestClient, as_: Any, path: str, paging: str
) -> None:
    csv = {**as_["auditor"], "Accept": "text/csv"}
    whole = client.get(path, headers=csv)
    paged = client.get(f"{path}?{paging}", headers=csv)
    assert whole.status_code == paged.status_code == 200
    assert paged.text == whole.text
    assert len(whole.text.splitlines()) > 2


def _forged(cursor: str, **changes: Any) -> str:
    payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload.update(changes)
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "changes"),
    [
        ("/milestones", {"f": {"bogus": "x"}}),
        ("/milestones", {"f": {"project": ["x"]}}),
        ("/milestones", {"f": {"project": 1}}),
        ("/risks", {"f": {"level": 5}}),
        ("/risks", {"f": {"open": "true"}}),
        ("/risks", {"f": {"owner": "a\x00b"}}),
        ("/risks", {"q": "a\x00b"}),
        ("/risks", {"l": "OR\x00"}),
        ("/board-cases", {"f": {"meeting_from": "garbage"}}),
        ("/board-cases", {"f": {"refers_to": "KAK"}}),
        ("/audit", {"f": {"actor": ["x"]}}),
        ("/audit", {"f": {"actor": {"a": 1}}}),
        ("/audit", {"f": {"type": "Nope"}}),
        ("/audit", {"f": {"recorded_from": "garbage"}}),
        ("/audit", {"f": {"effective_to": "2025-02-30"}}),
        ("/audit", {"f": {"late": "yes"}}),
        ("/audit", {"f": {"subject": "OR-821"}}),
        ("/audit", {"f": {"bogus": "x"}}),
    ],
)
def test_a_forged_cursor_is_a_422_naming_the_cursor(
    demo: Ledger, client: TestClient, as_: Any, path: str, changes: dict[str, Any]
) -> None:
    cursor = get(client, as_, path, limit=1)["next_cursor"]
    assert refused(client, as_, path, cursor=_forged(cursor, **changes)) == "cursor"


def test_a_cursor_of_one_list_does_not_continue_another(demo: Ledger, client: TestClient, as_: Any) -> None:
    cursor = get(client, as_, "/risks", limit=1)["next_cursor"]
    assert refused(client, as_, "/projects", cursor=cursor) == "cursor"


def test_an_unknown_subject_is_a_404_that_says_how_keys_look(
    demo: Ledger, client: TestClient, as_: Any
) -> None:
    response = client.get("/board-cases/HDO/99-2025", headers=as_["viewer"])
    assert response.status_code == 404
    assert "board-case:HDO/99-2025" in response.json()["detail"]
    assert "board-case:HDO/27-2025" in response.json()["detail"]
