"""Stores for the tests: a SQLite file per test, and, when GOVERNANCE_TEST_POSTGRES_URL
is set, a fresh PostgreSQL schema per test as well. An unreachable PostgreSQL fails the
run: it never skips."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from governance.application import Ledger
from support import FakeClock
from support.stores import POSTGRES_URL, STORES


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
    schema = f"test_{uuid.uuid4().hex[:16]}"
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


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
