"""Stores for the tests: a SQLite file per test, and, when GOVERNANCE_TEST_POSTGRES_URL
is set, a fresh PostgreSQL schema per test as well. An unreachable PostgreSQL fails the
run: it never skips. Fixtures more than one test module uses live here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from governance.application import Ledger
from governance.projections.runner import ReadModels
from support import FakeClock
from support.stores import POSTGRES_URL, STORES, postgres_schema


def pytest_sessionstart(session: pytest.Session) -> None:
    if not POSTGRES_URL:
        return
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        raise pytest.UsageError(
            f"GOVERNANCE_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {error}"
        ) from error


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an empty store, on each store under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store')}/ledger.db"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def other_store_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty store of the same kind as `store_url`."""
    if store_url.startswith("sqlite:///"):
        yield f"sqlite:///{tmp_path}/other.db"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store')}/ledger.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(store_url: str, clock: FakeClock) -> Iterator[Ledger]:
    """A ledger on each store under test, its clock in the test's hands."""
    app = Ledger(store_url, clock=clock)
    yield app
    app.close()


@pytest.fixture
def sqlite_ledger(sqlite_url: str, clock: FakeClock) -> Iterator[Ledger]:
    """A ledger on a SQLite file: for tests of behaviour that does not depend on the store."""
    app = Ledger(sqlite_url, clock=clock)
    yield app
    app.close()


@pytest.fixture
def models(ledger: Ledger) -> Iterator[ReadModels]:
    """The read models of `ledger`, caught up by the test when it needs them to be."""
    read_models = ReadModels(ledger)
    yield read_models
    read_models.close()
