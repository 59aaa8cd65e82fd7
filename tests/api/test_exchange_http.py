"""`GET /verify`, `GET /events.jsonl` and `POST /import` (DOMAIN.md §6–§7): who may call
them, what they answer, and a whole history moved between two stores over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from governance.application import Ledger
from governance.chain import ZERO_HASH
from governance.exchange import import_stream
from governance.users import Users
from support import FakeClock
from support.envelopes import PROJECT, RISK, jsonl
from support.story import STORY, tell_story

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def other(other_store_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A second API on an empty store, its clock later than the first's, and its admin."""
    ledger = Ledger(other_store_url, clock=FakeClock(datetime(2026, 3, 1, tzinfo=UTC)))
    token = Users(ledger.log).add("admin-b", "admin")
    with TestClient(create_app(ledger)) as client:
        yield client, {"Authorization": f"Bearer {token}"}
    ledger.close()


# Who may call them ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("secretariat", 200), ("auditor", 200), ("viewer", 403), ("lead", 403)],
)
def test_verify_and_export_are_for_admin_secretariat_and_auditor(
    client: TestClient, as_: Any, who: str, status: int
) -> None:
    assert client.get("/verify", headers=as_[who]).status_code == status
    assert client.get("/events.jsonl", headers=as_[who]).status_code == status


@pytest.mark.parametrize("who", ["secretariat", "auditor", "viewer", "lead"])
def test_only_an_admin_imports(client: TestClient, as_: Any, ledger: Ledger, who: str) -> None:
    response = client.post("/import", content=jsonl(PROJECT), headers={**as_[who], **NDJSON})

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert ledger.position() == 0


def test_without_a_token_they_answer_401(client: TestClient) -> None:
    assert client.get("/verify").status_code == 401
    assert client.get("/events.jsonl").status_code == 401
    assert client.post("/import", content=jsonl(PROJECT), headers=NDJSON).status_code == 401


# Verify ------------------------------------------------------------------------------------


def test_verify_answers_the_chains_head(client: TestClient, as_: Any, ledger: Ledger) -> None:
    written = tell_story(client, as_["secretariat"])

    response = client.get("/verify", headers=as_["auditor"])

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "ok": True,
        "checked": len(STORY),
        "head_hash": written[-1]["hash"],
        "broken_at": None,
        "reason": None,
    }


def test_verify_with_a_filed_head(client: TestClient, as_: Any) -> None:
    written = tell_story(client, as_["secretariat"])
    ask = lambda **params: client.get("/verify", params=params, headers=as_["auditor"])

    filed = ask(position=10, hash=written[9]["hash"]).json()
    assert (filed["ok"], filed["checked"], filed["head_hash"]) == (True, 10, written[9]["hash"])
    assert ask(position=0, hash=ZERO_HASH).json()["ok"] is True

    wrong = ask(position=10, hash=written[10]["hash"]).json()
    assert (wrong["ok"], wrong["broken_at"], wrong["head_hash"]) == (False, None, written[9]["hash"])
    assert wrong["reason"]

    beyond = ask(position=len(STORY) + 5, hash=written[-1]["hash"]).json()
    assert (beyond["ok"], beyond["broken_at"]) == (False, len(STORY) + 1)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"position": -1}, "position"),
        ({"position": "x"}, "position"),
        ({"position": 3, "hash": "abc"}, "hash"),
        ({"hash": "0" * 64}, "position"),
    ],
)
def test_verify_refuses_malformed_parameters(
    client: TestClient, as_: Any, params: dict[str, Any], name: str
) -> None:
    response = client.get("/verify", params=params, headers=as_["auditor"])

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", name]


# Export ------------------------------------------------------------------------------------


def test_the_export_streams_one_event_per_line(client: TestClient, as_: Any, ledger: Ledger) -> None:
    written = tell_story(client, as_["secretariat"])

    response = client.get("/events.jsonl", headers=as_["auditor"])

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["ledger-position"] == str(len(STORY))
    assert response.headers["ledger-head-hash"] == written[-1]["hash"]
    assert response.content.endswith(b"\n")
    assert [orjson.loads(line) for line in response.content.splitlines()] == written


def test_an_empty_log_exports_an_empty_body(client: TestClient, as_: Any) -> None:
    response = client.get("/events.jsonl", headers=as_["auditor"])

    assert (response.status_code, response.content) == (200, b"")


