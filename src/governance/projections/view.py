"""The read models' store: the library's tracking recorders, extended with the fact tables.

A batch of fact rows and its tracking record commit in one transaction, in the same
database as the events, so each event is applied exactly once — also when the process
dies in the middle of a batch, and when several processes race to apply the same
events: a batch commits only if the read models are still at the position it was read
from (the library's tracking refuses only to move backwards, which lets two batches
that start at the same position and end at different ones both commit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment
from psycopg.rows import tuple_row

from governance.projections import backdated, board_cases, contracts, milestones, projects, risks
from governance.projections.schema import Row, Table
from governance.store.postgres import bound_waits, ddl_lock, on_lost_connection

MODULES = (projects, milestones, risks, contracts, board_cases, backdated)
TABLES: tuple[Table, ...] = tuple(table for module in MODULES for table in module.TABLES)
COLUMNS = {table.name: table.columns for table in TABLES}

VERSION = 7
"""The fact tables' layout; a store built with another layout is rebuilt on start."""

STATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS {t}rm_state (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL,"
    " version INTEGER NOT NULL, rebuilding INTEGER NOT NULL)"
)

_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


class ReadModelView(TrackingRecorder):
    """What both stores' views offer: apply a batch, query, drop."""

    prefix = ""
    text = "TEXT"
    dialect = "sqlite"
    reads_ahead = False
    """Whether catching up reads the next page while it writes the last (writing waits
    on a server)."""
    factory: InfrastructureFactory[ReadModelView]
    """The infrastructure the view was made by (closed with it)."""
    _insert_tracking: Callable[[Any, Tracking], None]
    """Provided by the store's tracking recorder."""

    def _ddl(self) -> list[str]:
        statements = [STATE_TABLE]
        for table in TABLES:
            statements.append(table.ddl)
            statements.extend(table.indexes)
        return [statement.format(t=self.prefix, text=self.text) for statement in statements]

    def sql(self, template: str) -> str:
        return template.format(t=self.prefix, text=self.text)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        raise NotImplementedError

    def fetch(self, template: str, params: dict[str, Any]) -> list[Any]:
        raise NotImplementedError

    def fetch_tuples(self, template: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows as plain tuples, in the SELECT's column order (for reads of thousands
        of rows, which unpack each row rather than look its columns up by name)."""
        raise NotImplementedError

    def write_rows(self, curs: Any, table: str, rows: Sequence[Row]) -> None:
        columns = COLUMNS[table]
        placeholders = ", ".join(self._placeholder for _ in columns)
        curs.executemany(
            self.sql(f"INSERT INTO {{t}}{table} ({', '.join(columns)}) VALUES ({placeholders})"), rows
        )

    _placeholder = "?"

    def apply(
        self,
        rows: dict[str, list[Row]],
        tracking: Tracking,
        seq: int,
        *,
        after: int,
        selected: Sequence[str] = (),
    ) -> bool:
        """Store a batch of fact rows, read from the log after position `after` up to
        `seq`, with its tracking record, atomically; False, storing nothing, if the read
        models are no longer at `after` (another process applied events first).
        `selected` are statements that add more of the batch's rows from the log in the
        database itself, given (after, seq)."""
        with self.transaction() as curs:
            # First, so that a racing batch waits on this row until this one commits
            # and then finds the position moved.
            curs.execute(
                self.sql(
                    f"UPDATE {{t}}rm_state SET seq = {self._placeholder}"
                    f" WHERE id = 1 AND seq = {self._placeholder} RETURNING seq"
                ),
                (seq, after),
            )
            if curs.fetchone() is None:
                return False
            self._insert_tracking(curs, tracking)
            for table, table_rows in rows.items():
                if table_rows:
                    self.write_rows(curs, table, table_rows)
            for statement in selected:
                curs.execute(statement, (after, seq))
        return True

    def state(self) -> tuple[int, int, bool]:
        """(applied seq, layout version, rebuild in progress)."""
        rows = self.fetch("SELECT seq, version, rebuilding FROM {t}rm_state WHERE id = 1", {})
        if not rows:
            return 0, VERSION, False
        return int(rows[0]["seq"]), int(rows[0]["version"]), bool(rows[0]["rebuilding"])

    def reset(self, application_name: str, *, rebuilding: bool) -> None:
        """Empty every fact table and forget the tracked position."""
        with self.transaction() as curs:
            for table in TABLES:
                curs.execute(self.sql(f"DELETE FROM {{t}}{table.name}"))
            curs.execute(self.sql("DELETE FROM {t}rm_state"))
            curs.execute(
                self.sql("INSERT INTO {t}rm_state (id, seq, version, rebuilding) VALUES (1, 0, %d, %d)")
                % (VERSION, int(rebuilding))
            )
            self._forget_tracking(curs, application_name)

    def prepare(self, application_name: str) -> None:
        """Create what is missing; a store laid out by another release (another version
        in `rm_state`) has its fact tables dropped and made anew, empty, for a rebuild."""
        with self.schema_lock():
            self.relayout(application_name)
            self.create_tables()
        self.ensure_state_row()

    def relayout(self, application_name: str) -> bool:
        """Drop every fact table if the store holds another layout; whether it did. Of
        processes that start together, the first to mark the new layout does it."""
        with self.transaction() as curs:
            curs.execute(self.sql(STATE_TABLE))
            curs.execute(
                self.sql(
                    f"UPDATE {{t}}rm_state SET version = {VERSION}, seq = 0, rebuilding = 1 WHERE id = 1"
                )
                + f" AND version <> {VERSION}"
            )
            if self._rowcount(curs) == 0:
                return False
            for table in TABLES:
                curs.execute(self.sql(f"DROP TABLE IF EXISTS {{t}}{table.name}"))
            self._forget_tracking(curs, application_name)
        return True

    def schema_lock(self) -> AbstractContextManager[Any]:
        """Held while tables are dropped and made (processes that start together take turns)."""
        return nullcontext()

    def create_tables(self) -> None:
        raise NotImplementedError

    def finish_rebuild(self) -> None:
        with self.transaction() as curs:
            self._no_statement_timeout(curs)
            for statement in self.index_statements():
                curs.execute(statement)
            curs.execute(self.sql("UPDATE {t}rm_state SET rebuilding = 0 WHERE id = 1"))

    def optimise(self) -> None:
        """Refresh the planner's statistics after a rebuild (and, on PostgreSQL, the
        visibility map that lets the covering indexes answer alone)."""
        with self.transaction() as curs:
            for table in TABLES:
                curs.execute(self.sql(f"ANALYZE {{t}}{table.name}"))

    def index_statements(self) -> list[str]:
        return [self.sql(index) for table in TABLES for index in table.indexes]

    def drop_indexes(self) -> None:
        """A rebuild loads faster without them; `finish_rebuild` makes them again."""
        with self.transaction() as curs:
            for table in TABLES:
                for index in table.indexes:
                    name = index.split(" EXISTS ", 1)[1].split(" ON ", 1)[0]
                    curs.execute(self.sql(f"DROP INDEX IF EXISTS {self._index_prefix}{name}"))

    _index_prefix = ""

    def _no_statement_timeout(self, curs: Any) -> None:
        """Index builds over a whole rebuild take as long as they take."""

    def _forget_tracking(self, curs: Any, application_name: str) -> None:
        raise NotImplementedError

    def _rowcount(self, curs: Any) -> int:
        """How many rows the cursor's last statement changed."""
        return int(curs.rowcount)

    def ensure_state_row(self) -> None:
        with self.transaction() as curs:
            curs.execute(self.sql("SELECT COUNT(*) AS n FROM {t}rm_state"))
            if curs.fetchone()["n"] == 0:
                curs.execute(
                    self.sql("INSERT INTO {t}rm_state (id, seq, version, rebuilding) VALUES (1, 0, %d, 0)")
                    % VERSION
                )


