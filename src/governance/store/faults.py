"""What a store error means for whoever asked: the store is busy (retry shortly), out of
reach (retry later), or broken (an operator must look: a full disk, a read-only file, an
SQL error). The library wraps every driver error in its own; the driver's, kept as the
cause, tells which it is: SQLite's error name, PostgreSQL's SQLSTATE.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Literal

import psycopg
from eventsourcing.persistence import ConnectionUnavailableError
from psycopg_pool import PoolTimeout

Kind = Literal["busy", "unavailable", "broken"]


@dataclass(frozen=True)
class Fault:
    kind: Kind
    reason: str
    """What went wrong, in a few words a person can act on."""

    @property
    def passing(self) -> bool:
        """Whether retrying the same request later may well succeed."""
        return self.kind != "broken"


_SQLITE: dict[str, tuple[Kind, str]] = {
    "SQLITE_BUSY": ("busy", "another writer holds the database's write lock"),
    "SQLITE_LOCKED": ("busy", "a table is locked by another connection"),
    "SQLITE_FULL": ("broken", "the disk is full"),
    "SQLITE_READONLY": ("broken", "the database file is read-only"),
    "SQLITE_IOERR": ("broken", "the disk failed to read or write"),
    "SQLITE_CORRUPT": ("broken", "the database file is corrupt"),
    "SQLITE_NOTADB": ("broken", "the file is not a SQLite database"),
    "SQLITE_CANTOPEN": ("unavailable", "the database file cannot be opened"),
    "SQLITE_PERM": ("broken", "the database file may not be written"),
    "SQLITE_ERROR": ("broken", "an SQL statement failed"),
}

_POSTGRES_CLASSES: dict[str, tuple[Kind, str]] = {
    "08": ("unavailable", "the connection to the database failed"),
    "53": ("broken", "the database server ran out of a resource (disk, memory or connections)"),
    "58": ("broken", "the database server failed to read or write its files"),
    "XX": ("broken", "the database server reported an internal error"),
    "42": ("broken", "an SQL statement failed"),
}

_POSTGRES: dict[str, tuple[Kind, str]] = {
    "55P03": ("busy", "another writer holds the append lock"),
    "57014": ("busy", "a statement ran longer than the statement timeout"),
    "40001": ("busy", "a transaction conflicted with another"),
    "40P01": ("busy", "a transaction deadlocked with another"),
    "57P01": ("unavailable", "the database server is shutting down"),
    "57P02": ("unavailable", "the database server is shutting down"),
    "57P03": ("unavailable", "the database server is starting up or shutting down"),
    "53100": ("broken", "the database server's disk is full"),
    "53300": ("busy", "the database server has no free connection"),
    "25006": ("broken", "the database is read-only (a standby?)"),
}


class Unreachable(Exception):
    """No connection could be made to the database (the cause of a request's failure,
    when the pool had none to give and its attempts to connect failed)."""


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def classify(error: BaseException) -> Fault:
    """What a store error means. An error the ledger raised itself without a driver's
    cause (an import holds the log) is busy."""
    for cause in _causes(error):
        if isinstance(cause, Unreachable):
            return Fault("unavailable", f"the database cannot be reached ({cause})")
        if isinstance(cause, (PoolTimeout, ConnectionUnavailableError)):
            return Fault("busy", f"no database connection came free in time ({cause})")
        if isinstance(cause, sqlite3.Error):
            # Extended names (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) share their base's meaning.
            name = "_".join(str(getattr(cause, "sqlite_errorname", "")).split("_")[:2])
            kind, reason = _SQLITE.get(name, ("broken", "the database failed"))
            return Fault(kind, f"{reason} ({cause})")
        if isinstance(cause, psycopg.Error):
            state = cause.sqlstate
            if state is None:
                return Fault("unavailable", f"the connection to the database failed ({cause})")
            kind, reason = _POSTGRES.get(state) or _POSTGRES_CLASSES.get(
                state[:2], ("broken", "the database failed")
            )
            return Fault(kind, f"{reason} ({cause})")
    return Fault("busy", str(error))


def connection_lost(error: BaseException) -> bool:
    """Whether a PostgreSQL error came from a connection that no longer works (the server
    restarted or went away), rather than from the statement or from waiting."""
    for cause in _causes(error):
        if isinstance(cause, PoolTimeout):
            return False
        if isinstance(cause, psycopg.InterfaceError):
            return True
        if isinstance(cause, psycopg.OperationalError):
            state = cause.sqlstate
            return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")
    return False
