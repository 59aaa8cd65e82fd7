"""What `/openapi.json` promises, and that the answers keep the promise: every JSON
answer typed, every error an `application/problem+json` problem, file formats with
their own media types; and the checks in the order a client expects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.app import create_app
from api.bodies import Envelope
from api.changes import SubjectChanges, TertialChanges
from api.routes.exchange import VerifyAnswer
from api.routes.reads import AuditPage
from api.shapes import Reconstruction, StatusAnswer, TertialSnapshot
from governance.answers import RiskAnswer
from governance.application import Ledger
from governance.demo import load_demo
from governance.users import Users

FILE_TYPES = {
    "application/x-ndjson",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    ledger = Ledger(f"sqlite:///{path}")
    load_demo(ledger)
    headers = {"Authorization": f"Bearer {Users(ledger.log).add('revisor', 'secretariat')}"}
    app = create_app(ledger)
    yield app, headers
    app.state.readmodels.close()
    ledger.close()


@pytest.fixture(scope="module")
def client(demo: tuple[FastAPI, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(demo[0]) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def headers(demo: tuple[FastAPI, dict[str, str]]) -> dict[str, str]:
    return demo[1]


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_no_success_answer_is_untyped(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for method, path, operation in operations(schema):
        successes = {status: answer for status, answer in operation["responses"].items() if status[0] == "2"}
        assert successes, (method, path)
        for status, answer in successes.items():
            assert answer.get("content"), (method, path, status)
            for media, content in answer["content"].items():
                if media == "application/json":
                    assert content.get("schema") not in (None, {}), (method, path, status)
                    assert "$ref" in content["schema"] or content["schema"].get("type") == "array"
                else:
                    assert media in FILE_TYPES, (method, path, status, media)
                    assert content["schema"]["type"] == "string", (method, path, status, media)


def test_every_error_is_a_problem_and_nothing_else(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for method, path, operation in operations(schema):
        errors = {status: answer for status, answer in operation["responses"].items() if status[0] in "45"}
        assert "401" in errors and "422" in errors or path == "/health", (method, path)
        for status, answer in errors.items():
            if (path, status) == ("/health", "503"):
                continue  # the health report, not a problem
            assert answer["content"] == PROBLEM, (method, path, status)


def test_parameters_are_named_short_and_never_null(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    assert {"get_tertial", "assess_risk", "reconstruct_decision", "get_status", "import_events"} <= set(ids)
    assert all(len(name) <= 30 and not name.endswith(("_get", "_post")) for name in ids), ids
    for method, path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            assert "anyOf" not in parameter["schema"], (method, path, parameter["name"])
            if parameter["in"] == "path" and parameter["name"] != "kind":
                assert parameter["schema"].get("pattern"), (method, path, parameter["name"])


def test_formats_patterns_and_headers_are_declared(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    by_name = {p["name"]: p["schema"] for p in schema["paths"]["/tertials/{tertial}"]["get"]["parameters"]}
    assert re.fullmatch(by_name["tertial"]["pattern"], "2025-T2")
    assert not re.search(by_name["tertial"]["pattern"], "0000-T2")
    assert by_name["as_of"]["format"] == "date"
    assert by_name["known_at"]["pattern"]
    assert components["TertialSnapshot"]["properties"]["known_at"]["pattern"]
    assert components["Period"]["properties"]["start"]["format"] == "date"
    assert components["Envelope"]["properties"]["effective_on"]["format"] == "date"
    assert components["RiskAssessedBody"]["properties"]["probability"]["maximum"] == 5
    write = schema["paths"]["/risks/{key}/assessments"]["post"]
    assert set(write["responses"]["201"]["headers"]) == {"ETag", "Location", "Idempotent-Replayed"}
    assert "Retry-After" in write["responses"]["503"]["headers"]
    assert {p["name"] for p in write["parameters"] if p["in"] == "header"} == {"If-Match", "Idempotency-Key"}
    assert "ETag" in schema["paths"]["/risks/{key}"]["get"]["responses"]["200"]["headers"]
    imported = schema["paths"]["/import"]["post"]["requestBody"]["content"]
    assert set(imported) == {"application/x-ndjson", "application/jsonl", "text/plain"}
    exported = schema["paths"]["/events.jsonl"]["get"]["responses"]["200"]["content"]
    assert set(exported) == {"application/x-ndjson"}


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/status", StatusAnswer),
        ("/status?as_of=2025-06-01", StatusAnswer),
        ("/tertials/2025-T2", TertialSnapshot),
        ("/tertials/2025-T2?known_at=2025-09-15&organisation=HDO", TertialSnapshot),
        ("/board-cases/HDO/27-2025/reconstruction", Reconstruction),
        ("/board-cases/HDO/27-2025/reconstruction?known_at=2025-09-11", Reconstruction),
        ("/tertials/2025-T2/changes?from_known_at=2025-06-01", TertialChanges),
        ("/risks/OR-631/changes?from_known_at=2025-06-01", SubjectChanges),
        ("/risks/OR-631", RiskAnswer),
        ("/audit?limit=5", AuditPage),
        ("/verify", VerifyAnswer),
    ],
)
def test_answers_are_exactly_their_declared_models(
    client: TestClient, headers: dict[str, str], path: str, model: type[BaseModel]
) -> None:
    """Read into the declared model and written back, every answer is the same JSON:
    nothing missing, nothing more, no value of another type."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert model.model_validate(answer).model_dump(mode="json", by_alias=True) == answer