class SQLiteReadModelView(ReadModelView, SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self._ddl()]

    def create_tables(self) -> None:
        SQLiteTrackingRecorder.create_table(self)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=True) as conn:
            # The views can always be derived again, so their commits need not wait for
            # the disk (in WAL mode this risks the latest batches, never the file).
            conn.cursor().execute("PRAGMA synchronous=NORMAL")
            with conn.transaction(commit=True) as curs:
                yield curs

    def fetch(self, template: str, params: dict[str, Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(template), params)
            return list(curs.fetchall())

    def fetch_tuples(self, template: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.sqlite_cursor.row_factory = None
            curs.execute(self.sql(template), params)
            return list(curs.fetchall())

    def _forget_tracking(self, curs: Any, application_name: str) -> None:
        curs.execute("DELETE FROM tracking WHERE application_name = ?", (application_name,))

    def _rowcount(self, curs: Any) -> int:
        return int(curs.sqlite_cursor.rowcount)


class PostgresReadModelView(ReadModelView, PostgresTrackingRecorder):
    text = 'TEXT COLLATE "C"'
    dialect = "postgres"
    reads_ahead = True
    _placeholder = "%s"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        bound_waits(datastore)
        super().__init__(datastore, **kwargs)
        schema = self.datastore.schema.replace('"', '""')
        self.prefix = self._index_prefix = f'"{schema}".'
        from psycopg.sql import SQL, Composed

        self.sql_create_statements.extend(Composed([SQL(statement)]) for statement in self._ddl())

    def schema_lock(self) -> AbstractContextManager[Any]:
        return ddl_lock(self.datastore)

    def create_tables(self) -> None:
        PostgresTrackingRecorder.create_table(self)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as curs:
            yield curs

    @on_lost_connection(retry=True)
    def fetch(self, template: str, params: dict[str, Any]) -> list[Any]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(_NAMED.sub(r"%(\1)s", self.sql(template)), params, prepare=True)
            return curs.fetchall()

    @on_lost_connection(retry=True)
    def fetch_tuples(self, template: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(_NAMED.sub(r"%(\1)s", self.sql(template)), params, prepare=True)
            return curs.fetchall()

    def write_rows(self, curs: Any, table: str, rows: Sequence[Row]) -> None:
        # COPY is several times faster than INSERT for the batches a rebuild writes.
        columns = ", ".join(COLUMNS[table])
        with curs.copy(self.sql(f"COPY {{t}}{table} ({columns}) FROM STDIN")) as copy:
            for row in rows:
                copy.write_row(row)

    def optimise(self) -> None:
        with self.datastore.get_connection() as conn:  # autocommit: VACUUM runs outside a transaction
            conn.execute("SET statement_timeout = 0")
            try:
                for table in TABLES:
                    conn.execute(self.sql(f"VACUUM (ANALYZE) {{t}}{table.name}"))
            finally:
                conn.execute("RESET statement_timeout")

    def _no_statement_timeout(self, curs: Any) -> None:
        curs.execute("SET LOCAL statement_timeout = 0")

    def _forget_tracking(self, curs: Any, application_name: str) -> None:
        curs.execute(
            self.sql(f'DELETE FROM {{t}}"{self.tracking_table_name}" WHERE application_name = %s'),
            (application_name,),
        )


def open_view(env: dict[str, str], application_name: str) -> ReadModelView:
    """The read models' view on the store the ledger's environment names."""
    # The tables are made by `prepare`, which first lays out anew what another release left.
    environment = Environment("ReadModels", env | {"CREATE_TABLE": "no"})
    factory = InfrastructureFactory[ReadModelView].construct(environment)
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        view: ReadModelView = factory.tracking_recorder(PostgresReadModelView)
    else:
        view = factory.tracking_recorder(SQLiteReadModelView)
    view.prepare(application_name)
    view.factory = factory
    return view


def empty_tables() -> dict[str, list[Row]]:
    return {table.name: [] for table in TABLES}
