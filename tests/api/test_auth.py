"""Who may do what (DOMAIN.md §6): 401 without a valid token, 403 outside the role or the
projects, and in both cases nothing appended; every event records its actor."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.examples import EXAMPLES
from governance.application import Ledger
from governance.users import Users


@pytest.fixture
def world(client: TestClient, as_: Any) -> None:
    """KAK (led by `lead`) and MEDIELOGG, each with a risk, a contract and a milestone."""
    admin = as_["admin"]
    for project in ("KAK", "MEDIELOGG"):
        assert (
            client.post(
                "/projects", json={**EXAMPLES["ProjectRegistered"], "key": project}, headers=admin
            ).status_code
            == 201
        )
        risk = {**EXAMPLES["RiskIdentified"], "key": f"R-{project}", "project": project}
        assert client.post("/risks", json=risk, headers=admin).status_code == 201
        contract = {**EXAMPLES["ContractSigned"], "key": f"C-{project}", "project": project}
        assert client.post("/contracts", json=contract, headers=admin).status_code == 201
        assert (
            client.post(
                f"/projects/{project}/milestones", json=EXAMPLES["MilestonePlanned"], headers=admin
            ).status_code
            == 201
        )
    assert (
        client.post(
            "/risks", json={**EXAMPLES["RiskIdentified"], "key": "OR-611", "project": None}, headers=admin
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
)
def test_a_request_without_a_valid_token_is_a_401_and_appends_nothing(
    client: TestClient, ledger: Ledger, headers: dict[str, str]
) -> None:
    write = client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers)
    read = client.get("/projects/KAK", headers=headers)

    for response in (write, read):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"
    assert ledger.position() == 0


def test_a_removed_users_token_stops_working(client: TestClient, ledger: Ledger) -> None:
    users = Users(ledger.log)
    token = users.add("temporary", "viewer")
    users.remove("temporary")

    assert client.get("/health").status_code == 200
    assert client.get("/projects/KAK", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_cannot_write(client: TestClient, as_: Any, ledger: Ledger, world: None, role: str) -> None:
    position = ledger.position()
    response = client.post(
        "/risks/R-KAK/assessments", json={"probability": 1, "consequence": 1}, headers=as_[role]
    )

    assert response.status_code == 403
    assert ledger.position() == position


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/projects/KAK/status", EXAMPLES["ProjectStatusAssessed"], 201),
        ("/projects/KAK/milestones", {**EXAMPLES["MilestonePlanned"], "key": "DM9"}, 201),
        ("/milestones/KAK/DM1/forecast", EXAMPLES["MilestoneForecastChanged"], 201),
        ("/risks", {**EXAMPLES["RiskIdentified"], "key": "R-NEW", "project": "KAK"}, 201),
        ("/risks/R-KAK/assessments", {"probability": 1, "consequence": 1}, 201),
        ("/contracts", {**EXAMPLES["ContractSigned"], "key": "C-NEW", "project": "KAK"}, 201),
        ("/contracts/C-KAK/disputes", EXAMPLES["ContractDisputeRaised"], 201),
        ("/projects", {**EXAMPLES["ProjectRegistered"], "key": "NEW"}, 403),
        ("/projects/MEDIELOGG/status", EXAMPLES["ProjectStatusAssessed"], 403),
        ("/projects/MEDIELOGG/milestones", {**EXAMPLES["MilestonePlanned"], "key": "DM9"}, 403),
        ("/milestones/MEDIELOGG/DM1/forecast", EXAMPLES["MilestoneForecastChanged"], 403),
        ("/risks", {**EXAMPLES["RiskIdentified"], "key": "R-NEW", "project": "MEDIELOGG"}, 403),
        ("/risks", {**EXAMPLES["RiskIdentified"], "key": "R-NEW", "project": None}, 403),
        ("/risks/R-MEDIELOGG/assessments", {"probability": 1, "consequence": 1}, 403),
        ("/risks/OR-611/assessments", {"probability": 1, "consequence": 1}, 403),
        ("/contracts/C-MEDIELOGG/disputes", EXAMPLES["ContractDisputeRaised"], 403),
        ("/board-cases", EXAMPLES["BoardCaseRegistered"] | {"refs": []}, 403),
    ],
)
def test_a_project_lead_writes_only_for_its_own_projects(
    client: TestClient, as_: Any, ledger: Ledger, world: None, path: str, body: dict[str, Any], status: int
) -> None:
    position = ledger.position()

    response = client.post(path, json=body, headers=as_["lead"])

    assert response.status_code == status, response.json()
    assert ledger.position() == position + (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["actor"] == "kak-lead"


def test_a_project_lead_may_be_named_for_a_project_that_does_not_exist_yet(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    token = Users(ledger.log).add("future-lead", "project_lead", ["FUTURE"])
    client.post("/projects", json={**EXAMPLES["ProjectRegistered"], "key": "FUTURE"}, headers=as_["admin"])

    response = client.post(
        "/projects/FUTURE/status",
        json=EXAMPLES["ProjectStatusAssessed"],
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 201


@pytest.mark.parametrize("role", ["admin", "secretariat", "lead", "auditor", "viewer"])
def test_every_role_reads_subjects(client: TestClient, as_: Any, world: None, role: str) -> None:
    assert client.get("/risks/R-MEDIELOGG", headers=as_[role]).status_code == 200
    assert client.get("/risks/R-MEDIELOGG/history", headers=as_[role]).status_code == 200


def test_every_event_records_the_user_who_wrote_it(
    client: TestClient, as_: Any, ledger: Ledger, world: None
) -> None:
    client.post("/risks/R-KAK/assessments", json={"probability": 1, "consequence": 1}, headers=as_["lead"])

    actors = [envelope["actor"] for envelope in ledger.envelopes()]
    assert set(actors[:-1]) == {"admin"}
    assert actors[-1] == "kak-lead"
