"""The library's PostgreSQL application recorder, extended with the ledger log.

An append takes the library's own lock on the stored events table (``EXCLUSIVE`` mode:
readers go on, writers queue) and, holding it, reads the log's tail, assigns the log
fields and inserts both rows. `recorded_at` comes from the database server's clock, so
API processes on hosts with different clocks still write one consistent timeline; reads
take "now" from the same clock.

Every wait is bounded (`bound_waits`): connecting, waiting for a pooled connection, a
statement, the append lock. A connection that a server restart broke is replaced at its
first use, and a read is tried once more on a fresh one; nothing else is retried, so a
request fails within the bounds and the client decides whether to try again.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import PoolTimeout

from governance.settings import settings
from governance.store.faults import Unreachable, connection_lost
from governance.store.log import (
    LOG_COLUMNS,
    IdempotencyRecord,
    LedgerLogRecorder,
    PendingEntry,
    Tail,
    chain_entries,
)

LEDGER_TABLES = (
    (
        "CREATE TABLE IF NOT EXISTS {schema}.ledger_log ("
        " seq bigint PRIMARY KEY,"
        " notification_id bigint NOT NULL UNIQUE,"
        " event_id text NOT NULL UNIQUE,"
        ' subject text COLLATE "C" NOT NULL,'
        ' type text COLLATE "C" NOT NULL,'
        ' effective_on text COLLATE "C" NOT NULL,'
        ' recorded_at text COLLATE "C" NOT NULL,'
        " actor text,"
        " prev_hash text NOT NULL,"
        " hash text NOT NULL)"
    ),
    "CREATE INDEX IF NOT EXISTS ledger_log_recorded_at ON {schema}.ledger_log (recorded_at, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_subject ON {schema}.ledger_log (subject, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_actor ON {schema}.ledger_log (actor, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_type ON {schema}.ledger_log (type, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_log_effective_on ON {schema}.ledger_log (effective_on, seq)",
    (
        "CREATE TABLE IF NOT EXISTS {schema}.ledger_idempotency ("
        " principal text NOT NULL,"
        " key text NOT NULL,"
        " fingerprint text NOT NULL,"
        " seq bigint NOT NULL,"
        " PRIMARY KEY (principal, key))"
    ),
    (
        "CREATE TABLE IF NOT EXISTS {schema}.ledger_users ("
        " name text PRIMARY KEY,"
        " role text NOT NULL,"
        " projects text NOT NULL,"
        " token_hash text NOT NULL UNIQUE,"
        " created_at text NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS {schema}.ledger_sessions ("
        " id_hash text PRIMARY KEY,"
        " user_name text NOT NULL,"
        " token_hash text NOT NULL,"
        " csrf text NOT NULL,"
        ' created_at text COLLATE "C" NOT NULL,'
        ' last_seen text COLLATE "C" NOT NULL)'
    ),
)


COPY_FROM = 64
"""From how many events an append copies its rows in (COPY) rather than inserting them."""

DDL_LOCK = 0x676F76  # pg_advisory_lock key: one creator of tables at a time

F = TypeVar("F", bound=Callable[..., Any])


def bound_waits(datastore: PostgresDatastore) -> None:
    """Bound every wait on the database, as the settings say, before the pool opens:
    connecting (the driver's own timeout, which the library leaves unset), waiting for a
    pooled connection, each statement, and reconnecting after an outage (the pool's
    back-off would otherwise grow to minutes, and the first request after the database
    returns would wait for it). Failed connection attempts are remembered, so that a
    request that found no connection can say the database is out of reach."""
    config = settings()
    pool = datastore.pool
    pool.timeout = config.db_connect_timeout
    pool.reconnect_timeout = max(2.0, 2 * config.db_connect_timeout)
    kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}
    kwargs["connect_timeout"] = max(2, math.ceil(config.db_connect_timeout))
    kwargs["options"] = f"-c statement_timeout={math.ceil(config.db_statement_timeout * 1000)}"
    datastore.connect_failure = None  # type: ignore[attr-defined]
    connect = pool._connect

    def remembering_failures(timeout: float | None = None) -> Any:
        try:
            connection = connect(timeout)
        except Exception as error:
            datastore.connect_failure = str(error)  # type: ignore[attr-defined]
            raise
        datastore.connect_failure = None  # type: ignore[attr-defined]
        return connection

    pool._connect = remembering_failures  # type: ignore[method-assign]


def unreachable(datastore: PostgresDatastore, error: Exception) -> None:
    """Say so when an error came from a pool that found no connection while connecting."""
    failure = getattr(datastore, "connect_failure", None)
    if failure is not None and isinstance(error.__cause__, PoolTimeout):
        raise OperationalError(f"the database cannot be reached: {failure}") from Unreachable(failure)


def on_lost_connection(*, retry: bool) -> Callable[[F], F]:
    """Run a recorder method; when its connection was broken (the server restarted),
    check every idle pooled connection so the broken ones are replaced, and with
    `retry` (reads only: a write whose commit was lost must not run twice) run it once
    more. A pool that found no connection while connecting fails says so."""

    def decorate(method: F) -> F:
        @wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            for attempt in (1, 2):
                try:
                    return method(self, *args, **kwargs)
                except (InterfaceError, OperationalError) as error:
                    unreachable(self.datastore, error)
                    if attempt == 2 or not connection_lost(error):
                        raise
                    self.datastore.pool.check()
                    if not retry:
                        raise
            raise AssertionError("unreachable")

        return wrapper  # type: ignore[return-value]

    return decorate


@contextmanager
def ddl_lock(datastore: PostgresDatastore) -> Iterator[None]:
    with datastore.get_connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))


class _PipelinedScan:
    """One statement run for a queue of parameters in a pipeline, one query ahead of the
    page handed on; a page leaves the queue as it is handed on. `closing` once the
    reader stopped early."""

    def __init__(self) -> None:
        self.closing = False

    def run(
        self, datastore: PostgresDatastore, statement: str, remaining: deque[Sequence[Any]]
    ) -> Iterator[list[tuple[Any, ...]]]:
        if not remaining:
            return
        with datastore.get_connection() as conn, conn.pipeline():
            cursor = conn.cursor(row_factory=tuple_row)
            cursor.execute(statement, remaining[0], prepare=True, binary=True)
            while remaining:
                rows = cursor.fetchall()
                if len(remaining) > 1:
                    cursor = conn.cursor(row_factory=tuple_row)
                    cursor.execute(statement, remaining[1], prepare=True, binary=True)
                remaining.popleft()  # only once nothing can fail before the page is handed on
                try:
                    yield rows
                except GeneratorExit:
                    self.closing = True
                    raise


class PostgresLedgerRecorder(LedgerLogRecorder, PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        bound_waits(datastore)
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        for statement in LEDGER_TABLES:
            self.sql_create_statements.append(SQL(statement).format(schema=schema))

    def create_table(self) -> None:
        # Processes that start together would otherwise race on the same DDL and fail
        # with "tuple concurrently updated"; they take turns instead.
        with ddl_lock(self.datastore):
            super().create_table()

    def _sql(self, template: str) -> str:
        schema = self.datastore.schema.replace('"', '""')
        events = self.events_table_name.replace('"', '""')
        return template.replace("?", "%s").format(
            log=f'"{schema}".ledger_log',
            events=f'"{schema}"."{events}"',
            idempotency=f'"{schema}".ledger_idempotency',
            users=f'"{schema}".ledger_users',
            sessions=f'"{schema}".ledger_sessions',
            event_key="notification_id",
        )

    @on_lost_connection(retry=True)
    def _fetch(self, statement: str, params: Sequence[Any]) -> list[Any]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return curs.fetchall()

    @on_lost_connection(retry=True)
    def _fetch_tuples(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True)
            return curs.fetchall()

    def fetch_pages(
        self, template: str, pages: Sequence[Sequence[Any]]
    ) -> Generator[list[tuple[Any, ...]], None, None]:
        """The pages in one pipeline on one connection: each page's query is sent before
        the page before it is handed on, so the server reads the next page while this
        process works through the last. Rows come in binary (the same values, read with
        less work than text: a stored state as it is, not in hex). A connection lost on
        the way is replaced and the pages not yet handed on are read one at a time (each
        tried once more, as `fetch_tuples` is)."""
        statement = self._sql(template)
        remaining = deque(pages)
        scan = _PipelinedScan()
        try:
            yield from scan.run(self.datastore, statement, remaining)
        except (InterfaceError, OperationalError) as error:
            if scan.closing:
                raise
            unreachable(self.datastore, error)
            if not connection_lost(error):
                raise
            self.datastore.pool.check()
        while remaining:
            yield self._fetch_tuples(statement, remaining.popleft())

    @on_lost_connection(retry=False)
    def _modify(self, statement: str, params: Sequence[Any]) -> int:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(statement, params)
            return int(curs.rowcount)

    # The library's own reads retry ten times, each waiting for a connection; bounded here.
    select_events = on_lost_connection(retry=True)(PostgresApplicationRecorder.select_events.__wrapped__)

    def _subject_list(self) -> str:
        return "unnest(%s::text[]) AS s(subject)"

    def _subject_list_param(self, subjects: Sequence[str]) -> Any:
        return list(subjects)

    def now(self, curs: Any) -> datetime:
        if self.clock is not None:
            return self.clock()
        curs.execute("SELECT clock_timestamp() AS now")
        row = curs.fetchone()
        assert row is not None
        moment: datetime = row["now"]
        return moment

    def store_now(self) -> datetime:
        """The database server's clock: the one `recorded_at` is read from."""
        if self.clock is not None:
            return self.clock()
        moment: datetime = self._fetch("SELECT clock_timestamp() AS now", ())[0]["now"]
        return moment

    def _tail_and_now(self, curs: Any) -> tuple[Tail, datetime]:
        """The log's tail and the server's clock, in one round trip."""
        if self.clock is not None:
            return self._select_tail(curs), self.clock()
        curs.execute(
            self._sql(
                "SELECT clock_timestamp() AS now, t.seq, t.hash, t.recorded_at FROM (SELECT 1) AS one"
                " LEFT JOIN (SELECT seq, hash, recorded_at FROM {log} ORDER BY seq DESC LIMIT 1) AS t ON true"
            )
        )
        row = curs.fetchone()
        tail = Tail() if row["seq"] is None else Tail(row["seq"], row["hash"], row["recorded_at"])
        return tail, row["now"]

    @contextmanager
    def write_transaction(self) -> Iterator[Cursor[DictRow]]:
        """A transaction holding the append lock from its first statement."""
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            yield curs

    @on_lost_connection(retry=False)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.write_transaction() as curs:
            return self._append(curs, stored_events, **kwargs)

    def _append(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        entries: Sequence[PendingEntry] = kwargs.get("log_entries") or ()
        assert len(entries) == len(stored_events), "every stored event needs its log entry"
        self._notify_channel(curs)
        tail, now = self._tail_and_now(curs)
        # An import stamps every chunk at the instant it began.
        chain_entries(entries, tail, kwargs.get("now") or now, expected_tail=kwargs.get("expected_tail"))
        if len(stored_events) >= COPY_FROM:
            notification_ids = self._copy_rows(curs, stored_events, entries)
        else:
            PostgresAggregateRecorder._insert_stored_events(self, curs, stored_events)
            notification_ids = [row["notification_id"] for row in curs.fetchall()]
            self._insert_log(curs, entries, notification_ids)
        idempotency: IdempotencyRecord | None = kwargs.get("idempotency")
        if idempotency is not None:
            self._insert_idempotency(curs, idempotency, entries[-1].seq)
        return notification_ids

    def _copy_rows(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], entries: Sequence[PendingEntry]
    ) -> list[int]:
        """Many events (an import's chunk) by COPY: their notification ids are drawn from
        the table's own sequence first (in order, while this transaction holds the
        append lock), then the stored events and their log rows are copied in."""
        table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        curs.execute(
            SQL(
                "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id')) AS id"
                " FROM generate_series(1, %s)"
            ),
            (table.as_string(curs), len(stored_events)),
        )
        notification_ids = sorted(row["id"] for row in curs.fetchall())
        with curs.copy(
            SQL(
                "COPY {} (originator_id, originator_version, topic, state, notification_id) FROM STDIN"
            ).format(table)
        ) as copy:
            for stored, notification_id in zip(stored_events, notification_ids, strict=True):
                copy.write_row(
                    (
                        stored.originator_id,
                        stored.originator_version,
                        stored.topic,
                        stored.state,
                        notification_id,
                    )
                )
        with curs.copy(self._sql(f"COPY {{log}} ({LOG_COLUMNS}) FROM STDIN")) as copy:
            for entry, notification_id in zip(entries, notification_ids, strict=True):
                copy.write_row(entry.log_row(notification_id))
        return notification_ids
