"""The pages' latency: each page's p50 (and p99) over HTTP, in process, signed in.

On the demo history, and on a synthetic history of `--events` events (the generator of
`bench/readmodels.py`; 1,000,000 by default, goal: the tertial page's p50 at most 150 ms).
Each page is asked `--repeat` times: once at its default reading ("now", whose answer is
cached by log position after the first request) and once with a different `known_at` on
every request (the snapshots read afresh). The baseline, measured in the same run, is the
JSON answer the page renders (`GET /tertials/{t}` at the same readings).

    .venv/bin/python bench/pages.py --events 100000
    .venv/bin/python bench/pages.py --events 1000000 --stores sqlite,postgres

Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient

from api.app import create_app
from governance.application import Ledger
from governance.demo import load_demo
from governance.projections.runner import ReadModels
from governance.timemodel import Tertial, oslo_day
from governance.users import Users
from readmodels import (
    DEFAULT_POSTGRES_URL,
    START,
    YEARS,
    copy_history,
    percentile,
    postgres_store,
    record_history,
    sqlite_store,
)


@contextmanager
def signed_in(ledger: Ledger) -> Iterator[TestClient]:
    app = create_app(ledger)
    token = Users(ledger.log).add(f"bench-{random.randrange(10**9)}", "admin")
    with TestClient(app, follow_redirects=False) as client:
        form = client.get("/ui/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        response = client.post("/ui/sign-in", data={"token": token, "csrf": csrf[1], "next": "/ui/"})
        assert response.status_code == 303, response.text
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
    app.state.readmodels.close()


def timed(client: TestClient, paths: Callable[[int], str], repeat: int) -> list[float]:
    times = []
    for number in range(repeat):
        path = paths(number)
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return times


def report(name: str, times: list[float]) -> None:
    print(f"  {name:<52} p50 {percentile(times, 0.5):8.1f} ms   p99 {percentile(times, 0.99):8.1f} ms")


def readings(ledger: Ledger, after_seq: int, rng: random.Random) -> Callable[[int], str]:
    """A different `known_at` for every request, from the event `after_seq` to now."""
    rows = ledger.log.fetch("SELECT recorded_at FROM {log} WHERE seq >= ? ORDER BY seq", (after_seq,))
    stamps = [row["recorded_at"] for row in rows[:: max(1, len(rows) // 500)]]

    def pick(_: int) -> str:
        return rng.choice(stamps)

    return pick


def pages_of(ledger: Ledger, tertial: Tertial) -> dict[str, tuple[str, int]]:
    """Each page, and the first event from which it has something to show."""

    def first(kind: str) -> tuple[str, int]:
        rows = ledger.log.fetch(
            "SELECT subject, seq FROM {log} WHERE subject >= ? AND subject < ? ORDER BY seq LIMIT 1",
            (f"{kind}:", f"{kind};"),
        )
        return str(rows[0]["subject"]).partition(":")[2], int(rows[0]["seq"])

    def subject(kind: str, path: str) -> tuple[str, int]:
        key, seq = first(kind)
        return f"/ui/{path}/{key}", seq

    return {
        "overview": ("/ui/", 1),
        "tertial": (f"/ui/tertials/{tertial}", 1),
        "board case": subject("board-case", "board-cases"),
        "project": subject("project", "projects"),
        "milestone": subject("milestone", "milestones"),
        "risk": subject("risk", "risks"),
        "contract": subject("contract", "contracts"),
        "audit (first page)": ("/ui/audit", 1),
    }


def bench_pages(label: str, ledger: Ledger, tertial: Tertial, repeat: int, seed: int) -> None:
    rng = random.Random(seed)
    models = ReadModels(ledger)
    started = time.perf_counter()
    models.catch_up()
    models.close()
    print(
        f"\n{label}: {ledger.position():,} events (read models caught up in {time.perf_counter() - started:.1f} s)"
    )
    with signed_in(ledger) as client:
        moments = readings(ledger, 1, rng)
        report(
            f"baseline: GET /tertials/{tertial} (JSON), now",
            timed(client, lambda _: f"/tertials/{tertial}", repeat),
        )
        report(
            f"baseline: GET /tertials/{tertial} (JSON), varying known_at",
            timed(client, lambda n: f"/tertials/{tertial}?known_at={moments(n)}", repeat),
        )
        for name, (path, since) in pages_of(ledger, tertial).items():
            report(f"{name}, now", timed(client, lambda _, path=path: path, repeat))
            after = readings(ledger, since, rng)
            report(
                f"{name}, varying known_at",
                timed(client, lambda n, path=path, after=after: f"{path}?known_at={after(n)}", repeat),
            )
        position = ledger.position()
        head = ledger.head_hash(position)
        report(
            "verify, the whole log (one request)",
            timed(client, lambda _: f"/ui/verify?position={position}&hash={head}", 1),
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events of the synthetic history (0: none)"
    )
    parser.add_argument("--repeat", type=int, default=30, help="requests per page and reading")
    parser.add_argument("--stores", default="sqlite", help="sqlite, postgres or both, comma-separated")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with sqlite_store() as url:
        ledger = Ledger(url)
        load_demo(ledger)
        bench_pages("demo history (SQLite)", ledger, Tertial(2025, 2), args.repeat, args.seed)
        ledger.close()
    if args.events <= 0:
        return 0
    stores = args.stores.split(",")
    last_day = (START + timedelta(days=YEARS * 365 - 1)).date()
    tertial = Tertial.containing(last_day).previous or Tertial.containing(last_day)
    with sqlite_store() as url:
        ledger = Ledger(url)
        seconds = record_history(ledger, args.events, args.seed)
        print(
            f"\nrecorded {args.events:,} synthetic events in {seconds:.0f} s; tertial {tertial} (to {oslo_day(START)} + {YEARS} years)"
        )
        if "sqlite" in stores:
            bench_pages(
                f"synthetic history (SQLite), tertial {tertial}", ledger, tertial, args.repeat, args.seed
            )
        ledger.close()
        if "postgres" in stores:
            with postgres_store(args.postgres_url) as pg_url:
                copy_history(url.removeprefix("sqlite:///"), pg_url)
                ledger = Ledger(pg_url)
                bench_pages(
                    f"synthetic history (PostgreSQL), tertial {tertial}",
                    ledger,
                    tertial,
                    args.repeat,
                    args.seed,
                )
                ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
