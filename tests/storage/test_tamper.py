"""Tampering with the database behind the ledger's back (with the store's own driver) is
caught by `verify` at the first altered seq, and a filed head hash proves what it saw."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
import psycopg
import pytest
from typer.testing import CliRunner

from governance import cli, integrity
from governance.application import Ledger
from governance.chain import ZERO_HASH, event_hash
from governance.integrity import verify
from governance.keys import SubjectKey
from governance.timemodel import parse_instant
from support import command


class Database:
    """The test's store opened with its own driver, beside the ledger: statements name
    `{events}`, `{log}` and `{key}` (the stored events' notification column) and use `?`."""

    def __init__(self, ledger: Ledger, url: str) -> None:
        self.events = ledger.recorder.events_table_name  # type: ignore[attr-defined]
        self.sqlite = url.startswith("sqlite:///")
        if self.sqlite:
            self.connection: Any = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.key = "rowid"
        else:
            parts = urlsplit(url)
            query = dict(parse_qsl(parts.query))
            schema = query.pop("schema")
            self.connection = psycopg.connect(
                urlunsplit(parts._replace(query=urlencode(query))), autocommit=True
            )
            self.connection.execute(f'SET search_path TO "{schema}"')
            self.key = "notification_id"

    def run(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        sql = statement.format(events=self.events, log="ledger_log", key=self.key)
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        cursor = self.connection.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else []
        if self.sqlite:
            self.connection.commit()
        return rows

    def notification_id(self, seq: int) -> int:
        return int(self.run("SELECT notification_id FROM {log} WHERE seq = ?", (seq,))[0][0])

    def state(self, seq: int) -> bytes:
        return bytes(
            self.run("SELECT state FROM {events} WHERE {key} = ?", (self.notification_id(seq),))[0][0]
        )

    def set_state(self, seq: int, state: bytes) -> None:
        self.run("UPDATE {events} SET state = ? WHERE {key} = ?", (state, self.notification_id(seq)))

    def renumber(self, seq: int, to: int) -> None:
        self.run("UPDATE {log} SET seq = ? WHERE seq = ?", (to, seq))

    def originator_id(self, subject: str) -> str:
        uuid = SubjectKey.parse(subject).id
        return uuid.hex if self.sqlite else str(uuid)

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(params=["in one walk", "in parts"], autouse=True)
def walk_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every check twice: the chain walked by this process alone, and split into three
    parts of the eight events (two, three, three) of which other processes walk the last two."""
    if request.param == "in parts":
        monkeypatch.setattr(integrity, "PART_EVENTS", 1)
        monkeypatch.setenv("GOVERNANCE_VERIFY_PROCESSES", "3")
    else:
        monkeypatch.setenv("GOVERNANCE_VERIFY_PROCESSES", "1")
    return str(request.param)


@pytest.fixture
def history(ledger: Ledger) -> list[dict[str, Any]]:
    """Eight events on four subjects."""
    commands = [
        command("project:KAK", "ProjectRegistered", "2025-01-10"),
        command("risk:OR-631", "RiskIdentified", "2025-02-01", project="KAK"),
        command("risk:OR-631", "RiskAssessed", "2025-03-01", probability=2, consequence=4),
        command("milestone:KAK/DM1", "MilestonePlanned", "2025-03-05"),
        command("risk:OR-631", "RiskAssessed", "2025-04-01", probability=4, consequence=4),
        command("board-case:HDO/27-2025", "BoardCaseRegistered", "2025-05-01", refs=["project:KAK"]),
        command("milestone:KAK/DM1", "MilestoneForecastChanged", "2025-05-02"),
        command("risk:OR-631", "RiskClosed", "2025-06-01"),
    ]
    return [ledger.record(each).envelope for each in commands]


@pytest.fixture
def database(ledger: Ledger, store_url: str, history: list[dict[str, Any]]) -> Iterator[Database]:
    opened = Database(ledger, store_url)
    yield opened
    opened.close()


def test_an_untouched_log_verifies_and_agrees_with_the_head(
    ledger: Ledger, history: list[dict[str, Any]]
) -> None:
    result = verify(ledger)

    assert result.as_dict() == {
        "ok": True,
        "checked": 8,
        "head_hash": history[-1]["hash"],
        "broken_at": None,
        "reason": None,
    }
    assert result.head_hash == ledger.head_hash(ledger.position())


def test_an_empty_log_verifies(ledger: Ledger) -> None:
    assert verify(ledger).as_dict() == {
        "ok": True,
        "checked": 0,
        "head_hash": ZERO_HASH,
        "broken_at": None,
        "reason": None,
    }


def test_one_changed_byte_in_a_stored_state_breaks_the_chain_at_its_event(
    ledger: Ledger, database: Database, history: list[dict[str, Any]]
) -> None:
    state = database.state(3)
    assert b'"probability":2' in state
    database.set_state(3, state.replace(b'"probability":2', b'"probability":3'))

    result = verify(ledger)

    assert (result.ok, result.broken_at, result.checked) == (False, 3, 2)
    assert result.head_hash == history[1]["hash"]
    assert "altered" in (result.reason or "")


def test_a_stored_state_that_no_longer_decodes_breaks_the_chain_at_its_event(
    ledger: Ledger, database: Database
) -> None:
    database.set_state(5, database.state(5)[:-1])

    result = verify(ledger)

    assert (result.ok, result.broken_at) == (False, 5)
    assert "decoded" in (result.reason or "")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "mallory"),
        ("recorded_at", "2026-01-15T09:00:07.500000Z"),
        ("effective_on", "2025-03-02"),
        ("type", "RiskClosed"),
        ("subject", "risk:OR-999"),
        ("event_id", "00000000-0000-4000-8000-000000000000"),
        ("prev_hash", "1" * 64),
        ("hash", "2" * 64),
        ("notification_id", 999_999),
    ],
)
def test_a_changed_log_column_breaks_the_chain_at_its_event(
    ledger: Ledger, database: Database, column: str, value: Any
) -> None:
    database.run(f"UPDATE {{log}} SET {column} = ? WHERE seq = 3", (value,))

    result = verify(ledger)

    assert (result.ok, result.broken_at, result.checked) == (False, 3, 2), result.reason


def test_a_changed_version_of_a_stored_event_breaks_the_chain_at_its_event(
    ledger: Ledger, database: Database
) -> None:
    database.run("UPDATE {events} SET originator_version = 7 WHERE {key} = ?", (database.notification_id(5),))

    assert (verify(ledger).ok, verify(ledger).broken_at) == (False, 5)


def test_a_deleted_event_breaks_the_chain_where_it_stood(ledger: Ledger, database: Database) -> None:
    notification_id = database.notification_id(4)
    database.run("DELETE FROM {log} WHERE seq = 4")
    database.run("DELETE FROM {events} WHERE {key} = ?", (notification_id,))

    result = verify(ledger)

    assert (result.ok, result.broken_at, result.checked) == (False, 4, 3)
    assert "missing" in (result.reason or "")


def test_a_deleted_stored_event_breaks_the_chain_where_it_stood(ledger: Ledger, database: Database) -> None:
    database.run("DELETE FROM {events} WHERE {key} = ?", (database.notification_id(6),))

    assert (verify(ledger).ok, verify(ledger).broken_at) == (False, 6)


def test_a_deleted_log_entry_breaks_the_chain_where_it_stood(ledger: Ledger, database: Database) -> None:
    database.run("DELETE FROM {log} WHERE seq = 2")

    assert (verify(ledger).ok, verify(ledger).broken_at) == (False, 2)


def test_two_swapped_events_break_the_chain_at_the_first(ledger: Ledger, database: Database) -> None:
    database.renumber(3, -1)
    database.renumber(6, 3)
    database.renumber(-1, 6)

    result = verify(ledger)

    assert (result.ok, result.broken_at) == (False, 3)


def test_two_swapped_stored_states_break_the_chain_at_the_first(ledger: Ledger, database: Database) -> None:
    third, fifth = database.state(3), database.state(5)
    database.set_state(3, fifth)
    database.set_state(5, third)

    assert (verify(ledger).ok, verify(ledger).broken_at) == (False, 3)


def test_an_inserted_event_with_a_forged_link_breaks_the_chain_where_it_was_put(
    ledger: Ledger, database: Database, history: list[dict[str, Any]]
) -> None:
    # A new subject's creating event, linked to event 4 and hashed correctly, put at seq 5.
    state = database.state(2)
    database.run(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES (?, 1, ?, ?)",
        (database.originator_id("risk:OR-999"), "governance.events:RiskIdentified", state),
    )
    (new_id,) = database.run("SELECT MAX({key}) FROM {events}")[0]
    forged = {**history[1], "seq": 5, "subject": "risk:OR-999", "id": "00000000-0000-4000-8000-000000000001"}
    forged |= {"prev_hash": history[3]["hash"], "recorded_at": history[3]["recorded_at"]}
    forged.pop("hash")
    database.run("UPDATE {log} SET seq = -seq WHERE seq >= 5")
    database.run("UPDATE {log} SET seq = 1 - seq WHERE seq < 0")
    database.run(
        "INSERT INTO {log} (seq, notification_id, event_id, subject, type, effective_on, recorded_at, actor,"
        " prev_hash, hash) VALUES (5, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new_id,
            forged["id"],
            forged["subject"],
            forged["type"],
            forged["effective_on"],
            forged["recorded_at"],
            forged["actor"],
            forged["prev_hash"],
            event_hash(forged),
        ),
    )

    result = verify(ledger)

    assert (result.ok, result.broken_at, result.checked) == (False, 5, 4)
    assert result.head_hash == history[3]["hash"]


def test_a_stored_event_slipped_in_without_a_log_entry_is_caught(ledger: Ledger, database: Database) -> None:
    database.run(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) VALUES (?, 5, ?, ?)",
        (database.originator_id("risk:OR-631"), "governance.events:RiskReopened", database.state(8)),
    )

    result = verify(ledger)

    assert (result.ok, result.broken_at, result.checked) == (False, 9, 8)


def test_a_rewritten_history_with_a_recomputed_chain_is_caught_by_the_filed_head(
    ledger: Ledger, database: Database, history: list[dict[str, Any]]
) -> None:
    filed_position, filed_hash = 6, history[5]["hash"]
    database.set_state(3, database.state(3).replace(b'"probability":2', b'"probability":1'))
    prev_hash = history[1]["hash"]
    for envelope in ledger.envelopes(after=2):
        fields = {**envelope, "prev_hash": prev_hash}
        fields.pop("hash")
        prev_hash = event_hash(fields)
        database.run(
            "UPDATE {log} SET prev_hash = ?, hash = ? WHERE seq = ?",
            (fields["prev_hash"], prev_hash, envelope["seq"]),
        )

    assert verify(ledger).ok  # the chain alone cannot tell
    filed = verify(ledger, position=filed_position, expected_hash=filed_hash)
    assert (filed.ok, filed.checked, filed.broken_at) == (False, 6, None)
    assert filed.head_hash != filed_hash


def test_events_cut_off_the_end_are_caught_by_the_filed_head(
    ledger: Ledger, database: Database, history: list[dict[str, Any]]
) -> None:
    for seq in (8, 7):
        notification_id = database.notification_id(seq)
        database.run("DELETE FROM {log} WHERE seq = ?", (seq,))
        database.run("DELETE FROM {events} WHERE {key} = ?", (notification_id,))

    assert verify(ledger).ok
    filed = verify(ledger, position=8, expected_hash=history[7]["hash"])
    assert (filed.ok, filed.checked, filed.broken_at) == (False, 6, 7)


def test_a_filed_head_still_matches_an_untouched_log(ledger: Ledger, history: list[dict[str, Any]]) -> None:
    for position in (0, 1, 5, 8):
        filed_hash = history[position - 1]["hash"] if position else ZERO_HASH
        result = verify(ledger, position=position, expected_hash=filed_hash)
        assert result.as_dict() == {
            "ok": True,
            "checked": position,
            "head_hash": filed_hash,
            "broken_at": None,
            "reason": None,
        }
    assert verify(ledger, position=5, expected_hash=history[4]["hash"].upper()).ok
    # What a tertial report prints for a `known_at` is what verify accepts.
    position = ledger.position(parse_instant(history[4]["recorded_at"]))
    assert verify(ledger, position=position, expected_hash=ledger.head_hash(position)).ok


def test_a_filed_head_does_not_match_a_wrong_hash(ledger: Ledger, history: list[dict[str, Any]]) -> None:
    result = verify(ledger, position=5, expected_hash=history[5]["hash"])

    assert (result.ok, result.checked, result.head_hash, result.broken_at) == (
        False,
        5,
        history[4]["hash"],
        None,
    )
    assert result.reason


def test_a_position_beyond_the_log_is_not_ok(ledger: Ledger, history: list[dict[str, Any]]) -> None:
    result = verify(ledger, position=9, expected_hash=history[7]["hash"])

    assert (result.ok, result.checked, result.broken_at) == (False, 8, 9)
    assert "missing" in (result.reason or "")


def test_verifying_a_prefix_ignores_damage_after_it(
    ledger: Ledger, database: Database, history: list[dict[str, Any]]
) -> None:
    database.run("UPDATE {log} SET actor = 'mallory' WHERE seq = 7")

    assert verify(ledger, position=6, expected_hash=history[5]["hash"]).ok
    assert verify(ledger).broken_at == 7


def test_the_verify_command_exits_1_naming_the_first_broken_seq(store_url: str, database: Database) -> None:
    runner = CliRunner()
    environment = {"GOVERNANCE_DATABASE_URL": store_url}

    intact = runner.invoke(cli.app, ["verify"], env=environment)
    assert intact.exit_code == 0, intact.output
    assert orjson.loads(intact.stdout)["ok"] is True

    database.run("UPDATE {log} SET actor = 'mallory' WHERE seq = 3")
    broken = runner.invoke(cli.app, ["verify"], env=environment)

    assert broken.exit_code == 1
    assert orjson.loads(broken.stdout)["broken_at"] == 3
    assert "seq 3" in broken.stderr


def test_the_verify_command_checks_a_filed_head(store_url: str, history: list[dict[str, Any]]) -> None:
    runner = CliRunner()
    environment = {"GOVERNANCE_DATABASE_URL": store_url}

    filed = runner.invoke(
        cli.app, ["verify", "--position", "4", "--hash", history[3]["hash"]], env=environment
    )
    other = runner.invoke(
        cli.app, ["verify", "--position", "4", "--hash", history[4]["hash"]], env=environment
    )

    assert (filed.exit_code, other.exit_code) == (0, 1)


@pytest.mark.parametrize("page_size", [1, 3, 7])
def test_a_walk_over_many_pages_answers_as_one_page_does(
    ledger: Ledger,
    database: Database,
    history: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    page_size: int,
) -> None:
    monkeypatch.setattr(integrity, "PAGE_SIZE", page_size)
    assert verify(ledger).as_dict() == {
        "ok": True,
        "checked": 8,
        "head_hash": history[-1]["hash"],
        "broken_at": None,
        "reason": None,
    }
    assert verify(ledger, position=5, expected_hash=history[4]["hash"]).ok

    database.run("UPDATE {log} SET actor = 'mallory' WHERE seq = 6")
    result = verify(ledger)
    assert (result.ok, result.broken_at, result.checked, result.head_hash) == (
        False,
        6,
        5,
        history[4]["hash"],
    )

    database.run("UPDATE {log} SET actor = 'mallory' WHERE seq = 2")  # the walk stops in its first page
    for _ in range(3):  # and leaves the store answering as before
        result = verify(ledger)
        assert (result.ok, result.broken_at, result.checked, result.head_hash) == (
            False,
            2,
            1,
            history[0]["hash"],
        )
    assert ledger.position() == 8


@pytest.mark.parametrize("failing_query", [1, 2, 3])
def test_a_connection_lost_during_the_walk_is_replaced_and_the_walk_goes_on(
    store_url: str,
    ledger: Ledger,
    history: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    failing_query: int,
    walk_mode: str,
) -> None:
    if not store_url.startswith("postgresql") or walk_mode == "in parts":
        pytest.skip("the pipelined walk is PostgreSQL's (followed here in this process)")
    monkeypatch.setattr(integrity, "PAGE_SIZE", 3)
    execute = psycopg.Cursor.execute
    pipelined = 0

    def losing_the_connection(self: psycopg.Cursor[Any], *args: Any, **kwargs: Any) -> Any:
        nonlocal pipelined
        if kwargs.get("binary"):  # a query of the pipelined walk
            pipelined += 1
            if pipelined == failing_query:  # the first, or one sent before the page before it is handed on
                raise psycopg.OperationalError("server closed the connection unexpectedly")
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", losing_the_connection)

    assert verify(ledger).as_dict() == {
        "ok": True,
        "checked": 8,
        "head_hash": history[-1]["hash"],
        "broken_at": None,
        "reason": None,
    }
    assert pipelined == failing_query


def joins_counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, bool]]:
    """(start, end, joined) of every part another process walked, as the walk meets them."""
    joins: list[tuple[int, int, bool]] = []
    join = integrity._Walk.join

    def counted(self: Any, part: Any) -> bool:
        joined = join(self, part)
        joins.append((part.start, part.seq, joined))
        return joined

    monkeypatch.setattr(integrity._Walk, "join", counted)
    return joins


def test_a_long_chain_is_walked_in_parts_by_other_processes_and_joined(
    ledger: Ledger, history: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, walk_mode: str
) -> None:
    joins = joins_counted(monkeypatch)

    result = verify(ledger)

    assert (result.ok, result.checked, result.head_hash) == (True, 8, history[-1]["hash"])
    assert joins == ([(2, 5, True), (5, 8, True)] if walk_mode == "in parts" else [])


def test_a_part_whose_first_version_does_not_follow_is_walked_again_here(
    ledger: Ledger, database: Database, monkeypatch: pytest.MonkeyPatch, walk_mode: str
) -> None:
    # OR-631 is at version 3 when the last part (seq 6 to 8) begins; its event at seq 8 says
    # version 5 and is hashed so, which that part alone cannot tell from a subject it meets
    # for the first time.
    (last,) = ledger.envelopes(after=7)
    fields = {**last, "version": 5}
    fields.pop("hash")
    database.run("UPDATE {events} SET originator_version = 5 WHERE {key} = ?", (database.notification_id(8),))
    database.run("UPDATE {log} SET hash = ? WHERE seq = 8", (event_hash(fields),))
    joins = joins_counted(monkeypatch)

    result = verify(ledger)

    assert (result.ok, result.broken_at, result.checked) == (False, 8, 7)
    assert "version 5 of risk:OR-631, which is at version 3" in (result.reason or "")
    assert joins == ([(2, 5, True), (5, 8, False)] if walk_mode == "in parts" else [])


def test_a_part_no_other_process_can_reach_is_walked_here(
    ledger: Ledger, history: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = {"SQLITE_DBNAME": "/nonexistent/ledger.db", "POSTGRES_PORT": "1"}
    monkeypatch.setattr(ledger, "env", {**ledger.env, **unreachable})
    joins = joins_counted(monkeypatch)

    result = verify(ledger)

    assert (result.ok, result.checked, result.head_hash) == (True, 8, history[-1]["hash"])
    assert joins == []


def test_a_worker_process_walks_the_chain_in_one_piece(
    ledger: Ledger, history: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrity, "in_worker_process", lambda: True)
    joins = joins_counted(monkeypatch)

    assert verify(ledger).as_dict()["head_hash"] == history[-1]["hash"]
    assert joins == []
