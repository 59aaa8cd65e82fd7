"""Keeps the read models up to date: a pull loop over the notification log.

The library's `ProjectionRunner` needs `subscribe()`, which its SQLite recorder lacks,
and applies one event per transaction; this loop reads the log from the tracked
position in pages and commits each page's fact rows with its tracking record. It runs
in a background thread of every API process (woken by this process's own appends, and
polling for other processes'), and any reader that needs a position the views have not
reached yet helps it along.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import orjson
from eventsourcing.persistence import IntegrityError, Tracking

from governance.application import Ledger
from governance.projections import backdated, board_cases
from governance.projections.schema import Handler, Row, Selected
from governance.projections.view import COLUMNS, MODULES, ReadModelView, empty_tables, open_view
from governance.timemodel import format_instant, oslo_day

BATCH = 10_000
CACHE_SIZE = 256
QUERY_THREADS = 4
POLL_SECONDS = 0.5
GATHER_SECONDS = 0.02

T = TypeVar("T")

log = logging.getLogger("governance.readmodels")

HANDLERS: dict[str, Handler] = {
    name: handler for module in MODULES for name, handler in module.HANDLERS.items()
}
SELECTED: dict[str, Selected] = {
    name: row for module in MODULES for name, row in getattr(module, "SELECTED", {}).items()
}
"""Event types whose one fact row SQLite makes itself (no board case is cited by them)."""
assert not set(SELECTED) & board_cases.CITING_TYPES

MAYBE_BACKDATED = "l.recorded_at >= l.effective_on || 'T22'"
"""`backdated.maybe_backdated` in SQL, on the log entry's copy of `effective_on`: recorded
on a later UTC day, or on that day at 22:00 or after (`recorded_at` is canonical,
`YYYY-MM-DDTHH:MM:SS.ffffffZ`)."""


@dataclass(frozen=True)
class AppliedError:
    """The last error applying the log: when it happened (this host's clock) and what it was."""

    at: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"at": self.at, "message": self.message}


class ReadModelsBehind(Exception):
    """The read models have not applied the events a read asks for, within the wait;
    `failing` is the error that keeps them from it, if they are failing."""

    def __init__(self, wanted: int, applied: int, failing: AppliedError | None = None) -> None:
        text = f"the read models have applied {applied} of the {wanted} events this read needs"
        if failing is not None:
            text += f"; applying the log fails: {failing.message}"
        super().__init__(text)
        self.wanted = wanted
        self.applied = applied
        self.failing = failing


@dataclass(frozen=True)
class Page:
    rows: dict[str, list[Row]]
    last_seq: int
    last_notification_id: int
    selected: tuple[str, ...] = ()
    """Statements that add the page's rows of `SELECTED` event types, given (after, last_seq)."""


