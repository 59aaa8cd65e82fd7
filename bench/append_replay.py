"""Append and replay rates of the ledger on SQLite and PostgreSQL, beside a raw baseline.

It generates a synthetic but realistic governance history (projects, risks, milestones,
contracts and board cases from 2016-01-01 to today, 5% of it backdated), then measures on
each store, in one run:

1. append: events/s for recording the history one command per transaction, each through
   `Ledger.record` and its full validation path, with p50/p99 per-append latency;
2. replay: events/s for reading every event back as a domain event through the library
   (the recorder's `select_notifications` paged, each converted by
   `mapper.to_domain_event`), and as §7 envelopes through `Ledger.envelopes()`;
3. baseline: events/s for a plain keyset-paged SELECT of the stored events' state, in
   notification order, with the same page size and driver, each decoded by `orjson.loads`.

Reads are repeated (`--repeat`) and reported as median, min and max, each with its ratio
to the baseline. Nothing is asserted about timings: the figures are printed.

    .venv/bin/python bench/append_replay.py --events 100000
    .venv/bin/python bench/append_replay.py --events 3000 --stores sqlite --repeat 3

PostgreSQL comes from `--postgres-url` (default `GOVERNANCE_TEST_POSTGRES_URL`, else
postgresql://postgres@127.0.0.1:5432/test); the run uses a schema of its own, dropped at
the end. SQLite uses a file in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from governance.application import Command, Ledger
from governance.context import acting_as
from governance.errors import LedgerError
from governance.store.log import PAGE_SIZE, utc_now
from governance.timemodel import oslo_day

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.synthetic_history import (
    ACTOR,
    FIRST_DAY,
    SyntheticHistory,
    synthetic_history,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
__all__ = ["ACTOR", "DEFAULT_POSTGRES_URL", "SyntheticHistory", "synthetic_history"]


class CommandRefused(RuntimeError):
    """The synthetic history holds a command the ledger refused: a bug somewhere."""

    def __init__(self, index: int, command: Command, error: LedgerError) -> None:
        super().__init__(
            f"command {index} ({command.type} on {command.subject}, effective {command.effective_on}) "
            f"was refused: {type(error).__name__}: {error.detail}\nfields: {command.fields}"
        )


@dataclass
class AppendResult:
    seconds: float
    latencies_ns: list[int]

    @property
    def rate(self) -> float:
        return len(self.latencies_ns) / self.seconds

    def percentile_ms(self, percent: int) -> float:
        ordered = sorted(self.latencies_ns)
        return ordered[min(len(ordered) - 1, len(ordered) * percent // 100)] / 1e6


@dataclass
class ReadResult:
    rates: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


def record_all(ledger: Ledger, commands: list[Command]) -> AppendResult:
    """One `Ledger.record` (one transaction) per command, timed one by one."""
    latencies: list[int] = []
    started = time.perf_counter()
    with acting_as(ACTOR):
        for index, command in enumerate(commands):
            before = time.perf_counter_ns()
            try:
                ledger.record(command)
            except LedgerError as error:
                raise CommandRefused(index, command, error) from error
            latencies.append(time.perf_counter_ns() - before)
    return AppendResult(time.perf_counter() - started, latencies)


def read_domain_events(ledger: Ledger, page_size: int) -> int:
    """The library's way: page through the notification log, map each to its event."""
    select = ledger.recorder.select_notifications
    to_domain_event = ledger.mapper.to_domain_event
    count, last = 0, 0
    while True:
        page = select(start=last, limit=page_size, inclusive_of_start=False)
        for notification in page:
            to_domain_event(notification)
        count += len(page)
        if len(page) < page_size:
            return count
        last = page[-1].id


def read_envelopes(ledger: Ledger) -> int:
    return sum(1 for _ in ledger.envelopes())


def sqlite_raw_reader(path: str, table: str) -> tuple[Callable[[int], int], Callable[[], None]]:
    """Plain `sqlite3`: the stored events' state in rowid order, decoded by orjson."""
    connection = sqlite3.connect(path)
    statement = f"SELECT rowid, state FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"

    def read(page_size: int) -> int:
        count, last = 0, 0
        while True:
            rows = connection.execute(statement, (last, page_size)).fetchall()
            for _, state in rows:
                orjson.loads(state)
            count += len(rows)
            if len(rows) < page_size:
                return count
            last = rows[-1][0]

    return read, connection.close


