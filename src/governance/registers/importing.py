"""Importing a register (DOMAIN.md §10): read the file, plan it against the subjects'
answers at the effective day as known now, check every planned event as a command would
be checked, and — unless it is a dry run — store the plan as one batch holding the append
lock, or nothing.

The plan is made from the read models at the log's position P, before the lock is taken
(on SQLite the read models cannot write while it is held); holding it, the batch is
stored only if the log is still at P, so what is stored is what was planned — otherwise
it is planned again (or, with `expected_position`, refused with nothing stored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, Literal

from governance import keys
from governance.application import Batch, BatchError, Ledger
from governance.context import acting_as
from governance.errors import (
    ConcurrentAppend,
    IdempotencyConflict,
    InvalidInput,
    LedgerError,
    LifecycleViolation,
    ReferenceNotFound,
    SubjectNotFound,
)
from governance.projections.lists import ListQuery, every_item
from governance.registers.planning import (
    LedgerView,
    Plan,
    PlannedEvent,
    Register,
    RegisterWarning,
    milestone_now,
    plan_register,
    risk_now,
)
from governance.registers.reading import csv_records, open_workbook, workbook_records
from governance.registers.refusal import RegisterRefused
from governance.registers.rows import milestone_rows, mitigation_rows, risk_rows
from governance.registers.sheets import MILESTONES, MITIGATIONS, RISKS, RegisterKind
from governance.store.log import IdempotencyRecord

FileFormat = Literal["xlsx", "csv"]
ATTEMPTS = 5
"""How often an import is planned again when other writers moved the log meanwhile."""

_FINGERPRINT = re.compile(r"([0-9a-f]{64})@([0-9]+)\Z")


class LogMoved(LedgerError):
    """The log is no longer at the position a plan was shown at (`expected_position`)."""

    title = "Log has moved"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"the log is at position {actual}, not {expected}: plan again (a dry run) and check the plan"
        )
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class RegisterIdempotency:
    """An `Idempotency-Key` and the digest of the request it came with."""

    principal: str
    key: str
    digest: str


@dataclass(frozen=True)
class ImportAnswer:
    plan: list[PlannedEvent]
    warnings: list[RegisterWarning]
    stored: bool
    position: int
    head_hash: str
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": [event.as_dict() for event in self.plan],
            "warnings": [warning.as_dict() for warning in self.warnings],
            "stored": self.stored,
            "position": self.position,
            "head_hash": self.head_hash,
        }


# Reading -----------------------------------------------------------------------------------


def read_register(kind: RegisterKind, file_format: FileFormat, stream: IO[bytes]) -> Register:
    """The rows of a register file; a file that cannot be read, or a bad cell, raises
    `RegisterRefused`. A risks workbook may leave out its `Tiltak` sheet."""
    if file_format == "csv":
        if kind == "risks":
            return Register(risks=list(risk_rows(csv_records(stream, RISKS))))
        if kind == "mitigations":
            return Register(mitigations=list(mitigation_rows(csv_records(stream, MITIGATIONS))))
        return Register(milestones=list(milestone_rows(csv_records(stream, MILESTONES))))
    workbook = open_workbook(stream)
    try:
        if kind == "milestones":
            return Register(
                milestones=list(milestone_rows(_required(workbook_records(workbook, MILESTONES))))
            )
        if kind == "mitigations":
            return Register(
                mitigations=list(mitigation_rows(_required(workbook_records(workbook, MITIGATIONS))))
            )
        risks = list(risk_rows(_required(workbook_records(workbook, RISKS))))
        records = workbook_records(workbook, MITIGATIONS, required=False)
        return Register(risks=risks, mitigations=None if records is None else list(mitigation_rows(records)))
    finally:
        workbook.close()


def _required(records: Iterator[Any] | None) -> Iterator[Any]:
    assert records is not None
    return records


# The ledger's side ------------------------------------------------------------------------


def ledger_view(models: Any, kind: RegisterKind, *, as_of: date, position: int) -> LedgerView:
    """The subjects a register of `kind` is compared with, at (`as_of`, P), P applied."""
    view = LedgerView()
    if kind == "milestones":
        for answer in every_item(models, ListQuery("milestone", {}), as_of=as_of, position=position):
            view.milestones[answer["key"]] = milestone_now(answer)
    else:
        for answer in every_item(models, ListQuery("risk", {}), as_of=as_of, position=position):
            view.risks[answer["key"]] = risk_now(answer)
    view.later = effective_after(
        models.ledger, "milestone" if kind == "milestones" else "risk", as_of, position
    )
    return view


def effective_after(ledger: Ledger, subject_kind: str, day: date, position: int) -> set[str]:
    """The subjects of a kind with an event effective after `day` among the first P
    events (a range of the log's subject index)."""
    rows = ledger.log.fetch(
        "SELECT subject FROM {log} WHERE subject >= ? AND subject < ? AND seq <= ?"
        " GROUP BY subject HAVING MAX(effective_on) > ?",
        (f"{subject_kind}:", f"{subject_kind};", position, day.isoformat()),
    )
    return {str(row["subject"]) for row in rows}


# Checking and storing ----------------------------------------------------------------------


def check_plan(ledger: Ledger, plan: Plan) -> None:
    """Check every planned event as a command, against the log plus the events planned
    before it; the first refused one raises `RegisterRefused` at its row. (A store import
    checks them again holding the append lock.)"""
    batch = Batch(ledger)
    for subject in plan.new_subjects:
        # Known to be absent (the plan creates it): no need to look for it in the store.
        batch.aggregates[subject.id] = None
    for project in sorted(
        {event.subject.parts[0] for event in plan.events if event.subject.kind == "milestone"}
    ):
        batch.load(keys.project(project))
    for event in plan.events:
        try:
            batch.apply(event.command())
        except LedgerError as error:
            raise refusal_of(event, error) from None


class _Moved(Exception):
    """Found holding the append lock: the log is no longer where the plan was made."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


class _Replay(Exception):
    """Found holding the append lock: the same idempotency key was stored meanwhile."""


def import_register(
    models: Any,
    kind: RegisterKind,
    register: Register,
    *,
    effective_on: date,
    dry_run: bool,
    expected_position: int | None = None,
    actor: str | None = None,
    idempotency: RegisterIdempotency | None = None,
) -> ImportAnswer:
    """Plan a register at `effective_on` and, unless `dry_run`, store the plan."""
    ledger: Ledger = models.ledger
    if idempotency is not None and not dry_run:
        replay = _replay(models, kind, register, effective_on, idempotency)
        if replay is not None:
            return replay
    for _ in range(ATTEMPTS):
        position = ledger.position()
        if expected_position is not None and position != expected_position:
            raise LogMoved(expected_position, position)
        plan = _plan(models, kind, register, effective_on, position)
        if dry_run:
            check_plan(ledger, plan)
        if dry_run or not plan.events:
            return ImportAnswer(plan.events, plan.warnings, False, position, ledger.head_hash(position))
        record = None
        if idempotency is not None:
            record = IdempotencyRecord(
                idempotency.principal, idempotency.key, f"{idempotency.digest}@{position}"
            )
        try:
            with acting_as(actor):
                ledger.record_exclusive(_commands(ledger, plan, position, idempotency), idempotency=record)
        except _Moved as moved:
            if expected_position is not None:
                raise LogMoved(expected_position, moved.position) from None
            continue
        except _Replay:
            assert idempotency is not None
            replay = _replay(models, kind, register, effective_on, idempotency)
            assert replay is not None
            return replay
        except BatchError as error:
            raise refusal_of(plan.events[error.index], error.cause) from None
        return ImportAnswer(plan.events, plan.warnings, True, position, ledger.head_hash(position))
    raise ConcurrentAppend("other writers kept moving the log while the register was planned; retry")


def import_file(
    models: Any,
    kind: RegisterKind,
    file_format: FileFormat,
    stream: IO[bytes],
    *,
    effective_on: date,
    dry_run: bool,
    expected_position: int | None = None,
    actor: str | None = None,
    idempotency: RegisterIdempotency | None = None,
) -> ImportAnswer:
    """Read a register file and import it (see `import_register`)."""
    return import_register(
        models,
        kind,
        read_register(kind, file_format, stream),
        effective_on=effective_on,
        dry_run=dry_run,
        expected_position=expected_position,
        actor=actor,
        idempotency=idempotency,
    )


def _plan(models: Any, kind: RegisterKind, register: Register, day: date, position: int) -> Plan:
    models.ensure(position)
    return plan_register(ledger_view(models, kind, as_of=day, position=position), register, day)


def _commands(
    ledger: Ledger, plan: Plan, position: int, idempotency: RegisterIdempotency | None
) -> Iterator[Any]:
    """The plan's commands, once the append lock is held and the log is found unmoved."""
    current = ledger.position()
    if current != position:
        raise _Moved(current)
    if idempotency is not None and ledger.log.idempotent_seq(idempotency.principal, idempotency.key):
        raise _Replay()
    for event in plan.events:
        yield event.command()


def _replay(
    models: Any, kind: RegisterKind, register: Register, day: date, idempotency: RegisterIdempotency
) -> ImportAnswer | None:
    """The first answer again for a repeated `Idempotency-Key`: the same file planned at
    the position it was stored from gives the same plan."""
    ledger: Ledger = models.ledger
    found = ledger.log.idempotent_seq(idempotency.principal, idempotency.key)
    if found is None:
        return None
    match = _FINGERPRINT.match(found[0])
    if match is None or match[1] != idempotency.digest:
        raise IdempotencyConflict(idempotency.key)
    position = int(match[2])
    plan = _plan(models, kind, register, day, position)
    return ImportAnswer(plan.events, plan.warnings, True, position, ledger.head_hash(position), replayed=True)


# Refusals ----------------------------------------------------------------------------------

_FIELD_COLUMNS = {
    "title": "Tittel",
    "description": "Beskrivelse",
    "organisation": "Organisasjon",
    "owner": "Eier",
    "probability": "S",
    "consequence": "K",
    "project": "Prosjekt",
    "merged_into": "Slått sammen med",
    "reason": "Begrunnelse",
    "rationale": "Begrunnelse",
    "mitigation_id": "Tiltak-ID",
    "due_on": "Frist",
    "name": "Navn",
    "kind": "Type",
    "baseline_on": "Grunnplan",
    "forecast_on": "Prognose",
    "achieved_on": "Oppnådd",
    "decision_ref": "Grunnlag",
    "amendment_ref": "Grunnlag",
}

_LIFECYCLE = {
    "RiskAssessed": "en lukket risiko vurderes ikke før den er gjenåpnet (sett Status til åpen)",
    "MitigationAdded": "en lukket risiko får ingen nye tiltak før den er gjenåpnet",
    "MitigationCompleted": "en lukket risiko får ingen tiltak utført før den er gjenåpnet",
    "RiskClosed": "risikoen kan ikke lukkes slik",
    "RiskReopened": "risikoen kan ikke gjenåpnes",
    "MilestoneAchieved": "milepælen kan ikke oppnås på den dagen: den er kansellert, allerede oppnådd,"
    " eller endret senere",
    "MilestoneCancelled": "milepælen kan ikke kanselleres: den er oppnådd eller allerede kansellert",
    "MilestonePlanned": "milepælen kan ikke opprettes på den dagen",
}


def refusal_of(event: PlannedEvent, error: LedgerError) -> RegisterRefused:
    """A refused planned event as a refusal of the cell it came from."""
    column = event.column
    if isinstance(error, InvalidInput) and error.errors:
        first = error.errors[0]
        name = str(first.loc[0]) if first.loc else ""
        column = _FIELD_COLUMNS.get(name, column)
        if isinstance(error, ReferenceNotFound):
            no, en, type_ = (
                f"{error.reference} finnes ikke",
                f"{error.reference} does not exist",
                "reference_not_found",
            )
        else:
            no, en, type_ = f"verdien avvises: {first.msg}", first.msg, first.type
    elif isinstance(error, SubjectNotFound):
        column = "Prosjekt" if event.type == "MilestonePlanned" else column
        no, en, type_ = f"{error.subject} finnes ikke", error.detail, "reference_not_found"
    elif isinstance(error, LifecycleViolation):
        lifecycle = _LIFECYCLE.get(event.type, "endringen bryter livsløpsreglene")
        if event.type.startswith("Milestone") and event.type not in _LIFECYCLE:
            lifecycle = "milepælen endres bare mens den er planlagt: den er oppnådd eller kansellert"
        no, en, type_ = lifecycle, error.detail, "lifecycle_violation"
    else:
        no, en, type_ = f"avvist: {error.detail}", error.detail, "refused"
    return RegisterRefused(no, en, sheet=event.sheet, row=event.row, column=column, type_=type_)