class ReadModels:
    """The read models of one ledger, and the loop that keeps them up to date."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.view: ReadModelView = open_view(dict(ledger.env), ledger.name)
        self._apply_lock = threading.Lock()
        self._progress = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._queries = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="read-models-query")
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.last_error: AppliedError | None = None
        """The last error applying the log, kept (and logged) rather than swallowed."""
        self.failing = False
        """Whether the last attempt to apply the log failed."""
        self.applied = self.view.state()[0]
        self._selected: tuple[str, ...] = ()
        if self.view.dialect == "sqlite" and self._shares_events_database():
            # The read models share the events' database: the most frequent events' rows
            # are made there (most of a rebuild's events never reach Python).
            self._selected = tuple(self._selected_statement(name, row) for name, row in SELECTED.items())
        self._reads_ahead = self.view.reads_ahead or bool(self._selected)
        """Whether catching up reads the next page while it writes the last: where
        writing waits on a server, or on SQLite making the selected rows (neither holds
        the interpreter's lock)."""
        ledger.on_append(self._wake.set)

    # Applying ---------------------------------------------------------------------

    def catch_up(self, until: int | None = None, *, progress: Callable[[int], None] | None = None) -> int:
        """Apply the log from the tracked position (to `until`, or its end); the
        position reached. Only one thread applies at a time."""
        with self._apply_lock:
            return self._catch_up_noting_errors(until, progress)

    def _catch_up_noting_errors(
        self, until: int | None, progress: Callable[[int], None] | None = None
    ) -> int:
        try:
            position = self._catch_up(until, progress)
        except Exception as error:
            self._failed(error)
            raise
        if self.failing:
            self.failing = False
            log.warning("the read models apply the log again, at %d", position)
        return position

    def _failed(self, error: Exception) -> None:
        """Remember the error; log it with its traceback, unless it is the one already
        logged (a pass that keeps failing is retried every half second)."""
        message = f"{type(error).__name__}: {error}"
        repeated = self.failing and self.last_error is not None and self.last_error.message == message
        self.failing = True
        self.last_error = AppliedError(format_instant(datetime.now(UTC)), message)
        if not repeated:
            log.error(
                "the read models cannot apply the log after %d: %s", self.applied, message, exc_info=error
            )

    def _catch_up(self, until: int | None, progress: Callable[[int], None] | None = None) -> int:
        self.applied = self.view.state()[0]
        pages = self._pages_read_ahead() if self._reads_ahead else self._pages()
        try:
            for page in pages:
                if not self._store(page):
                    # Another process applied these events first: go on from where it got.
                    pages.close()
                    return self._catch_up(until, progress)
                with self._progress:
                    self._progress.notify_all()
                if progress is not None:
                    progress(self.applied)
                if until is not None and self.applied >= until:
                    break
        finally:
            pages.close()
        return self.applied

    def _pages(self) -> Generator[Page, None, None]:
        while (page := self._prepare(self.applied)) is not None:
            yield page

    def _pages_read_ahead(self) -> Generator[Page, None, None]:
        """Pages, the next one read and turned into fact rows in another thread while
        the last is written."""
        with ThreadPoolExecutor(1, thread_name_prefix="read-models-reader") as reader:
            upcoming = reader.submit(self._prepare, self.applied)
            try:
                while (page := upcoming.result()) is not None:
                    upcoming = reader.submit(self._prepare, page.last_seq)
                    yield page
            finally:
                upcoming.cancel()

    def _shares_events_database(self) -> bool:
        """Whether the view's connections see the events' tables: the same database file
        (an in-memory database is one per connection pool)."""
        ours = getattr(getattr(self.view, "datastore", None), "pool", None)
        theirs = getattr(getattr(self.ledger.log, "datastore", None), "pool", None)
        name = getattr(ours, "db_name", None)
        return (
            name is not None
            and name == getattr(theirs, "db_name", None)
            and not getattr(ours, "is_sqlite_memory_mode", True)
        )

    def _selected_statement(self, type_: str, row: Selected) -> str:
        table, expressions = row
        if type_ not in HANDLERS or "'" in type_:
            raise ValueError(f"no handler for the selected event type {type_!r}")
        return self.view.sql(
            f"INSERT INTO {{t}}{table} ({', '.join(COLUMNS[table])}) SELECT {', '.join(expressions)}"
        ) + self.ledger.log._sql(
            " FROM (SELECT l.subject AS subject, l.seq AS seq, l.effective_on AS eff, CAST(e.state AS TEXT) AS s"
            " FROM {log} l JOIN {events} e ON e.{event_key} = l.notification_id"
            f" WHERE l.seq > ? AND l.seq <= ? AND l.type = '{type_}') l ORDER BY l.seq"
        )

    def _rows_selecting(self, after: int) -> tuple[list[Any], int, int] | None:
        """SQLite: the events after `after` for this loop to handle — not those of the
        `SELECTED` types, unless they may be backdated — with the last seq and
        notification id of the page they are from."""
        log = self.ledger.log
        last = log.fetch(
            "SELECT seq, notification_id FROM {log} WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?",
            (after, BATCH - 1),
        )
        if not last:
            last = log.fetch(
                "SELECT seq, notification_id FROM {log} WHERE seq > ? ORDER BY seq DESC LIMIT 1", (after,)
            )
            if not last:
                return None
        last_seq, last_notification_id = last[0][0], last[0][1]
        types = ", ".join(f"'{name}'" for name in SELECTED)
        rows = self.view.fetch_tuples(
            log._sql(
                "SELECT l.seq, l.notification_id, l.subject, l.type, e.state, l.recorded_at"
                " FROM {log} l JOIN {events} e ON e.{event_key} = l.notification_id"
                f" WHERE l.seq > :after AND l.seq <= :last AND (l.type NOT IN ({types}) OR {MAYBE_BACKDATED})"
                " ORDER BY l.seq"
            ),
            {"after": after, "last": last_seq},
        )
        return rows, last_seq, last_notification_id

    def _prepare(self, after: int) -> Page | None:
        """The fact rows of the next page of the log after `after`: for each event, its
        handler's rows, the cases it cites, and its backdated flag (this loop is most of
        a rebuild's own work)."""
        if self._selected:
            selecting = self._rows_selecting(after)
            if selecting is None:
                return None
            rows, last_seq, last_notification_id = selecting
        else:
            rows = self.ledger.log.projection_rows(after=after, limit=BATCH)
            if not rows:
                return None
            last_seq, last_notification_id = rows[-1][:2]
        decode = orjson.loads
        handlers = HANDLERS
        selected = SELECTED if self._selected else {}
        citing = board_cases.CITING_TYPES
        citations = board_cases.citations
        maybe_backdated = backdated.maybe_backdated
        flags = backdated.flags
        grouped = empty_tables()
        for seq, _, subject, type_, raw, recorded_at in rows:
            state = decode(raw)
            handler = handlers.get(type_)
            if handler is not None and type_ not in selected:
                for table, values in handler(seq, subject, state):
                    grouped[table].append(values)
            if type_ in citing:
                for table, values in citations(seq, state):
                    grouped[table].append(values)
            effective_on = state["effective_on"]
            if maybe_backdated(effective_on, recorded_at):
                for table, values in flags(seq, effective_on, recorded_at):
                    grouped[table].append(values)
        return Page(grouped, last_seq, last_notification_id, self._selected)

    def _store(self, page: Page) -> bool:
        """Commit a page with its tracking record; False if another process was first.
        Pages are read one after another from `applied`, so a page starts there."""
        tracking = Tracking(self.ledger.name, page.last_notification_id)
        try:
            stored = self.view.apply(
                page.rows, tracking, page.last_seq, after=self.applied, selected=page.selected
            )
        except IntegrityError:
            stored = False
        if not stored:
            self.applied = self.view.state()[0]
            return False
        self.applied = page.last_seq
        return True

    def rebuild(self, *, progress: Callable[[int], None] | None = None, restart: bool = False) -> int:
        """Drop every read model and apply the whole log again. An interrupted rebuild
        resumes where it stopped, unless `restart`."""
        _, _, rebuilding = self.view.state()
        if restart or not rebuilding:
            with self._apply_lock:
                self.view.reset(self.ledger.name, rebuilding=True)
                self.view.drop_indexes()
                self.applied = 0
        position = self.catch_up(progress=progress)
        self.view.finish_rebuild()
        self.view.optimise()
        return position

    # Reading ----------------------------------------------------------------------

    def ensure(self, position: int, timeout: float = 3.0) -> None:
        """Return once the read models have applied the first `position` events: apply
        them here, or wait for the thread that is applying them, for up to `timeout`
        seconds; then `ReadModelsBehind`, with the error applying them if one keeps
        them from it."""
        deadline = time.monotonic() + timeout
        failed = False
        while self.applied < position:
            if not failed and self._apply_lock.acquire(blocking=False):
                try:
                    self._catch_up_noting_errors(position)
                except Exception:  # noqa: BLE001 - noted and logged; the read is refused below, naming it
                    failed = True
                finally:
                    self._apply_lock.release()
                if self.applied >= position:
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadModelsBehind(position, self.applied, self.last_error if self.failing else None)
            with self._progress:
                self._progress.wait(timeout=min(0.05, remaining))

    def horizon(self, position: int, as_of: date) -> str:
        """The last day a fact among the first `position` events can be effective on, by
        `as_of`: no event is effective after the day it is recorded, so no fact with
        `seq <= position` lies after the day the event at `position` was recorded. Reads
        bound their index seeks by it, rather than skip every later fact one by one."""
        recorded_at = self.ledger.log.recorded_at(position)
        if recorded_at is None:
            return "0000-00-00"
        return min(as_of, oslo_day(datetime.fromisoformat(recorded_at))).isoformat()

    def fetch(self, template: str, **params: Any) -> list[Any]:
        return self.view.fetch(template, params)

    def fetch_tuples(self, template: str, **params: Any) -> list[tuple[Any, ...]]:
        """The rows as plain tuples, in the SELECT's column order."""
        return self.view.fetch_tuples(template, params)

    def concurrently(self, **tasks: Callable[[], Any]) -> dict[str, Any]:
        """Run a read's independent queries side by side, each on a connection of its
        own (the drivers wait for the store without holding the GIL); their results."""
        futures = {name: self._queries.submit(task) for name, task in tasks.items()}
        return {name: future.result() for name, future in futures.items()}

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """An answer that depends only on what `key` names — a read at P events never
        changes, since the first P events never do — computed once."""
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        answer = compute()
        with self._cache_lock:
            self._cache[key] = answer
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer

    # Running in the background ----------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="read-models", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.catch_up()
            except Exception:  # noqa: BLE001 - noted and logged by catch_up; retried on the next pass
                self._stop.wait(POLL_SECONDS)
            if self._wake.wait(POLL_SECONDS):
                # Let a burst of appends gather into one page (a reader that cannot
                # wait applies what it needs itself).
                self._stop.wait(GATHER_SECONDS)
            self._wake.clear()

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._queries.shutdown(wait=True)
        self.view.factory.close()
