"""The API over HTTP semantics, on each store: a client, and a token for every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from governance.application import Ledger
from governance.demo import load_demo
from governance.users import Users
from support.servers import served


@pytest.fixture
def app(ledger: Ledger) -> Iterator[FastAPI]:
    application = create_app(ledger)
    yield application
    application.state.readmodels.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    """A client that, like a browser, does not follow redirects by itself here."""
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def demo(ledger: Ledger) -> Ledger:
    """The ledger with the demo history (HDO 2025) loaded."""
    load_demo(ledger)
    return ledger


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
    with served(app, lifespan="off") as url:
        yield url
