"""The ledger log: the fields that belong to the log rather than to an aggregate.

`seq`, `id`, `recorded_at`, `actor`, `prev_hash` and `hash` live in their own table,
written in the same transaction as the library's stored events and assigned in one place,
under the append lock, so that concurrent writers (threads, processes, hosts) still get a
gap-free `seq`, a non-decreasing `recorded_at` and an unbroken chain. An event's
`version`, `effective_on` and `data` stay in the library's stored event; a read joins the
two by notification id.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from governance.base import NOT_DATA
from governance.chain import ZERO_HASH, Envelope, event_hash, hashed_fields
from governance.errors import ConcurrentAppend, FieldError, InvalidInput
from governance.timemodel import OSLO, format_instant, oslo_day

PAGE_SIZE = 5000


@dataclass
class PendingEntry:
    """A new event's log fields; `seq`, `prev_hash`, `hash` (and `recorded_at`, unless an
    import brings it) are filled in at storage."""

    event_id: str
    subject: str
    type: str
    version: int
    effective_on: str
    actor: str | None
    data: dict[str, Any]
    recorded_at: str | None = None
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""
    expected: dict[str, Any] | None = None
    """Log fields an import line states (`seq`, `prev_hash`, `hash`); checked at storage."""

    def sealed(self) -> Envelope:
        """The stored event's §7 envelope."""
        assert self.seq, "not stored yet"
        assert self.recorded_at is not None
        return Envelope(
            self.seq,
            self.event_id,
            self.subject,
            self.type,
            self.version,
            self.effective_on,
            self.recorded_at,
            self.actor,
            self.data,
            self.prev_hash,
            self.hash,
        )

    def envelope(self) -> dict[str, Any]:
        return self.sealed().as_dict()

    def log_row(self, notification_id: int) -> tuple[Any, ...]:
        """The stored entry as a row of the log table, in `LOG_COLUMNS` order."""
        return (
            self.seq,
            notification_id,
            self.event_id,
            self.subject,
            self.type,
            self.effective_on,
            self.recorded_at,
            self.actor,
            self.prev_hash,
            self.hash,
        )


LOG_COLUMNS = (
    "seq, notification_id, event_id, subject, type, effective_on, recorded_at, actor, prev_hash, hash"
)


@dataclass(frozen=True)
class Tail:
    seq: int = 0
    hash: str = ZERO_HASH
    recorded_at: str = ""


@dataclass(frozen=True)
class IdempotencyRecord:
    """A write's `Idempotency-Key`, stored with the `seq` of the event it appended."""

    principal: str
    key: str
    fingerprint: str


class LogOrderError(InvalidInput):
    """An entry's log fields cannot follow the log's tail (import only, or a clock
    gone backwards past midnight); `index` is its position in the batch."""

    def __init__(self, index: int, loc: tuple[str | int, ...], msg: str) -> None:
        super().__init__([FieldError(loc, msg, "log_order")])
        self.index = index


def chain_entries(
    entries: Sequence[PendingEntry], tail: Tail, now: datetime, *, expected_tail: int | None = None
) -> None:
    """Give each entry its `seq`, `recorded_at`, `prev_hash` and `hash`, after `tail`.

    With `expected_tail`, the batch was validated against a log of that length: if the
    log has grown since, the batch must be validated again.
    """
    if expected_tail is not None and tail.seq != expected_tail:
        raise ConcurrentAppend(
            f"the log grew from {expected_tail} to {tail.seq} events while the batch was checked"
        )
    now_text = format_instant(now)
    seq, prev_hash, last_recorded = tail.seq, tail.hash, tail.recorded_at
    for index, entry in enumerate(entries):
        if entry.recorded_at is None:
            entry.recorded_at = max(now_text, last_recorded)
        elif entry.recorded_at < last_recorded:
            raise LogOrderError(index, ("recorded_at",), f"goes backwards (the log is at {last_recorded})")
        elif entry.recorded_at > now_text:
            raise LogOrderError(index, ("recorded_at",), "lies in the future")
        recorded_on = recorded_day(entry.recorded_at)
        if entry.effective_on > recorded_on.isoformat():
            raise LogOrderError(
                index, ("effective_on",), f"lies after the day it is recorded ({recorded_on}, Europe/Oslo)"
            )
        seq += 1
        # The hash taken straight over the fields (what `Envelope.sealed` does, without
        # building the envelope twice: this runs for every event an import stores).
        hashed = hashed_fields(
            seq,
            entry.event_id,
            entry.subject,
            entry.type,
            entry.version,
            entry.effective_on,
            entry.recorded_at,
            entry.actor,
            entry.data,
            prev_hash,
        )
        digest = event_hash(hashed)
        if entry.expected:
            for name, stated in entry.expected.items():
                actual = digest if name == "hash" else hashed[name]
                if actual != stated:
                    raise LogOrderError(index, (name,), f"is {stated!r}, but the log makes it {actual!r}")
        entry.seq, entry.prev_hash, entry.hash = seq, prev_hash, digest
        prev_hash, last_recorded = entry.hash, entry.recorded_at


