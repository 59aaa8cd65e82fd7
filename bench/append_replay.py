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
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

import orjson
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from governance.application import Command, Ledger
from governance.context import acting_as
from governance.errors import LedgerError
from governance.keys import SubjectKey
from governance.store.log import PAGE_SIZE, utc_now
from governance.timemodel import oslo_day

FIRST_DAY = date(2016, 1, 1)
BACKDATED_SHARE = 0.05
MAX_BACKDATING_DAYS = 180
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
ACTOR = "benchmark"

# ---------------------------------------------------------------------------------------
# The synthetic history
# ---------------------------------------------------------------------------------------

ORGANISATIONS = {
    "HDO": "HDO",
    "SP": "Sykehuspartner HF",
    "HNIKT": "Helse Nord IKT",
    "HVIKT": "Helse Vest IKT",
    "HSO": "Helse Sør-Øst RHF",
}
BODIES = ("HDO", "SP", "HNIKT", "PORTEFOLJE", "STYRINGSGRUPPE")
SUPPLIERS = {
    "FREQUENTIS": "Frequentis AG",
    "MOTOROLA": "Motorola Solutions Norge AS",
    "ATEA": "Atea AS",
    "TIETOEVRY": "Tietoevry Norway AS",
    "DIPS": "DIPS AS",
    "EVRY": "Evry Norge AS",
}
PROJECT_THEMES = (
    "Ny felles kommunikasjonsløsning",
    "Modernisering av AMK-plattform",
    "Utfasing av ICCS",
    "Regional journalløsning",
    "Nytt nødnett-kjernenett",
    "Infrastrukturmodernisering",
    "Felles identitetsforvaltning",
    "Digital samhandling med kommunene",
    "Overgang til skybasert drift",
    "Nytt laboratoriesystem",
)
OWNERS = ("Administrerende direktør", "Fagdirektør", "IKT-direktør", "Prosjekteier", "Økonomidirektør")
RISK_THEMES = (
    "Risiko for forsinkelser som følge av avhengigheter til andre prosjekter",
    "Risiko for økte kostnader ved forsinket utrulling",
    "Risiko for at leveransen ikke blir godkjent",
    "Risiko for kapasitetsutfordringer i interne driftsforberedelser",
    "Risiko for at dagens plattform går ut av support",
    "Risiko for manglende gevinstrealisering",
    "Risiko for sikkerhetshendelser i overgangsperioden",
    "Risiko for mangel på nøkkelkompetanse",
)
MEASURES = (
    "Tett oppfølging av leverandør",
    "Ukentlige avklaringsmøter med prosjektene",
    "Forsterket testkapasitet",
    "Eskalering til styringsgruppen",
    "Revidert innføringsplan",
    "Innleie av ekstern kompetanse",
)
REASONS = (
    "Forsinket leveranse fra leverandør",
    "Avhengighet til annet prosjekt",
    "Endret innføringsrekkefølge",
    "Kompensasjonsavtale med leverandør",
    "Styrevedtak",
    "Revidert prognose etter gjennomgang",
)
DECISION_TEXTS = (
    "Styret tar rapporten til orientering",
    "Styret godkjenner revidert kostnadsramme",
    "Styret ber administrasjonen følge opp risikoene",
    "Styret godkjenner overgang til neste fase",
    "Styret godkjenner kontraktstillegget",
)
CASE_TITLES = (
    "Tertialrapport",
    "Virksomhetsrisiko – ledelsens gjennomgang",
    "Status i prosjektporteføljen",
    "Kontraktstillegg og kompensasjonsavtale",
    "Beslutningspunkt",
)
PHASES = ("concept", "planning", "execution", "closing")
RATINGS = ("green", "yellow", "red")
MILESTONE_KINDS = {"milestone": "DM", "decision_point": "BP", "delivery": "LEV", "payment": "BET"}
AMENDMENT_KINDS = ("schedule", "scope", "price", "compensation", "settlement", "other")