def test_history_items_are_envelopes(client: TestClient, headers: dict[str, str]) -> None:
    events = client.get("/projects/KAK/history", headers=headers).json()
    assert events
    for event in events:
        assert Envelope.model_validate(event).model_dump(mode="json") == event


def test_not_found_and_wrong_method_come_before_the_body(client: TestClient) -> None:
    nothing = client.post("/nonexistent", content=b"x", headers={"Content-Type": "text/plain"})
    assert nothing.status_code == 404
    assert nothing.headers["content-type"] == "application/problem+json"
    wrong = client.post("/status", content=b"x", headers={"Content-Type": "text/plain"})
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD"
    export = client.post("/registers/risks.csv", content=b"x", headers={"Content-Type": "text/csv"})
    assert export.status_code == 405
    assert client.get("/registers/foo.csv").status_code == 404
    assert (
        client.post("/registers/foo", content=b"x", headers={"Content-Type": "text/csv"}).status_code == 404
    )


def test_a_missing_token_comes_before_the_body(client: TestClient) -> None:
    for content, media in [
        (b"x", "text/plain"),  # 415 with a token
        (b"{", "application/json"),  # 422 with a token
        (b" " * (2 * 1024 * 1024), "application/json"),  # 413 with a token
    ]:
        response = client.post("/risks", content=content, headers={"Content-Type": media})
        assert response.status_code == 401, (media, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
    bad = client.post(
        "/import",
        content=b"x",
        headers={"Content-Type": "application/json", "Authorization": "Bearer not-a-token"},
    )
    assert bad.status_code == 401


def test_a_body_that_is_not_utf8_is_a_422(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(
        "/risks/OR-611/assessments",
        content='{"probability": 2, "consequence": 3}'.encode("utf-16"),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "UTF-8" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/status?as_of=2025-06-01&as_of=2025-07-01", "as_of"),
        ("/tertials/2025-T2?known_at=2025-09-15&known_at=2025-10-01", "known_at"),
        ("/risks/OR-631?as_of=2025-06-01&as_of=2025-06-01", "as_of"),
        ("/projects/KAK/history?known_at=2025-06-01&known_at=2025-07-01", "known_at"),
        ("/board-cases/HDO/27-2025/reconstruction?known_at=2025-09-11&known_at=2025-09-12", "known_at"),
        ("/verify?position=1&position=2", "position"),
        ("/registers/risks.csv?as_of=2025-06-01&as_of=2025-07-01", "as_of"),
        ("/health?x=1&x=2", "x"),
    ],
)
def test_a_parameter_given_twice_is_a_422_naming_it(
    client: TestClient, headers: dict[str, str], path: str, name: str
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", name]


def test_a_bad_tertial_is_named_in_the_path(client: TestClient, headers: dict[str, str]) -> None:
    for path in ("/tertials/2025-T4", "/tertials/2025-T4/changes?from_known_at=2025-06-01"):
        response = client.get(path, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["path", "tertial"]


def test_an_empty_as_of_is_not_a_date(client: TestClient, headers: dict[str, str]) -> None:
    """The schema says `as_of` is a date; an empty one is refused rather than read as today."""
    response = client.get("/risks/OR-631?as_of=", headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]
    assert client.get("/risks/OR-631?known_at=", headers=headers).status_code == 200  # now, as declared
