"""Export and import (DOMAIN.md §7) on every store: export then import into an empty store
gives a byte-identical export and identical answers; a refused file names its first bad
line and stores nothing; while an import runs, writers wait and reads go on."""

from __future__ import annotations

import gc
import io
import random
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from governance import cli, exchange
from governance.application import Ledger
from governance.chain import ENVELOPE_FIELDS, ZERO_HASH, event_hash
from governance.context import acting_as
from governance.events import EVENT_TYPES
from governance.exchange import (
    MAX_LINE_BYTES,
    Imported,
    ImportRefused,
    export_lines,
    export_to,
    import_stream,
)
from governance.integrity import verify
from governance.keys import SubjectKey
from governance.timemodel import format_instant, parse_instant
from governance.users import Users
from support import FakeClock, command
from support.envelopes import PROJECT, RISK, jsonl
from support.story import STORY, tell_story
from support.synthetic_history import synthetic_history

LATER = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
"""Where the second store's clock starts: after everything the first store recorded."""


@pytest.fixture
def fresh(other_store_url: str) -> Iterator[Ledger]:
    """An empty ledger on the second store, its clock later than the first's."""
    ledger = Ledger(other_store_url, clock=FakeClock(LATER))
    yield ledger
    ledger.close()


def export(ledger: Ledger) -> bytes:
    stream = io.BytesIO()
    export_to(ledger, stream)
    return stream.getvalue()


def load(ledger: Ledger, text: bytes) -> Imported:
    return import_stream(ledger, io.BytesIO(text))


def refusal(ledger: Ledger, text: bytes) -> ImportRefused:
    before = ledger.position()
    with pytest.raises(ImportRefused) as caught:
        load(ledger, text)
    assert ledger.position() == before, "a refused file stores nothing"
    return caught.value


