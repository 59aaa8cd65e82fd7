"""The read models at scale: rebuild throughput, snapshot and status latency, catch-up lag.

It records a synthetic history of ten years (by default 1,000,000 events: about 200
projects, 2,000 risks, 5,000 milestones and 500 board cases, 5% of the events
backdated, each recorded on its own day so that `known_at` means something) through the
ledger's batched append path, then measures on each store, in one run:

1. rebuild: events/s for dropping and rebuilding every read model from the log, beside
   the raw rate of reading the same rows and decoding their state with orjson (goal: at
   least half of it), and the rebuild's peak memory above its start (it should stay flat);
2. tertial snapshots at random (tertial, `known_at`): p50/p99 latency, never from cache
   (goal: p50 <= 50 ms, p99 <= 200 ms);
3. `/status` at random (`as_of`, `known_at`): p50/p99 latency;
   and finding and comparing (`find_compare.py`): list pages, a tertial's changes, a
   reconstruction with its corrections;
4. catch-up lag: after a burst of 10,000 appends (one transaction each) with the read
   models' background loop running, how long until they have applied the last one.

    .venv/bin/python bench/readmodels.py                      # both stores, 1,000,000 events
    .venv/bin/python bench/readmodels.py --events 100000 --stores sqlite

Nothing is asserted: the figures are printed, goals met or not.
"""

from __future__ import annotations

import argparse
import gc
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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

import find_compare
from governance.application import Command, Ledger
from governance.events import AGGREGATES, EVENT_TYPES
from governance.keys import SubjectKey
from governance.projections.runner import ReadModels
from governance.projections.status import status_at
from governance.projections.tertial import tertial_snapshot
from governance.store.log import PendingEntry
from governance.timemodel import Tertial, format_instant

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
START = datetime(2016, 1, 4, 7, 0, tzinfo=UTC)
YEARS = 10
CHUNK = 25_000
BURST_BATCH = 50
BACKDATED = 0.05

# ---------------------------------------------------------------------------------------
# The synthetic history, in recorded order
# ---------------------------------------------------------------------------------------

RATINGS = ("green", "yellow", "yellow", "red")


@dataclass
class Shape:
    projects: int = 200
    risks: int = 2_000
    milestones: int = 5_000
    board_cases: int = 500
    contracts: int = 100

    def scaled(self, events: int) -> Shape:
        factor = min(1.0, events / 1_000_000) ** 0.5
        return Shape(*(max(2, round(getattr(self, name) * factor)) for name in vars(self)))


