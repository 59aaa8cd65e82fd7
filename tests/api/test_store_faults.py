"""A store that is busy, broken or full, on SQLite: reads go on while another process
holds the write lock, writers queue without starving them, and a 503 tells a busy store
(retry shortly) from a broken one (a full disk, an SQL error: an operator must look)."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.examples import EXAMPLES
from governance.application import Ledger
from governance.users import Users
from support import FakeClock
from support.processes import SQLiteWriteLock

STATUS = {**EXAMPLES["ProjectStatusAssessed"], "effective_on": None}


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """SQLite only: these faults are SQLite's."""
    return f"sqlite:///{tmp_path}/ledger.db"


def test_reads_answer_while_another_process_holds_the_write_lock_and_writers_wait(
    store_url: str, app: FastAPI, live_server: str, as_: Any, ledger: Ledger
) -> None:
    # Pools that give up quickly, so that a reader queued behind a waiting writer shows.
    for pool in (ledger.recorder.datastore.pool, app.state.readmodels.view.datastore.pool):  # type: ignore[attr-defined]
        pool.pool_timeout = 0.5
    with httpx.Client(base_url=live_server, headers=as_["admin"], timeout=60) as http:
        assert http.post("/projects", json=EXAMPLES["ProjectRegistered"]).status_code == 201
        assert http.get("/status").status_code == 200

        with SQLiteWriteLock(store_url.removeprefix("sqlite:///")) as lock, ThreadPoolExecutor(3) as writers:
            writes = [writers.submit(http.post, "/projects/KAK/status", json=STATUS) for _ in range(3)]
            time.sleep(0.3)  # the writers are waiting for the lock by now
            reads = [http.get(path) for path in ("/status", "/projects/KAK", "/audit", "/status", "/health")]
            lock.release()
            answered = [write.result() for write in writes]

    assert [read.status_code for read in reads] == [200] * 5
    assert [write.status_code for write in answered] == [201] * 3
    assert ledger.position() == 4


def test_a_busy_store_answers_503_saying_busy(
    store_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GOVERNANCE_DB_LOCK_TIMEOUT", "1")
    ledger = Ledger(store_url, clock=FakeClock())
    headers = {"Authorization": f"Bearer {Users(ledger.log).add('admin', 'admin')}"}
    try:
        with TestClient(create_app(ledger)) as client, SQLiteWriteLock(store_url.removeprefix("sqlite:///")):
            response = client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers)
    finally:
        ledger.close()

    assert response.status_code == 503
    assert (response.json()["title"], response.json()["fault"]) == ("Store busy", "busy")
    assert "retry shortly" in response.json()["detail"]
    assert response.headers["retry-after"] == "2"


def test_an_sql_error_answers_503_saying_broken_and_is_logged_with_its_traceback(
    client: TestClient, as_: Any, store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with sqlite3.connect(store_url.removeprefix("sqlite:///")) as connection:
        connection.execute("DROP TABLE ledger_idempotency")
    headers = {**as_["admin"], "Idempotency-Key": "k"}

    response = client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers)

    assert response.status_code == 503
    assert (response.json()["title"], response.json()["fault"]) == ("Store failing", "broken")
    assert "an SQL statement failed" in response.json()["detail"]
    assert "retry-after" not in response.headers
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system of its own (tmpfs: mounting one needs root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        check=False,
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> Path:
    """Fill the file system `directory` is on; the file that fills it."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as stream:
        try:
            while True:
                stream.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def test_a_full_disk_answers_503_saying_so_and_writes_resume_once_there_is_room(small_disk: Path) -> None:
    ledger = Ledger(f"sqlite:///{small_disk}/ledger.db", clock=FakeClock())
    headers = {"Authorization": f"Bearer {Users(ledger.log).add('admin', 'admin')}"}
    large = {**EXAMPLES["ProjectRegistered"], "key": "LARGE", "purpose": "x" * 200_000}
    try:
        with TestClient(create_app(ledger)) as client:
            assert (
                client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers).status_code
                == 201
            )
            assert (
                client.get("/projects/KAK", headers=headers).status_code == 200
            )  # applied by the read models
            filler = fill(small_disk)
            full = client.post("/projects", json=large, headers=headers)
            reads = client.get("/projects/KAK", headers=headers)
            filler.unlink()
            again = client.post("/projects", json=large, headers=headers)
            verified = client.get("/verify", headers=headers).json()
    finally:
        ledger.close()

    assert full.status_code == 503
    assert (full.json()["title"], full.json()["fault"]) == ("Store failing", "broken")
    assert "the disk is full" in full.json()["detail"]
    assert reads.status_code == 200
    assert again.status_code == 201
    assert again.json()["seq"] == 2
    assert verified["ok"] and verified["checked"] == 2
