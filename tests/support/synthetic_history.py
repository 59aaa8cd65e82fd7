"""A synthetic but realistic governance history for the append and replay benchmarks
(`bench/append_replay.py`, `bench/integrity.py`) and the tests that keep it valid:
projects, risks, milestones, contracts and board cases from 2016-01-01 to a given day,
about 5% of it backdated, every command valid when recorded in order."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

from governance.application import Command
from governance.keys import SubjectKey

FIRST_DAY = date(2016, 1, 1)
BACKDATED_SHARE = 0.05
MAX_BACKDATING_DAYS = 180
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
