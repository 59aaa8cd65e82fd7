"""Processes for the fault suite and `bench/faults.py`: `governance serve` on a free port,
a throwaway PostgreSQL server (never the machine's own), and a process that holds a
SQLite file's write lock."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from support.servers import free_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


class Server:
    """`governance serve` in a process (group) of its own, on the store `url`."""

    def __init__(self, url: str, *, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.workers = workers
        self.env = env or {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="governance-serve-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self, timeout: float = 60) -> Self:
        environment = {**os.environ, **self.env, "GOVERNANCE_DATABASE_URL": self.url}
        command = [sys.executable, "-m", "governance.cli", "serve", "--port", str(self.port)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command,
            env=environment,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,  # its own process group: kill -9 reaches every worker
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.output()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """kill -9, every process of the server at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        Path(self.log.name).unlink(missing_ok=True)


class ThrowawayPostgres:
    """A PostgreSQL 15 cluster of its own, in a temporary folder, on a free port, run as
    the `postgres` user (`runuser`): a test may stop, crash or freeze it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="governance-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def available() -> bool:
        return (
            (POSTGRES_BIN / "pg_ctl").exists() and shutil.which("runuser") is not None and os.geteuid() == 0
        )

    def _run(self, *command: str, timeout: float = 60) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> Self:
        self.root.chmod(0o755)
        shutil.chown(self.root, "postgres")
        self._run(
            str(POSTGRES_BIN / "initdb"), "-A", "trust", "-U", "postgres", "--no-sync", "-D", str(self.data)
        )
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        )
        self._run(
            str(POSTGRES_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop`: "fast" ends every session and shuts down cleanly; "immediate"
        is a crash (the next start recovers from the write-ahead log)."""
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *(int(pid) for pid in children)]

    def freeze(self) -> None:
        """SIGSTOP every process of the cluster: connections stay open, nothing answers."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def __enter__(self) -> Self:
        self.init().start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.thaw()
            self.stop("immediate")
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)


HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


class SQLiteWriteLock:
    """Another process holding a SQLite file's write lock until it is released."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"
        return self

    def release(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)

    def __exit__(self, *exc: object) -> None:
        self.release()
