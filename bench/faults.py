"""Faults under HTTP load, measured: kill -9 of a server, and the store going away.

It runs `governance serve` under load from concurrent clients (the fault suite's load:
new risks, assessments, board decisions, project statuses) and prints:

1. kill -9, on SQLite and PostgreSQL, `--rounds` times: the server is killed mid-load;
   how many writes were acknowledged (201) and how many of them the log holds as they
   were answered, how many unanswered writes were stored all the same, whether the chain
   verifies and the read models of a restarted server equal the naive replay;
2. PostgreSQL stopped under load (`pg_ctl stop -m immediate` on a throwaway server of its
   own, never the machine's): seconds from the stop to the first 503, the slowest
   request while it was down, how long `/health` took, seconds from the database
   accepting connections again to the first 201 (the API server is not restarted), and
   `/health`'s time while the database is frozen (SIGSTOP: it accepts, never answers);
3. SQLite's write lock held by another process for `--outage` seconds: seconds to the
   first 503, the slowest read meanwhile, seconds from the release to the first 201.

    .venv/bin/python bench/faults.py                 # both stores, 3 rounds of kill -9
    .venv/bin/python bench/faults.py --stores sqlite --rounds 1

The bounds are the server's settings: `--connect-timeout` (GOVERNANCE_DB_CONNECT_TIMEOUT)
and `--lock-timeout` (GOVERNANCE_DB_LOCK_TIMEOUT). PostgreSQL for kill -9 comes from
`--postgres-url` (default `GOVERNANCE_TEST_POSTGRES_URL`, else
postgresql://postgres@127.0.0.1:5432/test), in a schema of its own. Nothing is
asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from readmodels import postgres_store, sqlite_store
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

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def first_after(load: Load, moment: float, status: int) -> float:
    """Seconds from `moment` to the first answer with `status` that ended after it."""
    answer = next(a for a in load.answered_after(moment) if a.status == status)
    return answer.sent + answer.seconds - moment


def timed_get(url: str, headers: dict[str, str] | None = None) -> tuple[float, int]:
    started = time.monotonic()
    status = httpx.get(url, headers=headers, timeout=30).status_code
    return time.monotonic() - started, status


def kill_round(url: str, clients: int, writes: int) -> str:
    token = admin_token(url)
    with Server(url) as server:
        load = Load([server.base], token, clients=clients)
        load.seed()
        load.start()
        wait_for(lambda: len(load.acknowledged()) >= writes, "acknowledged writes")
        server.kill()
        load.stop()
    acknowledged = load.acknowledged()
    unanswered = sum(1 for answer in load.answers if answer.status is None)
    with Server(url) as restarted:
        envelopes = log_of(restarted.base, token)
        headers = {"Authorization": f"Bearer {token}"}
        verified = httpx.get(f"{restarted.base}/verify", headers=headers, timeout=60).json()["ok"]
        try:
            read_models_equal_the_oracle(restarted.base, token, envelopes)
            oracle = "equal"
        except AssertionError:
            oracle = "DIFFER"
    kept = present(acknowledged, envelopes)
    stored_unanswered = len(envelopes) - 2 - kept  # the load's two seeding writes aside
    return (
        f"acknowledged {len(acknowledged)}, present {kept};"
        f" unanswered {unanswered}, of which stored {stored_unanswered}; verify {'ok' if verified else 'BROKEN'};"
        f" read models {oracle} to the replay"
    )


def postgres_outage(args: argparse.Namespace) -> None:
    bounds = {"GOVERNANCE_DB_CONNECT_TIMEOUT": str(args.connect_timeout)}
    with ThrowawayPostgres() as database:
        token = admin_token(database.url)
        with Server(database.url, env=bounds) as server:
            load = Load([server.base], token, clients=args.clients)
            load.seed()
            load.start()
            wait_for(lambda: len(load.acknowledged()) >= 50, "acknowledged writes")
            stopped = time.monotonic()
            database.stop("immediate")
            wait_for(lambda: any(a.status == 503 for a in load.answered_after(stopped)), "a 503")
            to_503 = first_after(load, stopped, 503)
            health_seconds, health_status = timed_get(f"{server.base}/health")
            time.sleep(max(0.0, args.outage - (time.monotonic() - stopped)))
            restarting = time.monotonic()
            database.start()
            ready = time.monotonic()
            wait_for(
                lambda: any(a.status == 201 for a in load.answered_after(ready)), "a write after the restart"
            )
            to_201 = first_after(load, ready, 201)
            load.stop()
            during = [a for a in load.answers if a.sent + a.seconds >= stopped and a.sent <= ready]
            slowest = max(a.seconds for a in during)
            statuses = sorted({str(a.status) for a in during})
            envelopes = log_of(server.base, token)
            acknowledged = load.acknowledged()
            database.freeze()
            try:
                frozen_seconds, frozen_status = timed_get(f"{server.base}/health")
            finally:
                database.thaw()
    print(
        f"postgres stopped (connect timeout {args.connect_timeout:g} s): first 503 {to_503:.2f} s after the stop;"
        f" slowest request while down {slowest:.2f} s (statuses {', '.join(statuses)});"
        f" /health {health_seconds:.2f} s ({health_status})"
    )
    print(
        f"postgres started again ({ready - restarting:.2f} s to accept connections): first 201 {to_201:.2f} s"
        f" later, no restart of the API server; acknowledged {len(acknowledged)},"
        f" present {present(acknowledged, envelopes)}"
    )
    print(f"postgres frozen (SIGSTOP): /health {frozen_seconds:.2f} s ({frozen_status})")


def sqlite_outage(args: argparse.Namespace) -> None:
    with sqlite_store() as url:
        path = url.removeprefix("sqlite:///")
        token = admin_token(url)
        headers = {"Authorization": f"Bearer {token}"}
        with Server(url, env={"GOVERNANCE_DB_LOCK_TIMEOUT": str(args.lock_timeout)}) as server:
            before = Load([server.base], token, clients=args.clients)
            before.seed()
            before.start()
            wait_for(lambda: len(before.acknowledged()) >= 50, "acknowledged writes")
            before.stop()
            # Applying the log takes the write lock too: reads of what is not applied yet
            # would wait for it (and answer 503). Those read here are applied.
            wait_until_caught_up(server.base)
            load = Load([server.base], token, clients=args.clients, first=args.clients)
            reads: list[tuple[float, int]] = []
            with SQLiteWriteLock(path) as lock:
                locked = time.monotonic()
                load.start()
                while time.monotonic() - locked < args.outage:
                    reads.append(timed_get(f"{server.base}/projects/KAK", headers))
                    time.sleep(0.05)
                lock.release()
            released = time.monotonic()
            wait_for(
                lambda: any(a.status == 201 for a in load.answered_after(released)), "a write after the lock"
            )
            load.stop()
            to_503 = first_after(load, locked, 503)
            to_201 = first_after(load, released, 201)
            envelopes = log_of(server.base, token)
            acknowledged = before.acknowledged() + load.acknowledged()
    slowest_read = max(seconds for seconds, _ in reads)
    read_statuses = sorted({str(status) for _, status in reads})
    print(
        f"sqlite write lock held by another process for {args.outage:g} s (lock timeout {args.lock_timeout} s):"
        f" first 503 {to_503:.2f} s after; {len(reads)} reads meanwhile, slowest {slowest_read:.3f} s"
        f" (statuses {', '.join(read_statuses)}); first 201 {to_201:.2f} s after the release;"
        f" acknowledged {len(acknowledged)}, present {present(acknowledged, envelopes)}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", nargs="+", choices=("sqlite", "postgres"), default=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=3, help="kill -9 rounds per store (default 3)")
    parser.add_argument(
        "--writes", type=int, default=300, help="acknowledged writes before the kill (default 300)"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--outage", type=float, default=4.0, help="seconds the store is away (default 4)")
    parser.add_argument("--connect-timeout", type=float, default=1.0, help="GOVERNANCE_DB_CONNECT_TIMEOUT")
    parser.add_argument("--lock-timeout", type=int, default=1, help="GOVERNANCE_DB_LOCK_TIMEOUT")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GOVERNANCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help="PostgreSQL for the kill -9 rounds (a schema of its own is made and dropped)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for store in args.stores:
        for number in range(1, args.rounds + 1):
            with sqlite_store() if store == "sqlite" else postgres_store(args.postgres_url) as url:
                print(
                    f"{store} kill -9, round {number}: {kill_round(url, args.clients, args.writes)}",
                    flush=True,
                )
    if "sqlite" in args.stores:
        sqlite_outage(args)
    if "postgres" in args.stores:
        if ThrowawayPostgres.available():
            postgres_outage(args)
        else:
            print("postgres outage: skipped (needs root and PostgreSQL 15's pg_ctl for a throwaway server)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
