"""Hostile input answers 4xx and changes nothing, on every store: U+0000 anywhere (text,
actors, query parameters, import lines), malformed bodies (long numbers, deep nesting,
bytes that are not UTF-8), members named twice, and days at the ends of the calendar."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.examples import EXAMPLES
from governance.application import Ledger

JSON = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}
MILESTONE = {"key": "DM1", "name": "Delleveranse 1", "kind": "delivery", "baseline_on": "2025-06-01"}


@pytest.fixture
def kak(client: TestClient, as_: Any) -> None:
    assert (
        client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"]).status_code == 201
    )


def test_a_text_holding_nul_is_refused_and_every_read_still_answers(
    client: TestClient, as_: Any, ledger: Ledger, kak: None
) -> None:
    response = client.post(
        "/projects/KAK/milestones", json={**MILESTONE, "name": "a\u0000b"}, headers=as_["lead"]
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["name"]
    assert ledger.position() == 1
    for path in ("/status", "/tertials/2025-T2", "/projects/KAK"):
        assert client.get(path, headers=as_["viewer"]).status_code == 200


def test_a_list_of_texts_holding_nul_is_refused(
    client: TestClient, as_: Any, ledger: Ledger, kak: None
) -> None:
    body = {**EXAMPLES["ProjectStatusAssessed"], "measures": ["ok", "\u0000"]}

    response = client.post("/projects/KAK/status", json=body, headers=as_["admin"])

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["measures.1"]
    assert ledger.position() == 1


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/audit?subject=risk:OR%00-1", "subject"),
        ("/audit?actor=a%00b", "actor"),
        ("/audit?type=RiskAssessed%00", "type"),
        ("/audit?limit=10&cursor=%00", "cursor"),
        ("/tertials/2025-T2?organisation=HDO%00", "organisation"),
        ("/status?as_of=%00", "as_of"),
        ("/projects/KAK?known_at=2025-01-01%00", "known_at"),
        ("/verify?unknown%00=1", "unknown\u0000"),
    ],
)
def test_nul_in_any_query_parameter_is_a_422_naming_it(
    client: TestClient, as_: Any, kak: None, path: str, name: str
) -> None:
    response = client.get(path, headers=as_["admin"])

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["loc"] for error in response.json()["errors"]] == [["query", name]]


@pytest.mark.parametrize(
    ("field", "value"),
    [("actor", "x\u0000y"), ("recorded_at", "9999-12-31T23:30:00Z")],
    ids=["actor holding U+0000", "recorded in the calendar's last hour (in the future)"],
)
def test_an_import_line_with_a_hostile_log_field_is_refused_naming_it(
    client: TestClient, as_: Any, ledger: Ledger, field: str, value: str
) -> None:
    line = {
        "subject": "project:KAK",
        "type": "ProjectRegistered",
        "effective_on": "2025-01-10",
        field: value,
        "data": {"name": "KAK", "organisation": "HDO", "phase": "execution", "owner": "Eier"},
    }

    response = client.post("/import", content=orjson.dumps(line) + b"\n", headers={**as_["admin"], **NDJSON})

    assert response.status_code == 422
    assert response.json()["line"] == 1
    assert response.json()["errors"][0]["loc"][-1] == field
    assert ledger.position() == 0


@pytest.mark.parametrize(
    "query",
    [
        "recorded_from=0001-01-01",
        "recorded_to=0001-01-01",
        "recorded_from=9999-12-31",
        "recorded_to=9999-12-31",
        "effective_from=0001-01-01&effective_to=9999-12-31",
    ],
)
def test_audit_bounds_at_the_ends_of_the_calendar_answer(
    client: TestClient, as_: Any, kak: None, query: str
) -> None:
    response = client.get(f"/audit?{query}", headers=as_["auditor"])

    assert response.status_code == 200


PROJECT_TEXT = '"name": "n", "organisation": "HDO", "phase": "execution", "owner": "x"'


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"key": "KAK", "name": ' + b"9" * 5000 + b"}", "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b'{"key": "KAK", "name": ' + b"[" * 65 + b"]" * 65 + b"}", "application/json"),
        (b'{"key": "KAK", "name": "\xff\xfe"}', "application/json"),
        (b'{"key": "KAK", "name": "\xed\xa0\x80"}', "application/json"),
        (
            '{"key": "BOD", "name": "Bodø", "organisation": "HDO", "phase": "execution", "owner": "x"}'.encode(
                "latin-1"
            ),
            "application/json; charset=latin-1",
        ),
    ],
    ids=[
        "5000-digit number",
        "100000-deep nesting",
        "65-deep nesting",
        "invalid UTF-8",
        "UTF-8 surrogate",
        "latin-1",
    ],
)
def test_a_malformed_body_is_a_422_problem(
    client: TestClient, as_: Any, ledger: Ledger, body: bytes, content_type: str
) -> None:
    response = client.post("/projects", content=body, headers={**as_["admin"], "Content-Type": content_type})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert ledger.position() == 0


def test_a_long_number_is_refused_naming_where_it_is(client: TestClient, as_: Any, ledger: Ledger) -> None:
    body = '{"key": "KAK", ' + PROJECT_TEXT + ', "purpose": ' + "1" * 101 + "}"

    response = client.post("/projects", content=body, headers={**as_["admin"], **JSON})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["purpose"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"key": "A", "key": "B", ' + PROJECT_TEXT + "}", "key"),
        ('{"key": "A", ' + PROJECT_TEXT + ', "owner": "y"}', "owner"),
        ('{"key": "A", ' + PROJECT_TEXT + ', "purpose": [{"a": 1, "a": 1}]}', "purpose.0.a"),
    ],
)
def test_a_member_named_twice_is_a_422_naming_it(
    client: TestClient, as_: Any, ledger: Ledger, body: str, field: str
) -> None:
    response = client.post("/projects", content=body, headers={**as_["admin"], **JSON})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert ledger.position() == 0


def test_a_json_charset_is_ignored_as_json_is_utf_8(client: TestClient, as_: Any, ledger: Ledger) -> None:
    body = '{"key": "BOD", "name": "Bodø", "organisation": "HDO", "phase": "execution", "owner": "x"}'

    response = client.post(
        "/projects",
        content=body.encode(),
        headers={**as_["admin"], "Content-Type": "application/json; charset=latin-1"},
    )

    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Bodø"


# Every write route, fed hostile JSON --------------------------------------------------------


def _write_routes(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    """Every route that takes a JSON body (as the OpenAPI schema says), its path
    parameters filled in, and the body's example."""
    schema = app.openapi()
    routes = []
    for path, operations in schema["paths"].items():
        content = operations.get("post", {}).get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        example = schema["components"]["schemas"][name]["examples"][0]
        routes.append((re.sub(r"\{[^}]+\}", "X", path), example))
    assert len(routes) >= 25, "every write of DOMAIN.md §6"
    return sorted(routes, key=lambda item: item[0])


