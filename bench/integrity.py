"""Verify, export and import rates of the ledger on SQLite and PostgreSQL, beside a raw
read-and-decode baseline, and the memory an export and an import take.

On each store, in one run, it fills an empty ledger with the generated history of
`readmodels.py` (`History`, stored by its `TrustedLoader`), then measures:

1. baseline: events/s for a plain paged SELECT of the log joined with the stored events
   (every column an export or a verify reads), in `seq` order, with the same page size and
   driver, each state decoded by `orjson.loads` (on PostgreSQL read as verify reads it:
   ranges of `seq` in one pipeline, rows in binary);
2. verify: events/s for `integrity.verify` over the whole log, walked in parts by one
   process per core as a server does (after one untimed verify that starts the worker
   processes a server keeps), and walked by this process alone (`processes=1`);
3. export: events/s for `exchange.export_to` into a sink that only counts bytes, and the
   export's memory, measured in a process of its own: the growth of its resident set
   (sampled every 5 ms) and the peak of Python allocations (tracemalloc, in a second
   export), for a tenth of the log (at least two pages) and for all of it, so that flat
   memory shows as two equal figures;
4. import: events/s for `exchange.import_stream` of the export of the first
   `--import-events` events (every log field stated, `recorded_at` included, as a
   migration brings them) into a fresh empty store, each run on a new one;

and once, on SQLite, the peak resident set (`ru_maxrss`) of a process that imports a
generated file of `--memory-mb` MB (default 100) into an empty store, beside the same
process's resident set before the import.

Every rate is the median of `--repeat` runs, with min, max and the ratio to the
baseline's median (and, in the summary, best against best, which a busy machine disturbs
least). Nothing is asserted: the figures are printed.

    .venv/bin/python bench/integrity.py                      # 1,000,000 events, 100,000 imported
    .venv/bin/python bench/integrity.py --events 20000 --import-events 5000 --repeat 2 --memory-mb 10

PostgreSQL comes from `--postgres-url` (default `GOVERNANCE_TEST_POSTGRES_URL`, else
postgresql://postgres@127.0.0.1:5432/test); each store uses a schema of its own, dropped
at the end. SQLite uses files in a temporary directory.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from governance.application import Ledger
from governance.exchange import export_chunks, export_to, import_stream
from governance.integrity import verify
from governance.processes import available_cores
from governance.store.log import PAGE_SIZE
from readmodels import DEFAULT_POSTGRES_URL
from support.history import History, TrustedLoader

RAW_COLUMNS = (
    "l.seq, l.event_id, l.subject, l.type, e.originator_version, l.effective_on, l.recorded_at,"
    " l.actor, e.state, l.prev_hash, l.hash"
)


# ---------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------


@dataclass
class Store:
    """An empty ledger, and a raw reader of its log through the same driver."""

    name: str
    ledger: Ledger
    raw_read: Callable[[], int]


@contextmanager
def sqlite_store(directory: str) -> Iterator[Store]:
    path = os.path.join(directory, f"ledger-{uuid.uuid4().hex[:8]}.db")
    ledger = Ledger(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    events = ledger.recorder.events_table_name  # type: ignore[attr-defined]
    statement = (
        f"SELECT {RAW_COLUMNS} FROM ledger_log l JOIN {events} e ON e.rowid = l.notification_id"
        " WHERE l.seq > ? ORDER BY l.seq LIMIT ?"
    )

    def read() -> int:
        count, last = 0, 0
        while True:
            rows = connection.execute(statement, (last, PAGE_SIZE)).fetchall()
            for row in rows:
                orjson.loads(row[8])
            count += len(rows)
            if len(rows) < PAGE_SIZE:
                return count
            last = rows[-1][0]

    try:
        yield Store("sqlite", ledger, read)
    finally:
        connection.close()
        ledger.close()


@contextmanager
def postgres_store(url: str) -> Iterator[Store]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in url else "?"
    ledger: Ledger | None = None
    connection: psycopg.Connection[Any] | None = None
    try:
        ledger = Ledger(f"{url}{separator}schema={schema}")
        connection = psycopg.connect(url, autocommit=True)
        statement = sql.SQL(
            "SELECT "
            + RAW_COLUMNS
            + " FROM {}.ledger_log l JOIN {}.{} e ON e.notification_id = l.notification_id"
            " WHERE l.seq > %s AND l.seq <= %s ORDER BY l.seq"
        ).format(
            sql.Identifier(schema), sql.Identifier(schema), sql.Identifier(ledger.recorder.events_table_name)
        )  # type: ignore[attr-defined]
        reader = connection
        store_ledger = ledger

        def read() -> int:
            """The pages as verify reads them: ranges of seq, each query sent before the
            page before it is decoded (one pipeline), rows in binary."""
            until = store_ledger.position()
            bounds = [(after, min(until, after + PAGE_SIZE)) for after in range(0, until, PAGE_SIZE)]
            count = 0
            with reader.pipeline():
                cursor = reader.cursor()
                cursor.execute(statement, bounds[0], prepare=True, binary=True)
                for index in range(len(bounds)):
                    rows = cursor.fetchall()
                    if index + 1 < len(bounds):
                        cursor = reader.cursor()
                        cursor.execute(statement, bounds[index + 1], prepare=True, binary=True)
                    for row in rows:
                        orjson.loads(row[8])
                    count += len(rows)
            return count

        yield Store("postgres", ledger, read)
    finally:
        if connection is not None:
            connection.close()
        if ledger is not None:
            ledger.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


# ---------------------------------------------------------------------------------------
# Filling and measuring
# ---------------------------------------------------------------------------------------


def fill(ledger: Ledger, events: int, *, chunk: int, seed: int, console: Console) -> float:
    """Store the generated history in chunks of `chunk` events; the seconds it took."""
    loader = TrustedLoader(ledger)
    started = time.perf_counter()
    done = 0
    batch = []
    for command in History(events, seed).commands():
        batch.append(command)
        if len(batch) >= chunk:
            loader.store(batch)
            done += len(batch)
            batch = []
            console.print(
                f"  filled {done:,} of {events:,} events ({done / (time.perf_counter() - started):,.0f} ev/s)",
                highlight=False,
            )
    if batch:
        loader.store(batch)
    return time.perf_counter() - started


class Discard(io.RawIOBase):
    """A sink that only counts what is written to it."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        return len(data)


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Memory:
    events: int
    rss_growth: int
    python_peak: int


