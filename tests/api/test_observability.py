"""What the server tells about itself: one log line per request (never a token), JSON
lines when asked, every error with its traceback, a read-model loop that logs and
remembers its error instead of swallowing it, and `/health` with the read models'
position, the head, the lag and the last error."""

from __future__ import annotations

import io
import json
import logging
import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.examples import EXAMPLES
from governance.application import Ledger
from governance.logs import JsonLines, configure_logging
from governance.projections import runner as runner_module
from governance.settings import Settings


def http_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "governance.http"]


def test_every_request_is_logged_once_with_method_path_status_duration_and_actor_never_the_token(
    client: TestClient, as_: Any, caplog: pytest.LogCaptureFixture
) -> None:
    token = as_.tokens["admin"]
    with caplog.at_level(logging.INFO, logger="governance.http"):
        client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
        client.get("/projects/KAK", headers=as_["admin"])
        client.get("/projects/NONE")

    records = http_records(caplog)
    assert [(r.method, r.path, r.status, r.actor) for r in records] == [  # type: ignore[attr-defined]
        ("POST", "/projects", 201, "admin"),
        ("GET", "/projects/KAK", 200, "admin"),
        ("GET", "/projects/NONE", 401, None),
    ]
    assert all(r.duration_ms >= 0 for r in records)  # type: ignore[attr-defined]
    assert token not in caplog.text
    assert all(token not in str(value) for r in records for value in vars(r).values())


def test_log_lines_are_json_objects_when_the_settings_ask(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(log_format="json"))
    try:
        logging.getLogger("governance.http").info("GET / 200", extra={"status": 200, "actor": "revisor"})
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("governance.api").exception("unexpected error")
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "governance", False)]:
            root.removeHandler(handler)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "GET / 200"
    assert (lines[0]["status"], lines[0]["actor"], lines[0]["level"]) == (200, "revisor", "INFO")
    assert lines[1]["level"] == "ERROR"
    assert "ValueError: boom" in lines[1]["traceback"]


def test_an_unexpected_error_is_a_500_and_is_logged_with_its_traceback(
    app: FastAPI,
    as_: Any,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(ledger, "history", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/projects/KAK/history", headers=as_["viewer"])

    assert response.status_code == 500
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert logged and "RuntimeError: a bug" in caplog.text


def test_health_answers_with_the_read_models_position_the_head_and_the_lag(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
    client.get("/status", headers=as_["viewer"])  # the read models have applied the project

    answer = client.get("/health").json()

    assert answer["status"] == "ok"
    assert answer["position"] == 1
    assert answer["store"] == {"ok": True, "fault": None, "detail": None}
    assert answer["read_models"] == {"applied": 1, "head": 1, "lag": 0, "failing": False, "last_error": None}


@pytest.mark.slow
def test_a_failing_read_model_is_logged_once_remembered_and_named_by_reads_and_health(
    client: TestClient, as_: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_handler(*args: Any) -> Any:
        raise ValueError("the handler is broken")

    client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=as_["admin"])
    assert client.get("/status", headers=as_["viewer"]).status_code == 200
    monkeypatch.setitem(runner_module.HANDLERS, "ProjectPhaseChanged", broken_handler)
    with caplog.at_level(logging.ERROR, logger="governance.readmodels"):
        client.post("/projects/KAK/phase", json={"phase": "closing"}, headers=as_["admin"])
        read = client.get("/status", headers=as_["viewer"])
        health = client.get("/health").json()

    assert read.status_code == 503
    assert read.json()["title"] == "Read models failing"
    assert "ValueError: the handler is broken" in read.json()["detail"]
    assert health["status"] == "degraded"
    assert health["read_models"]["failing"] is True
    assert health["read_models"]["lag"] == 1
    assert health["read_models"]["last_error"]["message"] == "ValueError: the handler is broken"
    logged = [r for r in caplog.records if r.name == "governance.readmodels"]
    assert len(logged) == 1, "logged once, not once a pass"
    assert logged[0].exc_info is not None

    monkeypatch.undo()
    deadline = time.monotonic() + 10
    while client.get("/health").json()["read_models"]["failing"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.get("/status", headers=as_["viewer"]).status_code == 200


def test_json_log_lines_are_one_object_per_line_even_for_a_multiline_message() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("governance.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("two\nlines")
    finally:
        logger.removeHandler(handler)
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["two\nlines"]
