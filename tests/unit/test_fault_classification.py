"""Store errors read for what they mean: busy (retry shortly), unavailable (out of reach)
or broken (an operator must look), from the driver's own error kept as the cause."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from psycopg import errors
from psycopg_pool import PoolTimeout

from governance.store.faults import Unreachable, classify, connection_lost


def wrapped(cause: BaseException) -> OperationalError:
    """As the library raises it: its own error, the driver's as the cause."""
    wrapper = OperationalError(str(cause))
    wrapper.__cause__ = cause
    return wrapper


def sqlite_error(database: Path, statement: str, *, read_only: bool = False) -> sqlite3.Error:
    uri = f"file:{database}?mode=ro" if read_only else f"file:{database}"
    connection = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
    try:
        connection.execute(statement)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError(f"{statement} did not fail")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    return path


def test_a_read_only_sqlite_file_is_broken(database: Path) -> None:
    fault = classify(wrapped(sqlite_error(database, "INSERT INTO t VALUES (1)", read_only=True)))
    assert (fault.kind, fault.passing) == ("broken", False)
    assert "read-only" in fault.reason


def test_an_sql_error_is_broken(database: Path) -> None:
    fault = classify(wrapped(sqlite_error(database, "SELECT * FROM nowhere")))
    assert fault.kind == "broken"
    assert "SQL statement failed" in fault.reason


def test_sqlites_write_lock_held_elsewhere_is_busy(database: Path) -> None:
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        fault = classify(wrapped(sqlite_error(database, "BEGIN IMMEDIATE")))
    finally:
        holder.close()
    assert (fault.kind, fault.passing) == ("busy", True)


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (errors.DiskFull("could not extend file"), "broken"),
        (errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"), "broken"),
        (errors.LockNotAvailable("could not obtain lock"), "busy"),
        (errors.QueryCanceled("canceling statement due to statement timeout"), "busy"),
        (errors.AdminShutdown("terminating connection due to administrator command"), "unavailable"),
        (errors.CannotConnectNow("the database system is starting up"), "unavailable"),
        (psycopg.OperationalError("server closed the connection unexpectedly"), "unavailable"),
        (PoolTimeout("couldn't get a connection after 1.00 sec"), "busy"),
        (Unreachable("connection refused"), "unavailable"),
    ],
)
def test_postgresql_errors_by_their_sqlstate(cause: BaseException, kind: str) -> None:
    assert classify(wrapped(cause)).kind == kind


def test_an_error_the_ledger_raises_itself_is_busy() -> None:
    assert classify(OperationalError("an import holds the log; retry shortly")).kind == "busy"


@pytest.mark.parametrize(
    ("cause", "lost"),
    [
        (psycopg.OperationalError("server closed the connection unexpectedly"), True),
        (errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (errors.LockNotAvailable("could not obtain lock"), False),
        (PoolTimeout("couldn't get a connection after 1.00 sec"), False),
    ],
)
def test_a_broken_connection_is_told_from_a_statement_that_failed(cause: BaseException, lost: bool) -> None:
    assert connection_lost(wrapped(cause)) is lost
