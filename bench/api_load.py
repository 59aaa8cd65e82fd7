"""The HTTP API under load: concurrent clients over loopback, beside in-process appends.

It starts `governance serve --workers N` on a store of its own (a project with
milestones and risks, users with tokens), then runs concurrent clients for a while, each
appending milestone forecast changes (one event per request) and reading `/status`
(every `--read-every`th request), and prints appends/s, `/status` reads/s and p50/p99
latency for each kind — once per worker count (`--workers`, by default 1 and 2), each on
a fresh store, side by side. In the same run it appends the same kind of events
in-process, one `Ledger.record` per event, on a second store of the same kind: the rate
the API is measured against.

    .venv/bin/python bench/api_load.py                          # SQLite and PostgreSQL
    .venv/bin/python bench/api_load.py --stores sqlite --clients 4 --seconds 10 --workers 1,2

Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date

import httpx
import psycopg
from psycopg import sql

from governance.application import Command, Ledger
from governance.keys import SubjectKey
from governance.users import Users

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
PROJECT = "LAST"
MILESTONES = 200


def seed(ledger: Ledger) -> None:
    """A project with milestones, risks and a board case, so that /status has content."""
    commands = [
        Command(
            SubjectKey.parse(f"project:{PROJECT}"),
            "ProjectRegistered",
            {"name": "Lasttest", "organisation": "HDO", "phase": "execution", "owner": "Direktør"},
            "2025-01-02",
        ),
    ]
    for n in range(MILESTONES):
        commands.append(
            Command(
                SubjectKey.parse(f"milestone:{PROJECT}/M{n}"),
                "MilestonePlanned",
                {"name": f"Milepæl {n}", "kind": "delivery", "baseline_on": "2026-06-30"},
                "2025-01-02",
            )
        )
    for n in range(100):
        commands.append(
            Command(
                SubjectKey.parse(f"risk:R{n}"),
                "RiskIdentified",
                {
                    "title": f"Risiko {n}",
                    "organisation": "HDO",
                    "project": PROJECT,
                    "owner": "Eier",
                    "probability": 1 + n % 5,
                    "consequence": 1 + (n // 5) % 5,
                },
                "2025-01-02",
            )
        )
    ledger.record_many(commands)


def forecast(n: int) -> dict[str, str]:
    day = date(2026, 1, 1).toordinal() + n % 500
    return {"forecast_on": date.fromordinal(day).isoformat(), "reason": "Ny prognose"}


@dataclass
class Timings:
    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(
    url: str, token: str, stop: threading.Event, timings: Timings, read_every: int, number: int
) -> None:
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        count = 0
        while not stop.is_set():
            count += 1
            started = time.perf_counter()
            if count % read_every == 0:
                response = http.get("/status")
                kind = "reads"
            else:
                milestone = f"M{rng.randrange(MILESTONES)}"
                response = http.post(f"/milestones/{PROJECT}/{milestone}/forecast", json=forecast(count))
                kind = "writes"
            elapsed = (time.perf_counter() - started) * 1000
            with timings.lock:
                if response.status_code >= 400:
                    timings.errors += 1
                else:
                    getattr(timings, kind).append(elapsed)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


@contextmanager
def server(url: str, workers: int = 1) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "GOVERNANCE_DATABASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "governance.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def in_process_rate(url: str, events: int) -> float:
    """Events/s for the same appends made in-process, one transaction each."""
    ledger = Ledger(url)
    seed(ledger)
    rng = random.Random(0)
    commands = [
        Command(
            SubjectKey.parse(f"milestone:{PROJECT}/M{rng.randrange(MILESTONES)}"),
            "MilestoneForecastChanged",
            forecast(n),
        )
        for n in range(events)
    ]
    started = time.perf_counter()
    for command in commands:
        ledger.record(command)
    rate = events / (time.perf_counter() - started)
    ledger.close()
    return rate


@dataclass
class LoadResult:
    workers: int
    elapsed: float
    timings: Timings

    def row(self, name: str) -> str:
        writes, reads = self.timings.writes, self.timings.reads
        values = {
            "appends/s": len(writes) / self.elapsed,
            "append p50 ms": percentile(writes, 0.5),
            "append p99 ms": percentile(writes, 0.99),
            "/status reads/s": len(reads) / self.elapsed,
            "/status p50 ms": percentile(reads, 0.5),
            "/status p99 ms": percentile(reads, 0.99),
            "errors": self.timings.errors,
        }
        value = values[name]
        return f"{value:>12,.0f}" if name.endswith("/s") or name == "errors" else f"{value:>12,.1f}"


ROWS = (
    "appends/s",
    "append p50 ms",
    "append p99 ms",
    "/status reads/s",
    "/status p50 ms",
    "/status p99 ms",
    "errors",
)


def load(api_url: str, workers: int, args: argparse.Namespace) -> LoadResult:
    """Seed a fresh store, serve it with `workers` processes and run the clients."""
    ledger = Ledger(api_url)
    seed(ledger)
    token = Users(ledger.log).add("load", "secretariat")
    ledger.close()
    with server(api_url, workers) as base:
        timings, stop = Timings(), threading.Event()
        clients = [
            threading.Thread(target=client, args=(base, token, stop, timings, args.read_every, number))
            for number in range(args.clients)
        ]
        started = time.perf_counter()
        for thread in clients:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in clients:
            thread.join()
        elapsed = time.perf_counter() - started
    return LoadResult(workers, elapsed, timings)


def bench(
    name: str, stores: Callable[[], AbstractContextManager[tuple[str, str]]], args: argparse.Namespace
) -> None:
    results, baseline = [], 0.0
    for workers in args.workers:
        with stores() as (api_url, baseline_url):
            result = load(api_url, workers, args)
            results.append(result)
            if not baseline:
                baseline = in_process_rate(baseline_url, max(500, len(result.timings.writes)))
    print(f"\n== {name}: {args.clients} clients over loopback, {args.seconds:.0f} s per worker count ==")
    print(f"{'workers':<16}" + "".join(f"{result.workers:>12}" for result in results))
    for row in ROWS:
        print(f"{row:<16}" + "".join(result.row(row) for result in results))
    print(
        f"{'API / in-process':<16}"
        + "".join(f"{len(r.timings.writes) / r.elapsed / baseline:>12.2f}" for r in results)
        + f"   (in-process: {baseline:,.0f} appends/s, the same events, one transaction each)"
    )


@contextmanager
def sqlite_stores() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{directory}/api.db", f"sqlite:///{directory}/baseline.db"


@contextmanager
def postgres_stores(url: str) -> Iterator[tuple[str, str]]:
    schemas = [f"load_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    joiner = "&" if "?" in url else "?"
    try:
        yield f"{url}{joiner}schema={schemas[0]}", f"{url}{joiner}schema={schemas[1]}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            for schema in schemas:
                connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--read-every", type=int, default=5, help="every nth request reads /status")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[1, 2],
        help="worker process counts to compare, comma-separated (default 1,2)",
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("GOVERNANCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for name in args.stores.split(","):
        if name == "sqlite":
            bench(name, sqlite_stores, args)
        else:
            bench(name, lambda: postgres_stores(args.postgres_url), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