@lru_cache(maxsize=4096)
def _day_of_hour(hour: str) -> date:
    return oslo_day(datetime.fromisoformat(hour + ":00:00+00:00"))


@lru_cache(maxsize=4096)
def _oslo_offset_hours(utc_day: str) -> int | None:
    """Oslo's offset from UTC in hours throughout a UTC day, or None when it changes
    during the day: the offsets at its first and last hour, if equal, hold all day
    (Oslo's clocks change at most twice a year; `test_timemodel` checks every hour)."""
    first = datetime.fromisoformat(utc_day + "T00:00:00+00:00")
    last = first + _23_HOURS
    offset, last_offset = first.astimezone(OSLO).utcoffset(), last.astimezone(OSLO).utcoffset()
    if offset != last_offset or offset is None or offset % _ONE_HOUR:
        return None
    return offset // _ONE_HOUR


def recorded_day(recorded_at: str) -> date:
    """The day (Europe/Oslo) of a `recorded_at` in the canonical form of §4. Oslo's
    offset from UTC has been whole hours since 1895, so the day follows from the UTC
    day and hour and that day's offset (looked up once per UTC day), or on a day the
    clocks change, from the instant's UTC hour (and the calendar's last day, whose last
    hour is past its end in Oslo, as `oslo_day` says)."""
    if "1900" <= recorded_at < "9999-12-31":
        offset = _oslo_offset_hours(recorded_at[:10])
        if offset is None:
            return _day_of_hour(recorded_at[:13])
        day = _utc_date(recorded_at[:10])
        if int(recorded_at[11:13]) + offset >= 24:
            return day + _ONE_DAY
        return day
    return oslo_day(datetime.fromisoformat(recorded_at))


@lru_cache(maxsize=4096)
def _utc_date(utc_day: str) -> date:
    return date.fromisoformat(utc_day)


