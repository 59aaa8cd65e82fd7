"""The synthetic history the read-model benchmarks record (`bench/readmodels.py`,
`bench/pages.py`, `bench/api_load.py`), and the loader that stores it fast.

Two shapes: `DEEP` (by default 1,000,000 events over ten years about a few hundred
projects, long histories per subject) and `WIDE` (about 30,000 events over six years
about thousands of subjects, many hundreds alive in every tertial). Every generated
command is valid when recorded in order (a `validate` recording refuses nothing).
"""

from __future__ import annotations

import gc
import random
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventsourcing.utils import get_topic

from governance.application import Command, Ledger
from governance.events import AGGREGATES, EVENT_TYPES
from governance.keys import SubjectKey
from governance.store.log import PendingEntry
from governance.timemodel import format_instant

START = datetime(2016, 1, 4, 7, 0, tzinfo=UTC)
CHUNK = 25_000

RATINGS = ("green", "yellow", "yellow", "red")


@dataclass(frozen=True)
class Shape:
    """How many subjects of each kind the history creates over its years, the share of
    changes backdated, and the share of subjects there from the first day (the rest
    come evenly over the years)."""

    projects: int = 200
    risks: int = 2_000
    milestones: int = 5_000
    board_cases: int = 500
    contracts: int = 100
    years: int = 10
    backdated: float = 0.05
    head_start: float = 0.0

    def scaled(self, events: int) -> Shape:
        """The default (deep) shape for a smaller history: fewer subjects, as the square
        root of the share of 1,000,000 events."""
        factor = min(1.0, events / 1_000_000) ** 0.5
        counts = ("projects", "risks", "milestones", "board_cases", "contracts")
        return replace(self, **{name: max(2, round(getattr(self, name) * factor)) for name in counts})


DEEP = Shape()
"""A million events over ten years about few subjects: long histories per subject."""

WIDE = Shape(
    projects=1_300,
    risks=2_000,
    milestones=2_700,
    board_cases=900,
    contracts=100,
    years=6,
    backdated=0.10,
    head_start=0.4,
)
"""About 30,000 events over six years about many subjects: many hundreds alive in every
tertial, one change in ten backdated, tertial snapshots of several hundred KB."""

WIDE_EVENTS = 30_000

SHAPES = {"deep": DEEP, "wide": WIDE}


class History:
    """Years of governance, one day at a time; every command valid when recorded."""

    def __init__(self, events: int, seed: int, shape: Shape = DEEP) -> None:
        self.rng = random.Random(seed)
        self.target = events
        self.shape = shape.scaled(events) if shape is DEEP else shape
        self.days = self.shape.years * 365
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
            head_start = self.shape.head_start
            self.growth = head_start + (1 - head_start) * (day_number + 1) / self.days
            # The subjects there from the start are all registered on the first day.
            count = max(self._poisson(self.per_day), self._owed())
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

    def _owed(self) -> int:
        """How many subjects are due and not yet created."""
        shape = self.shape
        have = {
            "projects": len(self.projects),
            "board_cases": len(self.cases),
            "risks": len(self.risks),
            "milestones": len(self.milestones),
            "contracts": len(self.contracts),
        }
        return sum(
            max(0, max(1, round(getattr(shape, name) * self.growth)) - count) for name, count in have.items()
        )

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
        backdate = rng.random() < self.shape.backdated
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


def record_history(
    ledger: Ledger, events: int, seed: int, *, validate: bool = False, shape: Shape = DEEP
) -> float:
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
    for command in History(events, seed, shape).commands():
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