class History:
    """Ten years of governance, one day at a time; every command valid when recorded."""

    def __init__(self, events: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target = events
        self.shape = Shape().scaled(events)
        self.days = YEARS * 365
        self.per_day = events / self.days
        self.projects: list[str] = []
        self.registered: dict[str, date] = {}
        self.risks: dict[str, dict[str, Any]] = {}
        self.milestones: dict[str, dict[str, Any]] = {}
        self.cases: list[str] = []
        self.contracts: dict[str, int] = {}
        self.emitted = 0

    def commands(self) -> Iterator[Command]:
        for day_number in range(self.days):
            moment = START + timedelta(days=day_number)
            today = moment.date()
            self.growth = (day_number + 1) / self.days
            count = self._poisson(self.per_day)
            for n in range(count):
                if self.emitted >= self.target:
                    return
                recorded = moment + timedelta(seconds=n * (36_000 / max(count, 1)))
                command = self._next(today)
                if command is not None:
                    self.emitted += 1
                    yield self._stamped(command, recorded)
        while self.emitted < self.target:  # top up on the last day
            command = self._next((START + timedelta(days=self.days - 1)).date())
            if command is not None:
                self.emitted += 1
                yield self._stamped(command, START + timedelta(days=self.days - 1, hours=12))

    def _poisson(self, mean: float) -> int:
        return max(0, round(self.rng.gauss(mean, mean**0.5)))

    @staticmethod
    def _stamped(command: Command, recorded: datetime) -> Command:
        return Command(
            command.subject,
            command.type,
            command.fields,
            effective_on=command.effective_on,
            recorded_at=format_instant(recorded),
            actor="benchmark",
        )

    def _due(self, target: int, have: int) -> bool:
        return have < max(1, round(target * self.growth))

    def _next(self, today: date) -> Command | None:
        rng = self.rng
        if self._due(self.shape.projects, len(self.projects)) or not self.projects:
            key = f"P{len(self.projects):04d}"
            self.projects.append(key)
            self.registered[key] = today
            return self._cmd(
                f"project:{key}",
                "ProjectRegistered",
                today,
                {
                    "name": f"Prosjekt {key}",
                    "organisation": rng.choice(("HDO", "SP", "HNIKT")),
                    "phase": "execution",
                    "owner": "Direktør",
                },
            )
        if self._due(self.shape.board_cases, len(self.cases)) or not self.cases:
            key = f"B{len(self.cases) % 5}/{len(self.cases):04d}-{today.year}"
            self.cases.append(key)
            body, case_no = key.split("/")
            return self._cmd(
                f"board-case:{key}",
                "BoardCaseRegistered",
                today,
                {
                    "body": body,
                    "case_no": case_no,
                    "title": "Sak",
                    "meeting_on": today.isoformat(),
                    "refs": [f"project:{rng.choice(self.projects)}"],
                },
            )
        if self._due(self.shape.risks, len(self.risks)):
            key = f"R{len(self.risks):05d}"
            self.risks[key] = {"open": True, "since": today}
            return self._cmd(
                f"risk:{key}",
                "RiskIdentified",
                today,
                {
                    "title": f"Risiko {key}",
                    "organisation": rng.choice(("HDO", "SP", "HNIKT")),
                    "project": rng.choice(self.projects),
                    "owner": "Risikoeier",
                    "probability": rng.randint(1, 5),
                    "consequence": rng.randint(1, 5),
                },
            )
        if self._due(self.shape.milestones, len(self.milestones)):
            project = rng.choice(self.projects)
            key = f"{project}/M{len(self.milestones):05d}"
            self.milestones[key] = {"planned": True, "since": today}
            return self._cmd(
                f"milestone:{key}",
                "MilestonePlanned",
                today,
                {
                    "name": f"Milepæl {key}",
                    "kind": "delivery",
                    "baseline_on": (today + timedelta(days=rng.randint(30, 700))).isoformat(),
                },
            )
        if self._due(self.shape.contracts, len(self.contracts)):
            key = f"K{len(self.contracts):04d}"
            self.contracts[key] = 0
            return self._cmd(
                f"contract:{key}",
                "ContractSigned",
                today,
                {
                    "title": "Kontrakt",
                    "supplier": "Leverandør AS",
                    "customer": "HDO",
                    "signed_on": today.isoformat(),
                    "project": rng.choice(self.projects),
                },
            )
        return self._change(today)

    def _change(self, today: date) -> Command | None:
        rng = self.rng
        roll = rng.random()
        backdate = rng.random() < BACKDATED
        if roll < 0.35 and self.risks:
            key = rng.choice(list(self.risks))
            risk = self.risks[key]
            day = self._backdated(today, risk["since"]) if backdate else today
            if not risk["open"]:
                if rng.random() < 0.3 and day == today:
                    risk.update(open=True, since=today)
                    return self._cmd(f"risk:{key}", "RiskReopened", today, {"reason": "Aktuell igjen"})
                return None
            if rng.random() < 0.01 and day == today:
                risk.update(open=False, since=today)
                return self._cmd(f"risk:{key}", "RiskClosed", today, {"reason": "Håndtert"})
            return self._cmd(
                f"risk:{key}",
                "RiskAssessed",
                day,
                {"probability": rng.randint(1, 5), "consequence": rng.randint(1, 5)},
            )
        if roll < 0.60 and self.milestones:
            key = rng.choice(list(self.milestones))
            milestone = self.milestones[key]
            if not milestone["planned"]:
                return None
            day = self._backdated(today, milestone["since"]) if backdate else today
            chance = rng.random()
            if chance < 0.02 and day == today:
                milestone["planned"] = False
                return self._cmd(
                    f"milestone:{key}", "MilestoneAchieved", today, {"achieved_on": today.isoformat()}
                )
            if chance < 0.025 and day == today:
                milestone["planned"] = False
                return self._cmd(f"milestone:{key}", "MilestoneCancelled", today, {"reason": "Utgår"})
            if chance < 0.05:
                return self._cmd(
                    f"milestone:{key}",
                    "MilestoneRebaselined",
                    day,
                    {
                        "baseline_on": (day + timedelta(days=rng.randint(0, 400))).isoformat(),
                        "reason": "Ny plan",
                        "decision_ref": rng.choice(self.cases),
                    },
                )
            return self._cmd(
                f"milestone:{key}",
                "MilestoneForecastChanged",
                day,
                {
                    "forecast_on": (day + timedelta(days=rng.randint(-30, 400))).isoformat(),
                    "reason": "Prognose",
                },
            )
        if roll < 0.92:
            key = rng.choice(self.projects)
            day = today - timedelta(days=rng.randint(1, 60)) if backdate else today
            day = max(day, self.registered[key])
            if rng.random() < 0.5:
                return self._cmd(
                    f"project:{key}",
                    "ProjectStatusAssessed",
                    day,
                    {
                        **{
                            name: rng.choice(RATINGS)
                            for name in (
                                "overall",
                                "time",
                                "cost",
                                "scope",
                                "quality",
                                "risk_exposure",
                                "benefits",
                            )
                        },
                        "measures": ["Oppfølging"],
                    },
                )
            return self._cmd(
                f"project:{key}",
                "ProjectFinancialsReported",
                day,
                {
                    "phase_budget": rng.randint(10**6, 10**9),
                    "forecast": rng.randint(10**6, 10**9),
                    "actual": rng.randint(0, 10**9),
                    "earned_value": rng.randint(0, 10**9),
                },
            )
        if roll < 0.97:
            case = rng.choice(self.cases)
            return self._cmd(
                f"board-case:{case}",
                "BoardDecisionRecorded",
                today,
                {
                    "decided_on": today.isoformat(),
                    "text": "Vedtak",
                    "refs": [f"project:{rng.choice(self.projects)}"],
                },
            )
        key = rng.choice(list(self.contracts)) if self.contracts else None
        if key is None:
            return None
        self.contracts[key] += 1
        return self._cmd(
            f"contract:{key}",
            "ContractAmended",
            today,
            {
                "amendment_no": self.contracts[key],
                "kind": "schedule",
                "title": "Tillegg",
                "summary": "Endring",
                "affected_milestones": [],
            },
        )

    def _backdated(self, today: date, since: date) -> date:
        earliest = since + timedelta(days=1)
        if earliest >= today:
            return today
        return today - timedelta(days=self.rng.randint(1, min(120, (today - earliest).days)))

    @staticmethod
    def _cmd(subject: str, type_: str, day: date, fields: dict[str, Any]) -> Command:
        return Command(SubjectKey.parse(subject), type_, fields, effective_on=day.isoformat())


def record_history(ledger: Ledger, events: int, seed: int, *, validate: bool = False) -> float:
    """Record the history in batches; the seconds it took.

    With `validate`, every command goes through `Ledger.record_many` and its full checks
    (about 5,000 events/s here). By default the events are stored straight through the
    library's event store with their log entries — the chain and `recorded_at` order are
    still assigned and checked by the recorder — because the generator keeps every
    lifecycle rule itself (a `--validate` run of the same seed refuses nothing), and
    checking a million commands would take most of this benchmark's ten minutes.
    """
    started = time.perf_counter()
    store = ledger.record_many if validate else TrustedLoader(ledger).store
    chunk: list[Command] = []
    done = 0
    for command in History(events, seed).commands():
        chunk.append(command)
        if len(chunk) >= CHUNK:
            store(chunk)
            done += len(chunk)
            chunk = []
            # What is recorded stays referenced in this process; keep the collector
            # from walking it again and again while the generator runs.
            gc.freeze()
            _progress(f"recorded {done:,} events")
    if chunk:
        store(chunk)
    _progress("")
    return time.perf_counter() - started


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a generated batch is stored: the batch
    holds no reference cycles, and this loader runs alone in its process."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TrustedLoader:
    """Builds each command's event (its fields still validated by pydantic) without
    loading its aggregate, and stores a batch as `Batch.save` would."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.versions: dict[str, int] = {}

    def store(self, commands: list[Command]) -> None:
        events, entries = [], []
        for command in commands:
            subject = str(command.subject)
            version = self.versions.get(subject, 0) + 1
            self.versions[subject] = version
            event_class = EVENT_TYPES[command.type]
            extra = {"originator_topic": get_topic(AGGREGATES[command.subject.kind])} if version == 1 else {}
            event = event_class(
                originator_id=command.subject.id,
                originator_version=version,
                effective_on=command.effective_on,
                **extra,
                **command.fields,
            )
            events.append(event)
            entries.append(
                PendingEntry(
                    event_id=str(uuid.uuid4()),
                    subject=subject,
                    type=command.type,
                    version=version,
                    effective_on=event.effective_on.isoformat(),
                    actor=command.actor,
                    data=event.data(),
                    recorded_at=command.recorded_at,
                )
            )
        with collector_paused():
            self.ledger.events.put(events, log_entries=entries)


def _progress(text: str) -> None:
    sys.stderr.write(f"\r{text:<60}")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------


def raw_read_rate(ledger: Ledger) -> float:
    """Events/s for reading the rows a rebuild reads and decoding their state."""
    started = time.perf_counter()
    after, count = 0, 0
    while True:
        rows = ledger.log.projection_rows(after=after, limit=10_000)
        if not rows:
            break
        for row in rows:
            orjson.loads(row[4])
        count += len(rows)
        after = rows[-1][0]
    return count / (time.perf_counter() - started)


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
    started = time.perf_counter()
    position = models.rebuild(restart=True)
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    queue.put((position / elapsed, start_rss, max(peak[0], _rss_kb())))
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
    queue.put(statistics.median(raw_read_rate(ledger) for _ in range(3)))
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


def latencies(probe: Callable[[], Any], count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        probe()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def snapshot_probes(
    ledger: Ledger, models: ReadModels, rng: random.Random
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    last = ledger.position()
    first_day, last_day = START.date(), START.date() + timedelta(days=YEARS * 365)

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
    print(f"\n== {name}: {args.events:,} events ==", flush=True)
    if source is None:
        ledger = Ledger(url)
        seconds = record_history(ledger, args.events, args.seed, validate=args.validate)
        path = "the batched append path, every command checked" if args.validate else "the event store"
        print(
            f"generated and recorded through {path} in {seconds:.0f} s ({ledger.position() / seconds:,.0f} events/s)"
        )
    else:
        seconds = copy_history(source, url)
        ledger = Ledger(url)
        print(f"copied the same {ledger.position():,} events from the SQLite store in {seconds:.0f} s")
    raw = in_child(_raw_in_child, url)
    rate, start_kb, peak_kb = in_child(_rebuild_in_child, url)
    print(
        f"rebuild          {rate:>12,.0f} events/s   raw read+decode {raw:,.0f} events/s   "
        f"ratio {rate / raw:.2f} (goal >= 0.50)"
    )
    print(
        f"rebuild memory   start {start_kb / 1024:,.0f} MiB, peak {peak_kb / 1024:,.0f} MiB "
        f"(+{(peak_kb - start_kb) / 1024:,.0f} MiB)"
    )
    models = ReadModels(ledger)
    models.catch_up()
    tertial, status = snapshot_probes(ledger, models, random.Random(args.seed))
    times = latencies(tertial, args.probes)
    print(
        f"tertial snapshot p50 {percentile(times, 0.5):6.1f} ms   p99 {percentile(times, 0.99):6.1f} ms   "
        f"(goal p50 <= 50, p99 <= 200; {args.probes} random (tertial, known_at), uncached)"
    )
    snapshot_p50 = percentile(times, 0.5)
    times = latencies(status, max(20, args.probes // 5))
    print(f"status           p50 {percentile(times, 0.5):6.1f} ms   p99 {percentile(times, 0.99):6.1f} ms")
    find_compare.report(ledger, models, random.Random(args.seed), args.probes, snapshot_p50)
    appends_per_second, lag = catch_up_lag(ledger, models, args.burst)
    print(
        f"catch-up lag     {lag * 1000:6.1f} ms after a burst of {args.burst:,} appends "
        f"({appends_per_second:,.0f} appends/s, {BURST_BATCH} per transaction)"
    )
    models.close()
    ledger.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--validate", action="store_true", help="check every generated command (slow)")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("GOVERNANCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """The history is generated on SQLite; PostgreSQL gets a copy of the same rows."""
    args = parse_args(argv)
    stores = args.stores.split(",")
    with sqlite_store() as sqlite_url:
        if "sqlite" in stores:
            bench_store("sqlite", sqlite_url, args)
        else:
            record_history(Ledger(sqlite_url), args.events, args.seed, validate=args.validate)
        if "postgres" in stores:
            with postgres_store(args.postgres_url) as url:
                bench_store("postgres", url, args, source=sqlite_url.removeprefix("sqlite:///"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