def assert_same_answers(first: Ledger, second: Ledger, days: list[date]) -> None:
    """Every subject's history, and its answer at each day as known at several moments."""
    envelopes = list(first.envelopes())
    subjects = sorted({envelope["subject"] for envelope in envelopes})
    moments: list[datetime | None] = [None] + [
        parse_instant(envelopes[index]["recorded_at"])
        for index in (0, len(envelopes) // 3, len(envelopes) // 2)
    ]
    for text in subjects:
        subject = SubjectKey.parse(text)
        assert first.history(subject) == second.history(subject), text
        for day in days:
            for moment in moments:
                assert first.subject(subject, as_of=day, known_at=moment) == second.subject(
                    subject, as_of=day, known_at=moment
                ), (text, day, moment)


# Round trips ---------------------------------------------------------------------------


def test_the_story_goes_round_byte_for_byte_with_identical_answers(ledger: Ledger, fresh: Ledger) -> None:
    token = Users(ledger.log).add("sekretariat", "secretariat")
    with TestClient(create_app(ledger)) as client:
        written = tell_story(client, {"Authorization": f"Bearer {token}"})
    exported = export(ledger)

    imported = load(fresh, exported)

    assert imported == Imported(len(STORY), len(STORY), written[-1]["hash"])
    assert export(fresh) == exported
    assert list(fresh.envelopes()) == written
    assert verify(fresh) == verify(ledger)
    assert verify(fresh).head_hash == fresh.head_hash(fresh.position()) == written[-1]["hash"]
    assert_same_answers(
        ledger, fresh, [date(2025, 6, 30), date(2025, 10, 1), date(2025, 12, 31), date(2026, 1, 15)]
    )


def test_an_export_is_one_compact_object_per_line_in_the_contracts_field_order(ledger: Ledger) -> None:
    ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10", purpose="Nødnett – «samband»"))
    ledger.record(command("risk:OR-631", "RiskIdentified", "2025-02-01", project="KAK"))

    exported = export(ledger)

    lines = exported.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    for line, envelope in zip(lines, ledger.envelopes(), strict=False):
        assert list(orjson.loads(line)) == list(ENVELOPE_FIELDS)
        assert orjson.loads(line) == envelope
        assert line == orjson.dumps(orjson.loads(line))  # compact, no padding
    assert "Nødnett – «samband»".encode() in exported  # UTF-8, not \\u escapes


def test_an_empty_log_exports_nothing(fresh: Ledger) -> None:
    assert export(fresh) == b""


def test_an_export_is_the_log_as_it_stood_when_it_began(ledger: Ledger) -> None:
    ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10"))
    lines = export_lines(ledger, until=ledger.position())
    first = next(lines)
    ledger.record(command("risk:OR-631", "RiskIdentified", "2025-02-01"))

    assert [first, *lines] == export(ledger).splitlines(keepends=True)[:1]


def test_an_export_over_many_pages_writes_every_envelope_and_one_stopped_early_gives_back_its_connection(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands, _ = synthetic_history(40, today=ledger.today(), seed=11)
    ledger.record_many(commands)
    monkeypatch.setattr(exchange, "PAGE_SIZE", 3)

    lines = list(export_lines(ledger))

    assert [orjson.loads(line) for line in lines] == list(ledger.envelopes())
    for _ in range(20):  # more than a pool holds: each stopped export gives its connection back
        stopped = export_lines(ledger)
        assert next(stopped) == lines[0]
        stopped.close()
    assert list(export_lines(ledger, until=4)) == lines[:4]


def test_a_synthetic_history_goes_round_with_identical_answers(ledger: Ledger, fresh: Ledger) -> None:
    commands, _ = synthetic_history(400, today=ledger.today(), seed=7)
    with acting_as("benchmark"):
        for start in range(0, len(commands), 50):
            ledger.record_many(commands[start : start + 50])
    exported = export(ledger)

    assert load(fresh, exported).position == 400
    assert export(fresh) == exported
    days = [date(2017, 6, 30), date(2020, 12, 31), date(2023, 4, 30), ledger.today()]
    assert_same_answers(ledger, fresh, days)


def synthetic_file(events: int) -> tuple[bytes, str]:
    """A complete §7 file (every field stated) of `events` events: a project and many
    short-lived risks, recorded a millisecond apart; and its head hash."""
    rng = random.Random(events)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    versions: dict[str, int] = {}
    prev_hash = ZERO_HASH
    out = bytearray()

    def emit(subject: str, type_: str, effective_on: str, fields: dict[str, Any]) -> None:
        nonlocal prev_hash
        seq = len(versions_seen) + 1
        versions[subject] = versions.get(subject, 0) + 1
        order = EVENT_TYPES[type_].model_fields
        envelope = {
            "seq": seq,
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "subject": subject,
            "type": type_,
            "version": versions[subject],
            "effective_on": effective_on,
            "recorded_at": format_instant(start + timedelta(milliseconds=seq)),
            "actor": "migrering" if seq % 7 else None,
            "data": {name: fields[name] for name in order if name in fields},
            "prev_hash": prev_hash,
        }
        envelope["hash"] = prev_hash = event_hash(envelope)
        versions_seen.append(seq)
        out.extend(orjson.dumps(envelope) + b"\n")

    versions_seen: list[int] = []
    emit(
        "project:KAK",
        "ProjectRegistered",
        "2024-01-02",
        {"name": "KAK", "organisation": "HDO", "phase": "execution", "owner": "Eier"},
    )
    risk = 0
    while len(versions_seen) < events:
        risk += 1
        subject = f"risk:R-{risk}"
        life = [
            (
                "RiskIdentified",
                "2024-02-01",
                {
                    "title": "Risiko",
                    "organisation": "HDO",
                    "project": "KAK",
                    "owner": "Eier",
                    "probability": rng.randint(1, 5),
                    "consequence": rng.randint(1, 5),
                },
            ),
            (
                "RiskAssessed",
                "2024-03-01",
                {
                    "probability": rng.randint(1, 5),
                    "consequence": rng.randint(1, 5),
                    "rationale": "Ny vurdering",
                },
            ),
            (
                "MitigationAdded",
                "2024-03-02",
                {"mitigation_id": "T1", "description": "Tett oppfølging", "due_on": "2024-09-01"},
            ),
            ("MitigationCompleted", "2024-04-02", {"mitigation_id": "T1"}),
            ("RiskClosed", "2024-05-02", {"reason": "Håndtert"}),
        ]
        for type_, effective_on, fields in life[: events - len(versions_seen)]:
            emit(subject, type_, effective_on, fields)
    return bytes(out), prev_hash


@pytest.mark.slow
def test_a_hundred_thousand_events_go_round_byte_for_byte(sqlite_ledger: Ledger, tmp_path: Path) -> None:
    text, head = synthetic_file(100_000)

    imported = load(sqlite_ledger, text)

    assert imported == Imported(100_000, 100_000, head)
    assert export(sqlite_ledger) == text
    assert verify(sqlite_ledger).as_dict() == {
        "ok": True,
        "checked": 100_000,
        "head_hash": head,
        "broken_at": None,
        "reason": None,
    }
    answer = sqlite_ledger.subject(SubjectKey.parse("risk:R-7"), as_of=date(2024, 3, 15))
    assert answer is not None and answer["open"] and answer["mitigations"][0]["completed"] is False


# Written a chunk at a time, refused as a whole -----------------------------------------


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines written to the store a few at a time, so that small files cross chunks."""
    monkeypatch.setattr(exchange, "WRITE_CHUNK", 7)
    monkeypatch.setattr(exchange, "ID_LOOKUP", 5)
    monkeypatch.setattr(exchange, "HELD_EVENTS", 12)


def test_a_file_written_in_chunks_goes_round_byte_for_byte(small_chunks: None, fresh: Ledger) -> None:
    text, head = synthetic_file(60)

    assert load(fresh, text) == Imported(60, 60, head)
    assert export(fresh) == text
    assert verify(fresh).ok


def test_subjects_let_go_between_chunks_are_read_back_as_written(
    small_chunks: None, ledger: Ledger, fresh: Ledger
) -> None:
    commands, _ = synthetic_history(400, today=ledger.today(), seed=11)
    with acting_as("benchmark"):
        for start in range(0, len(commands), 50):
            ledger.record_many(commands[start : start + 50])
    exported = export(ledger)
    lines = lines_of(exported)
    # A line that only a subject read back from the import's own writes can refuse:
    # a second creation of a subject created in an early chunk.
    created_early = next(line for line in lines[:20] if line["version"] == 1)
    again = {name: created_early[name] for name in ("subject", "type", "effective_on", "data")}

    refused = refusal(fresh, exported + jsonl(again))

    assert (refused.line, refused.type) == (401, "subject_exists")
    assert load(fresh, exported).position == 400
    assert export(fresh) == exported
    days = [date(2017, 6, 30), date(2020, 12, 31), date(2023, 4, 30), ledger.today()]
    assert_same_answers(ledger, fresh, days)


def test_lines_without_recorded_at_are_stamped_with_one_instant_across_chunks(
    small_chunks: None, fresh: Ledger
) -> None:
    text, _ = synthetic_file(30)
    bare = [
        {name: line[name] for name in ("subject", "type", "effective_on", "data")} for line in lines_of(text)
    ]

    assert load(fresh, jsonl(*bare)).imported == 30

    assert len({envelope["recorded_at"] for envelope in fresh.envelopes()}) == 1
    assert verify(fresh).ok


def lines_of(text: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in text.splitlines()]


def rehashed(lines: list[dict[str, Any]]) -> bytes:
    """The lines with `seq`, `prev_hash` and `hash` made right for their order."""
    prev_hash = ZERO_HASH
    for seq, line in enumerate(lines, start=1):
        line["seq"], line["prev_hash"] = seq, prev_hash
        line["hash"] = prev_hash = event_hash(
            {name: line[name] for name in ENVELOPE_FIELDS if name != "hash"}
        )
    return jsonl(*lines)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        # A value refused long after the first chunks were written.
        (lambda lines: lines[37]["data"].update(probability=9), ("data", "probability")),
        # An id stated by a line of a chunk already written.
        (lambda lines: lines[37].update(id=lines[3]["id"]), ("id",)),
        # A stated hash that is not the chain's (checked when its chunk is written).
        (lambda lines: lines[37].update(hash="f" * 64), ("hash",)),
    ],
)
def test_a_bad_line_after_chunks_were_written_refuses_the_whole_file(
    small_chunks: None, fresh: Ledger, change: Any, loc: tuple[str, ...]
) -> None:
    text, head = synthetic_file(60)
    lines = lines_of(text)
    assert lines[37]["type"] == "RiskAssessed"
    change(lines)
    bad = jsonl(*lines) if loc == ("hash",) else rehashed(lines)

    refused = refusal(fresh, bad)

    assert (refused.line, refused.loc) == (38, loc)
    assert fresh.position() == 0 and verify(fresh).ok
    assert load(fresh, text) == Imported(60, 60, head)


@pytest.mark.parametrize(
    ("later", "type_"),
    [
        # A field refused in the chunk after the bad hash's.
        (lambda lines: lines[45]["data"].update(probability=9), "extra_forbidden"),
        # A line that is not JSON, in the chunk after the bad hash's.
        (lambda lines: lines.__setitem__(45, b"{not json"), "json_invalid"),
    ],
)
def test_a_bad_stated_hash_comes_before_a_bad_line_of_a_later_chunk(
    small_chunks: None, fresh: Ledger, later: Any, type_: str
) -> None:
    """The chunk holding the bad hash may still be being written when a later chunk's
    line is refused: the refusal still names the first bad line, the hash's."""
    text, head = synthetic_file(60)
    lines: list[Any] = lines_of(text)
    lines[37]["hash"] = "f" * 64
    later(lines)
    refused = refusal(fresh, jsonl(*lines))

    assert (refused.line, refused.loc, refused.type) == (38, ("hash",), "mismatch")
    lines[37]["hash"] = lines_of(text)[37]["hash"]
    refused = refusal(fresh, jsonl(*lines))
    assert (refused.line, refused.type) == (46, type_)
    assert fresh.position() == 0 and verify(fresh).ok
    assert load(fresh, text) == Imported(60, 60, head)


# What an import keeps and what it computes ----------------------------------------------

ASSESSED = {
    "subject": "risk:OR-631",
    "type": "RiskAssessed",
    "effective_on": "2025-03-01",
    "data": {"probability": 2, "consequence": 4},
}
CLOSED = {
    "subject": "risk:OR-631",
    "type": "RiskClosed",
    "effective_on": "2025-04-01",
    "data": {"reason": "Håndtert"},
}


def stated(
    line: dict[str, Any], *, seq: int, version: int, prev_hash: str, recorded_at: str
) -> dict[str, Any]:
    """`line` with every log field stated, as an export writes it."""
    full = {
        "seq": seq,
        "id": str(uuid.uuid4()),
        **line,
        "version": version,
        "recorded_at": recorded_at,
        "actor": "ola",
    }
    full["prev_hash"] = prev_hash
    full["hash"] = event_hash(
        {name: full[name] for name in ENVELOPE_FIELDS if name != "hash"}
        | {"recorded_at": format_instant(parse_instant(recorded_at))}
    )
    return full


def test_lines_without_log_fields_are_numbered_chained_and_stamped_at_import(
    ledger: Ledger, clock: FakeClock
) -> None:
    before = format_instant(clock.now)
    with acting_as("admin"):
        imported = load(ledger, jsonl(PROJECT, RISK, ASSESSED))
    after = format_instant(clock.now)

    envelopes = list(ledger.envelopes())
    assert imported == Imported(3, 3, envelopes[-1]["hash"])
    assert [e["seq"] for e in envelopes] == [1, 2, 3]
    assert [e["version"] for e in envelopes] == [1, 1, 2]
    assert all(before < e["recorded_at"] <= after for e in envelopes)
    assert len({e["recorded_at"] for e in envelopes}) == 1
    assert [e["actor"] for e in envelopes] == [None, None, None]  # not the importing admin
    assert all(uuid.UUID(e["id"]).version == 4 for e in envelopes)
    assert verify(ledger).ok


def test_recorded_at_with_an_offset_is_stored_in_the_canonical_form(ledger: Ledger) -> None:
    load(
        ledger,
        jsonl(
            {**PROJECT, "recorded_at": "2025-03-03T10:12:00+01:00", "actor": "kari"},
            {**RISK, "recorded_at": "2025-03-03T09:12:00.5Z"},
            {**ASSESSED, "recorded_at": "2025-03-03t10:00:00.123456000-00:30"},
        ),
    )

    envelopes = list(ledger.envelopes())
    assert [e["recorded_at"] for e in envelopes] == [
        "2025-03-03T09:12:00.000000Z",
        "2025-03-03T09:12:00.500000Z",
        "2025-03-03T10:30:00.123456Z",
    ]
    assert [e["actor"] for e in envelopes] == ["kari", None, None]


def test_a_supplied_hash_is_checked_against_the_canonical_recorded_at(ledger: Ledger) -> None:
    line = stated(PROJECT, seq=1, version=1, prev_hash=ZERO_HASH, recorded_at="2025-03-03T10:12:00+01:00")
    raw_form = {**line}
    raw_form["hash"] = event_hash({name: line[name] for name in ENVELOPE_FIELDS if name != "hash"})

    refused = refusal(ledger, jsonl(raw_form))
    assert (refused.line, refused.loc, refused.type) == (1, ("hash",), "mismatch")

    assert load(ledger, jsonl(line)) == Imported(1, 1, line["hash"])
    assert next(ledger.envelopes())["recorded_at"] == "2025-03-03T09:12:00.000000Z"


def test_stated_log_fields_that_match_are_kept(ledger: Ledger) -> None:
    first = stated(PROJECT, seq=1, version=1, prev_hash=ZERO_HASH, recorded_at="2025-03-03T09:00:00.000000Z")
    second = stated(
        RISK, seq=2, version=1, prev_hash=first["hash"], recorded_at="2025-03-03T09:00:00.000000Z"
    )

    load(ledger, jsonl(first, second))

    assert list(ledger.envelopes()) == [first, second]


def test_an_import_appends_after_what_the_log_holds(ledger: Ledger) -> None:
    ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10"))
    tail = ledger.envelope_at(1)
    line = stated(
        RISK, seq=2, version=1, prev_hash=tail["hash"], recorded_at=tail["recorded_at"]
    )  # equal is allowed

    assert load(ledger, jsonl(line)).position == 2
    assert verify(ledger).ok


def test_blank_lines_and_crlf_endings_are_allowed_and_counted(ledger: Ledger) -> None:
    text = (
        b"\n" + orjson.dumps(PROJECT) + b"\r\n  \r\n" + orjson.dumps({**RISK, "type": "RiskAssessed"}) + b"\n"
    )

    refused = refusal(ledger, text)
    assert refused.line == 4

    assert (
        load(
            ledger, b"\xef\xbb\xbf" + orjson.dumps(PROJECT) + b"\r\n\r\n" + orjson.dumps(RISK) + b"\n\n"
        ).imported
        == 2
    )


def test_an_empty_file_imports_nothing(ledger: Ledger) -> None:
    assert load(ledger, b"") == Imported(0, 0, ZERO_HASH)
    assert load(ledger, b"\n\n") == Imported(0, 0, ZERO_HASH)


# Refusals ----------------------------------------------------------------------------------


def case(*lines: dict[str, Any] | bytes) -> bytes:
    return jsonl(*lines)


REFUSALS: list[tuple[str, bytes, int, tuple[str | int, ...], str]] = [
    ("malformed JSON", case(PROJECT, b'{"subject": "risk:OR-631",'), 2, (), "json_invalid"),
    ("not valid UTF-8", case(PROJECT, b'{"subject": "risk:\xff"}'), 2, (), "json_invalid"),
    ("not an object", case(PROJECT, b"[1, 2, 3]"), 2, (), "object_type"),
    ("unknown top-level field", case({**PROJECT, "colour": "red"}), 1, ("colour",), "extra_forbidden"),
    ("missing data", case({k: v for k, v in PROJECT.items() if k != "data"}), 1, ("data",), "missing"),
    (
        "missing effective_on",
        case({k: v for k, v in PROJECT.items() if k != "effective_on"}),
        1,
        ("effective_on",),
        "missing",
    ),
    (
        "missing subject",
        case({k: v for k, v in PROJECT.items() if k != "subject"}),
        1,
        ("subject",),
        "missing",
    ),
    ("missing type", case({k: v for k, v in PROJECT.items() if k != "type"}), 1, ("type",), "missing"),
    ("unknown type", case(PROJECT, {**ASSESSED, "type": "RiskExploded"}), 2, ("type",), "type_unknown"),
    ("type not a string", case({**PROJECT, "type": ["ProjectRegistered"]}), 1, ("type",), "type_unknown"),
    (
        "unknown kind of subject",
        case({**PROJECT, "subject": "dragon:KAK"}),
        1,
        ("subject",),
        "subject_invalid",
    ),
    (
        "malformed subject key",
        case({**PROJECT, "subject": "project:K AK"}),
        1,
        ("subject",),
        "subject_invalid",
    ),
    ("subject that does not exist", case(PROJECT, ASSESSED), 2, ("subject",), "subject_not_found"),
    (
        "type of another kind",
        case(PROJECT, {**ASSESSED, "subject": "project:KAK"}),
        2,
        ("type",),
        "type_of_other_kind",
    ),
    (
        "unknown data field",
        case({**PROJECT, "data": {**PROJECT["data"], "colour": "red"}}),
        1,
        ("data", "colour"),
        "extra_forbidden",
    ),
    (
        "library field in data",
        case({**PROJECT, "data": {**PROJECT["data"], "timestamp": "x"}}),
        1,
        ("data", "timestamp"),
        "extra_forbidden",
    ),
    (
        "effective_on in data",
        case({**PROJECT, "data": {**PROJECT["data"], "effective_on": "2025-01-10"}}),
        1,
        ("data", "effective_on"),
        "extra_forbidden",
    ),
    (
        "null in data",
        case({**PROJECT, "data": {**PROJECT["data"], "purpose": None}}),
        1,
        ("data", "purpose"),
        "null_forbidden",
    ),
    ("data not an object", case({**PROJECT, "data": ["KAK"]}), 1, ("data",), "object_type"),
    (
        "missing data field",
        case(PROJECT, {**RISK, "data": {"title": "Risiko"}}),
        2,
        ("data", "organisation"),
        "missing",
    ),
    (
        "score out of range",
        case(PROJECT, RISK, {**ASSESSED, "data": {"probability": 6, "consequence": 4}}),
        3,
        ("data", "probability"),
        "less_than_equal",
    ),
    (
        "score not an integer",
        case(PROJECT, RISK, {**ASSESSED, "data": {"probability": 3.0, "consequence": 4}}),
        3,
        ("data", "probability"),
        "int_type",
    ),
    (
        "reference to nothing",
        case(PROJECT, {**RISK, "data": {**RISK["data"], "project": "NOPE"}}),
        2,
        ("data", "project"),
        "reference_not_found",
    ),
    ("created twice", case(PROJECT, RISK, RISK), 3, ("subject",), "subject_exists"),
    (
        "lifecycle violation",
        case(PROJECT, RISK, CLOSED, {**ASSESSED, "effective_on": "2025-05-01"}),
        4,
        (),
        "lifecycle_violation",
    ),
    (
        "backdated before creation",
        case(PROJECT, RISK, {**ASSESSED, "effective_on": "2025-01-01"}),
        3,
        (),
        "lifecycle_violation",
    ),
    (
        "malformed effective_on",
        case({**PROJECT, "effective_on": "10.01.2025"}),
        1,
        ("effective_on",),
        "value_error",
    ),
    (
        "future effective_on",
        case({**PROJECT, "effective_on": "2026-02-01"}),
        1,
        ("effective_on",),
        "value_error",
    ),
    (
        "effective after the day it was recorded",
        case({**PROJECT, "recorded_at": "2025-01-09T22:59:59Z"}),
        1,
        ("effective_on",),
        "value_error",
    ),
    (
        "recorded_at without offset",
        case({**PROJECT, "recorded_at": "2025-03-03T10:00:00"}),
        1,
        ("recorded_at",),
        "value_error",
    ),
    (
        "recorded_at beyond microseconds",
        case({**PROJECT, "recorded_at": "2025-03-03T10:00:00.1234567Z"}),
        1,
        ("recorded_at",),
        "value_error",
    ),
    ("recorded_at null", case({**PROJECT, "recorded_at": None}), 1, ("recorded_at",), "value_error"),
    (
        "recorded_at in the future",
        case({**PROJECT, "recorded_at": "2026-01-16T00:00:00Z"}),
        1,
        ("recorded_at",),
        "log_order",
    ),
    (
        "recorded_at going backwards in the file",
        case(
            {**PROJECT, "recorded_at": "2025-06-01T10:00:00Z"},
            {**RISK, "recorded_at": "2025-06-01T09:59:59.999999Z"},
        ),
        2,
        ("recorded_at",),
        "log_order",
    ),
    (
        "recorded_at going backwards after a stamped line",
        case(PROJECT, {**RISK, "recorded_at": "2025-06-01T09:59:59Z"}),
        2,
        ("recorded_at",),
        "log_order",
    ),
    ("actor not a string", case({**PROJECT, "actor": 7}), 1, ("actor",), "value_error"),
    ("actor blank", case({**PROJECT, "actor": " "}), 1, ("actor",), "value_error"),
    ("id not a UUID", case({**PROJECT, "id": "KAK-1"}), 1, ("id",), "value_error"),
    ("id in upper case", case({**PROJECT, "id": str(uuid.uuid4()).upper()}), 1, ("id",), "value_error"),
    (
        "id stated twice",
        case(
            {**PROJECT, "id": "6f1c1e0e-4a53-4a43-9d7e-9b3b8c8f0c11"},
            {**RISK, "id": "6f1c1e0e-4a53-4a43-9d7e-9b3b8c8f0c11"},
        ),
        2,
        ("id",),
        "id_taken",
    ),
    ("seq that does not follow", case(PROJECT, {**RISK, "seq": 3}), 2, ("seq",), "mismatch"),
    ("seq not an integer", case({**PROJECT, "seq": True}), 1, ("seq",), "value_error"),
    (
        "version that does not follow",
        case(PROJECT, RISK, {**ASSESSED, "version": 3}),
        3,
        ("version",),
        "mismatch",
    ),
    ("prev_hash that does not link", case({**PROJECT, "prev_hash": "1" * 64}), 1, ("prev_hash",), "mismatch"),
    ("hash that does not match", case(PROJECT, {**RISK, "hash": "a" * 64}), 2, ("hash",), "mismatch"),
    ("hash not a digest", case({**PROJECT, "hash": "A" * 64}), 1, ("hash",), "value_error"),
    (
        "line too long",
        case(PROJECT, {**RISK, "data": {**RISK["data"], "title": "x" * MAX_LINE_BYTES}}),
        2,
        (),
        "too_long",
    ),
    (
        "the first bad line wins",
        case(PROJECT, {**RISK, "data": {}}, b"{not json"),
        2,
        ("data", "title"),
        "missing",
    ),
    (
        "a bad hash before a bad event",
        case(PROJECT, {**RISK, "hash": "a" * 64}, ASSESSED, ASSESSED | {"type": "RiskExploded"}),
        2,
        ("hash",),
        "mismatch",
    ),
    (
        "a bad version before a lifecycle violation",
        case(PROJECT, {**RISK, "version": 2}, RISK),
        2,
        ("version",),
        "mismatch",
    ),
    (
        "a future recorded_at before malformed JSON",
        case({**PROJECT, "recorded_at": "2026-02-01T00:00:00Z"}, b"{"),
        1,
        ("recorded_at",),
        "log_order",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "loc", "kind"), [case_[1:] for case_ in REFUSALS], ids=[case_[0] for case_ in REFUSALS]
)
def test_a_bad_line_refuses_the_whole_file_naming_its_line_and_reason(
    ledger: Ledger, text: bytes, line: int, loc: tuple[str | int, ...], kind: str
) -> None:
    refused = refusal(ledger, text)

    assert (refused.line, refused.loc, refused.type) == (line, loc, kind), refused.reason
    assert refused.reason and str(refused) == f"line {line}: {refused.reason}"
    assert ledger.position() == 0
    assert ledger.subject(SubjectKey.parse("project:KAK"), as_of=date(2025, 12, 31)) is None
    assert verify(ledger).ok


def test_recorded_at_may_not_go_behind_the_log(ledger: Ledger) -> None:
    load(ledger, jsonl({**PROJECT, "recorded_at": "2025-06-01T10:00:00Z"}))

    refused = refusal(ledger, jsonl({**RISK, "recorded_at": "2025-06-01T09:59:59Z"}))
    assert (refused.line, refused.loc, refused.type) == (1, ("recorded_at",), "log_order")

    assert load(ledger, jsonl({**RISK, "recorded_at": "2025-06-01T10:00:00Z"})).position == 2


def test_an_id_already_in_the_log_is_refused(ledger: Ledger) -> None:
    taken = ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10")).envelope["id"]

    refused = refusal(ledger, jsonl({**RISK, "id": str(uuid.uuid4())}, {**ASSESSED, "id": taken}))

    assert (refused.line, refused.loc, refused.type) == (2, ("id",), "id_taken")


def test_an_id_far_down_a_long_file_is_checked_against_the_log(ledger: Ledger) -> None:
    taken = ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10")).envelope["id"]
    lines = [RISK] + [ASSESSED] * 1200 + [{**ASSESSED, "id": taken}]

    assert refusal(ledger, jsonl(*lines)).line == 1202


def test_after_a_refusal_the_same_file_corrected_imports(ledger: Ledger) -> None:
    bad = jsonl(PROJECT, RISK, {**ASSESSED, "data": {"probability": 0, "consequence": 4}})
    assert refusal(ledger, bad).line == 3

    assert load(ledger, jsonl(PROJECT, RISK, ASSESSED)).imported == 3
    assert verify(ledger).ok


# Concurrency -------------------------------------------------------------------------------


class HeldOpen(io.RawIOBase):
    """A file that stops after its first line until `go` is set, so that the import
    holding the log can be watched."""

    def __init__(self, text: bytes) -> None:
        self.lines = text.splitlines(keepends=True)
        self.read_first = threading.Event()
        self.go = threading.Event()

    def readline(self, size: int | None = -1) -> bytes:
        if not self.lines:
            return b""
        if self.read_first.is_set():
            assert self.go.wait(20)
        self.read_first.set()
        return self.lines.pop(0)


def test_writers_wait_while_an_import_holds_the_log_and_reads_go_on(ledger: Ledger) -> None:
    ledger.record(command("project:KAK", "ProjectRegistered", "2025-01-10"))
    held = HeldOpen(jsonl(RISK, ASSESSED))
    results: dict[str, Any] = {}
    importer = threading.Thread(target=lambda: results.setdefault("import", import_stream(ledger, held)))
    writer = threading.Thread(
        target=lambda: results.setdefault(
            "write", ledger.record(command("project:OTHER", "ProjectRegistered", "2025-01-11"))
        )
    )
    importer.start()
    assert held.read_first.wait(10)
    writer.start()
    time.sleep(0.5)

    assert writer.is_alive(), "a writer waits while the import holds the log"
    reader_started = time.monotonic()
    assert ledger.position() == 1
    assert [e["seq"] for e in ledger.envelopes()] == [1]
    assert verify(ledger).ok
    assert time.monotonic() - reader_started < 2, "reads go on"

    held.go.set()
    importer.join(20)
    writer.join(20)
    assert results["import"].position == 3
    assert results["write"].envelope["seq"] == 4
    assert verify(ledger).ok


# The collector ------------------------------------------------------------------------


class Watched(io.BytesIO):
    """A file that notes the collector's thresholds and state whenever a line is read."""

    def __init__(self, text: bytes) -> None:
        super().__init__(text)
        self.seen: set[tuple[tuple[int, int, int], bool]] = set()

    def readline(self, size: int | None = -1) -> bytes:
        self.seen.add((gc.get_threshold(), gc.isenabled()))
        return super().readline(size)


def test_an_import_defers_only_the_collectors_full_collections_and_restores_them(
    ledger: Ledger, fresh: Ledger
) -> None:
    load(ledger, jsonl(PROJECT, RISK))
    before = gc.get_threshold()
    file = Watched(export(ledger))

    assert import_stream(fresh, file).imported == 2

    assert file.seen == {((before[0], before[1], exchange.DEFERRED), True)}
    assert gc.get_threshold() == before and gc.isenabled()


def test_a_refused_or_failed_import_restores_the_collector(ledger: Ledger, fresh: Ledger) -> None:
    load(ledger, jsonl(PROJECT, RISK))
    before = gc.get_threshold()
    with pytest.raises(ImportRefused):
        import_stream(fresh, Watched(export(ledger) + b"{not json\n"))
    assert gc.get_threshold() == before

    class Broken(io.BytesIO):
        def readline(self, size: int | None = -1) -> bytes:
            raise OSError("the client went away")

    with pytest.raises(OSError):
        import_stream(fresh, Broken())
    assert gc.get_threshold() == before and gc.isenabled()
    assert fresh.position() == 0


def test_overlapping_imports_restore_the_threshold_once_the_last_has_ended() -> None:
    before = gc.get_threshold()
    first, second = exchange.oldest_generation_deferred(), exchange.oldest_generation_deferred()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold()[2] == exchange.DEFERRED
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


# The command line ----------------------------------------------------------------------


def test_the_commands_export_and_import_files_and_standard_streams(
    ledger: Ledger, store_url: str, other_store_url: str, tmp_path: Path
) -> None:
    for each in (PROJECT, RISK, ASSESSED):
        load(ledger, jsonl(each))
    runner = CliRunner()
    source, target = {"GOVERNANCE_DATABASE_URL": store_url}, {"GOVERNANCE_DATABASE_URL": other_store_url}
    file = tmp_path / "ledger.jsonl"

    to_file = runner.invoke(cli.app, ["export", "-o", str(file)], env=source)
    to_stdout = runner.invoke(cli.app, ["export"], env=source)
    assert (to_file.exit_code, to_stdout.exit_code) == (0, 0)
    assert file.read_bytes() == to_stdout.stdout_bytes == export(ledger)
    assert runner.invoke(cli.app, ["export", "-o", "-"], env=source).stdout_bytes == export(ledger)

    from_stdin = runner.invoke(cli.app, ["import", "-"], input=file.read_bytes(), env=target)
    assert from_stdin.exit_code == 0, from_stdin.output
    assert (
        f"Imported 3 events; the log is at position 3, head hash {ledger.head_hash(3)}" in from_stdin.stdout
    )

    again = runner.invoke(cli.app, ["import", str(file)], env=target)
    assert again.exit_code == 1
    assert "line 1" in again.stderr and "already in the log" in again.stderr
    assert runner.invoke(cli.app, ["export"], env=target).stdout_bytes == export(ledger)


class Slow(io.RawIOBase):
    """A file whose lines come `pause` seconds apart."""

    def __init__(self, text: bytes, pause: float) -> None:
        self.lines = text.splitlines(keepends=True)
        self.pause = pause

    def readline(self, size: int | None = -1) -> bytes:
        if not self.lines:
            return b""
        time.sleep(self.pause)
        return self.lines.pop(0)


def test_an_import_may_take_longer_than_the_store_lets_a_transaction_idle(store_url: str) -> None:
    # On PostgreSQL the library ends a transaction idle for this long (5 s by default).
    ledger = Ledger(store_url, env={"POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "1"}, clock=FakeClock())
    try:
        assert import_stream(ledger, Slow(jsonl(PROJECT, RISK), pause=1.5)).imported == 2
        assert verify(ledger).ok
    finally:
        ledger.close()