def _render(value: Any) -> str:
    """JSON text; a `_Raw` is written as it is, an object given as a list of pairs may
    name a member twice."""
    if isinstance(value, _Raw):
        return value.text
    if isinstance(value, _Pairs):
        return "{" + ", ".join(f"{json.dumps(name)}: {_render(item)}" for name, item in value.pairs) + "}"
    if isinstance(value, dict):
        return _render(_Pairs(list(value.items())))
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    return json.dumps(value)  # lone surrogates and U+0000 as \\u escapes


class _Raw:
    def __init__(self, text: str) -> None:
        self.text = text


class _Pairs:
    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


hostile_texts = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=5),
    st.sampled_from(["\u0000", "\ud800", "\udfff", "\ud83d"]),
    st.text(max_size=5),
)
huge_numbers = st.one_of(
    st.integers(2**64, 10**30).map(str),
    st.integers(-(10**30), -(2**63) - 1).map(str),
    st.integers(101, 5000).map(lambda digits: "9" * digits),
).map(_Raw)
deep_nesting = st.integers(65, 100_000).map(lambda depth: _Raw("[" * depth + "]" * depth))
hostile_values = st.one_of(hostile_texts, huge_numbers, deep_nesting)


@st.composite
def hostile_bodies(draw: st.DrawFn, example: dict[str, Any]) -> str:
    pairs = list(example.items())
    how = draw(st.sampled_from(["value", "list item", "member name", "member twice"]))
    index = draw(st.integers(0, len(pairs) - 1))
    name, value = pairs[index]
    if how == "value":
        pairs[index] = (name, draw(hostile_values))
    elif how == "list item":
        pairs[index] = (name, [value, draw(hostile_values)])
    elif how == "member name":
        pairs.append((draw(hostile_texts), value))
    else:
        pairs.insert(draw(st.integers(0, len(pairs))), (name, draw(st.sampled_from([value, "other", 1]))))
    return _render(_Pairs(pairs))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_json_to_every_write_is_a_422_and_appends_nothing(
    app: FastAPI, client: TestClient, as_: Any, ledger: Ledger, data: st.DataObject
) -> None:
    path, example = data.draw(st.sampled_from(_write_routes(app)))
    body = data.draw(hostile_bodies(example))
    before = ledger.position()

    response = client.post(
        path, content=body.encode("utf-8", "surrogatepass"), headers={**as_["admin"], **JSON}
    )

    # 422 for every one: the body is refused before the route looks for its subject.
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert ledger.position() == before
