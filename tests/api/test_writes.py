"""Every write of DOMAIN.md §6: one event each, 201 with the stored event (§7), its
subject's version as ETag; and the refusals that append nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.examples import EXAMPLES
from governance.application import Ledger
from governance.chain import event_hash
from support.story import STORY


def test_every_write_path_records_one_event_and_answers_with_it(client: TestClient, as_: Any) -> None:
    seen_types = set()
    for seq, (path, event_type, body) in enumerate(STORY, start=1):
        response = client.post(path, json=body, headers=as_["secretariat"])
        assert response.status_code == 201, (path, response.json())
        envelope = response.json()
        assert envelope["seq"] == seq
        assert envelope["type"] == event_type
        assert envelope["actor"] == "sekretariat"
        assert envelope["hash"] == event_hash({k: v for k, v in envelope.items() if k != "hash"})
        assert response.headers["etag"] == f'"{envelope["version"]}"'
        assert "effective_on" not in envelope["data"] and "key" not in envelope["data"]
        seen_types.add(event_type)
    assert len(seen_types) == 25


def test_the_body_becomes_exactly_the_events_data(client: TestClient, as_: Any) -> None:
    client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
    response = client.post(
        "/projects/KAK/status", json=EXAMPLES["ProjectStatusAssessed"], headers=as_["admin"]
    )

    body = {k: v for k, v in EXAMPLES["ProjectStatusAssessed"].items() if k != "effective_on"}
    assert response.json()["data"] == body
    assert response.json()["effective_on"] == "2025-08-31"
    assert response.headers["location"] == "/projects/KAK"


def test_effective_on_defaults_to_today_in_oslo(client: TestClient, as_: Any, ledger: Ledger) -> None:
    body = {k: v for k, v in EXAMPLES["ProjectRegistered"].items() if k != "effective_on"}
    response = client.post("/projects", json=body, headers=as_["admin"])

    assert response.json()["effective_on"] == ledger.today().isoformat()


def test_null_means_absent_for_optional_fields(client: TestClient, as_: Any) -> None:
    response = client.post(
        "/projects", json={**EXAMPLES["ProjectRegistered"], "purpose": None}, headers=as_["admin"]
    )

    assert response.status_code == 201
    assert "purpose" not in response.json()["data"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"achieved_on": "2025-10-24"}, "2025-10-24"),
        ({"effective_on": "2025-10-20"}, "2025-10-20"),
        ({"achieved_on": "2025-10-22", "effective_on": "2025-10-22"}, "2025-10-22"),
    ],
)
def test_an_achievement_takes_either_day_and_stores_both(
    client: TestClient, as_: Any, body: dict[str, str], expected: str
) -> None:
    client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
    client.post("/projects/KAK/milestones", json=EXAMPLES["MilestonePlanned"], headers=as_["admin"])

    response = client.post("/milestones/KAK/DM1/achieved", json=body, headers=as_["admin"])

    assert response.status_code == 201, response.json()
    assert response.json()["effective_on"] == expected
    assert response.json()["data"]["achieved_on"] == expected


def test_an_achievement_whose_two_days_differ_is_refused(client: TestClient, as_: Any) -> None:
    client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
    client.post("/projects/KAK/milestones", json=EXAMPLES["MilestonePlanned"], headers=as_["admin"])

    response = client.post(
        "/milestones/KAK/DM1/achieved",
        json={"achieved_on": "2025-10-24", "effective_on": "2025-10-23"},
        headers=as_["admin"],
    )

    assert response.status_code == 422


def _setup_kak(client: TestClient, as_: Any) -> None:
    assert (
        client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"]).status_code == 201
    )
    assert client.post("/risks", json=EXAMPLES["RiskIdentified"], headers=as_["admin"]).status_code == 201


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/risks/OR-821/assessments", {"probability": 6, "consequence": 3}, 422, "probability"),
        ("/risks/OR-821/assessments", {"probability": "3", "consequence": 3}, 422, "probability"),
        ("/risks/OR-821/assessments", {"probability": 3.0, "consequence": 3}, 422, "probability"),
        ("/risks/OR-821/assessments", {"probability": True, "consequence": 3}, 422, "probability"),
        (
            "/risks/OR-821/assessments",
            {"probability": 3, "consequence": 3, "effective_on": "2099-01-01"},
            422,
            "effective_on",
        ),
        ("/risks/OR-821/assessments", {"probability": 3, "consequence": 3, "colour": "red"}, 422, "colour"),
        ("/risks/OR-821/assessments", {"probability": 3}, 422, "consequence"),
        ("/risks/OR-821/close", {"reason": "x", "merged_into": "OR-999"}, 422, "merged_into"),
        ("/projects/KAK/phase", {"phase": "closing", "decision_ref": "HDO/99-2025"}, 422, "decision_ref"),
        ("/projects/KAK/phase", {"phase": "closing", "decision_ref": "not a ref"}, 422, "decision_ref"),
        (
            "/projects/KAK/financials",
            {"phase_budget": 2**63, "forecast": 0, "actual": 0, "earned_value": 0},
            422,
            "phase_budget",
        ),
        (
            "/projects/KAK/financials",
            {"phase_budget": -1, "forecast": 0, "actual": 0, "earned_value": 0},
            422,
            "phase_budget",
        ),
        ("/risks/OR-821/mitigations", {"mitigation_id": "T1", "description": "   "}, 422, "description"),
        (
            "/board-cases",
            {
                "body": "HDO",
                "case_no": "1-2026",
                "title": "t",
                "meeting_on": "2025-01-01",
                "refs": ["project:KAK", "risk:NOPE"],
            },
            422,
            "refs.1",
        ),
        (
            "/risks/OR-821/assessments",
            {"probability": 3, "consequence": 3, "effective_on": "2024-12-31"},
            409,
            None,
        ),
        ("/risks/OR-821/reopen", {"reason": "x"}, 409, None),
        ("/risks", {**EXAMPLES["RiskIdentified"]}, 409, None),
        ("/risks/OR-999/assessments", {"probability": 3, "consequence": 3}, 404, None),
        ("/risks/bad key/assessments", {"probability": 3, "consequence": 3}, 404, None),
        ("/projects/NOPE/milestones", {**EXAMPLES["MilestonePlanned"]}, 404, None),
    ],
)
def test_a_refused_write_names_its_reason_and_appends_nothing(
    client: TestClient,
    as_: Any,
    ledger: Ledger,
    path: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    _setup_kak(client, as_)
    position = ledger.position()

    response = client.post(path, json=body, headers=as_["secretariat"])

    assert response.status_code == status, response.json()
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if field is not None:
        assert field in [error["field"] for error in problem["errors"]]
    assert ledger.position() == position
