"""Finding and comparing at scale (DOMAIN.md §6a), measured by `bench/readmodels.py` on the
store it has filled: a list page of each kind, with and without a search text; a tertial's
changes between two random readings after the period's end; a reconstruction with its
corrections. Every probe runs uncached, beside the tertial snapshot's p50 of the same run
(goals: a list page p50 <= 20 ms; a tertial's changes p50 <= 2.5x the snapshot's).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from governance.application import Ledger
from governance.keys import KINDS, SubjectKey
from governance.projections.changes import tertial_changes
from governance.projections.lists import ListQuery, list_page
from governance.projections.reconstruction import reconstruction
from governance.projections.runner import ReadModels
from governance.timemodel import Tertial, end_of_oslo_day, format_instant, parse_instant


def _uncached(models: ReadModels, probe: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        models._cache.clear()
        return probe()

    return run


def _timed(probe: Callable[[], Any], count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        probe()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _search_texts(models: ReadModels, kind: str, rng: random.Random) -> list[str]:
    """Short pieces of real names and keys, as a person would type them."""
    table = {"project": "rm_projects", "milestone": "rm_milestones", "risk": "rm_risks"}.get(
        kind, "rm_contracts" if kind == "contract" else "rm_board_cases"
    )
    rows = models.fetch(f"SELECT find_key, find_text FROM {{t}}{table} LIMIT 200")
    texts = []
    for row in rows:
        source = rng.choice([row["find_key"], row["find_text"]])
        start = rng.randint(0, max(0, len(source) - 3))
        texts.append(source[start : start + 3])
    return texts or ["x"]


def _instant(ledger: Ledger, position: int) -> datetime:
    recorded_at = ledger.log.recorded_at(position)
    assert recorded_at is not None
    return parse_instant(recorded_at)


def report(ledger: Ledger, models: ReadModels, rng: random.Random, probes: int, snapshot_p50: float) -> None:
    last = ledger.position()
    today = ledger.today()
    for kind in KINDS:
        texts = _search_texts(models, kind, rng)
        for label, searching in (("", False), (" with q", True)):

            def page(kind: Any = kind, texts: list[str] = texts, searching: bool = searching) -> Any:
                position = rng.randint(1, last)
                query = ListQuery(kind, {}, rng.choice(texts) if searching else "")
                return list_page(models, query, as_of=today, position=position, limit=100)

            times = _timed(_uncached(models, page), max(20, probes // 4))
            print(
                f"list {kind + label:<18} p50 {_p(times, 0.5):6.1f} ms   p99 {_p(times, 0.99):6.1f} ms"
                "   (goal p50 <= 20; 100 items at a random position)"
            )

    first_day = parse_instant(ledger.log.recorded_at(1) or "").date()

    def changes() -> Any:
        day = date.fromordinal(rng.randint(first_day.toordinal(), today.toordinal() - 1))
        period = Tertial.containing(day)
        start = ledger.log.log_position(_end_text(period))
        if start >= last:
            start = last - 1
        a = rng.randint(max(1, start), last)
        b = rng.randint(a, last)
        return tertial_changes(
            models, period, from_known_at=_instant(ledger, a), to_known_at=_instant(ledger, b)
        )

    times = _timed(_uncached(models, changes), probes)
    p50 = _p(times, 0.5)
    print(
        f"tertial changes  p50 {p50:6.1f} ms   p99 {_p(times, 0.99):6.1f} ms   "
        f"{p50 / snapshot_p50:.2f}x the snapshot's p50 (goal <= 2.5; two random readings after the period's end)"
    )

    cases = [row["subject"] for row in models.fetch("SELECT subject FROM {t}rm_board_cases LIMIT 1000")]

    def reconstruct() -> Any:
        case = SubjectKey.parse(rng.choice(cases))
        return reconstruction(models, case, today=today, known_at=_instant(ledger, rng.randint(1, last)))

    times = _timed(_uncached(models, reconstruct), max(20, probes // 4))
    print(
        f"reconstruction   p50 {_p(times, 0.5):6.1f} ms   p99 {_p(times, 0.99):6.1f} ms   (with corrections)"
    )


def _end_text(period: Tertial) -> str:
    return format_instant(end_of_oslo_day(period.end))