def postgres_raw_reader(url: str, schema: str, table: str) -> tuple[Callable[[int], int], Callable[[], None]]:
    """Plain `psycopg`: the stored events' state in notification order, decoded by orjson."""
    connection = psycopg.connect(url, autocommit=True)
    statement = sql.SQL(
        "SELECT notification_id, state FROM {}.{} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(schema), sql.Identifier(table))

    def read(page_size: int) -> int:
        count, last = 0, 0
        with connection.cursor() as cursor:
            while True:
                rows = cursor.execute(statement, (last, page_size), prepare=True).fetchall()
                for _, state in rows:
                    orjson.loads(state)
                count += len(rows)
                if len(rows) < page_size:
                    return count
                last = rows[-1][0]

    return read, connection.close


def measure_reads(
    readers: dict[str, Callable[[], int]], *, expected: int, repeat: int
) -> dict[str, ReadResult]:
    """Each reader `repeat` times, interleaved so that drift in the machine's load
    touches them alike; every read must see all `expected` events."""
    rates: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(repeat):
        for name, read in readers.items():
            started = time.perf_counter()
            count = read()
            elapsed = time.perf_counter() - started
            if count != expected:
                raise RuntimeError(f"{name} read {count} events, expected {expected}")
            rates[name].append(count / elapsed)
    return {name: ReadResult(values) for name, values in rates.items()}


# ---------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------


@dataclass
class Store:
    """An empty ledger and a raw reader of the same rows through the same driver."""

    name: str
    ledger: Ledger
    raw_read: Callable[[int], int]


@contextmanager
def sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="governance-bench-") as directory:
        path = os.path.join(directory, "ledger.db")
        ledger = Ledger(f"sqlite:///{path}")
        read, close = sqlite_raw_reader(path, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
        try:
            yield Store("sqlite", ledger, read)
        finally:
            close()
            ledger.close()


@contextmanager
def postgres_store(url: str) -> Iterator[Store]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in url else "?"
    ledger: Ledger | None = None
    close: Callable[[], None] | None = None
    try:
        ledger = Ledger(f"{url}{separator}schema={schema}")
        read, close = postgres_raw_reader(url, schema, ledger.recorder.events_table_name)  # type: ignore[attr-defined]
        yield Store("postgres", ledger, read)
    finally:
        if close is not None:
            close()
        if ledger is not None:
            ledger.close()
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


# ---------------------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------------------


@dataclass
class StoreResult:
    name: str
    append: AppendResult
    reads: dict[str, ReadResult]


READS = {
    "raw": "raw SELECT + orjson.loads",
    "domain": "notification log → domain event",
    "envelopes": "Ledger.envelopes() (§7)",
}
"""The replay measurements; `raw` is the baseline the others are compared with."""


def bench_store(store: Store, commands: list[Command], *, repeat: int) -> StoreResult:
    """Append the history, then read it back `repeat` times each way. Every read pages
    by `PAGE_SIZE`, the page size of `Ledger.envelopes()`."""
    append = record_all(store.ledger, commands)
    readers: dict[str, Callable[[], int]] = {
        "raw": lambda: store.raw_read(PAGE_SIZE),
        "domain": lambda: read_domain_events(store.ledger, PAGE_SIZE),
        "envelopes": lambda: read_envelopes(store.ledger),
    }
    reads = measure_reads(readers, expected=len(commands), repeat=repeat)
    return StoreResult(store.name, append, reads)


def report(console: Console, result: StoreResult, repeat: int) -> None:
    table = Table(title=result.name, title_justify="left")
    for column in ("measurement", "events/s", "min", "max", "× raw", "p50 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "measurement" else "right", no_wrap=True)
    append = result.append
    table.add_row(
        "append: Ledger.record, 1 tx/event",
        f"{append.rate:,.0f}",
        "",
        "",
        "",
        f"{append.percentile_ms(50):.2f}",
        f"{append.percentile_ms(99):.2f}",
    )
    baseline = result.reads["raw"].median
    for key, label in READS.items():
        read = result.reads[key]
        table.add_row(
            f"replay: {label}",
            f"{read.median:,.0f}",
            f"{min(read.rates):,.0f}",
            f"{max(read.rates):,.0f}",
            f"{read.median / baseline:.2f}",
            "",
            "",
        )
    console.print(table)
    console.print(f"replays: median of {repeat} runs; × raw = median rate / median rate of the raw baseline")


def summary(result: StoreResult) -> str:
    baseline = result.reads["raw"].median
    domain, envelopes = result.reads["domain"].median, result.reads["envelopes"].median
    return (
        f"{result.name}: append {result.append.rate:,.0f} ev/s "
        f"(p50 {result.append.percentile_ms(50):.2f} ms, p99 {result.append.percentile_ms(99):.2f} ms); "
        f"replay domain events {domain:,.0f} ev/s ({domain / baseline:.2f}× raw), "
        f"envelopes {envelopes:,.0f} ev/s ({envelopes / baseline:.2f}× raw); raw {baseline:,.0f} ev/s"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000, help="events to append (default 100000)")
    parser.add_argument(
        "--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres (default both)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each read measurement (default 5)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GOVERNANCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="PostgreSQL server to use (a fresh schema is made and dropped)",
    )
    parser.add_argument("--seed", type=int, default=2016, help="seed of the synthetic history")
    args = parser.parse_args(argv)
    args.stores = [name.strip() for name in args.stores.split(",") if name.strip()]
    unknown = sorted(set(args.stores) - {"sqlite", "postgres"})
    if unknown:
        parser.error(f"unknown store(s): {', '.join(unknown)}")
    if args.events < 1 or args.repeat < 1:
        parser.error("--events and --repeat must be positive")
    return args


def open_store(name: str, args: argparse.Namespace) -> Any:
    return sqlite_store() if name == "sqlite" else postgres_store(args.postgres_url)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(width=max(Console().width, 110))
    today = oslo_day(utc_now())
    commands, stats = synthetic_history(args.events, today=today, seed=args.seed)
    console.print(
        f"history {FIRST_DAY}..{today}: {stats.describe(len(commands))}", highlight=False, soft_wrap=True
    )
    results = []
    for name in args.stores:
        with open_store(name, args) as store:
            console.print(f"{name}: appending {len(commands)} events …")
            result = bench_store(store, commands, repeat=args.repeat)
        report(console, result, args.repeat)
        results.append(result)
    for result in results:
        console.print(summary(result), highlight=False, soft_wrap=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
