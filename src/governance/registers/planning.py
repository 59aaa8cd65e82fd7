"""The planning rules of DOMAIN.md §10: each row compared with its subject's answer at
the effective day D, and the events that make the ledger agree with the row planned,
effective D, in a fixed order within a row and in three passes across rows — risk and
milestone rows without closures, then mitigation rows, then risk closures. What no event
expresses is a warning that changes nothing; what the ledger would refuse is an error
naming the row's cell."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from governance import keys
from governance.application import Command
from governance.keys import SubjectKey
from governance.registers.cells import same_text, shown
from governance.registers.refusal import RegisterRefused
from governance.registers.rows import MilestoneRow, MitigationRow, RiskRow
from governance.registers.sheets import MILESTONES, MITIGATIONS, RISKS, WORD_OF_MILESTONE_KIND, Sheet
from governance.reports.labels import SUBJECT_KINDS


@dataclass(frozen=True)
class PlannedEvent:
    """One event of a plan, and the row and column it comes from."""

    sheet: str
    row: int
    column: str
    subject: SubjectKey
    type: str
    effective_on: date
    data: dict[str, Any]

    def command(self) -> Command:
        return Command(self.subject, self.type, self.data, effective_on=self.effective_on)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "subject": str(self.subject),
            "type": self.type,
            "effective_on": self.effective_on.isoformat(),
            "data": self.data,
            "column": self.column,
        }


@dataclass(frozen=True)
class RegisterWarning:
    """A difference the plan leaves alone; `row` and `column` are None for a subject that
    has no row."""

    sheet: str
    row: int | None
    subject: str
    column: str | None
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "subject": self.subject,
            "column": self.column,
            "message": self.message,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class Register:
    """A register file's rows, by sheet; None for a sheet the file does not hold."""

    risks: list[RiskRow] | None = None
    mitigations: list[MitigationRow] | None = None
    milestones: list[MilestoneRow] | None = None


@dataclass(slots=True)
class MitigationNow:
    description: str
    owner: str | None
    due_on: date | None
    completed: bool


@dataclass(slots=True)
class RiskNow:
    title: str
    description: str | None
    organisation: str
    project: str | None
    owner: str
    probability: int
    consequence: int
    open: bool
    merged_into: str | None
    mitigations: dict[str, MitigationNow]


@dataclass(slots=True)
class MilestoneNow:
    name: str
    kind: str
    baseline_on: date
    forecast_on: date | None
    achieved_on: date | None
    cancelled_on: date | None


@dataclass
class LedgerView:
    """What the rows are compared with: the subjects of the register's kind at D as known
    at P (risks by key, milestones by `PROJECT/KEY`), and the subjects with an event
    effective after D among the first P (full subject keys)."""

    risks: dict[str, RiskNow] = field(default_factory=dict)
    milestones: dict[str, MilestoneNow] = field(default_factory=dict)
    later: set[str] = field(default_factory=set)


@dataclass
class Plan:
    events: list[PlannedEvent]
    warnings: list[RegisterWarning]
    new_subjects: set[SubjectKey] = field(default_factory=set)
    """The subjects the plan creates: not in the log at the position it was made at."""


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def risk_now(answer: dict[str, Any]) -> RiskNow:
    return RiskNow(
        title=answer["title"],
        description=answer["description"],
        organisation=answer["organisation"],
        project=answer["project"],
        owner=answer["owner"],
        probability=answer["probability"],
        consequence=answer["consequence"],
        open=answer["open"],
        merged_into=answer["merged_into"],
        mitigations={
            item["mitigation_id"]: MitigationNow(
                item["description"], item["owner"], _day(item["due_on"]), item["completed"]
            )
            for item in answer["mitigations"]
        },
    )


def milestone_now(answer: dict[str, Any]) -> MilestoneNow:
    return MilestoneNow(
        name=answer["name"],
        kind=answer["kind"],
        baseline_on=date.fromisoformat(str(answer["baseline_on"])),
        forecast_on=_day(answer["forecast_on"]),
        achieved_on=_day(answer["achieved_on"]),
        cancelled_on=_day(answer["cancelled_on"]),
    )


def default_reason(number: int) -> str:
    return f"Oppdatert fra register, rad {number}"


def _quoted(value: Any) -> str:
    return "–" if value is None else f"«{shown(value)}»"