# Import ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/x-ndjson", "application/jsonl", "text/plain; charset=utf-8"]
)
def test_an_import_answers_what_it_stored(
    client: TestClient, as_: Any, ledger: Ledger, content_type: str
) -> None:
    response = client.post(
        "/import", content=jsonl(PROJECT, RISK), headers={**as_["admin"], "Content-Type": content_type}
    )

    assert response.status_code == 200
    assert response.json() == {"imported": 2, "position": 2, "head_hash": ledger.head_hash(2)}
    assert [envelope["actor"] for envelope in ledger.envelopes()] == [None, None]  # not "admin"


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream", ""])
def test_an_import_is_json_lines(client: TestClient, as_: Any, ledger: Ledger, content_type: str) -> None:
    response = client.post(
        "/import", content=jsonl(PROJECT), headers={**as_["admin"], "Content-Type": content_type}
    )

    assert response.status_code == 415
    assert ledger.position() == 0


def test_a_refused_file_is_a_problem_naming_its_line_and_reason(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    bad = {**RISK, "data": {**RISK["data"], "probability": 6}}

    response = client.post(
        "/import", content=jsonl(PROJECT, b"", bad, RISK), headers={**as_["admin"], **NDJSON}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["line"] == 3
    assert problem["reason"].startswith("data.probability: ")
    assert problem["detail"] == f"line 3: {problem['reason']}"
    assert (problem["type"], problem["status"], problem["title"]) == ("about:blank", 422, "Import refused")
    assert problem["errors"] == [
        {
            "loc": ["body", "line 3", "data", "probability"],
            "pointer": "/line 3/data/probability",
            "field": "line 3.data.probability",
            "msg": problem["reason"].removeprefix("data.probability: "),
            "type": "less_than_equal",
            "line": 3,
            "reason": problem["reason"],
        }
    ]
    assert ledger.position() == 0


def test_malformed_json_is_refused_at_its_line(client: TestClient, as_: Any, ledger: Ledger) -> None:
    response = client.post(
        "/import", content=jsonl(PROJECT) + b'{"subject": \n', headers={**as_["admin"], **NDJSON}
    )

    assert response.status_code == 422
    assert (response.json()["line"], response.json()["errors"][0]["type"]) == (2, "json_invalid")
    assert ledger.position() == 0


def test_an_import_over_one_mebibyte_streams_in(client: TestClient, as_: Any, ledger: Ledger) -> None:
    description = "Avhengigheter mellom prosjektenes innføringsplaner. " * 80
    lines = [PROJECT] + [
        {**RISK, "subject": f"risk:R-{n}", "data": {**RISK["data"], "description": description}}
        for n in range(400)
    ]
    body = jsonl(*lines)
    assert len(body) > 1024 * 1024

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = client.post("/import", content=chunks(), headers={**as_["admin"], **NDJSON})

    assert response.status_code == 200, response.json()
    assert response.json()["imported"] == 401
    assert client.post("/import", content=b"", headers={**as_["admin"], **NDJSON}).json()["imported"] == 0


def test_an_import_over_the_configured_limit_answers_413_and_stores_nothing(
    client: TestClient, as_: Any, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = jsonl(PROJECT, RISK)
    monkeypatch.setenv("GOVERNANCE_IMPORT_MAX_BYTES", str(len(body) - 1))

    declared = client.post("/import", content=body, headers={**as_["admin"], **NDJSON})

    def chunks() -> Iterator[bytes]:
        yield body[:100]
        yield body[100:]

    chunked = client.post("/import", content=chunks(), headers={**as_["admin"], **NDJSON})

    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 413
        assert "GOVERNANCE_IMPORT_MAX_BYTES" in response.json()["detail"]
    assert ledger.position() == 0
    monkeypatch.setenv("GOVERNANCE_IMPORT_MAX_BYTES", str(len(body)))
    assert client.post("/import", content=chunks(), headers={**as_["admin"], **NDJSON}).status_code == 200


@pytest.mark.parametrize(
    ("line", "loc"),
    [
        (
            (
                b'{"subject":"risk:A","subject":"risk:B","type":"RiskIdentified","effective_on":"2025-02-01",'
                b'"data":{"title":"T","organisation":"HDO","owner":"E","probability":3,"consequence":4}}'
            ),
            ["subject"],
        ),
        (
            (
                b'{"subject":"risk:A","type":"RiskIdentified","effective_on":"2025-02-01","data":{"title":"A",'
                b'"title":"B","organisation":"HDO","owner":"E","probability":3,"consequence":4}}'
            ),
            ["data", "title"],
        ),
        (
            (
                b'{"subject":"risk:A","type":"RiskIdentified","effective_on":"2025-02-01","data":{"title":"\\u003a",'
                b'"organisation":"HDO","owner":"E","probability":3,"probability" : 2,"consequence":4}}'
            ),
            ["data", "probability"],
        ),
    ],
)
def test_a_line_naming_a_member_twice_is_refused_at_its_line(
    client: TestClient, as_: Any, ledger: Ledger, line: bytes, loc: list[str]
) -> None:
    response = client.post("/import", content=jsonl(PROJECT, line), headers={**as_["admin"], **NDJSON})

    assert response.status_code == 422
    problem = response.json()
    assert problem["line"] == 2
    assert problem["errors"][0]["loc"] == ["body", "line 2", *loc]
    assert problem["errors"][0]["type"] == "duplicate_key"
    assert "more than once" in problem["reason"]
    assert ledger.position() == 0


def test_writes_answer_503_while_an_import_holds_the_log_and_reads_go_on(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    client.post(
        "/projects",
        json={"key": "KAK", **PROJECT["data"], "effective_on": "2025-01-10"},
        headers=as_["admin"],
    )
    ledger.write_wait = 0.3
    # The read models have applied the project before the import takes the log: reads
    # that need nothing newer go on (one that did would wait, then answer 503).
    assert client.get("/projects/KAK", headers=as_["viewer"]).status_code == 200
    held = HeldOpen(jsonl(RISK, {**RISK, "subject": "risk:OR-632"}))
    importer = threading.Thread(target=import_stream, args=(ledger, held))
    importer.start()
    try:
        assert held.read_first.wait(10)
        write = client.post("/projects/KAK/phase", json={"phase": "closing"}, headers=as_["admin"])
        assert write.status_code == 503
        assert write.headers["retry-after"]
        assert write.headers["content-type"] == "application/problem+json"
        started = time.monotonic()
        assert client.get("/projects/KAK", headers=as_["viewer"]).status_code == 200
        assert client.get("/verify", headers=as_["auditor"]).json()["checked"] == 1
        assert time.monotonic() - started < 2
    finally:
        held.go.set()
        importer.join(20)
    assert ledger.position() == 3
    assert (
        client.post("/projects/KAK/phase", json={"phase": "closing"}, headers=as_["admin"]).status_code == 201
    )


class HeldOpen:
    """A file that stops after its first line until `go` is set."""

    def __init__(self, text: bytes) -> None:
        self.lines = text.splitlines(keepends=True)
        self.read_first = threading.Event()
        self.go = threading.Event()

    def readline(self, size: int = -1) -> bytes:
        if not self.lines:
            return b""
        if self.read_first.is_set():
            assert self.go.wait(20)
        self.read_first.set()
        return self.lines.pop(0)


# A history moved between two systems ----------------------------------------------------


def test_a_history_moved_over_http_answers_every_read_alike(
    client: TestClient, as_: Any, other: tuple[TestClient, dict[str, str]]
) -> None:
    target, admin = other
    written = tell_story(client, as_["secretariat"])
    exported = client.get("/events.jsonl", headers=as_["auditor"]).content

    imported = target.post("/import", content=exported, headers={**admin, **NDJSON})

    assert imported.json() == {
        "imported": len(STORY),
        "position": len(STORY),
        "head_hash": written[-1]["hash"],
    }
    assert target.get("/events.jsonl", headers=admin).content == exported
    assert target.get("/verify", headers=admin).json() == client.get("/verify", headers=as_["auditor"]).json()
    # Reads at a stated day and instant: the two systems' clocks differ.
    middle, last = written[len(written) // 2]["recorded_at"], written[-1]["recorded_at"]
    reads = [
        "/status",
        "/status?as_of=2025-09-01",
        "/tertials/2025-T2",
        "/tertials/2025-T3",
        f"/tertials/2025-T3?known_at={middle}",
        "/audit?limit=1000",
        "/board-cases/HDO/27-2025/reconstruction",
        "/projects/KAK",
        "/projects/KAK/history",
        "/milestones/KAK/DM1?as_of=2025-09-30",
        "/risks/OR-821",
        "/risks/OR-631?as_of=2025-11-01",
        "/contracts/KAK-FREQUENTIS",
        "/board-cases/HDO/27-2025",
        f"/board-cases/HDO/31-2025?known_at={middle}",
    ]
    for read in reads:
        path, _, query = read.partition("?")
        params = {"known_at": last} | dict(parse_qsl(query))
        if not (path.startswith("/audit") or path.endswith("/reconstruction")):
            params.setdefault("as_of", "2026-01-15")
        here = client.get(path, params=params, headers=as_["auditor"])
        there = target.get(path, params=params, headers=admin)
        assert here.status_code == 200, (read, here.json())
        assert here.json() == there.json(), read
