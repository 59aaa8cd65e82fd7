"""The read models at scale: rebuild throughput, snapshot and status latency, catch-up lag.

It records a synthetic history (`tests/support/history.py`), each event recorded on its
own day so that `known_at` means something, in one of two shapes:

- deep (the default): ten years, 1,000,000 events about 200 projects, 2,000 risks, 5,000
  milestones and 500 board cases, 5% of the changes backdated;
- wide (`--shape wide`): six years, 30,000 events about 1,300 projects, 2,000 risks,
  2,700 milestones and 900 board cases, 10% backdated — many hundreds of subjects alive
  in every tertial, and snapshots of several hundred KB;

then measures on each store, in one run:

1. rebuild: events/s for dropping and rebuilding every read model from the log, beside
   the raw rate of reading the same rows and decoding their state with orjson (goal: at
   least half of it), and the rebuild's peak memory above its start (it should stay flat);
2. tertial snapshots at random (tertial, `known_at`): p50/p99 latency of building the
   answer and encoding it as JSON, never from cache (goal: p50 <= 30 ms, p99 <= 100 ms on
   SQLite; 50/150 on PostgreSQL), with the encoding's share and the answers' size;
3. `/status` at random (`as_of`, `known_at`): p50/p99 latency (goal: p50 <= 50 ms);
   and finding and comparing (`find_compare.py`): list pages, a tertial's changes, a
   reconstruction with its corrections;
4. catch-up lag: after a burst of 10,000 appends (one transaction each) with the read
   models' background loop running, how long until they have applied the last one.

    .venv/bin/python bench/readmodels.py                      # both stores, 1,000,000 events
    .venv/bin/python bench/readmodels.py --events 100000 --stores sqlite
    .venv/bin/python bench/readmodels.py --shape wide                         # 30,000 events
    .venv/bin/python bench/readmodels.py --shape wide --only snapshot,status  # those reads alone
    .venv/bin/python bench/readmodels.py --events 100000 --stores sqlite --only rebuild

Nothing is asserted: the figures are printed, goals met or not.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql

import find_compare
from governance.application import Command, Ledger
from governance.keys import SubjectKey
from governance.projections.runner import ReadModels
from governance.projections.schema import to_json
from governance.projections.status import status_at
from governance.projections.tertial import tertial_snapshot
from governance.timemodel import Tertial

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.history import DEEP, SHAPES, START, WIDE_EVENTS, Shape, record_history

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
YEARS = DEEP.years
BURST_BATCH = 50
PARTS = ("rebuild", "snapshot", "status", "find", "lag")
__all__ = ["START", "YEARS", "record_history"]

# ---------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------


def raw_read_rate(ledger: Ledger) -> tuple[float, float]:
    """Events/s for reading the rows a rebuild reads and decoding their state, by the
    clock and by this process's CPU time."""
    started, cpu_started = time.perf_counter(), time.process_time()
    after, count = 0, 0
    while True:
        rows = ledger.log.projection_rows(after=after, limit=10_000)
        if not rows:
            break
        for row in rows:
            orjson.loads(row[4])
        count += len(rows)
        after = rows[-1][0]
    return count / (time.perf_counter() - started), count / (time.process_time() - cpu_started)