def export_memory(url: str, until: int) -> Memory:
    """The export of the first `until` events measured in a process of its own, so that
    what filling the store left in this one does not hide its growth."""
    output = subprocess.run(
        [sys.executable, __file__, "--export-memory", url, str(until)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    measured = orjson.loads(output.strip().splitlines()[-1])
    return Memory(until, measured["rss_growth"], measured["python_peak"])


def measure_export_memory(url: str, until: int) -> None:
    """In the measuring process: the growth of the resident set while exporting (sampled
    every 5 ms), then the peak of Python allocations in a second, traced export."""
    ledger = Ledger(url)
    next(export_chunks(ledger, until=1), None)  # connections and modules warmed up
    before = peak = resident_bytes()
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, resident_bytes())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    export_to_discard(ledger, until)
    stop.set()
    sampler.join()
    peak = max(peak, resident_bytes())
    tracemalloc.start()
    export_to_discard(ledger, until)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ledger.close()
    print(orjson.dumps({"rss_growth": peak - before, "python_peak": python_peak}).decode())


@dataclass
class ImportMemory:
    file_bytes: int
    events: int
    rss_before: int
    rss_peak: int
    seconds: float


def import_memory(directory: str, megabytes: float, bytes_per_event: float, seed: int) -> ImportMemory:
    """Generate a history whose export is about `megabytes` MB, and import that file into
    an empty SQLite store in a process of its own, which reports its peak resident set."""
    events = max(1, round(megabytes * 1_000_000 / bytes_per_event))
    source = Ledger(f"sqlite:///{directory}/memory-source.db")
    loader = TrustedLoader(source)
    batch = []
    for command in History(events, seed + 1).commands():
        batch.append(command)
        if len(batch) >= 25_000:
            loader.store(batch)
            batch = []
    if batch:
        loader.store(batch)
    path = os.path.join(directory, "memory.jsonl")
    with open(path, "wb") as file:
        export_to(source, file)
    source.close()
    output = subprocess.run(
        [sys.executable, __file__, "--import-memory", path, f"sqlite:///{directory}/memory-target.db"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    measured = orjson.loads(output.strip().splitlines()[-1])
    return ImportMemory(
        os.path.getsize(path), measured["events"], measured["before"], measured["peak"], measured["seconds"]
    )


def measure_import_memory(path: str, url: str) -> None:
    """In the measuring process: import `path` into the empty store at `url`; print the
    resident set before (store opened, modules loaded) and at its peak (`ru_maxrss`)."""
    ledger = Ledger(url)
    ledger.position()
    before = resource_peak()
    started = time.perf_counter()
    with open(path, "rb") as file:
        imported = import_stream(ledger, file)
    seconds = time.perf_counter() - started
    ledger.close()
    print(
        orjson.dumps(
            {"events": imported.imported, "before": before, "peak": resource_peak(), "seconds": seconds}
        ).decode()
    )


def resource_peak() -> int:
    """This process's peak resident set so far, in bytes: `VmHWM`, the figure `ru_maxrss`
    gives, except that Linux carries `ru_maxrss` over from the parent that started this
    process (a process started by a large one would report the parent's size)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def export_to_discard(ledger: Ledger, until: int) -> int:
    sink = Discard()
    for chunk in export_chunks(ledger, until=until):
        sink.write(chunk)
    return sink.size


@dataclass
class Rates:
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def best(self) -> float:
        return max(self.values)


def timed(run: Callable[[], int]) -> float:
    started = time.perf_counter()
    count = run()
    return count / (time.perf_counter() - started)


@dataclass
class StoreResult:
    name: str
    events: int
    fill_seconds: float
    rates: dict[str, Rates]
    imported: int
    memory: list[Memory]
    export_bytes: int


def bench_store(
    store: Store, args: argparse.Namespace, open_fresh: Callable[[], Any], console: Console
) -> StoreResult:
    ledger = store.ledger
    console.print(f"{store.name}: filling with {args.events:,} events …", highlight=False)
    fill_seconds = fill(ledger, args.events, chunk=args.chunk, seed=args.seed, console=console)
    head = ledger.head_hash(args.events)
    sink = Discard()

    def run_verify(processes: int | None = None) -> int:
        result = verify(ledger, processes=processes)
        if not result.ok or result.head_hash != head:
            raise RuntimeError(f"verify failed: {result}")
        return result.checked

    run_verify()  # untimed: starts the worker processes a server keeps from its first verify on

    def run_export() -> int:
        nonlocal sink
        sink = Discard()
        return export_to(ledger, sink)

    rates = {name: Rates() for name in ("raw", "verify", "verify_alone", "export", "import")}
    readers = {
        "raw": store.raw_read,
        "verify": run_verify,
        "verify_alone": lambda: run_verify(processes=1),
        "export": run_export,
    }
    for _ in range(args.repeat):
        for name, read in readers.items():
            rates[name].values.append(timed(read))

    imported = min(args.import_events, args.events)
    with tempfile.TemporaryFile() as exported:
        for chunk in export_chunks(ledger, until=imported):
            exported.write(chunk)
        for run in range(args.repeat):
            with open_fresh() as fresh:
                exported.seek(0)
                started = time.perf_counter()
                result = import_stream(fresh.ledger, exported)  # type: ignore[arg-type]
                rates["import"].values.append(result.imported / (time.perf_counter() - started))
                if result.head_hash != ledger.head_hash(imported):
                    raise RuntimeError("the imported history does not end in the exported head")
            console.print(f"  import run {run + 1}: {rates['import'].values[-1]:,.0f} ev/s", highlight=False)

    tenth = min(args.events, max(args.events // 10, 2 * PAGE_SIZE))
    memory = [export_memory(ledger.url, tenth), export_memory(ledger.url, args.events)]
    return StoreResult(store.name, args.events, fill_seconds, rates, imported, memory, sink.size)


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------

LABELS = {
    "raw": "baseline: raw SELECT log ⋈ events + orjson.loads",
    "verify": f"verify: integrity.verify (whole chain, up to {available_cores()} processes)",
    "verify_alone": "verify in this process alone (processes=1)",
    "export": "export: exchange.export_to (§7 lines)",
    "import": "import: exchange.import_stream, recorded_at stated (fresh store)",
}


def report(console: Console, result: StoreResult, repeat: int) -> None:
    table = Table(title=f"{result.name}: {result.events:,} events", title_justify="left")
    for column in ("measurement", "events", "events/s", "min", "max", "× raw"):
        table.add_column(column, justify="left" if column == "measurement" else "right", no_wrap=True)
    baseline = result.rates["raw"].median
    for key, label in LABELS.items():
        rates = result.rates[key]
        count = result.imported if key == "import" else result.events
        table.add_row(
            label,
            f"{count:,}",
            f"{rates.median:,.0f}",
            f"{min(rates.values):,.0f}",
            f"{max(rates.values):,.0f}",
            f"{rates.median / baseline:.2f}",
        )
    console.print(table)
    mib = 1024 * 1024
    for memory in result.memory:
        console.print(
            f"  export of {memory.events:,} events: resident set grew {memory.rss_growth / mib:.1f} MiB,"
            f" Python allocations peaked at {memory.python_peak / mib:.1f} MiB",
            highlight=False,
        )
    console.print(
        f"  export size {result.export_bytes / mib:,.0f} MiB ({result.export_bytes / result.events:.0f} bytes/event);"
        f" filling took {result.fill_seconds:,.0f} s ({result.events / result.fill_seconds:,.0f} ev/s, the generated history stored in batches)",
        highlight=False,
    )
    console.print(
        f"  rates: median of {repeat} runs; × raw = median / the raw baseline's median", highlight=False
    )


def summary(result: StoreResult) -> str:
    rates, baseline = result.rates, result.rates["raw"].median
    best = result.rates["raw"].best
    growth = result.memory[-1].rss_growth / (1024 * 1024)
    return (
        f"{result.name}: import {rates['import'].median:,.0f} ev/s (best {rates['import'].best:,.0f};"
        f" {result.imported:,} events with recorded_at), "
        f"verify {rates['verify'].median:,.0f} ev/s ({rates['verify'].median / baseline:.2f}× raw;"
        f" best/best {rates['verify'].best / best:.2f}×; alone {rates['verify_alone'].median / baseline:.2f}×), "
        f"export {rates['export'].median:,.0f} ev/s ({rates['export'].median / baseline:.2f}× raw, "
        f"+{growth:.1f} MiB RSS for {result.events:,}); raw {baseline:,.0f} ev/s (best {best:,.0f})"
    )


def memory_summary(memory: ImportMemory) -> str:
    mib = 1024 * 1024
    return (
        f"import memory (sqlite): a {memory.file_bytes / 1e6:,.0f} MB file ({memory.events:,} events,"
        f" {memory.events / memory.seconds:,.0f} ev/s): peak RSS {memory.rss_peak / mib:,.0f} MiB,"
        f" {memory.rss_before / mib:,.0f} MiB before the import;"
        f" growth {(memory.rss_peak - memory.rss_before) / memory.file_bytes:.1f}× the file"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the log (default 1000000)")
    parser.add_argument(
        "--import-events", type=int, default=100_000, help="events per import run (default 100000)"
    )
    parser.add_argument(
        "--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres (default both)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument(
        "--chunk", type=int, default=25_000, help="events per batch while filling (default 25000)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GOVERNANCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="PostgreSQL server to use (fresh schemas are made and dropped)",
    )
    parser.add_argument("--seed", type=int, default=2016, help="seed of the synthetic history")
    parser.add_argument(
        "--memory-mb", type=float, default=100, help="size of the file imported for peak RSS (MB; 0: skip)"
    )
    parser.add_argument("--export-memory", nargs=2, metavar=("URL", "EVENTS"), help=argparse.SUPPRESS)
    parser.add_argument("--import-memory", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.stores = [name.strip() for name in args.stores.split(",") if name.strip()]
    unknown = sorted(set(args.stores) - {"sqlite", "postgres"})
    if unknown:
        parser.error(f"unknown store(s): {', '.join(unknown)}")
    if min(args.events, args.import_events, args.repeat, args.chunk) < 1:
        parser.error("--events, --import-events, --repeat and --chunk must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.export_memory:
        measure_export_memory(args.export_memory[0], int(args.export_memory[1]))
        return 0
    if args.import_memory:
        measure_import_memory(args.import_memory[0], args.import_memory[1])
        return 0
    console = Console(width=max(Console().width, 110))
    results = []
    with tempfile.TemporaryDirectory(prefix="governance-bench-") as directory:
        for name in args.stores:

            def open_store(name: str = name) -> Any:
                return sqlite_store(directory) if name == "sqlite" else postgres_store(args.postgres_url)

            with open_store() as store:
                result = bench_store(store, args, open_store, console)
            report(console, result, args.repeat)
            results.append(result)
        memory = None
        if args.memory_mb > 0:
            per_event = results[0].export_bytes / results[0].events
            console.print(f"import memory: generating a {args.memory_mb:,.0f} MB file …", highlight=False)
            memory = import_memory(directory, args.memory_mb, per_event, args.seed)
    for result in results:
        console.print(summary(result), highlight=False, soft_wrap=True)
    if memory is not None:
        console.print(memory_summary(memory), highlight=False, soft_wrap=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
