"""Real concurrent requests over loopback: writers racing with the same If-Match never
both win, racing writers without it are all recorded, and a repeated Idempotency-Key
appends once — also after a restart."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.app import create_app
from api.examples import EXAMPLES
from governance.application import Ledger

RACERS = 8


def _race(url: str, path: str, bodies: list[dict[str, Any]], headers: dict[str, str]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(bodies))

    def post(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=30) as http:
            barrier.wait()
            return http.post(path, json=body, headers=headers)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def _with_risk(url: str, as_: Any) -> None:
    with httpx.Client(base_url=url) as http:
        risk = {**EXAMPLES["RiskIdentified"], "project": None}
        assert http.post("/risks", json=risk, headers=as_["admin"]).status_code == 201


def test_writers_racing_with_the_same_if_match_have_exactly_one_winner(
    live_server: str, as_: Any, ledger: Ledger
) -> None:
    _with_risk(live_server, as_)
    bodies = [{"probability": 1 + n % 5, "consequence": 2} for n in range(RACERS)]

    responses = _race(
        live_server, "/risks/OR-821/assessments", bodies, {**as_["secretariat"], "If-Match": '"1"'}
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [412] * (RACERS - 1)
    assert ledger.position() == 2
    assert all(
        r.headers["content-type"] == "application/problem+json" for r in responses if r.status_code == 412
    )


def test_racing_writers_without_if_match_are_all_recorded_in_order(
    live_server: str, as_: Any, ledger: Ledger
) -> None:
    _with_risk(live_server, as_)
    bodies = [{"probability": 1 + n % 5, "consequence": 2} for n in range(RACERS)]

    responses = _race(live_server, "/risks/OR-821/assessments", bodies, as_["secretariat"])

    assert [r.status_code for r in responses] == [201] * RACERS
    assert sorted(r.json()["version"] for r in responses) == list(range(2, RACERS + 2))
    assert [e["seq"] for e in ledger.envelopes()] == list(range(1, RACERS + 2))


def test_a_repeated_idempotency_key_racing_appends_once(live_server: str, as_: Any, ledger: Ledger) -> None:
    _with_risk(live_server, as_)
    body = {"probability": 4, "consequence": 4}

    responses = _race(
        live_server,
        "/risks/OR-821/assessments",
        [body] * RACERS,
        {**as_["secretariat"], "Idempotency-Key": "k-1"},
    )

    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert ledger.position() == 2


def test_a_repeated_idempotency_key_answers_the_first_response_after_a_restart(
    store_url: str, ledger: Ledger, as_: Any
) -> None:
    headers = {**as_["secretariat"], "Idempotency-Key": "restart-1"}
    with TestClient(create_app(ledger)) as client:
        first = client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers)

    restarted = Ledger(store_url)
    try:
        with TestClient(create_app(restarted)) as client:
            again = client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers)
            other = client.post(
                "/projects", json={**EXAMPLES["ProjectRegistered"], "name": "Annet"}, headers=headers
            )
    finally:
        restarted.close()

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert ledger.position() == 1


def test_the_same_idempotency_key_of_another_user_is_another_request(ledger: Ledger, as_: Any) -> None:
    with TestClient(create_app(ledger)) as client:
        first = client.post(
            "/projects",
            json=EXAMPLES["ProjectRegistered"],
            headers={**as_["secretariat"], "Idempotency-Key": "k"},
        )
        second = client.post(
            "/projects", json=EXAMPLES["ProjectRegistered"], headers={**as_["admin"], "Idempotency-Key": "k"}
        )

    assert first.status_code == 201
    assert second.status_code == 409


def test_a_retry_with_if_match_and_the_same_idempotency_key_answers_the_first_response(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    risk = {**EXAMPLES["RiskIdentified"], "project": None}
    assert client.post("/risks", json=risk, headers=as_["admin"]).status_code == 201
    headers = {**as_["secretariat"], "If-Match": '"1"', "Idempotency-Key": "assess-1"}
    body = {"probability": 4, "consequence": 4}

    first = client.post("/risks/OR-821/assessments", json=body, headers=headers)
    again = client.post("/risks/OR-821/assessments", json=body, headers=headers)
    stale = client.post(
        "/risks/OR-821/assessments", json=body, headers={**headers, "Idempotency-Key": "other"}
    )

    assert (first.status_code, first.headers["etag"]) == (201, '"2"')
    assert (again.status_code, again.headers["etag"]) == (201, '"2"')
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert stale.status_code == 412
    assert ledger.position() == 2


def test_a_malformed_idempotency_key_is_a_422_naming_it_and_appends_nothing(ledger: Ledger, as_: Any) -> None:
    with TestClient(create_app(ledger)) as client:
        for key in ("has space", "k" * 256, "tab\tkey"):
            response = client.post(
                "/projects",
                json=EXAMPLES["ProjectRegistered"],
                headers={**as_["secretariat"], "Idempotency-Key": key},
            )
            assert response.status_code == 422, key
            assert response.json()["errors"][0]["field"] == "Idempotency-Key"
        accepted = client.post(
            "/projects",
            json=EXAMPLES["ProjectRegistered"],
            headers={**as_["secretariat"], "Idempotency-Key": "k" * 255},
        )

    assert accepted.status_code == 201
    assert ledger.position() == 1
