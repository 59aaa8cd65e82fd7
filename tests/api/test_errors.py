"""Errors are RFC 9457 problems: 413 over 1 MiB, 415 for a body that is not JSON, 422
for malformed JSON and out-of-range values, 404 for unknown paths; never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.examples import EXAMPLES
from governance.application import Ledger

MIB = 1024 * 1024


def _json_headers(as_: Any) -> dict[str, str]:
    return {**as_["admin"], "Content-Type": "application/json"}


def test_a_body_over_one_mib_is_a_413_and_appends_nothing(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    body = b'{"key": "KAK", "name": "' + b"x" * MIB + b'"}'

    response = client.post("/projects", content=body, headers=_json_headers(as_))

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert ledger.position() == 0


def test_a_streamed_body_over_one_mib_is_a_413_too(client: TestClient, as_: Any, ledger: Ledger) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"key": "KAK", "name": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    response = client.post("/projects", content=chunks(), headers=_json_headers(as_))

    assert response.status_code == 413
    assert ledger.position() == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_a_write_that_is_not_json_is_a_415(
    client: TestClient, as_: Any, ledger: Ledger, content_type: str | None
) -> None:
    headers = dict(as_["admin"])
    if content_type is not None:
        headers["Content-Type"] = content_type

    response = client.post("/projects", content=b'{"key": "KAK"}', headers=headers)

    assert response.status_code == 415
    assert ledger.position() == 0


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"key": "KAK",}', b"not json", b"", b"\xff\xfe", b'{"key": "KAK"} trailing'],
)
def test_malformed_json_is_a_422(client: TestClient, as_: Any, ledger: Ledger, body: bytes) -> None:
    response = client.post("/projects", content=body, headers=_json_headers(as_))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert ledger.position() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[]", ""),
        (b'"KAK"', ""),
        (
            b'{"key": "KAK", "name": "\\ud800", "organisation": "HDO", "phase": "execution", "owner": "x"}',
            "name",
        ),
        (
            b'{"key": "KAK", "name": 18446744073709551616, "organisation": "HDO", "phase": "execution", "owner": "x"}',
            "name",
        ),
        (b'{"key": "KAK", "name": NaN, "organisation": "HDO", "phase": "execution", "owner": "x"}', "name"),
        (b'{"key": "K A K", "name": "n", "organisation": "HDO", "phase": "execution", "owner": "x"}', "key"),
        (b'{"key": "KAK", "name": "n", "organisation": "HDO", "phase": "done", "owner": "x"}', "phase"),
        (
            b'{"key": "KAK", "name": "n", "organisation": "HDO", "phase": "execution", "owner": "x", "effective_on": "2025-1-1"}',
            "effective_on",
        ),
        (
            b'{"key": "KAK", "name": "n", "organisation": "HDO", "phase": "execution", "owner": "x", "effective_on": 20250101}',
            "effective_on",
        ),
    ],
)
def test_invalid_values_are_a_422_naming_the_field(
    client: TestClient, as_: Any, ledger: Ledger, body: bytes, field: str
) -> None:
    response = client.post("/projects", content=body, headers=_json_headers(as_))

    assert response.status_code == 422, response.json()
    assert field in [error["field"] for error in response.json()["errors"]]
    assert ledger.position() == 0


def test_a_huge_integer_amount_is_refused_not_rounded(client: TestClient, as_: Any, ledger: Ledger) -> None:
    client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
    body = b'{"phase_budget": 99999999999999999999, "forecast": 0, "actual": 0, "earned_value": 0}'

    response = client.post("/projects/KAK/financials", content=body, headers=_json_headers(as_))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phase_budget"


def test_an_unknown_path_is_a_404_problem(client: TestClient, as_: Any) -> None:
    response = client.get("/nowhere", headers=as_["admin"])

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_wrong_method_is_a_405_problem(client: TestClient, as_: Any) -> None:
    response = client.delete("/projects/KAK", headers=as_["admin"])

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/projects", "GET, HEAD, POST"),
        ("/risks", "GET, HEAD, POST"),
        ("/board-cases", "GET, HEAD, POST"),
        ("/ui/sign-in", "GET, HEAD, POST"),
        ("/status", "GET, HEAD"),
    ],
)
def test_a_405_allows_every_method_some_route_takes_at_the_path(
    client: TestClient, as_: Any, path: str, allowed: str
) -> None:
    response = client.delete(path, headers=as_["admin"])

    assert response.status_code == 405
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize("path", ["/status", "/projects", "/tertials/2025-T2", "/openapi.json"])
def test_head_answers_as_get_without_the_body(client: TestClient, as_: Any, path: str) -> None:
    got = client.get(path, headers=as_["viewer"])
    head = client.head(path, headers=as_["viewer"])

    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))