def _rebuild_in_child(url: str, queue: Any) -> None:
    ledger = Ledger(url)
    models = ReadModels(ledger)
    start_rss = _rss_kb()
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_kb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    position = models.rebuild(restart=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    stop.set()
    sampler.join()
    queue.put((position / elapsed, position / cpu, start_rss, max(peak[0], _rss_kb())))
    models.close()
    ledger.close()


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _raw_in_child(url: str, queue: Any) -> None:
    ledger = Ledger(url)
    rates = [raw_read_rate(ledger) for _ in range(3)]
    queue.put((statistics.median(rate for rate, _ in rates), statistics.median(rate for _, rate in rates)))
    ledger.close()


def in_child(target: Callable[[str, Any], None], url: str) -> Any:
    """Run a measurement in a fresh process, so that neither the generator's objects nor
    its garbage collections weigh on it."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(url, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def answer_latencies(probe: Callable[[], Any], count: int) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds for building and encoding each answer as the API sends it (`to_json`), the
    encoding's share, and the answers' sizes in bytes."""
    times, encoding, sizes = [], [], []
    for _ in range(count):
        started = time.perf_counter()
        answer = probe()
        built = time.perf_counter()
        body = to_json(answer)
        finished = time.perf_counter()
        times.append((finished - started) * 1000)
        encoding.append((finished - built) * 1000)
        sizes.append(float(len(body)))
    return times, encoding, sizes


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def snapshot_probes(
    ledger: Ledger, models: ReadModels, rng: random.Random, shape: Shape = DEEP
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    last = ledger.position()
    first_day, last_day = START.date(), START.date() + timedelta(days=shape.years * 365)

    def random_position() -> int:
        return rng.randint(1, last)

    def tertial() -> Any:
        day = first_day + timedelta(days=rng.randint(0, (last_day - first_day).days))
        period = Tertial.containing(day)
        position = random_position()
        return tertial_snapshot(
            models, period, position=position, known_at="", head_hash=ledger.head_hash(position)
        )

    def status() -> Any:
        day = first_day + timedelta(days=rng.randint(0, (last_day - first_day).days))
        position = random_position()
        return status_at(
            models, as_of=day, position=position, known_at="", head_hash=ledger.head_hash(position)
        )

    return tertial, status


def catch_up_lag(ledger: Ledger, models: ReadModels, appends: int) -> tuple[float, float]:
    """(appends/s of the burst, seconds from the last append until the read models had
    it). The burst comes in transactions of `BURST_BATCH` events, as fast as they go."""
    models.start()
    project = "P0000"
    commands = [
        Command(
            SubjectKey.parse(f"project:{project}"),
            "ProjectFinancialsReported",
            {"phase_budget": n, "forecast": n, "actual": n, "earned_value": n},
        )
        for n in range(appends)
    ]
    started = time.perf_counter()
    for start in range(0, appends, BURST_BATCH):
        ledger.record_many(commands[start : start + BURST_BATCH])
    burst = time.perf_counter() - started
    target = ledger.position()
    finished = time.perf_counter()
    while models.applied < target:
        time.sleep(0.001)
    return appends / burst, time.perf_counter() - finished


# ---------------------------------------------------------------------------------------
# Stores and the report
# ---------------------------------------------------------------------------------------


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{directory}/bench.db"


@contextmanager
def postgres_store(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        yield f"{url}{'&' if '?' in url else '?'}schema={schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def copy_history(sqlite_path: str, postgres_url: str) -> float:
    """Copy the recorded log, row for row, into the PostgreSQL store (faster than
    validating it all a second time: the rows are the same, chain included)."""
    started = time.perf_counter()
    ledger = Ledger(postgres_url)  # creates the tables
    schema = ledger.env.get("POSTGRES_SCHEMA") or "public"
    events_table = ledger.recorder.events_table_name  # type: ignore[attr-defined]
    ledger.close()
    source = sqlite3.connect(sqlite_path)
    with psycopg.connect(postgres_url.split("?")[0]) as target, target.cursor() as cursor:
        with cursor.copy(
            sql.SQL(
                "COPY {}.{} (originator_id, originator_version, topic, state, notification_id) FROM STDIN"
            ).format(sql.Identifier(schema), sql.Identifier(events_table))
        ) as copy:
            for row in source.execute(
                "SELECT originator_id, originator_version, topic, state, rowid FROM stored_events"
            ):
                copy.write_row((uuid.UUID(row[0]), *row[1:]))
        with cursor.copy(sql.SQL("COPY {}.ledger_log FROM STDIN").format(sql.Identifier(schema))) as copy:
            for row in source.execute("SELECT * FROM ledger_log ORDER BY seq"):
                copy.write_row(row)
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'notification_id'), (SELECT MAX(notification_id) FROM {}.{}))"
            ).format(
                sql.Literal(f"{schema}.{events_table}"), sql.Identifier(schema), sql.Identifier(events_table)
            )
        )
        cursor.execute(sql.SQL("ANALYZE {}.{}").format(sql.Identifier(schema), sql.Identifier(events_table)))
        cursor.execute(sql.SQL("ANALYZE {}.ledger_log").format(sql.Identifier(schema)))
    source.close()
    return time.perf_counter() - started