# How often each event type is drawn, relative to the others: 100 000 events hold about
# 330 projects, 4 000 risks, 3 000 milestones, 440 contracts and 3 000 board cases.
WEIGHTS: dict[str, float] = {
    "ProjectRegistered": 300,
    "ProjectPhaseChanged": 600,
    "ProjectStatusAssessed": 9000,
    "ProjectFinancialsReported": 9000,
    "ProjectCostFrameChanged": 900,
    "ProjectClosed": 80,
    "MilestonePlanned": 3000,
    "MilestoneForecastChanged": 6000,
    "MilestoneRebaselined": 1000,
    "MilestoneAchieved": 1800,
    "MilestoneCancelled": 300,
    "RiskIdentified": 4000,
    "RiskAssessed": 30000,
    "MitigationAdded": 8000,
    "MitigationCompleted": 5000,
    "RiskClosed": 2500,
    "RiskReopened": 400,
    "ContractSigned": 400,
    "ContractAmended": 2000,
    "ContractDisputeRaised": 300,
    "ContractDisputeResolved": 250,
    "ContractTerminated": 40,
    "BoardCaseRegistered": 3000,
    "BoardDecisionRecorded": 4000,
    "BoardDecisionSuperseded": 300,
}
# Backdated events are of the kinds that no lifecycle rule depends on, placed on a day
# the subject was created and still open (before its first closure or outcome).
BACKDATED_WEIGHTS: dict[str, float] = {
    "RiskAssessed": 50,
    "ProjectStatusAssessed": 15,
    "ProjectFinancialsReported": 15,
    "MilestoneForecastChanged": 15,
    "BoardDecisionRecorded": 5,
}

OPENING = (
    "ProjectRegistered",
    "ProjectRegistered",
    "ProjectRegistered",
    "BoardCaseRegistered",
    "RiskIdentified",
    "MilestonePlanned",
    "ContractSigned",
)
"""The first commands of every history, whatever its length."""

T = TypeVar("T")


