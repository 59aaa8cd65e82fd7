"""The library's SQLite application recorder, extended with the ledger log.

Appends take SQLite's write lock up front (``BEGIN IMMEDIATE``): reading the log's tail
and then inserting inside a deferred transaction fails when another process writes in
between. A process's writers queue for that lock one at a time, before they take a
connection from the pool, so that reads go on while another process holds the lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import OperationalError, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTransaction,
)

from governance.store.log import IdempotencyRecord, LedgerLogRecorder, PendingEntry, chain_entries

LEDGER_TABLES = (
    (
        "CREATE TABLE IF NOT EXISTS ledger_log ("
        " seq INTEGER PRIMARY KEY,"
        " notification_id INTEGER NOT NULL UNIQUE,"
        " event_id TEXT NOT NULL UNIQUE,"
        " subject TEXT NOT NULL,"
        " type TEXT NOT NULL,"
        " effective_on TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL,"
        " actor TEXT,"
        " prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL)"
    ),
    "CREATE INDEX IF NOT EXISTS ledger_log_recorded_at ON ledger_log (recorded_at, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_subject ON ledger_log (subject, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_actor ON ledger_log (actor, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_type ON ledger_log (type, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_effective_on ON ledger_log (effective_on, seq)",
    (
        "CREATE TABLE IF NOT EXISTS ledger_idempotency ("
        " principal TEXT NOT NULL,"
        " key TEXT NOT NULL,"
        " fingerprint TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"
        " PRIMARY KEY (principal, key))"
    ),
    (
        "CREATE TABLE IF NOT EXISTS ledger_users ("
        " name TEXT PRIMARY KEY,"
        " role TEXT NOT NULL,"
        " projects TEXT NOT NULL,"
        " token_hash TEXT NOT NULL UNIQUE,"
        " created_at TEXT NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS ledger_sessions ("
        " id_hash TEXT PRIMARY KEY,"
        " user_name TEXT NOT NULL,"
        " token_hash TEXT NOT NULL,"
        " csrf TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " last_seen TEXT NOT NULL)"
    ),
)


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class ImmediateTransaction(SQLiteTransaction):
    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise OperationalError(error) from error
        return cursor


class SQLiteLedgerRecorder(LedgerLogRecorder, SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._writer = threading.Lock()
        self.lock_timeout = float(datastore.pool.lock_timeout or 5)
        """Seconds a write waits for this process's other writers, and then as long
        again for SQLite's lock, before it gives up (a 503)."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *LEDGER_TABLES]

    def _sql(self, template: str) -> str:
        return template.format(
            log="ledger_log",
            events=self.events_table_name,
            idempotency="ledger_idempotency",
            users="ledger_users",
            sessions="ledger_sessions",
            event_key="rowid",
        )

    def _subject_list(self) -> str:
        return "(SELECT value AS subject FROM json_each(?)) AS s"

    def _subject_list_param(self, subjects: Sequence[str]) -> Any:
        return orjson.dumps(list(subjects)).decode()

    def _fetch(self, statement: str, params: Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return list(curs.fetchall())

    def _fetch_tuples(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as curs:
            cursor = curs.sqlite_cursor
            cursor.row_factory = None
            cursor.execute(statement, params)
            return cursor.fetchall()

    def _modify(self, statement: str, params: Sequence[Any]) -> int:
        with self.write_transaction() as curs:
            curs.execute(statement, params)
            return int(curs.sqlite_cursor.rowcount)

    @contextmanager
    def write_transaction(self) -> Iterator[SQLiteCursor]:
        """A transaction holding SQLite's write lock from its first statement.

        The pool serves requests for connections in order, one at a time, and a writer
        waiting in it for the pool's single writer connection would hold up every
        reader behind it; so writers wait here first, holding nothing."""
        if not self._writer.acquire(timeout=self.lock_timeout):
            raise OperationalError(
                f"another write of this process held the write lock for {self.lock_timeout:g} s"
            )
        try:
            with self.datastore.get_connection(commit=True) as conn:
                assert isinstance(conn, SQLiteConnection)
                with ImmediateTransaction(conn, commit=True) as curs, curs:
                    yield curs
        finally:
            self._writer.release()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.write_transaction() as curs:
            return self._append(curs, stored_events, **kwargs)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Many events in one statement (an import's chunk), rather than the library's
        one statement each: under the write lock a rowid table gives each new row the
        largest rowid plus one, so the rows' notification ids follow the largest before."""
        if len(stored_events) < 2:
            return super()._insert_events(c, stored_events, **kwargs)
        last = f"SELECT MAX(rowid) AS last FROM {self.events_table_name}"
        c.execute(last)
        before = c.fetchone()["last"] or 0
        c.executemany(
            self.insert_events_statement,
            [(_hex(s.originator_id), s.originator_version, s.topic, s.state) for s in stored_events],
        )
        c.execute(last)
        after = c.fetchone()["last"]
        if after - before != len(stored_events):
            raise OperationalError(f"stored events were given rowids {before + 1}..{after}, not in sequence")
        return list(range(before + 1, after + 1))

    def _append(
        self, curs: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        entries: Sequence[PendingEntry] = kwargs.get("log_entries") or ()
        assert len(entries) == len(stored_events), "every stored event needs its log entry"
        now = kwargs.get("now") or self.now(curs)  # an import stamps every chunk at its start
        chain_entries(entries, self._select_tail(curs), now, expected_tail=kwargs.get("expected_tail"))
        notification_ids = self._insert_events(curs, stored_events, **kwargs)
        assert notification_ids is not None
        self._insert_log(curs, entries, notification_ids)
        idempotency: IdempotencyRecord | None = kwargs.get("idempotency")
        if idempotency is not None:
            self._insert_idempotency(curs, idempotency, entries[-1].seq)
        return notification_ids