_ONE_HOUR = timedelta(hours=1)
_23_HOURS = timedelta(hours=23)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LogRow:
    """One event as the log and the stored event hold it, before its state is decoded."""

    seq: int
    event_id: str
    subject: str
    type: str
    version: int
    effective_on: str
    recorded_at: str
    actor: str | None
    state: bytes
    topic: str
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: Any) -> LogRow:
        """From a row of `LedgerLogRecorder.ROW_COLUMNS`."""
        return cls(
            seq=row["seq"],
            event_id=row["event_id"],
            subject=row["subject"],
            type=row["type"],
            version=row["version"],
            effective_on=row["effective_on"],
            recorded_at=row["recorded_at"],
            actor=row["actor"],
            state=bytes(row["state"]),
            topic=row["topic"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )

    def envelope(self, decode_state: Callable[[bytes], dict[str, Any]]) -> dict[str, Any]:
        """The §7 envelope as a dict, fields in §7 order."""
        return stored_envelope(
            self.seq,
            self.event_id,
            self.subject,
            self.type,
            self.version,
            self.recorded_at,
            self.actor,
            decode_state(self.state),
            self.prev_hash,
            self.hash,
        )


def stored_envelope(
    seq: int,
    event_id: str,
    subject: str,
    type_: str,
    version: int,
    recorded_at: str,
    actor: str | None,
    state: dict[str, Any],
    prev_hash: str,
    hash_: str,
) -> dict[str, Any]:
    """The §7 envelope of a log entry and its stored event's decoded `state`, fields in §7
    order: `effective_on` and `data` come from the stored event itself."""
    envelope = hashed_fields(
        seq,
        event_id,
        subject,
        type_,
        version,
        state.get("effective_on"),  # type: ignore[arg-type]
        recorded_at,
        actor,
        state_data(state),
        prev_hash,
    )
    envelope["hash"] = hash_
    return envelope


NOT_STATE_DATA = NOT_DATA | {"class_version"}
"""What a stored state holds beside the event's `data`."""


def state_data(state: dict[str, Any]) -> dict[str, Any]:
    """An event's `data` from its stored state: everything but the library's fields,
    `effective_on` and `class_version`, in stored order."""
    return {name: value for name, value in state.items() if name not in NOT_STATE_DATA}


def utc_now() -> datetime:
    return datetime.now(UTC)


class LedgerLogRecorder:
    """The ledger log's SQL, shared by the SQLite and PostgreSQL recorders.

    Statements are written with ``?`` placeholders and ``{log}``, ``{events}``,
    ``{idempotency}``, ``{event_key}`` slots; each recorder fills them for its dialect.
    """

    clock: Callable[[], datetime] | None = None
    """Where `recorded_at` comes from; None means the database's own clock (the host's
    clock on SQLite). Tests set it to a fake clock."""
    write_transaction: Callable[[], AbstractContextManager[Any]]
    """A transaction holding the append lock (each store's recorder has its own)."""
    _append: Callable[..., Sequence[int]]
    """Store events with their log entries inside `write_transaction` (each store's own)."""

    def _sql(self, template: str) -> str:
        raise NotImplementedError

    def _fetch(self, statement: str, params: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    def _modify(self, statement: str, params: Sequence[Any]) -> int:
        """Run one writing statement in its own transaction; the number of rows changed."""
        raise NotImplementedError

    def _fetch_tuples(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def fetch_tuples(self, template: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Like `fetch`, rows as plain tuples in the statement's column order (for scans
        of the whole log, where building a mapping per row costs more than the row)."""
        return self._fetch_tuples(self._sql(template), params)

    def fetch_pages(
        self, template: str, pages: Sequence[Sequence[Any]]
    ) -> Generator[list[tuple[Any, ...]], None, None]:
        """`fetch_tuples` of one statement with each of `pages`' parameters in turn: a scan
        of the log page by page. Close the iterator when stopping before its end."""
        statement = self._sql(template)
        for params in pages:
            yield self._fetch_tuples(statement, params)

    def fetch(self, template: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of a query written with the ``{log}``-style slots and ``?`` placeholders."""
        return self._fetch(self._sql(template), params)

    def modify(self, template: str, params: Sequence[Any] = ()) -> int:
        return self._modify(self._sql(template), params)

    # Writing, inside the append transaction --------------------------------------

    def _select_tail(self, curs: Any) -> Tail:
        curs.execute(self._sql("SELECT seq, hash, recorded_at FROM {log} ORDER BY seq DESC LIMIT 1"))
        row = curs.fetchone()
        if row is None:
            return Tail()
        return Tail(row["seq"], row["hash"], row["recorded_at"])

    def _insert_log(
        self, curs: Any, entries: Sequence[PendingEntry], notification_ids: Sequence[int]
    ) -> None:
        # One entry (an HTTP write) is one plain statement: psycopg's executemany runs a
        # pipeline, which costs more than it saves for a single row.
        statement = self._sql(f"INSERT INTO {{log}} ({LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        rows = [
            entry.log_row(notification_id)
            for entry, notification_id in zip(entries, notification_ids, strict=True)
        ]
        if len(rows) == 1:
            curs.execute(statement, rows[0])
        else:
            curs.executemany(statement, rows)

    def _insert_idempotency(self, curs: Any, record: IdempotencyRecord, seq: int) -> None:
        curs.execute(
            self._sql("INSERT INTO {idempotency} (principal, key, fingerprint, seq) VALUES (?, ?, ?, ?)"),
            (record.principal, record.key, record.fingerprint, seq),
        )

    # Reading ------------------------------------------------------------------------

    def log_position(self, known_at: str | None = None) -> int:
        """The number of events recorded at or before `known_at` (all when None)."""
        if known_at is None:
            rows = self._fetch(self._sql("SELECT MAX(seq) AS seq FROM {log}"), ())
        else:
            rows = self._fetch(
                self._sql(
                    "SELECT seq FROM {log} WHERE recorded_at <= ? ORDER BY recorded_at DESC, seq DESC LIMIT 1"
                ),
                (known_at,),
            )
        return (rows[0]["seq"] or 0) if rows else 0

    def log_hash(self, position: int) -> str:
        """The hash of the event at `position` (64 zeros at 0)."""
        if position == 0:
            return ZERO_HASH
        rows = self._fetch(self._sql("SELECT hash FROM {log} WHERE seq = ?"), (position,))
        return str(rows[0]["hash"]) if rows else ZERO_HASH

    def recorded_at(self, position: int) -> str | None:
        """When the event at `position` was recorded (None at 0)."""
        rows = self._fetch(self._sql("SELECT recorded_at FROM {log} WHERE seq = ?"), (position,))
        return str(rows[0]["recorded_at"]) if rows else None

    def subject_version(self, subject: str, position: int | None = None) -> int:
        """How many of a subject's events are among the first `position` (all when None)."""
        if position is None:
            rows = self._fetch(self._sql("SELECT COUNT(*) AS n FROM {log} WHERE subject = ?"), (subject,))
        else:
            rows = self._fetch(
                self._sql("SELECT COUNT(*) AS n FROM {log} WHERE subject = ? AND seq <= ?"),
                (subject, position),
            )
        return int(rows[0]["n"])

    def subject_versions(self, subjects: Sequence[str], position: int) -> dict[str, int]:
        """Each subject's number of events among the first `position`: the version of its
        last event by then, one index seek each (subjects without one are left out)."""
        if not subjects:
            return {}
        rows = self._fetch(
            self._sql(
                "SELECT s.subject, (SELECT e.originator_version FROM {log} l"
                " JOIN {events} e ON e.{event_key} = l.notification_id WHERE l.subject = s.subject"
                " AND l.seq <= ? ORDER BY l.seq DESC LIMIT 1) AS version FROM "
            )
            + self._subject_list(),
            (position, self._subject_list_param(subjects)),
        )
        return {row["subject"]: int(row["version"]) for row in rows if row["version"] is not None}

    def _subject_list(self) -> str:
        """A FROM item of one column, `subject`, from one parameter (see `_subject_list_param`)."""
        raise NotImplementedError

    def _subject_list_param(self, subjects: Sequence[str]) -> Any:
        raise NotImplementedError

    def idempotent_seq(self, principal: str, key: str) -> tuple[str, int] | None:
        rows = self._fetch(
            self._sql("SELECT fingerprint, seq FROM {idempotency} WHERE principal = ? AND key = ?"),
            (principal, key),
        )
        return (rows[0]["fingerprint"], rows[0]["seq"]) if rows else None

    ROW_COLUMNS = (
        "l.seq, l.event_id, l.subject, l.type, e.originator_version AS version, l.effective_on,"
        " l.recorded_at, l.actor, e.state, e.topic, l.prev_hash, l.hash"
        " FROM {log} l JOIN {events} e ON e.{event_key} = l.notification_id"
    )

    def log_rows(
        self,
        *,
        after: int = 0,
        until: int | None = None,
        subject: str | None = None,
        limit: int | None = None,
        effective_until: str | None = None,
    ) -> Iterator[LogRow]:
        """Events in log order with `after < seq <= until` (of `subject`, effective on or
        before `effective_until`, when given), read page by page so that memory stays
        flat however long the log is."""
        remaining = limit
        while remaining is None or remaining > 0:
            page = PAGE_SIZE if remaining is None else min(PAGE_SIZE, remaining)
            conditions: list[str] = ["l.seq > ?"]
            params: list[Any] = [after]
            if until is not None:
                conditions.append("l.seq <= ?")
                params.append(until)
            if subject is not None:
                conditions.append("l.subject = ?")
                params.append(subject)
            if effective_until is not None:
                conditions.append("l.effective_on <= ?")
                params.append(effective_until)
            statement = self._sql(
                "SELECT "
                + self.ROW_COLUMNS
                + " WHERE "
                + " AND ".join(conditions)
                + " ORDER BY l.seq LIMIT ?"
            )
            rows = self._fetch(statement, (*params, page))
            for row in rows:
                yield LogRow.from_row(row)
            if len(rows) < page:
                return
            after = rows[-1]["seq"]
            if remaining is not None:
                remaining -= len(rows)

    def log_rows_at(self, seqs: Sequence[int]) -> list[LogRow]:
        """The events at the given positions, in log order."""
        if not seqs:
            return []
        marks = ", ".join("?" for _ in seqs)
        rows = self._fetch(
            self._sql("SELECT " + self.ROW_COLUMNS + f" WHERE l.seq IN ({marks}) ORDER BY l.seq"), tuple(seqs)
        )
        return [LogRow.from_row(row) for row in rows]

    def states_at(self, seqs: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The stored states (decoded) of the events at the given positions."""
        wanted = sorted(set(seqs))
        states: dict[int, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._fetch(
                self._sql(
                    "SELECT l.seq, e.state FROM {log} l JOIN {events} e ON e.{event_key} = l.notification_id"
                    f" WHERE l.seq IN ({marks})"
                ),
                tuple(chunk),
            )
            states.update((row["seq"], orjson.loads(bytes(row["state"]))) for row in rows)
        return states

    def projection_rows(self, *, after: int, limit: int) -> list[tuple[int, int, str, str, bytes, str]]:
        """The next events for the read models: seq, notification id, subject, type, the
        stored state and `recorded_at`, nothing else, so that a rebuild reads as little as
        it can."""
        rows = self._fetch(
            self._sql(
                "SELECT l.seq, l.notification_id, l.subject, l.type, e.state, l.recorded_at"
                " FROM {log} l JOIN {events} e ON e.{event_key} = l.notification_id"
                " WHERE l.seq > ? ORDER BY l.seq LIMIT ?"
            ),
            (after, limit),
        )
        return [
            (
                row["seq"],
                row["notification_id"],
                row["subject"],
                row["type"],
                bytes(row["state"]),
                row["recorded_at"],
            )
            for row in rows
        ]

    def now(self, curs: Any) -> datetime:
        return self.clock() if self.clock is not None else utc_now()

    def store_now(self) -> datetime:
        """ "Now" on the clock `recorded_at` is read from (this host's, for SQLite)."""
        return self.clock() if self.clock is not None else utc_now()
