"""The fault suite: real `governance serve` processes under HTTP load, on every store.
A server killed with kill -9 loses no acknowledged write; two servers on one store race
writes and both answer as the naive replay does; a database stopped under load answers
503 within the configured bounds and recovers without a restart (a throwaway PostgreSQL
server, never the machine's own); SQLite's write lock held by another process turns
writes into 503s while reads go on.

`bench/faults.py` runs the same scenarios and prints their figures."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from support.load import (
    Load,
    admin_token,
    log_of,
    present,
    read_models_equal_the_oracle,
    wait_for,
    wait_until_caught_up,
)
from support.processes import Server, SQLiteWriteLock, ThrowawayPostgres

pytestmark = pytest.mark.slow

CLIENT_TIMEOUT = 20.0
"""Longer than any bound a server is given here: a request not answered by then hung."""


def verified(base: str, token: str) -> bool:
    response = httpx.get(f"{base}/verify", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return bool(response.json()["ok"])


def test_a_server_killed_under_load_loses_no_acknowledged_write(store_url: str) -> None:
    token = admin_token(store_url)
    with Server(store_url) as server:
        load = Load([server.base], token, timeout=CLIENT_TIMEOUT)
        load.seed()
        load.start()
        wait_for(lambda: len(load.acknowledged()) >= 80, "acknowledged writes")
        server.kill()
        load.stop()
    acknowledged = load.acknowledged()

    with Server(store_url) as restarted:
        envelopes = log_of(restarted.base, token)
        assert present(acknowledged, envelopes) == len(acknowledged)
        assert verified(restarted.base, token)
        read_models_equal_the_oracle(restarted.base, token, envelopes)


def test_two_servers_on_one_store_race_writes_and_both_answer_as_the_replay(store_url: str) -> None:
    token = admin_token(store_url)
    with Server(store_url, workers=2) as first, Server(store_url) as second:
        load = Load([first.base, second.base], token, timeout=CLIENT_TIMEOUT)
        load.seed()
        load.start()
        wait_for(lambda: len(load.acknowledged()) >= 160, "acknowledged writes")
        load.stop()

        assert {answer.status for answer in load.answers} == {201}
        envelopes = log_of(second.base, token)
        assert present(load.acknowledged(), envelopes) == len(envelopes) - 2
        assert verified(first.base, token)
        for base in (first.base, first.base, first.base, second.base):  # both workers of the first
            read_models_equal_the_oracle(base, token, envelopes)


@pytest.mark.skipif(not ThrowawayPostgres.available(), reason="needs root and PostgreSQL 15's pg_ctl")
def test_a_postgresql_server_stopped_under_load_gives_503s_within_the_bounds_and_recovery_needs_no_restart() -> (
    None
):
    bounds = {"GOVERNANCE_DB_CONNECT_TIMEOUT": "1", "GOVERNANCE_DB_STATEMENT_TIMEOUT": "5"}
    with ThrowawayPostgres() as database:
        token = admin_token(database.url)
        with Server(database.url, env=bounds) as server:
            load = Load([server.base], token, timeout=CLIENT_TIMEOUT)
            load.seed()
            load.start()
            wait_for(lambda: len(load.acknowledged()) >= 30, "acknowledged writes")

            stopped = time.monotonic()
            database.stop("immediate")
            wait_for(lambda: any(a.status == 503 for a in load.answered_after(stopped)), "a 503")
            health = httpx.get(f"{server.base}/health", timeout=3)
            assert health.status_code == 503
            assert health.json()["store"]["fault"] == "unavailable"

            database.start()
            started = time.monotonic()
            wait_for(
                lambda: any(a.status == 201 for a in load.answered_after(started)), "a write after recovery"
            )
            load.stop()

            outage = [a for a in load.answers if a.sent + a.seconds >= stopped and a.sent <= started]
            assert all(a.status is not None for a in outage), "every request was answered, none hung"
            refused = [a for a in outage if a.status == 503]
            assert refused
            assert {a.body["fault"] for a in refused if a.body} <= {"unavailable", "busy"}
            assert all(a.status in (201, 404, 503) for a in outage)  # 404: a risk whose creation was refused

            envelopes = log_of(server.base, token)
            assert present(load.acknowledged(), envelopes) == len(load.acknowledged())
            assert verified(server.base, token)
            read_models_equal_the_oracle(server.base, token, envelopes)

            database.freeze()  # every connection open, nothing answers
            try:
                health = httpx.get(f"{server.base}/health", timeout=3)
            finally:
                database.thaw()
            assert health.status_code == 503
            assert "did not answer" in health.json()["store"]["detail"]


def test_sqlite_writes_get_503_while_another_process_holds_the_lock_and_reads_go_on(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    url = f"sqlite:///{path}"
    token = admin_token(url)
    headers = {"Authorization": f"Bearer {token}"}
    with Server(url, env={"GOVERNANCE_DB_LOCK_TIMEOUT": "1"}) as server:
        before = Load([server.base], token, timeout=CLIENT_TIMEOUT)
        before.seed()
        before.start()
        wait_for(lambda: len(before.acknowledged()) >= 30, "acknowledged writes")
        before.stop()
        # Applying the log takes the write lock too: reads of events not yet applied
        # would wait for it. These are applied; what the other process blocks is writes.
        wait_until_caught_up(server.base)

        load = Load([server.base], token, timeout=CLIENT_TIMEOUT, first=1000)
        with SQLiteWriteLock(str(path)) as lock:
            locked = time.monotonic()
            load.start()
            wait_for(lambda: any(a.status == 503 for a in load.answered_after(locked)), "a 503")
            for read in ("/status", "/projects/KAK", "/audit?limit=5", "/health", "/risks/R0-0"):
                assert httpx.get(f"{server.base}{read}", headers=headers, timeout=10).status_code == 200, read
            # Writes may land while the holder ends: what finished before it began to,
            # finished while the lock was held.
            releasing = time.monotonic()
            lock.release()
        wait_for(
            lambda: any(a.status == 201 for a in load.answered_after(releasing)), "a write after the lock"
        )
        load.stop()

        during = [a for a in load.answers if a.sent + a.seconds <= releasing]
        assert during and all(a.status in (404, 503) for a in during)
        assert {a.body["fault"] for a in during if a.status == 503 and a.body} == {"busy"}
        acknowledged = before.acknowledged() + load.acknowledged()
        envelopes = log_of(server.base, token)
        assert present(acknowledged, envelopes) == len(acknowledged)
        read_models_equal_the_oracle(server.base, token, envelopes)
