"""The exchange format of DOMAIN.md §7: the log exported as JSON lines, page by page, and a
file of such lines imported as one batch that is stored whole or not at all.

Import rules where §7 is silent: a blank (or whitespace-only) line is skipped but counted,
so a trailing newline or an empty last line is fine and line numbers stay physical
(``\\n``-separated, a leading UTF-8 byte order mark ignored); a line without `actor` keeps
`actor` null (the importing admin is not substituted: the event was not theirs); `actor`,
when given, is null or a non-blank string; `seq`, `id`, `version`, `prev_hash`, `hash` and
`recorded_at` are never null.
"""

from __future__ import annotations

import gc
import re
import threading
from array import array
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from governance.application import Batch, BatchError, Command, Ledger
from governance.base import LIBRARY_FIELDS, Aggregate
from governance.chain import ENVELOPE_FIELDS, envelope_line
from governance.context import acting_as
from governance.errors import (
    InvalidInput,
    LedgerError,
    LifecycleViolation,
    ReferenceNotFound,
    SubjectAlreadyExists,
    SubjectNotFound,
)
from governance.events import EVENT_TYPES, KIND_OF_TYPE
from governance.keys import KeyFormatError, SubjectKey
from governance.store.log import (
    PAGE_SIZE,
    LogOrderError,
    PendingEntry,
    Tail,
    chain_entries,
    stored_envelope,
)
from governance.store.postgres import PostgresLedgerRecorder
from governance.strict_json import BodyRefused, check_json_body
from governance.timemodel import TimeFormatError, format_instant, parse_instant

MEDIA_TYPE = "application/x-ndjson"
MAX_LINE_BYTES = 4 * 1024 * 1024
"""The longest line an import reads (an event written over the API is at most 1 MiB)."""
CHUNK_BYTES = 64 * 1024
ID_LOOKUP = 500
"""How many stated ids one query looks up in the log."""
SUBJECT_CACHE = 200_000
HELD_EVENTS = 250_000
"""About how many events' folded subjects an import holds at most (about 1 KiB each);
beyond that the subjects used least recently are let go and read back from the import's
transaction when named again, which bounds memory for any file but costs time (each
read back decodes and folds the subject's events again)."""
WRITE_CHUNK = 2_000
"""How many checked lines are written to the store at a time, inside the one transaction."""

REQUIRED = ("subject", "type", "effective_on", "data")
_REQUIRED = frozenset(REQUIRED)
_RESERVED_DATA = frozenset(LIBRARY_FIELDS | {"effective_on"})
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")
_CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z\Z")
_TOP_LEVEL = frozenset(ENVELOPE_FIELDS)


# Export --------------------------------------------------------------------------------


_EXPORTED_ROWS = (
    "SELECT l.seq, l.event_id, l.subject, l.type, e.originator_version, l.recorded_at, l.actor, e.state,"
    " l.prev_hash, l.hash FROM {log} l JOIN {events} e ON e.{event_key} = l.notification_id"
    " WHERE l.seq > ? AND l.seq <= ? ORDER BY l.seq LIMIT ?"
)


def export_lines(ledger: Ledger, *, until: int | None = None) -> Iterator[bytes]:
    """Each event up to `until` (the log as it stands when the export begins, by default)
    as its §7 line: one compact JSON object, fields in §7 order, ending in ``\\n``.

    The log is read page by page, so memory stays flat, as plain rows (on PostgreSQL in
    one pipeline, in binary: the next page is read while this one is written), each
    event's line made straight from its row and its stored state."""
    until = ledger.position() if until is None else until
    decode = ledger.mapper.decode_state
    bounds = [(after, min(until, after + PAGE_SIZE), PAGE_SIZE) for after in range(0, until, PAGE_SIZE)]
    with closing(ledger.log.fetch_pages(_EXPORTED_ROWS, bounds)) as pages:
        for rows in pages:
            for seq, event_id, subject, type_, version, recorded_at, actor, state, prev_hash, hash_ in rows:
                yield envelope_line(
                    stored_envelope(
                        seq,
                        event_id,
                        subject,
                        type_,
                        version,
                        recorded_at,
                        actor,
                        decode(bytes(state)),
                        prev_hash,
                        hash_,
                    )
                )


