"""The API over HTTP semantics, on each store: a client, and a token for every role."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from governance.application import Ledger
from governance.users import Users


@pytest.fixture
def app(ledger: Ledger) -> Iterator[FastAPI]:
    application = create_app(ledger)
    yield application
    application.state.readmodels.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


class Tokens:
    """Bearer headers for users of every role; `lead` writes for the project KAK."""

    def __init__(self, ledger: Ledger) -> None:
        users = Users(ledger.log)
        self.tokens = {
            "admin": users.add("admin", "admin"),
            "secretariat": users.add("sekretariat", "secretariat"),
            "lead": users.add("kak-lead", "project_lead", ["KAK"]),
            "auditor": users.add("revisor", "auditor"),
            "viewer": users.add("leser", "viewer"),
        }

    def __getitem__(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def as_(ledger: Ledger) -> Tokens:
    return Tokens(ledger)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a loopback port, for real concurrent requests."""
    config = uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