class Pool(Generic[T]):
    """Items by key, with O(1) add, remove and random pick."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._keys: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, key: str, item: T) -> None:
        if key not in self._index:
            self._index[key] = len(self._items)
            self._items.append(item)
            self._keys.append(key)

    def discard(self, key: str) -> None:
        index = self._index.pop(key, None)
        if index is None:
            return
        last_item, last_key = self._items.pop(), self._keys.pop()
        if index < len(self._items):
            self._items[index], self._keys[index] = last_item, last_key
            self._index[last_key] = index

    def pick(self, rng: random.Random) -> T | None:
        return rng.choice(self._items) if self._items else None


@dataclass
class Subject:
    """What the generator knows of a subject: enough to keep every command valid."""

    key: SubjectKey
    created_on: date
    frozen_from: date | None = None
    """The first day of a closure, outcome or termination: backdated events stay before it."""

    def freeze(self, day: date) -> None:
        if self.frozen_from is None:
            self.frozen_from = day


@dataclass
class ProjectModel(Subject):
    organisation: str = ""
    phase: str = "concept"
    budget: int = 0
    milestones: list[str] = field(default_factory=list)
    contracts: list[ContractModel] = field(default_factory=list)
    next_milestone: int = 1


@dataclass
class MilestoneModel(Subject):
    project: ProjectModel | None = None
    baseline_on: date = FIRST_DAY


@dataclass
class RiskModel(Subject):
    probability: int = 3
    consequence: int = 3
    next_mitigation: int = 1
    pending: list[str] = field(default_factory=list)


@dataclass
class ContractModel(Subject):
    project: ProjectModel | None = None
    amendments: int = 0
    dispute_open: bool = False


@dataclass
class BoardCaseModel(Subject):
    in_force: int = 0


@dataclass
class HistoryStats:
    types: Counter[str] = field(default_factory=Counter)
    backdated: int = 0

    def describe(self, events: int) -> str:
        kinds = {
            "projects": "ProjectRegistered",
            "risks": "RiskIdentified",
            "milestones": "MilestonePlanned",
            "contracts": "ContractSigned",
            "board cases": "BoardCaseRegistered",
        }
        subjects = ", ".join(f"{self.types[creating]} {name}" for name, creating in kinds.items())
        share = self.backdated / events if events else 0.0
        return f"{events} events: {subjects}; {self.backdated} backdated ({share:.1%})"


class SyntheticHistory:
    """A deterministic, valid history of `events` commands, effective from 2016-01-01 to
    `today` in log order, about 5% of them backdated.

    Each command is drawn by weight among the event types that some subject can take on
    the command's day; the generator keeps just enough of each subject's state to keep
    every command valid, so a refused command is a bug (in the ledger or here).
    """

    def __init__(self, events: int, *, today: date, seed: int = 2016) -> None:
        if today < FIRST_DAY:
            raise ValueError(f"today ({today}) lies before {FIRST_DAY}")
        self.events = events
        self.today = today
        self.rng = random.Random(seed)
        self.stats = HistoryStats()
        self.projects: list[ProjectModel] = []
        self.open_projects: Pool[ProjectModel] = Pool()
        self.milestones: list[MilestoneModel] = []
        self.planned_milestones: Pool[MilestoneModel] = Pool()
        self.risks: list[RiskModel] = []
        self.open_risks: Pool[RiskModel] = Pool()
        self.closed_risks: Pool[RiskModel] = Pool()
        self.mitigating_risks: Pool[RiskModel] = Pool()
        self.contracts: list[ContractModel] = []
        self.active_contracts: Pool[ContractModel] = Pool()
        self.disputed_contracts: Pool[ContractModel] = Pool()
        self.cases: list[BoardCaseModel] = []
        self.cases_in_force: Pool[BoardCaseModel] = Pool()
        self.case_numbers: Counter[tuple[str, int]] = Counter()
        self._types = list(WEIGHTS)
        self._weights = list(WEIGHTS.values())
        self._backdated_types = list(BACKDATED_WEIGHTS)
        self._backdated_weights = list(BACKDATED_WEIGHTS.values())

    def __iter__(self) -> Iterator[Command]:
        span = (self.today - FIRST_DAY).days + 1
        for index in range(self.events):
            day = FIRST_DAY + timedelta(days=index * span // self.events)
            command = self._next(index, day)
            self.stats.types[command.type] += 1
            yield command

    def _next(self, index: int, day: date) -> Command:
        if index < len(OPENING):
            # Every kind of subject exists from the start, however short the history.
            opening = self._draw(OPENING[index], day)
            assert opening is not None
            return opening
        # Backdating is owed from the start but possible only once subjects have a past:
        # catching up keeps the share at BACKDATED_SHARE of the whole history.
        if self.stats.backdated < (index + 1) * BACKDATED_SHARE and self.rng.random() < 0.5:
            command = self._backdated(day)
            if command is not None:
                self.stats.backdated += 1
                return command
        while True:
            command = self._draw(self.rng.choices(self._types, self._weights)[0], day)
            if command is not None:
                return command

    def _draw(self, type_: str, day: date) -> Command | None:
        """A command of `type_` on `day`, or None if no subject can take one then."""
        make: Callable[[date], Command | None] = getattr(self, _method_name(type_))
        return make(day)

    def _backdated(self, day: date) -> Command | None:
        type_ = self.rng.choices(self._backdated_types, self._backdated_weights)[0]
        pools: dict[str, list[Any]] = {
            "RiskAssessed": self.risks,
            "ProjectStatusAssessed": self.projects,
            "ProjectFinancialsReported": self.projects,
            "MilestoneForecastChanged": self.milestones,
            "BoardDecisionRecorded": self.cases,
        }
        candidates = pools[type_]
        if not candidates:
            return None
        subject = self.rng.choice(candidates)
        earliest = max(subject.created_on, day - timedelta(days=MAX_BACKDATING_DAYS))
        latest = day - timedelta(days=1)
        if subject.frozen_from is not None:
            latest = min(latest, subject.frozen_from - timedelta(days=1))
        if earliest > latest:
            return None
        backdated_on = earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))
        return self._backdated_command(type_, subject, backdated_on)

    def _backdated_command(self, type_: str, subject: Any, day: date) -> Command:
        if type_ == "RiskAssessed":
            return _command(subject.key, type_, day, self._assessment(subject))
        if type_ == "ProjectStatusAssessed":
            return _command(subject.key, type_, day, self._status())
        if type_ == "ProjectFinancialsReported":
            return _command(subject.key, type_, day, self._financials(subject, day))
        if type_ == "MilestoneForecastChanged":
            return _command(subject.key, type_, day, self._forecast(subject))
        # A backdated decision may already be superseded on its day: it is not counted as
        # in force, so a later supersession never depends on it.
        return _command(subject.key, type_, day, self._decision(day))

    # Helpers -------------------------------------------------------------------------

    def _maybe(self, probability: float) -> bool:
        return self.rng.random() < probability

    def _pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def _case_ref(self) -> str | None:
        if not self.cases:
            return None
        return self.rng.choice(self.cases).key.key

    def _subject_refs(self, most: int) -> list[str]:
        groups: list[list[Any]] = [
            group
            for group in (self.projects, self.milestones, self.risks, self.contracts, self.cases)
            if group
        ]
        refs = {str(self.rng.choice(self.rng.choice(groups)).key) for _ in range(self.rng.randint(0, most))}
        return sorted(refs)

    def _with_optional(self, fields: dict[str, Any], **optional: Any) -> dict[str, Any]:
        """`fields` plus those of `optional` that are not None (absent, never null)."""
        return fields | {name: value for name, value in optional.items() if value is not None}

    # Projects ------------------------------------------------------------------------

    def project_registered(self, day: date) -> Command:
        number = len(self.projects) + 1
        code = self.rng.choice(list(ORGANISATIONS))
        key = SubjectKey("project", f"{code}-P{number:03d}")
        project = ProjectModel(key, day, organisation=ORGANISATIONS[code])
        project.budget = self.rng.randrange(20, 2000) * 1_000_000
        self.projects.append(project)
        self.open_projects.add(key.key, project)
        fields = {
            "name": f"{self._pick(PROJECT_THEMES)} ({code}-P{number:03d})",
            "organisation": project.organisation,
            "phase": "concept",
            "owner": self._pick(OWNERS),
        }
        purpose = "Sikre stabil og sikker drift av kritiske tjenester" if self._maybe(0.5) else None
        return _command(key, "ProjectRegistered", day, self._with_optional(fields, purpose=purpose))

    def project_phase_changed(self, day: date) -> Command | None:
        project = self.open_projects.pick(self.rng)
        if project is None or project.phase == PHASES[-1]:
            return None
        project.phase = PHASES[PHASES.index(project.phase) + 1]
        decision_ref = self._case_ref() if self._maybe(0.6) else None
        fields = self._with_optional({"phase": project.phase}, decision_ref=decision_ref)
        return _command(project.key, "ProjectPhaseChanged", day, fields)

    def project_status_assessed(self, day: date) -> Command | None:
        project = self.open_projects.pick(self.rng)
        if project is None:
            return None
        return _command(project.key, "ProjectStatusAssessed", day, self._status())

    def _status(self) -> dict[str, Any]:
        dimensions = ("time", "cost", "scope", "quality", "risk_exposure", "benefits")
        ratings = {name: self.rng.choices(RATINGS, (55, 33, 12))[0] for name in dimensions}
        overall = max(ratings.values(), key=RATINGS.index)
        measures = self.rng.sample(MEASURES, self.rng.randint(0, 3))
        fields: dict[str, Any] = {"overall": overall, **ratings, "measures": measures}
        deviation = "Avvik mot grunnplan" if overall != "green" else None
        return self._with_optional(
            fields,
            comment="Status per rapporteringstidspunkt" if self._maybe(0.7) else None,
            deviation=deviation,
            consequence_note="Forsinket innføring" if deviation and self._maybe(0.5) else None,
        )

    def project_financials_reported(self, day: date) -> Command | None:
        project = self.open_projects.pick(self.rng)
        if project is None:
            return None
        return _command(project.key, "ProjectFinancialsReported", day, self._financials(project, day))

    def _financials(self, project: ProjectModel, day: date) -> dict[str, int]:
        progress = min(1.0, (day - project.created_on).days / 2500)
        actual = int(project.budget * progress * self.rng.uniform(0.8, 1.2))
        return {
            "phase_budget": project.budget,
            "forecast": int(project.budget * self.rng.uniform(0.9, 1.3)),
            "actual": actual,
            "earned_value": int(actual * self.rng.uniform(0.7, 1.05)),
        }

    def project_cost_frame_changed(self, day: date) -> Command | None:
        project = self.open_projects.pick(self.rng)
        if project is None:
            return None
        cost_frame = int(project.budget * self.rng.uniform(1.0, 1.5))
        fields = {
            "cost_frame": cost_frame,
            "steering_frame": int(cost_frame * self.rng.uniform(0.8, 0.95)),
            "reason": self._pick(REASONS),
        }
        return _command(
            project.key,
            "ProjectCostFrameChanged",
            day,
            self._with_optional(
                fields,
                price_year=day.year if self._maybe(0.7) else None,
                decision_ref=self._case_ref() if self._maybe(0.7) else None,
            ),
        )

    def project_closed(self, day: date) -> Command | None:
        project = self.open_projects.pick(self.rng)
        if project is None or (day - project.created_on).days < 2 * 365:
            return None
        self.open_projects.discard(project.key.key)
        project.freeze(day)
        fields = self._with_optional(
            {"summary": "Prosjektet er avsluttet og overlevert til drift"},
            decision_ref=self._case_ref() if self._maybe(0.8) else None,
        )
        return _command(project.key, "ProjectClosed", day, fields)

    # Milestones ----------------------------------------------------------------------

    def milestone_planned(self, day: date) -> Command | None:
        project = self.open_projects.pick(self.rng)
        if project is None:
            return None
        kind = self.rng.choice(list(MILESTONE_KINDS))
        own_key = f"{MILESTONE_KINDS[kind]}{project.next_milestone}"
        project.next_milestone += 1
        key = SubjectKey("milestone", f"{project.key.key}/{own_key}")
        baseline_on = day + timedelta(days=self.rng.randint(30, 720))
        milestone = MilestoneModel(key, day, project=project, baseline_on=baseline_on)
        project.milestones.append(key.key)
        self.milestones.append(milestone)
        self.planned_milestones.add(key.key, milestone)
        fields = {"name": f"Delleveranse {own_key}", "kind": kind, "baseline_on": baseline_on.isoformat()}
        return _command(key, "MilestonePlanned", day, fields)

    def milestone_forecast_changed(self, day: date) -> Command | None:
        milestone = self.planned_milestones.pick(self.rng)
        if milestone is None:
            return None
        return _command(milestone.key, "MilestoneForecastChanged", day, self._forecast(milestone))

    def _forecast(self, milestone: MilestoneModel) -> dict[str, Any]:
        forecast_on = milestone.baseline_on + timedelta(days=self.rng.randint(-30, 180))
        return {"forecast_on": forecast_on.isoformat(), "reason": self._pick(REASONS)}

    def milestone_rebaselined(self, day: date) -> Command | None:
        milestone = self.planned_milestones.pick(self.rng)
        if milestone is None:
            return None
        amendment_ref = self._amendment_ref(milestone.project)
        decision_ref = self._case_ref() if amendment_ref is None or self._maybe(0.3) else None
        if amendment_ref is None and decision_ref is None:
            return None
        milestone.baseline_on += timedelta(days=self.rng.randint(30, 365))
        fields = {"baseline_on": milestone.baseline_on.isoformat(), "reason": self._pick(REASONS)}
        fields = self._with_optional(fields, decision_ref=decision_ref, amendment_ref=amendment_ref)
        return _command(milestone.key, "MilestoneRebaselined", day, fields)

    def _amendment_ref(self, project: ProjectModel | None) -> str | None:
        amended = [contract for contract in (project.contracts if project else []) if contract.amendments]
        if not amended:
            return None
        contract = self.rng.choice(amended)
        return f"{contract.key.key}#{self.rng.randint(1, contract.amendments)}"

    def milestone_achieved(self, day: date) -> Command | None:
        milestone = self.planned_milestones.pick(self.rng)
        if milestone is None or (day - milestone.created_on).days < 60:
            return None
        self._settle(milestone, day)
        fields = self._with_optional(
            {"achieved_on": day.isoformat()},
            approved_by=self._pick(OWNERS) if self._maybe(0.6) else None,
            note="Godkjent med ikke-blokkerende feil" if self._maybe(0.3) else None,
        )
        return _command(milestone.key, "MilestoneAchieved", day, fields)

    def milestone_cancelled(self, day: date) -> Command | None:
        milestone = self.planned_milestones.pick(self.rng)
        if milestone is None:
            return None
        self._settle(milestone, day)
        fields = self._with_optional(
            {"reason": "Utgår etter endret innføringsplan"},
            decision_ref=self._case_ref() if self._maybe(0.5) else None,
        )
        return _command(milestone.key, "MilestoneCancelled", day, fields)

    def _settle(self, milestone: MilestoneModel, day: date) -> None:
        self.planned_milestones.discard(milestone.key.key)
        milestone.freeze(day)

    # Risks ---------------------------------------------------------------------------

    def risk_identified(self, day: date) -> Command:
        key = SubjectKey("risk", f"OR-{100 + len(self.risks)}")
        project = self.open_projects.pick(self.rng) if self._maybe(0.7) else None
        organisation = project.organisation if project else self.rng.choice(list(ORGANISATIONS.values()))
        risk = RiskModel(key, day, probability=self.rng.randint(1, 5), consequence=self.rng.randint(1, 5))
        self.risks.append(risk)
        self.open_risks.add(key.key, risk)
        fields = {
            "title": self._pick(RISK_THEMES),
            "organisation": organisation,
            "owner": self._pick(OWNERS),
            "probability": risk.probability,
            "consequence": risk.consequence,
        }
        fields = self._with_optional(
            fields,
            description="Avhengigheter mellom prosjektenes innføringsplaner" if self._maybe(0.5) else None,
            project=project.key.key if project else None,
        )
        return _command(key, "RiskIdentified", day, fields)

    def risk_assessed(self, day: date) -> Command | None:
        risk = self.open_risks.pick(self.rng)
        if risk is None:
            return None
        fields = self._assessment(risk)
        risk.probability, risk.consequence = fields["probability"], fields["consequence"]
        return _command(risk.key, "RiskAssessed", day, fields)

    def _assessment(self, risk: RiskModel) -> dict[str, Any]:
        def drift(score: int) -> int:
            return min(5, max(1, score + self.rng.choice((-1, 0, 0, 1))))

        fields = {"probability": drift(risk.probability), "consequence": drift(risk.consequence)}
        return self._with_optional(
            fields, rationale="Vurdert i risikogjennomgang" if self._maybe(0.4) else None
        )

    def mitigation_added(self, day: date) -> Command | None:
        risk = self.open_risks.pick(self.rng)
        if risk is None:
            return None
        mitigation_id = f"T{risk.next_mitigation}"
        risk.next_mitigation += 1
        risk.pending.append(mitigation_id)
        self.mitigating_risks.add(risk.key.key, risk)
        due_on = day + timedelta(days=self.rng.randint(30, 365)) if self._maybe(0.6) else None
        fields = self._with_optional(
            {"mitigation_id": mitigation_id, "description": self._pick(MEASURES)},
            owner=self._pick(OWNERS) if self._maybe(0.5) else None,
            due_on=due_on.isoformat() if due_on else None,
        )
        return _command(risk.key, "MitigationAdded", day, fields)

    def mitigation_completed(self, day: date) -> Command | None:
        risk = self.mitigating_risks.pick(self.rng)
        if risk is None:
            return None
        mitigation_id = risk.pending.pop(self.rng.randrange(len(risk.pending)))
        if not risk.pending:
            self.mitigating_risks.discard(risk.key.key)
        fields = self._with_optional(
            {"mitigation_id": mitigation_id}, note="Tiltaket er gjennomført" if self._maybe(0.5) else None
        )
        return _command(risk.key, "MitigationCompleted", day, fields)

    def risk_closed(self, day: date) -> Command | None:
        risk = self.open_risks.pick(self.rng)
        if risk is None:
            return None
        merged_into = self.rng.choice(self.risks) if self._maybe(0.15) else None
        if merged_into is risk:
            merged_into = None
        self.open_risks.discard(risk.key.key)
        self.mitigating_risks.discard(risk.key.key)
        self.closed_risks.add(risk.key.key, risk)
        risk.freeze(day)
        fields = self._with_optional(
            {"reason": "Risikoen er håndtert"}, merged_into=merged_into.key.key if merged_into else None
        )
        return _command(risk.key, "RiskClosed", day, fields)

    def risk_reopened(self, day: date) -> Command | None:
        risk = self.closed_risks.pick(self.rng)
        if risk is None:
            return None
        self.closed_risks.discard(risk.key.key)
        self.open_risks.add(risk.key.key, risk)
        if risk.pending:
            self.mitigating_risks.add(risk.key.key, risk)
        return _command(risk.key, "RiskReopened", day, {"reason": "Risikoen er aktuell igjen"})

    # Contracts -----------------------------------------------------------------------

    def contract_signed(self, day: date) -> Command:
        code = self.rng.choice(list(SUPPLIERS))
        key = SubjectKey("contract", f"K{len(self.contracts) + 1:04d}-{code}")
        project = self.open_projects.pick(self.rng) if self._maybe(0.8) else None
        contract = ContractModel(key, day, project=project)
        self.contracts.append(contract)
        self.active_contracts.add(key.key, contract)
        if project is not None:
            project.contracts.append(contract)
        customer = project.organisation if project else self.rng.choice(list(ORGANISATIONS.values()))
        fields = {
            "title": f"Kontrakt om {self._pick(PROJECT_THEMES).lower()}",
            "supplier": SUPPLIERS[code],
            "customer": customer,
            "signed_on": day.isoformat(),
        }
        fields = self._with_optional(
            fields,
            value=self.rng.randrange(5, 900) * 1_000_000 if self._maybe(0.8) else None,
            project=project.key.key if project else None,
        )
        return _command(key, "ContractSigned", day, fields)

    def contract_amended(self, day: date) -> Command | None:
        contract = self.active_contracts.pick(self.rng)
        if contract is None:
            return None
        contract.amendments += 1
        milestones = contract.project.milestones if contract.project else []
        affected = self.rng.sample(milestones, min(len(milestones), self.rng.randint(0, 2)))
        fields = {
            "amendment_no": contract.amendments,
            "kind": self.rng.choice(AMENDMENT_KINDS),
            "title": f"Kontraktstillegg {contract.amendments}",
            "summary": "Milepæler kan passeres med ikke-blokkerende feil",
            "affected_milestones": affected,
        }
        value_change = self.rng.randrange(-50, 200) * 100_000 if self._maybe(0.6) else None
        return _command(
            contract.key, "ContractAmended", day, self._with_optional(fields, value_change=value_change)
        )

    def contract_dispute_raised(self, day: date) -> Command | None:
        contract = self.active_contracts.pick(self.rng)
        if contract is None or contract.dispute_open:
            return None
        contract.dispute_open = True
        self.disputed_contracts.add(contract.key.key, contract)
        return _command(
            contract.key, "ContractDisputeRaised", day, {"description": "Uenighet om forsinkelse"}
        )

    def contract_dispute_resolved(self, day: date) -> Command | None:
        contract = self.disputed_contracts.pick(self.rng)
        if contract is None:
            return None
        contract.dispute_open = False
        self.disputed_contracts.discard(contract.key.key)
        amendment_no = (
            self.rng.randint(1, contract.amendments) if contract.amendments and self._maybe(0.5) else None
        )
        fields = self._with_optional({"resolution": "Forlik"}, amendment_no=amendment_no)
        return _command(contract.key, "ContractDisputeResolved", day, fields)

    def contract_terminated(self, day: date) -> Command | None:
        contract = self.active_contracts.pick(self.rng)
        if contract is None or contract.dispute_open or (day - contract.created_on).days < 365:
            return None
        self.active_contracts.discard(contract.key.key)
        contract.freeze(day)
        return _command(contract.key, "ContractTerminated", day, {"reason": "Kontrakten er avsluttet"})

    # Board cases ---------------------------------------------------------------------

    def board_case_registered(self, day: date) -> Command:
        body = self.rng.choice(BODIES)
        self.case_numbers[body, day.year] += 1
        case_no = f"{self.case_numbers[body, day.year]}-{day.year}"
        key = SubjectKey("board-case", f"{body}/{case_no}")
        refs = self._subject_refs(3)
        case = BoardCaseModel(key, day)
        self.cases.append(case)
        fields = {
            "body": body,
            "case_no": case_no,
            "title": f"{self._pick(CASE_TITLES)} {case_no}",
            "meeting_on": day.isoformat(),
            "refs": refs,
        }
        return _command(key, "BoardCaseRegistered", day, fields)

    def board_decision_recorded(self, day: date) -> Command | None:
        if not self.cases:
            return None
        case = self.rng.choice(self.cases[-30:])  # decisions follow soon after the meeting
        case.in_force += 1
        self.cases_in_force.add(case.key.key, case)
        return _command(case.key, "BoardDecisionRecorded", day, self._decision(day))

    def _decision(self, day: date) -> dict[str, Any]:
        return {
            "decided_on": day.isoformat(),
            "text": self._pick(DECISION_TEXTS),
            "refs": self._subject_refs(3),
        }

    def board_decision_superseded(self, day: date) -> Command | None:
        case = self.cases_in_force.pick(self.rng)
        if case is None or len(self.cases) < 2:
            return None
        by = self.rng.choice(self.cases)
        if by is case:
            return None
        case.in_force = 0
        self.cases_in_force.discard(case.key.key)
        fields = {"by": by.key.key, "reason": "Erstattet av nytt vedtak"}
        return _command(case.key, "BoardDecisionSuperseded", day, fields)


def _method_name(type_: str) -> str:
    """`RiskAssessed` is drawn by `SyntheticHistory.risk_assessed`."""
    return "".join("_" + char.lower() if char.isupper() else char for char in type_).lstrip("_")


def _command(subject: SubjectKey, type_: str, day: date, fields: dict[str, Any]) -> Command:
    """A command as the HTTP edge makes it: dates written as strings."""
    return Command(subject, type_, fields, effective_on=day.isoformat())


def synthetic_history(events: int, *, today: date, seed: int = 2016) -> tuple[list[Command], HistoryStats]:
    history = SyntheticHistory(events, today=today, seed=seed)
    commands = list(history)
    return commands, history.stats


# ---------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------


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