def bench_store(name: str, url: str, args: argparse.Namespace, *, source: str | None = None) -> None:
    print(f"\n== {name}: {args.events:,} events, {args.shape_name} shape ==", flush=True)
    if source is None:
        ledger = Ledger(url)
        seconds = record_history(ledger, args.events, args.seed, validate=args.validate, shape=args.shape)
        path = "the batched append path, every command checked" if args.validate else "the event store"
        print(
            f"generated and recorded through {path} in {seconds:.0f} s ({ledger.position() / seconds:,.0f} events/s)"
        )
    else:
        seconds = copy_history(source, url)
        ledger = Ledger(url)
        print(f"copied the same {ledger.position():,} events from the SQLite store in {seconds:.0f} s")
    if "rebuild" in args.only:
        raw, raw_cpu = in_child(_raw_in_child, url)
        rate, rate_cpu, start_kb, peak_kb = in_child(_rebuild_in_child, url)
        print(
            f"rebuild          {rate:>12,.0f} events/s   raw read+decode {raw:,.0f} events/s   "
            f"ratio {rate / raw:.2f} (goal >= 0.50)"
        )
        # The two are timed one after the other: on a busy machine the clock's ratio moves
        # with the load, the ratio of CPU times much less.
        print(
            f"  by CPU time    {rate_cpu:>12,.0f} events/s   raw read+decode {raw_cpu:,.0f} events/s   "
            f"ratio {rate_cpu / raw_cpu:.2f} (this process's CPU; a server's not counted)"
        )
        print(
            f"rebuild memory   start {start_kb / 1024:,.0f} MiB, peak {peak_kb / 1024:,.0f} MiB "
            f"(+{(peak_kb - start_kb) / 1024:,.0f} MiB)"
        )
    models = ReadModels(ledger)
    models.catch_up()
    tertial, status = snapshot_probes(ledger, models, random.Random(args.seed), args.shape)
    snapshot_p50 = 0.0
    if "snapshot" in args.only or "find" in args.only:
        snapshot_p50 = report_snapshots(tertial, args.probes)
    if "status" in args.only:
        report_status(status, args.probes)
    if "find" in args.only:
        find_compare.report(ledger, models, random.Random(args.seed), args.probes, snapshot_p50)
    if "lag" in args.only:
        appends_per_second, lag = catch_up_lag(ledger, models, args.burst)
        print(
            f"catch-up lag     {lag * 1000:6.1f} ms after a burst of {args.burst:,} appends "
            f"({appends_per_second:,.0f} appends/s, {BURST_BATCH} per transaction)"
        )
    models.close()
    ledger.close()


def report_snapshots(tertial: Callable[[], Any], probes: int) -> float:
    """Print the tertial snapshots' latencies; their p50."""
    times, encoding, sizes = answer_latencies(tertial, probes)
    print(
        f"tertial snapshot p50 {percentile(times, 0.5):6.1f} ms   p99 {percentile(times, 0.99):6.1f} ms   "
        f"(goal p50 <= 30, p99 <= 100 on SQLite, 50/150 on PostgreSQL; {probes} random (tertial, known_at), "
        f"uncached; the JSON encoding included)"
    )
    print(
        f"  of which JSON    p50 {percentile(encoding, 0.5):6.1f} ms   p99 {percentile(encoding, 0.99):6.1f} ms   "
        f"(answers p50 {percentile(sizes, 0.5) / 1024:,.0f} KiB, max {max(sizes) / 1024:,.0f} KiB)"
    )
    return percentile(times, 0.5)


def report_status(status: Callable[[], Any], probes: int) -> None:
    times, encoding, sizes = answer_latencies(status, max(20, probes // 5))
    print(
        f"status           p50 {percentile(times, 0.5):6.1f} ms   p99 {percentile(times, 0.99):6.1f} ms   "
        f"(goal p50 <= 50; JSON p50 {percentile(encoding, 0.5):.1f} ms, answers p50 "
        f"{percentile(sizes, 0.5) / 1024:,.0f} KiB)"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, help=f"default 1,000,000; {WIDE_EVENTS:,} with --shape wide")
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="deep",
        help="deep: few subjects with long histories over ten years; wide: thousands over six",
    )
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"what to measure, of {','.join(PARTS)} (default: all)",
    )
    parser.add_argument("--validate", action="store_true", help="check every generated command (slow)")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("GOVERNANCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    )
    args = parser.parse_args(argv)
    args.only = set(args.only.split(","))
    if args.only - set(PARTS):
        parser.error(f"--only takes some of {','.join(PARTS)}")
    args.shape_name = args.shape
    args.shape = SHAPES[args.shape]
    if args.events is None:
        args.events = WIDE_EVENTS if args.shape_name == "wide" else 1_000_000
    return args


def main(argv: list[str] | None = None) -> int:
    """The history is generated on SQLite; PostgreSQL gets a copy of the same rows."""
    args = parse_args(argv)
    stores = args.stores.split(",")
    with sqlite_store() as sqlite_url:
        if "sqlite" in stores:
            bench_store("sqlite", sqlite_url, args)
        else:
            record_history(
                Ledger(sqlite_url), args.events, args.seed, validate=args.validate, shape=args.shape
            )
        if "postgres" in stores:
            with postgres_store(args.postgres_url) as url:
                bench_store("postgres", url, args, source=sqlite_url.removeprefix("sqlite:///"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
