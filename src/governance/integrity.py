"""The integrity check of DOMAIN.md §6–§7: the chain recomputed from the stored rows, so
that no event, log column or stored state is altered, removed, inserted or reordered
unnoticed.

What the chain cannot see: events cut off the end of the log (the shorter chain is
intact), and the library's own bookkeeping inside a stored state (its `timestamp`),
which is not part of any §7 field. A head hash filed with a tertial report catches the
first: `verify(position=P, expected_hash=H)`.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import orjson

from governance.application import Ledger
from governance.chain import ZERO_HASH, event_hash, hashed_fields
from governance.events import KIND_OF_TYPE
from governance.keys import KeyFormatError, SubjectKey
from governance.processes import available_cores, discard_pool, in_worker_process, worker_pool
from governance.settings import settings
from governance.store.log import NOT_STATE_DATA, PAGE_SIZE
from governance.store.postgres import PostgresLedgerRecorder
from governance.store.sqlite import SQLiteLedgerRecorder


@dataclass(frozen=True)
class Verification:
    """The answer of `GET /verify`: `checked` events are intact and end in `head_hash`;
    when not `ok`, `broken_at` is the first bad `seq` (null when the chain is intact but
    does not end in the expected hash) and `reason` says what is wrong."""

    ok: bool
    checked: int
    head_hash: str
    broken_at: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_hash": self.head_hash,
            "broken_at": self.broken_at,
            "reason": self.reason,
        }


class _Broken(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


_ROWS = (
    "SELECT l.seq, l.notification_id, l.event_id, l.subject, l.type, l.effective_on, l.recorded_at,"
    " l.actor, l.prev_hash, l.hash, e.originator_id, e.originator_version, e.topic, e.state"
    " FROM {log} l LEFT JOIN {events} e ON e.{event_key} = l.notification_id"
    " WHERE l.seq > ? AND l.seq <= ? ORDER BY l.seq LIMIT ?"
)
_UNLOGGED = (
    "SELECT e.{event_key} AS notification_id FROM {events} e"
    " LEFT JOIN {log} l ON l.notification_id = e.{event_key}"
    " WHERE l.seq IS NULL ORDER BY e.{event_key} LIMIT 1"
)
_NOT_DATA = tuple(NOT_STATE_DATA)
_STORED = "SELECT COUNT(*) AS n FROM {events}"
_SEQ_AFTER = "SELECT MIN(seq) AS seq FROM {log} WHERE notification_id > ?"
_ENTRY = "SELECT hash, recorded_at, notification_id FROM {log} WHERE seq = ?"

PART_EVENTS = 50_000
"""The fewest events a part of the chain walked by another process holds: for fewer, starting
the part would cost about as much as it saves."""


def verify(
    ledger: Ledger,
    *,
    position: int | None = None,
    expected_hash: str | None = None,
    processes: int | None = None,
) -> Verification:
    """Recompute the chain over the whole log in `seq` order (or its first `position`
    events), and with `expected_hash` answer whether those events still hash to it; a
    long chain is walked in parts by up to `processes` processes (by default as the
    `verify_processes` setting says)."""
    if position is not None and position < 0:
        raise ValueError("position must not be negative")
    length = ledger.position()
    until = length if position is None else min(position, length)
    walk = _Walk(ledger)
    broken: _Broken | None = None
    try:
        _walk_chain(walk, until, processes or settings().verify_processes or available_cores())
    except _Broken as error:
        broken = error
    # A walk of the whole log found a stored event of its own for every one of its
    # `length` entries; if the store holds no more events than that, none is unlogged.
    whole = broken is None and walk.seq == length
    unlogged = None if whole and _stored_events(ledger) == length else _first_unlogged(ledger, length)
    reach = length + 1 if position is None else until
    if unlogged is not None and unlogged <= reach and (broken is None or unlogged < broken.seq):
        broken = _Broken(unlogged, "a stored event without a log entry was slipped in here")
    if broken is not None:
        head = walk.head if walk.seq == broken.seq - 1 else ledger.head_hash(broken.seq - 1)
        return Verification(False, broken.seq - 1, head, broken.seq, broken.reason)
    if position is not None and position > length:
        return Verification(
            False,
            until,
            walk.head,
            length + 1,
            f"the log ends at seq {length}: events {length + 1} to {position} are missing",
        )
    if expected_hash is not None and walk.head != expected_hash.lower():
        return Verification(
            False,
            until,
            walk.head,
            None,
            f"the first {until} events hash to {walk.head}, not {expected_hash}: that history has been rewritten",
        )
    return Verification(True, until, walk.head)


def _walk_chain(walk: _Walk, until: int, processes: int) -> None:
    """Walk the first `until` events of the chain, in parts on as many cores as the setting
    allows when it is long: this process walks the first part while worker processes walk
    the others, each from the entry before its part as it stands, keeping the first and
    last version of each subject it meets. The parts are joined in order; a part that broke,
    or does not join (its first versions or its seed disagree with the walk so far), is walked
    again here, from its start to the end, so that the first break found and its reason
    are the ones a walk in one piece finds."""
    parts = _parts(until, processes)
    if len(parts) == 1 or in_worker_process() or not _reachable_from_other_processes(walk.ledger):
        walk.run(0, until)
        return
    pool = worker_pool(len(parts) - 1)
    ledger = walk.ledger
    try:
        futures = [
            pool.submit(_walk_part, ledger.url, dict(ledger.env), start, end) for start, end in parts[1:]
        ]
    except (BrokenProcessPool, RuntimeError):
        discard_pool(pool)
        walk.run(0, until)
        return
    try:
        walk.run(0, parts[0][1])
        for (start, _end), future in zip(parts[1:], futures, strict=True):
            part = _part_result(future, pool)
            if part is None or not walk.join(part):
                walk.run(start, until)
                return
    finally:
        for future in futures:
            future.cancel()


def _parts(until: int, processes: int) -> list[tuple[int, int]]:
    """The chain's first `until` events in parts of nearly equal length, one per process."""
    count = max(1, min(processes, until // PART_EVENTS))
    bounds = [until * index // count for index in range(count + 1)]
    return list(pairwise(bounds))


def _reachable_from_other_processes(ledger: Ledger) -> bool:
    """Whether another process can open this store: not a SQLite database in memory."""
    log = ledger.log
    return not (isinstance(log, SQLiteLedgerRecorder) and log.datastore.pool.is_sqlite_memory_mode)


def _part_result(future: Future[_Part | None], pool: ProcessPoolExecutor) -> _Part | None:
    """The part a worker walked, or None when it could not walk it (its process died, the
    store refused it a connection): the part is then walked in this process."""
    try:
        return future.result()
    except BrokenProcessPool:
        discard_pool(pool)
        return None
    except Exception:  # noqa: BLE001 - whatever went wrong there, this process walks the part
        return None


@dataclass(frozen=True)
class _Part:
    """A part of the chain walked in another process: the entry it was seeded with, where
    it ended, and the versions of the subjects it met (the first, and the last as
    `_Subject`s)."""

    start: int
    seed: tuple[str, str, int]
    seq: int
    head: str
    recorded_at: str
    notification_id: int
    earlier_notification_id: int
    first_versions: dict[str, int]
    subjects: dict[str, _Subject]


def _walk_part(url: str, env: dict[str, str], start: int, end: int) -> _Part | None:
    """Walk the events after `start` up to `end` in a worker process, on a connection of its
    own; None when the part breaks anywhere (the walk in one piece says where and why)."""
    ledger = Ledger(url, env=env | {"CREATE_TABLE": "false"})
    try:
        walk = _Walk(ledger, open_start=True)
        seed = walk.seed(start)
        if seed is None:
            return None
        walk.run(start, end)
    except _Broken:
        return None
    finally:
        ledger.close()
    return _Part(
        start,
        seed,
        walk.seq,
        walk.head,
        walk.recorded_at,
        walk.notification_id,
        walk.earlier_notification_id,
        walk.first_versions or {},
        walk.subjects,
    )


class _Subject:
    """A subject the walk has seen: its kind, the ids its stored events may carry (the hex
    text SQLite stores, the hyphenated text PostgreSQL writes) and its last version."""

    __slots__ = ("ids", "kind", "version")

    def __init__(self, kind: str, ids: tuple[str, str]) -> None:
        self.kind = kind
        self.ids = ids
        self.version = 0


class _Walk:
    """The chain walked in `seq` order, every column checked against the stored event,
    each event's hash recomputed in the same pass as its row is read."""

    def __init__(self, ledger: Ledger, *, open_start: bool = False) -> None:
        self.ledger = ledger
        mapper = ledger.mapper
        plain = mapper.cipher is None and mapper.compressor is None
        self.decode = orjson.loads if plain else mapper.decode_state
        self.head = ZERO_HASH
        self.seq = 0
        self.recorded_at = ""
        self.notification_id = 0
        self.earlier_notification_id = 0
        self.subjects: dict[str, _Subject] = {}
        self.first_versions: dict[str, int] | None = {} if open_start else None
        """Walking a part that starts after subjects' earlier events: the version each subject
        is first met at, taken as it stands and joined to the walk before the part later."""
        self.topics: dict[str, tuple[str, str | None]] = {}
        """Each stored event topic seen: the event type it names, and that type's kind."""
        self.statement = (
            # The id as text: cheaper to read than a UUID built for every row.
            _ROWS.replace("e.originator_id,", "e.originator_id::text,")
            if isinstance(ledger.log, PostgresLedgerRecorder)
            else _ROWS
        )

    def seed(self, start: int) -> tuple[str, str, int] | None:
        """Take the entry at `start` as the walk's last (a part's walk starts after it):
        its hash, `recorded_at` and `notification_id`, or None when there is none."""
        if start > 0:
            rows = self.ledger.log.fetch(_ENTRY, (start,))
            if not rows:
                return None
            self.head, self.recorded_at = rows[0]["hash"], rows[0]["recorded_at"]
            self.notification_id = int(rows[0]["notification_id"])
            self.seq = start
        return self.head, self.recorded_at, self.notification_id

    def join(self, part: _Part) -> bool:
        """Go on from the end of a part another process walked, if it follows this walk: it
        was seeded with this walk's last entry and each subject's first version in it comes
        next after this walk's."""
        if part.start != self.seq or part.seed != (self.head, self.recorded_at, self.notification_id):
            return False
        subjects = self.subjects
        for text, version in part.first_versions.items():
            known = subjects.get(text)
            if version != (known.version if known is not None else 0) + 1:
                return False
        for text, subject in part.subjects.items():
            known = subjects.get(text)
            if known is None:
                subjects[text] = subject
            else:
                known.version = subject.version
        self.seq, self.head, self.recorded_at = part.seq, part.head, part.recorded_at
        self.notification_id, self.earlier_notification_id = (
            part.notification_id,
            part.earlier_notification_id,
        )
        return True

    def run(self, start: int, until: int) -> None:
        """Walk on from the event after `start` (the walk's last) to `until`."""
        # Each page is a range of seq bounded on both sides: a planner that does not know
        # the rows come in seq order would otherwise join the whole rest of the log for
        # every page before it sorts and limits.
        bounds = [
            (after, min(until, after + PAGE_SIZE), PAGE_SIZE) for after in range(start, until, PAGE_SIZE)
        ]
        with closing(self.ledger.log.fetch_pages(self.statement, bounds)) as pages:
            for rows in pages:
                self._check(rows)
        if self.seq < until:
            raise _Broken(self.seq + 1, f"event {self.seq + 1} is missing from the log")

    def _check(self, rows: list[tuple[Any, ...]]) -> None:
        """Check a page of rows, keeping the walk's position as it goes.

        The walk's state is kept in local names while the page is checked (they are
        cheaper to read and write than attributes, for every row) and stored back when the
        page ends or breaks: `seq`, `head` and `recorded_at` are those of the last event
        found intact."""
        decode, subjects, topics = self.decode, self.subjects, self.topics
        not_data = _NOT_DATA
        last, head, last_recorded = self.seq, self.head, self.recorded_at
        notification, earlier = self.notification_id, self.earlier_notification_id
        try:
            for (
                seq,
                notification_id,
                event_id,
                text,
                type_,
                effective_column,
                recorded_at,
                actor,
                prev_hash,
                stored_hash,
                originator_id,
                version,
                topic,
                state,
            ) in rows:
                if seq != last + 1:
                    raise _Broken(last + 1, f"event {last + 1} is missing from the log (the next is {seq})")
                if state is None:
                    raise _Broken(seq, "its stored event is missing")
                if notification_id <= notification:
                    if notification_id > earlier:
                        # Only the event before is out of place: stored after the ones that follow it.
                        raise _Broken(
                            seq - 1,
                            "its stored event was stored after the events that follow it: it was inserted",
                        )
                    raise _Broken(seq, "its stored event was stored out of log order")
                try:
                    subject = subjects[text]
                except KeyError:
                    subject = self._subject(seq, text, version)
                if originator_id not in subject.ids:
                    raise _Broken(seq, f"its stored event belongs to another subject than {text}")
                try:
                    stored_type, stored_kind = topics[topic]
                except KeyError:
                    stored_type, stored_kind = topics[topic] = self._topic(topic)
                if type_ != stored_type:
                    raise _Broken(
                        seq, f"its type column says {type_} but its stored event is a {stored_type}"
                    )
                if stored_kind != subject.kind:
                    raise _Broken(seq, f"{type_} is not an event of a {subject.kind} subject")
                if version != subject.version + 1:
                    raise _Broken(
                        seq, f"it is version {version} of {text}, which is at version {subject.version}"
                    )
                if recorded_at < last_recorded:
                    raise _Broken(
                        seq,
                        f"its recorded_at goes backwards (event {seq - 1} is recorded at {last_recorded})",
                    )
                if prev_hash != head:
                    raise _Broken(seq, f"its prev_hash does not link to the hash of event {seq - 1}")
                try:
                    data = decode(bytes(state))
                    effective_on = data.get("effective_on")
                    for name in not_data:  # what the state holds beside `data`, as `state_data`
                        if name in data:
                            del data[name]
                except Exception as error:  # noqa: BLE001 - any undecodable state is a break
                    raise _Broken(
                        seq, f"its stored state cannot be decoded ({type(error).__name__})"
                    ) from None
                if effective_on != effective_column:
                    raise _Broken(
                        seq,
                        f"its effective_on column says {effective_column} but its stored event says {effective_on}",
                    )
                fields = hashed_fields(
                    seq, event_id, text, type_, version, effective_on, recorded_at, actor, data, prev_hash
                )
                if event_hash(fields) != stored_hash:
                    raise _Broken(seq, "its hash does not match its content: the event was altered")
                last, head, last_recorded = seq, stored_hash, recorded_at
                earlier, notification = notification, notification_id
                subject.version = version
        finally:
            self.seq, self.head, self.recorded_at = last, head, last_recorded
            self.notification_id, self.earlier_notification_id = notification, earlier

    @staticmethod
    def _topic(topic: Any) -> tuple[str, str | None]:
        """The event type a stored event's topic names, and that type's kind."""
        stored_type = str(topic).rpartition(":")[2]
        return stored_type, KIND_OF_TYPE.get(stored_type)

    def _subject(self, seq: int, text: str, version: Any) -> _Subject:
        """The subject a log row names: its kind and the ids its stored events carry (in a
        part's walk, at the version before the one it is first met at)."""
        try:
            key = SubjectKey.parse(text)
        except KeyFormatError:
            raise _Broken(seq, f"its subject {text!r} is not a subject key") from None
        subject = self.subjects[text] = _Subject(key.kind, (key.id.hex, str(key.id)))
        if self.first_versions is not None and isinstance(version, int):
            self.first_versions[text] = version
            subject.version = version - 1
        return subject


def _stored_events(ledger: Ledger) -> int:
    """How many stored events there are: one count, far cheaper than `_first_unlogged`'s
    search of them all for one without a log entry."""
    return int(ledger.log.fetch(_STORED)[0]["n"])


def _first_unlogged(ledger: Ledger, length: int) -> int | None:
    """The `seq` at which a stored event without a log entry would stand, if there is one."""
    rows = ledger.log.fetch(_UNLOGGED)
    if not rows:
        return None
    after = ledger.log.fetch(_SEQ_AFTER, (rows[0]["notification_id"],))
    seq = after[0]["seq"] if after else None
    return int(seq) if seq is not None else length + 1