def export_chunks(ledger: Ledger, *, until: int | None = None, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The export in chunks of about `size` bytes (whole lines), for streaming."""
    buffer = bytearray()
    for line in export_lines(ledger, until=until):
        buffer += line
        if len(buffer) >= size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def export_to(ledger: Ledger, stream: IO[bytes]) -> int:
    """Write the log as it stands now to `stream`; the number of events written."""
    until = ledger.position()
    for chunk in export_chunks(ledger, until=until):
        stream.write(chunk)
    return until


# Import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    imported: int
    position: int
    head_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "position": self.position, "head_hash": self.head_hash}


class ImportRefused(LedgerError):
    """A line of an import file was refused, and with it the whole file.

    `line` is 1-based and counts every physical line; `loc` locates the bad field within
    the line (``("data", "probability")``), `msg` says what is wrong with it, and `reason`
    says both.
    """

    title = "Import refused"

    def __init__(
        self, line: int, msg: str, *, loc: tuple[str | int, ...] = (), type_: str = "value_error"
    ) -> None:
        where = ".".join(str(part) for part in loc)
        self.line = line
        self.loc = loc
        self.msg = msg
        self.type = type_
        self.reason = f"{where}: {msg}" if where else msg
        super().__init__(f"line {line}: {self.reason}")


def import_stream(ledger: Ledger, stream: IO[bytes]) -> Imported:
    """Import a §7 file: every line validated as a command against the log plus the lines
    before it, then stored, a chunk at a time, in one transaction that holds the append
    lock throughout. The first bad line raises `ImportRefused` and nothing is stored.

    Memory holds a window of the file (a chunk of lines and the stated ids seen) and the
    folded state of the subjects it names, not the file itself.
    The stream is read while the lock is held: callers spool slow sources first.
    """
    importer = _Importer(ledger)
    lines = _Lines(ledger, stream, importer)
    try:
        with acting_as(None), oldest_generation_deferred():
            importer.run(lines)
    except BatchError as error:
        raise _refusal(lines.line_of(error.index), error.cause) from None
    if importer.last is None:
        position = ledger.position()
        return Imported(0, position, ledger.head_hash(position))
    return Imported(importer.count, importer.last.seq, importer.last.hash)


DEFERRED = 1 << 30
"""The oldest generation's threshold while an import runs: more young collections than
any import makes."""
_deferring = threading.Lock()
_deferred_by: list[int] = [0, 0]
"""How many imports defer the oldest generation now, and its threshold before the first."""


@contextmanager
def oldest_generation_deferred() -> Iterator[None]:
    """The cyclic collector's full collections wait while an import runs; its young
    generations go on being collected, for every thread, as before.

    The folded subjects an import holds grow with the file, and each full collection
    walks all of them (and every other object of the process) again: an eighth of a
    20,000-event import's time, a seventh of a 60,000-event one's. They form no reference cycles (a whole import leaves
    none to find), so nothing of the import waits for the deferred collections; what
    waits is only what other threads drop after it has survived their young
    generations. The threshold is the process's: the first of overlapping imports
    (on several ledgers) sets it, the last restores it, however each ends."""
    with _deferring:
        if _deferred_by[0] == 0:
            young, middle, _deferred_by[1] = gc.get_threshold()
            gc.set_threshold(young, middle, DEFERRED)
        _deferred_by[0] += 1
    try:
        yield
    finally:
        with _deferring:
            _deferred_by[0] -= 1
            if _deferred_by[0] == 0:
                young, middle, _ = gc.get_threshold()
                gc.set_threshold(young, middle, _deferred_by[1])


class _ImportBatch(Batch):
    """A batch that knows which subjects the log held before the import began, asked a
    window of lines at a time, so that a subject new to the log is never looked for;
    and that holds the folded subjects of at most about `HELD_EVENTS` events: once a
    chunk is written, the subjects used least recently are let go, and read back from
    the import's own transaction should a later line name them again."""

    def __init__(self, ledger: Ledger, empty: bool) -> None:
        super().__init__(ledger)
        self.empty = empty
        self.in_log: dict[str, bool] = {}
        self.recency: dict[UUID, None] = {}
        """Subjects held, least recently used first."""
        self.let_go: set[UUID] = set()
        """Subjects stored (before or by this import) that are no longer held."""
        self.curs: Any = None

    def prefetch(self, subjects: Iterable[str]) -> None:
        if self.empty:
            return
        wanted = sorted({text for text in subjects if text not in self.in_log})
        for start in range(0, len(wanted), ID_LOOKUP):
            chunk = wanted[start : start + ID_LOOKUP]
            marks = ", ".join("?" for _ in chunk)
            rows = self.ledger.log.fetch(
                f"SELECT DISTINCT subject FROM {{log}} WHERE subject IN ({marks})", chunk
            )
            found = {row["subject"] for row in rows}
            self.in_log.update((text, text in found) for text in chunk)

    def _in_log(self, subject: SubjectKey) -> bool:
        if self.empty:
            return False
        text = str(subject)
        known = self.in_log.get(text)
        if known is None:
            known = self.in_log[text] = self.ledger.log.subject_version(text) > 0
        return known

    def load(self, subject: SubjectKey) -> Aggregate | None:
        aggregates, subject_id = self.aggregates, subject.id
        if subject_id not in aggregates:
            if subject_id in self.let_go:
                self.let_go.discard(subject_id)
                aggregates[subject_id] = self._read_back(subject)
            else:
                aggregates[subject_id] = self.ledger.aggregate(subject) if self._in_log(subject) else None
        recency = self.recency
        recency.pop(subject_id, None)
        recency[subject_id] = None
        return aggregates[subject_id]

    def exists(self, subject: SubjectKey) -> bool:
        if subject.id in self.aggregates:
            return self.aggregates[subject.id] is not None
        return subject.id in self.let_go or self._in_log(subject)

    def let_go_of_least_used(self, limit: int) -> None:
        """Stop holding the subjects used least recently while more than `limit`
        events are held (only between chunks: every held event is stored)."""
        aggregates = self.aggregates
        held = sum(len(aggregate._history) for aggregate in aggregates.values() if aggregate is not None)
        if held <= limit:
            return
        for subject_id in list(self.recency):
            if held <= limit * 3 // 4:
                break
            aggregate = aggregates.pop(subject_id, None)
            del self.recency[subject_id]
            if aggregate is not None:
                held -= len(aggregate._history)
                self.let_go.add(subject_id)

    def _read_back(self, subject: SubjectKey) -> Aggregate:
        """A subject as the import's transaction holds it (its own writes included)."""
        log = self.ledger.log
        postgres = isinstance(log, PostgresLedgerRecorder)
        self.curs.execute(
            log._sql(
                "SELECT originator_version, topic, state FROM {events} WHERE originator_id = ?"
                " ORDER BY originator_version"
            ),
            (subject.id if postgres else subject.id.hex,),
        )
        to_event = self.ledger.mapper.to_domain_event
        aggregate: Any = None
        for row in self.curs.fetchall():
            stored = StoredEvent(subject.id, row["originator_version"], row["topic"], bytes(row["state"]))
            event: Any = to_event(stored)
            aggregate = event.mutate(aggregate)
        assert aggregate is not None, f"{subject} was written by this import"
        return cast(Aggregate, aggregate)


class _Importer:
    """Commands checked and stored a chunk at a time inside one transaction that holds
    the append lock (other writers wait in `Ledger.wait_while_exclusive`, reads go on).
    A refusal names the first bad line: a chunk's own failure (its log fields, checked
    when it is written) comes before any later line's."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.batch = _ImportBatch(ledger, empty=False)
        self.count = 0
        """Commands stored so far (a refusal's index counts from the first line)."""
        self.last: PendingEntry | None = None

    def run(self, commands: Iterable[Command]) -> None:
        ledger, recorder = self.ledger, self.ledger.log
        with ledger._exclusive, recorder.write_transaction() as curs:
            if isinstance(recorder, PostgresLedgerRecorder):
                # While the batch is checked, this transaction waits on other
                # connections' reads: longer than the store lets a transaction sit idle.
                curs.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            tail = recorder._select_tail(curs)
            self.batch.empty = tail.seq == 0
            self.batch.curs = curs
            self.tail, self.now = tail, recorder.now(curs)
            self._check_and_write(commands, curs)
        ledger._notify([])

    def _check_and_write(self, commands: Iterable[Command], curs: Any) -> None:
        self.batch.apply_all(
            commands,
            self._check_log_fields,
            stored=lambda: self.count,
            full=lambda: self._write(curs),
            chunk=WRITE_CHUNK,
        )
        self._write(curs)

    def _check_log_fields(self) -> None:
        """The log fields of the commands not yet written are checked when written; a
        refusal first looks for an earlier command whose log fields are bad."""
        try:
            chain_entries([copy(entry) for entry in self.batch.entries], self.tail, self.now)
        except LogOrderError as error:
            raise BatchError(self.count + error.index, error) from error

    def _write(self, curs: Any) -> None:
        """Write the checked lines to the store, inside the import's transaction."""
        batch = self.batch
        if not batch.entries:
            return
        for subject_id in {event.originator_id for event in batch.events}:
            aggregate = batch.aggregates[subject_id]
            if aggregate is not None:
                aggregate.collect_events()
        self._store(curs, batch.stored_events(), list(batch.entries))
        batch.clear()
        batch.let_go_of_least_used(HELD_EVENTS)

    def _store(self, curs: Any, stored: list[StoredEvent], entries: list[PendingEntry]) -> None:
        try:
            self.ledger.log._append(curs, stored, log_entries=entries, now=self.now)
        except LedgerError as error:
            index = getattr(error, "index", len(entries) - 1)
            raise BatchError(self.count + index, error) from error
        last = entries[-1]
        self.count += len(entries)
        self.last = last
        self.tail = Tail(last.seq, last.hash, last.recorded_at or "")


class _Lines(Iterable[Command]):
    """The commands of a file, in order, parsed as they are asked for. Stated ids are
    looked up in the log a window at a time, ahead of the commands that state them, and
    every error surfaces in line order."""

    def __init__(self, ledger: Ledger, stream: IO[bytes], importer: _Importer | None = None) -> None:
        self.ledger = ledger
        self.stream = stream
        self.importer = importer
        self.numbers = array("q")
        """Each command's physical line."""
        self.ids: set[str] = set()
        self.last_recorded_at = ""
        self.subjects: dict[str, SubjectKey] = {}

    def line_of(self, index: int) -> int:
        return self.numbers[index]

    def __iter__(self) -> Iterator[Command]:
        line = 0
        pending: list[tuple[int, Command]] = []
        failure: ImportRefused | None = None
        readline = self.stream.readline
        parse = self._parse
        while failure is None:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            line += 1
            try:
                command = parse(raw, line)
            except ImportRefused as refusal:
                failure = refusal
                break
            if command is not None:
                pending.append((line, command))
            if len(pending) >= ID_LOOKUP:
                yield from self._checked(pending)
                pending = []
        yield from self._checked(pending)
        if failure is not None:
            raise failure

    def _checked(self, pending: list[tuple[int, Command]]) -> Iterator[Command]:
        stated = [command.event_id for _, command in pending if command.event_id is not None]
        log_was_empty = self.importer is not None and self.importer.batch.empty
        in_log = self._ids_in_log(stated) if stated and not log_was_empty else set()
        if self.importer is not None:
            self.importer.batch.prefetch(str(command.subject) for _, command in pending)
        ids, numbers = self.ids, self.numbers
        for line, command in pending:
            event_id = command.event_id
            if event_id is not None:
                if event_id in in_log:
                    raise ImportRefused(
                        line, f"{event_id} is already in the log", loc=("id",), type_="id_taken"
                    )
                if event_id in ids:
                    raise ImportRefused(
                        line,
                        f"{event_id} is stated by an earlier line",
                        loc=("id",),
                        type_="id_taken",
                    )
                ids.add(event_id)
            if command.recorded_at is not None:
                if command.recorded_at < self.last_recorded_at:
                    raise ImportRefused(
                        line,
                        f"goes backwards: an earlier line is recorded at {self.last_recorded_at}",
                        loc=("recorded_at",),
                        type_="log_order",
                    )
                self.last_recorded_at = command.recorded_at
            numbers.append(line)
            yield command

    def _ids_in_log(self, ids: list[str]) -> set[str]:
        marks = ", ".join("?" for _ in ids)
        rows = self.ledger.log.fetch(f"SELECT event_id FROM {{log}} WHERE event_id IN ({marks})", ids)
        return {row["event_id"] for row in rows}

    def _parse(self, raw: bytes, line: int) -> Command | None:
        if len(raw) > MAX_LINE_BYTES:
            raise ImportRefused(line, f"is longer than {MAX_LINE_BYTES} bytes", type_="too_long")
        if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            return None
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise ImportRefused(line, f"malformed JSON ({error})", type_="json_invalid") from None
        if not isinstance(value, dict):
            raise ImportRefused(line, "is not a JSON object", type_="object_type")
        # A line names a member twice only if it writes more colons than the object
        # the parser kept (which orjson writes back with the same colons: one after
        # each name, and those in names and strings); an escape (backslash-u) could hide one.
        if b"\\u" in raw or raw.count(b":") != orjson.dumps(value).count(b":"):
            _refuse_repeated_names(raw, line)
        return parse_line(value, line, self.subjects)


def _refuse_repeated_names(raw: bytes, line: int) -> None:
    """The exact check the write routes make (`strict_json`), for a line the cheap
    count could not clear: an object that names a member twice is refused, naming it."""
    try:
        check_json_body(raw)
    except BodyRefused as error:
        raise ImportRefused(line, error.msg, loc=error.loc, type_=error.type) from None


def parse_line(value: dict[str, Any], line: int, subjects: dict[str, SubjectKey] | None = None) -> Command:
    """One line's object as a command, its stated log fields kept for checking;
    `subjects` remembers the keys already parsed (and their ids, computed once)."""
    if subjects is None:
        subjects = {}

    def refuse(loc: tuple[str | int, ...], msg: str, type_: str = "value_error") -> ImportRefused:
        return ImportRefused(line, msg, loc=loc, type_=type_)

    if not _TOP_LEVEL.issuperset(value):
        for name in value:
            if name not in _TOP_LEVEL:
                raise refuse((name,), "is not a field of the exchange format", "extra_forbidden")
    if not _REQUIRED.issubset(value):
        for name in REQUIRED:
            if name not in value:
                raise refuse((name,), "is missing", "missing")

    text = value["subject"]
    subject = subjects.get(text) if isinstance(text, str) else None
    if subject is None:
        try:
            subject = SubjectKey.parse(text)
        except KeyFormatError as error:
            raise refuse(("subject",), str(error), "subject_invalid") from None
        if len(subjects) < SUBJECT_CACHE:
            subjects[text] = subject
    type_ = value["type"]
    if not isinstance(type_, str) or type_ not in EVENT_TYPES:
        raise refuse(("type",), f"unknown event type {type_!r}", "type_unknown")
    if KIND_OF_TYPE[type_] != subject.kind:
        raise refuse(("type",), f"{type_} is not an event of a {subject.kind} subject", "type_of_other_kind")
    effective_on = value["effective_on"]  # checked with the event, against its recorded day

    data = value["data"]
    if not isinstance(data, dict):
        raise refuse(("data",), "must be an object of the event's fields", "object_type")
    if not _RESERVED_DATA.isdisjoint(data) or None in data.values():
        for name, field_value in data.items():
            if name in _RESERVED_DATA:
                raise refuse(("data", name), "is not a field of the event", "extra_forbidden")
            if field_value is None:
                raise refuse(
                    ("data", name), "is null: an optional field without a value is left out", "null_forbidden"
                )

    recorded_at = None
    if "recorded_at" in value:
        try:
            recorded_at = canonical_instant(value["recorded_at"])
        except TimeFormatError as error:
            raise refuse(("recorded_at",), str(error)) from None

    actor = value.get("actor")
    if actor is not None and (not isinstance(actor, str) or not actor.strip()):
        raise refuse(("actor",), "must be a user name (a non-blank string) or null")

    event_id = value.get("id")
    if "id" in value and (not isinstance(event_id, str) or not _UUID.match(event_id)):
        raise refuse(("id",), "must be a UUID written in lower-case hex with hyphens")

    stated: dict[str, Any] = {}
    for name in ("seq", "version"):
        if name in value:
            number = value[name]
            if type(number) is not int or number < 1:
                raise refuse((name,), "must be a positive integer")
            stated[name] = number
    for name in ("prev_hash", "hash"):
        if name in value:
            digest = value[name]
            if not isinstance(digest, str) or not _HASH.match(digest):
                raise refuse((name,), "must be a SHA-256 digest in 64 lower-case hex digits")
            stated[name] = digest

    return Command(
        subject,
        type_,
        data,
        effective_on=effective_on,
        recorded_at=recorded_at,
        actor=actor,
        event_id=event_id,
        stated=stated,
    )


def canonical_instant(text: Any) -> str:
    """An RFC 3339 instant in the canonical form of §4; one already in it (what an export
    writes) is only checked to be a real instant."""
    if isinstance(text, str) and _CANONICAL.match(text):
        try:
            datetime.fromisoformat(text)
        except ValueError as error:
            raise TimeFormatError(f"is not a valid instant ({error})") from None
        return text
    return format_instant(parse_instant(text, exact=True))


def _refusal(line: int, error: LedgerError) -> ImportRefused:
    """A ledger error about one command, as the refusal of its line."""
    if isinstance(error, LogOrderError):
        first = error.errors[0]
        kind = (
            "mismatch"
            if first.loc and first.loc[0] in ("seq", "version", "prev_hash", "hash")
            else first.type
        )
        return ImportRefused(line, first.msg, loc=first.loc, type_=kind)
    if isinstance(error, InvalidInput):
        first = error.errors[0]
        loc = first.loc if first.loc and first.loc[0] in _TOP_LEVEL else ("data", *first.loc)
        kind = "reference_not_found" if isinstance(error, ReferenceNotFound) else first.type
        return ImportRefused(line, first.msg, loc=loc, type_=kind)
    if isinstance(error, SubjectNotFound):
        return ImportRefused(line, error.detail, loc=("subject",), type_="subject_not_found")
    if isinstance(error, SubjectAlreadyExists):
        return ImportRefused(line, error.detail, loc=("subject",), type_="subject_exists")
    if isinstance(error, LifecycleViolation):
        return ImportRefused(line, error.detail, type_="lifecycle_violation")
    return ImportRefused(line, error.detail, type_="refused")