def _named(subject: SubjectKey | str) -> str:
    """A subject as a Norwegian message names it: `milepæl KAK/DM1`."""
    key = subject if isinstance(subject, SubjectKey) else SubjectKey.parse(subject)
    return f"{SUBJECT_KINDS[key.kind]} {key.key}"


class Planner:
    """Plans one register file against one view of the ledger."""

    def __init__(self, view: LedgerView, effective_on: date) -> None:
        self.view = view
        self.day = effective_on
        self.events: list[PlannedEvent] = []
        self.warnings: list[RegisterWarning] = []
        self.new_risks: set[str] = set()

    def plan(self, register: Register) -> Plan:
        closures: list[PlannedEvent] = []
        for risk in register.risks or ():
            closure = self._risk(risk)
            if closure is not None:
                closures.append(closure)
        for milestone in register.milestones or ():
            self._milestone(milestone)
        for mitigation in register.mitigations or ():
            self._mitigation(mitigation)
        self.events.extend(closures)
        self._unlisted(register)
        created = {
            event.subject for event in self.events if event.type in ("RiskIdentified", "MilestonePlanned")
        }
        return Plan(self.events, self.warnings, created)

    # Warnings ---------------------------------------------------------------------------

    def _warn(
        self, sheet: Sheet, row: int | None, subject: str, column: str | None, no: str, en: str
    ) -> None:
        self.warnings.append(RegisterWarning(sheet.name, row, subject, column, no, en))

    def _compare(
        self, sheet: Sheet, row: int, subject: SubjectKey, column: str, ledger: Any, cell: Any, *, text: bool
    ) -> None:
        """Warn where a cell differs from the ledger in what no event expresses."""
        same = same_text(ledger, cell) if text else ledger == cell
        if same:
            return
        if cell is None:
            self._warn(
                sheet, row, str(subject), column,
                f"{column} er tom, men loggen har {_quoted(ledger)}; ingen hendelse fjerner en verdi,"
                " så den står",
                f"{column} is empty, but the ledger holds {_quoted(ledger)}; no event clears a value,"
                " so it stays",
            )  # fmt: skip
            return
        self._warn(
            sheet, row, str(subject), column,
            f"{column} er {_quoted(cell)}, men loggen har {_quoted(ledger)}; ingen hendelse uttrykker"
            " den endringen, så den er ikke tatt med",
            f"{column} is {_quoted(cell)}, but the ledger holds {_quoted(ledger)}; no event expresses"
            " that change, so it is left out",
        )  # fmt: skip

    def _later(self, sheet: Sheet, row: int, subject: SubjectKey) -> None:
        day = self.day.strftime("%d.%m.%Y")
        self._warn(
            sheet, row, str(subject), None,
            f"{_named(subject)} har hendelser som gjelder etter {day}; ingenting er planlagt for den"
            " (importer registeret med dagen det ble eksportert for)",
            f"{subject} has events effective after {self.day.isoformat()}; nothing is planned for it"
            " (import a register at the day it was exported for)",
        )  # fmt: skip

    def _unlisted(self, register: Register) -> None:
        """A subject (or mitigation) in the ledger without a row is left as it is."""
        if register.risks is not None:
            listed = {row.key for row in register.risks}
            for key in sorted(set(self.view.risks) - listed):
                subject = str(keys.risk(key))
                self._warn(
                    RISKS, None, subject, None,
                    f"{_named(subject)} står i loggen, men har ingen rad i arket {RISKS.name}; den er uendret",
                    f"{subject} is in the ledger but has no row in the sheet {RISKS.name}; it is unchanged",
                )  # fmt: skip
        if register.mitigations is not None:
            listed_mitigations = {(row.risk, row.mitigation_id) for row in register.mitigations}
            for key in sorted(self.view.risks):
                for mitigation_id in sorted(self.view.risks[key].mitigations):
                    if (key, mitigation_id) not in listed_mitigations:
                        subject = str(keys.risk(key))
                        self._warn(
                            MITIGATIONS, None, subject, None,
                            f"tiltak {mitigation_id} for {key} står i loggen, men har ingen rad i arket"
                            f" {MITIGATIONS.name}; det er uendret",
                            f"mitigation {mitigation_id} of {key} is in the ledger but has no row in the"
                            f" sheet {MITIGATIONS.name}; it is unchanged",
                        )  # fmt: skip
        if register.milestones is not None:
            listed = {row.subject_key for row in register.milestones}
            for key in sorted(set(self.view.milestones) - listed):
                subject = str(keys.SubjectKey("milestone", key))
                self._warn(
                    MILESTONES, None, subject, None,
                    f"{_named(subject)} står i loggen, men har ingen rad i arket {MILESTONES.name};"
                    " den er uendret",
                    f"{subject} is in the ledger but has no row in the sheet {MILESTONES.name}; it is"
                    " unchanged",
                )  # fmt: skip

    def _keep(self, sheet: Sheet, row: int, subject: SubjectKey, events: list[PlannedEvent]) -> bool:
        """Whether a row's events stand: nothing is planned for a subject with an event
        effective after D (the row was read against the wrong day)."""
        if events and str(subject) in self.view.later:
            self._later(sheet, row, subject)
            return False
        return True

    def _missing(self, sheet: Sheet, row: int, column: str, what_no: str, what_en: str) -> RegisterRefused:
        return RegisterRefused(
            f"mangler: {what_no}", f"is missing: {what_en}", sheet=sheet.name, row=row, column=column,
            type_="missing",
        )  # fmt: skip

    # Risks ------------------------------------------------------------------------------

    def _risk(self, row: RiskRow) -> PlannedEvent | None:
        """Plan a risk row's events but its closure, which is returned for the last pass."""
        subject = keys.risk(row.key)
        reason = row.reason or default_reason(row.number)
        now = self.view.risks.get(row.key)

        def event(column: str, type_: str, data: dict[str, Any]) -> PlannedEvent:
            return PlannedEvent(RISKS.name, row.number, column, subject, type_, self.day, data)

        events: list[PlannedEvent] = []
        if now is None:
            if str(subject) in self.view.later:
                self._later(RISKS, row.number, subject)
                return None
            for column, value in (
                ("Tittel", row.title), ("Organisasjon", row.organisation), ("Eier", row.owner),
                ("S", row.probability), ("K", row.consequence),
            ):  # fmt: skip
                if value is None:
                    raise self._missing(
                        RISKS, row.number, column, "kreves for en ny risiko", "required for a new risk"
                    )
            data: dict[str, Any] = {
                "title": row.title,
                "description": row.description,
                "organisation": row.organisation,
                "project": row.project,
                "owner": row.owner,
                "probability": row.probability,
                "consequence": row.consequence,
            }
            events.append(event("Nr", "RiskIdentified", {k: v for k, v in data.items() if v is not None}))
            self.new_risks.add(row.key)
            is_open = True
        else:
            for column, ledger, cell in (
                ("Tittel", now.title, row.title),
                ("Beskrivelse", now.description, row.description),
                ("Organisasjon", now.organisation, row.organisation),
                ("Eier", now.owner, row.owner),
            ):
                self._compare(RISKS, row.number, subject, column, ledger, cell, text=True)
            self._compare(RISKS, row.number, subject, "Prosjekt", now.project, row.project, text=False)
            is_open = now.open
            if row.open and not now.open:
                events.append(event("Status", "RiskReopened", {"reason": reason}))
                is_open = True
            if row.probability is None or row.consequence is None:
                self._compare(RISKS, row.number, subject, "S", now.probability, None, text=False)
                self._compare(RISKS, row.number, subject, "K", now.consequence, None, text=False)
            elif (row.probability, row.consequence) != (now.probability, now.consequence):
                events.append(
                    event(
                        "S",
                        "RiskAssessed",
                        {"probability": row.probability, "consequence": row.consequence, "rationale": reason},
                    )
                )
            if not row.open and not now.open:
                self._compare(
                    RISKS,
                    row.number,
                    subject,
                    "Slått sammen med",
                    now.merged_into,
                    row.merged_into,
                    text=False,
                )
        closure = None
        if not row.open and is_open:
            data = {"reason": reason} | ({"merged_into": row.merged_into} if row.merged_into else {})
            closure = event("Status", "RiskClosed", data)
        if not self._keep(RISKS, row.number, subject, events + ([closure] if closure else [])):
            return None
        self.events.extend(events)
        return closure

    def _mitigation(self, row: MitigationRow) -> None:
        subject = keys.risk(row.risk)
        now = self.view.risks.get(row.risk)
        if now is None and row.risk not in self.new_risks:
            if str(subject) in self.view.later:
                self._later(MITIGATIONS, row.number, subject)
                return
            raise RegisterRefused(
                f"risikoen {row.risk} finnes ikke (verken i loggen eller i arket {RISKS.name})",
                f"the risk {row.risk} does not exist (neither in the ledger nor in the sheet {RISKS.name})",
                sheet=MITIGATIONS.name, row=row.number, column="Nr", type_="reference_not_found",
            )  # fmt: skip

        def event(column: str, type_: str, data: dict[str, Any]) -> PlannedEvent:
            return PlannedEvent(MITIGATIONS.name, row.number, column, subject, type_, self.day, data)

        events: list[PlannedEvent] = []
        existing = now.mitigations.get(row.mitigation_id) if now is not None else None
        if existing is None:
            if row.description is None:
                raise self._missing(
                    MITIGATIONS,
                    row.number,
                    "Beskrivelse",
                    "kreves for et nytt tiltak",
                    "required for a new mitigation",
                )
            data: dict[str, Any] = {"mitigation_id": row.mitigation_id, "description": row.description}
            if row.owner is not None:
                data["owner"] = row.owner
            if row.due_on is not None:
                data["due_on"] = row.due_on.isoformat()
            events.append(event("Tiltak-ID", "MitigationAdded", data))
            if row.completed:
                events.append(event("Utført", "MitigationCompleted", {"mitigation_id": row.mitigation_id}))
        else:
            self._compare(
                MITIGATIONS,
                row.number,
                subject,
                "Beskrivelse",
                existing.description,
                row.description,
                text=True,
            )
            self._compare(MITIGATIONS, row.number, subject, "Eier", existing.owner, row.owner, text=True)
            self._compare(MITIGATIONS, row.number, subject, "Frist", existing.due_on, row.due_on, text=False)
            if row.completed and not existing.completed:
                events.append(event("Utført", "MitigationCompleted", {"mitigation_id": row.mitigation_id}))
            elif existing.completed and not row.completed:
                self._warn(
                    MITIGATIONS, row.number, str(subject), "Utført",
                    f"Utført er nei, men tiltak {row.mitigation_id} er utført; ingen hendelse gjør det ugjort",
                    f"Utført is nei, but mitigation {row.mitigation_id} is completed; no event undoes that",
                )  # fmt: skip
        if self._keep(MITIGATIONS, row.number, subject, events):
            self.events.extend(events)

    # Milestones -------------------------------------------------------------------------

    def _milestone(self, row: MilestoneRow) -> None:
        subject = keys.milestone(row.project, row.key)
        reason = row.reason or default_reason(row.number)
        now = self.view.milestones.get(row.subject_key)

        def event(column: str, type_: str, data: dict[str, Any], on: date | None = None) -> PlannedEvent:
            return PlannedEvent(MILESTONES.name, row.number, column, subject, type_, on or self.day, data)

        if row.achieved_on is not None and row.achieved_on > self.day:
            raise RegisterRefused(
                f"{shown(row.achieved_on)} er etter importdagen {shown(self.day)}: en milepæl oppnås ikke"
                " i fremtiden",
                f"{row.achieved_on.isoformat()} is after the import's day {self.day.isoformat()}: a milestone"
                " is not achieved in the future",
                sheet=MILESTONES.name, row=row.number, column="Oppnådd", type_="date_in_future",
            )  # fmt: skip
        events: list[PlannedEvent] = []
        if now is None:
            if str(subject) in self.view.later:
                self._later(MILESTONES, row.number, subject)
                return
            for column, value in (("Navn", row.name), ("Type", row.kind), ("Grunnplan", row.baseline_on)):
                if value is None:
                    raise self._missing(
                        MILESTONES,
                        row.number,
                        column,
                        "kreves for en ny milepæl",
                        "required for a new milestone",
                    )
            assert row.baseline_on is not None
            created_on = min(self.day, row.achieved_on) if row.achieved_on is not None else self.day
            events.append(
                event(
                    "Milepæl",
                    "MilestonePlanned",
                    {"name": row.name, "kind": row.kind, "baseline_on": row.baseline_on.isoformat()},
                    created_on,
                )
            )
            state = MilestoneNow(row.name or "", row.kind or "", row.baseline_on, None, None, None)
        else:
            state = replace(now)
            self._compare(MILESTONES, row.number, subject, "Navn", now.name, row.name, text=True)
            if row.kind != now.kind:
                self._compare(
                    MILESTONES, row.number, subject, "Type",
                    WORD_OF_MILESTONE_KIND[now.kind], None if row.kind is None else WORD_OF_MILESTONE_KIND[row.kind],
                    text=False,
                )  # fmt: skip
        if row.achieved_on is not None:
            for column, ledger, cell in (
                ("Grunnplan", state.baseline_on, row.baseline_on),
                ("Prognose", state.forecast_on, row.forecast_on),
            ):
                if cell is not None and cell != ledger:
                    self._warn(
                        MILESTONES, row.number, str(subject), column,
                        f"{column} er {_quoted(cell)}, men loggen har {_quoted(ledger)}; med Oppnådd utfylt"
                        " endres ikke planen, så endringen er ikke tatt med",
                        f"{column} is {_quoted(cell)}, but the ledger holds {_quoted(ledger)}; with Oppnådd"
                        " filled in the plan is not changed, so the change is left out",
                    )  # fmt: skip
        else:
            if row.baseline_on is None:
                self._compare(
                    MILESTONES, row.number, subject, "Grunnplan", state.baseline_on, None, text=False
                )
            elif row.baseline_on != state.baseline_on:
                if row.basis is None:
                    raise RegisterRefused(
                        "Grunnplan er endret: fyll ut Grunnlag med styresaken (ORGAN/NR) eller"
                        " kontraktstillegget (KONTRAKT#NR) som endret den",
                        "Grunnplan is changed: fill in Grunnlag with the board case (BODY/NO) or the"
                        " contract amendment (CONTRACT#NO) that changed it",
                        sheet=MILESTONES.name, row=row.number, column="Grunnlag", type_="missing",
                    )  # fmt: skip
                field_name, reference = row.basis
                events.append(
                    event(
                        "Grunnplan",
                        "MilestoneRebaselined",
                        {"baseline_on": row.baseline_on.isoformat(), "reason": reason, field_name: reference},
                    )
                )
                state.baseline_on, state.forecast_on = row.baseline_on, None
            if row.forecast_on is None:
                self._compare(
                    MILESTONES, row.number, subject, "Prognose", state.forecast_on, None, text=False
                )
            elif row.forecast_on != state.forecast_on:
                events.append(
                    event(
                        "Prognose",
                        "MilestoneForecastChanged",
                        {"forecast_on": row.forecast_on.isoformat(), "reason": reason},
                    )
                )
        if row.achieved_on is not None:
            if state.achieved_on is None:
                events.append(
                    event(
                        "Oppnådd",
                        "MilestoneAchieved",
                        {"achieved_on": row.achieved_on.isoformat()},
                        row.achieved_on,
                    )
                )
            elif state.achieved_on != row.achieved_on:
                self._compare(
                    MILESTONES, row.number, subject, "Oppnådd", state.achieved_on, row.achieved_on, text=False
                )
        elif state.achieved_on is not None:
            self._compare(MILESTONES, row.number, subject, "Oppnådd", state.achieved_on, None, text=False)
        if row.cancelled and state.cancelled_on is None:
            data: dict[str, Any] = {"reason": reason}
            if row.basis is not None and row.basis[0] == "decision_ref":
                data["decision_ref"] = row.basis[1]
            events.append(event("Kansellert", "MilestoneCancelled", data))
        elif not row.cancelled and state.cancelled_on is not None:
            self._warn(
                MILESTONES, row.number, str(subject), "Kansellert",
                "Kansellert er nei, men milepælen er kansellert; ingen hendelse opphever en kansellering",
                "Kansellert is nei, but the milestone is cancelled; no event undoes a cancellation",
            )  # fmt: skip
        if self._keep(MILESTONES, row.number, subject, events):
            self.events.extend(events)


def plan_register(view: LedgerView, register: Register, effective_on: date) -> Plan:
    """The plan that makes the ledger agree with `register` at `effective_on`."""
    return Planner(view, effective_on).plan(register)
