"""A register's rows as values: each record's cells read by its column's kind, and the
rules that hold within one row (a key is given, `S` and `K` come together, `Slått sammen
med` only on a closed risk) and across rows (no key twice)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from governance.registers import cells
from governance.registers.reading import Record
from governance.registers.refusal import CellProblem, RegisterRefused
from governance.registers.sheets import MILESTONES, MITIGATIONS, RISKS, Sheet

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RiskRow:
    number: int
    key: str
    title: str | None
    description: str | None
    organisation: str | None
    project: str | None
    owner: str | None
    probability: int | None
    consequence: int | None
    open: bool
    merged_into: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class MitigationRow:
    number: int
    risk: str
    mitigation_id: str
    description: str | None
    owner: str | None
    due_on: date | None
    completed: bool


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    number: int
    project: str
    key: str
    name: str | None
    kind: str | None
    baseline_on: date | None
    forecast_on: date | None
    achieved_on: date | None
    cancelled: bool
    basis: tuple[str, str] | None
    reason: str | None

    @property
    def subject_key(self) -> str:
        return f"{self.project}/{self.key}"


class _Cells:
    """One record's cells, each read by a function of `cells`; a bad one is refused with
    its sheet, row and column."""

    def __init__(self, sheet: Sheet, record: Record) -> None:
        self.sheet = sheet
        self.record = record

    def read(self, column: str, parse: Callable[[Any], T]) -> T:
        try:
            return parse(self.record.cells[column])
        except CellProblem as problem:
            raise RegisterRefused.at(
                problem, sheet=self.sheet.name, row=self.record.number, column=column
            ) from None

    def required(self, column: str, parse: Callable[[Any], T | None]) -> T:
        value = self.read(column, parse)
        if value is None:
            raise self.refuse(column, "mangler", "is missing", "missing")
        return value

    def refuse(self, column: str, no: str, en: str, type_: str = "value_error") -> RegisterRefused:
        return RegisterRefused(
            no, en, sheet=self.sheet.name, row=self.record.number, column=column, type_=type_
        )


def risk_rows(records: Iterable[Record]) -> Iterator[RiskRow]:
    seen: dict[str, int] = {}
    for record in records:
        row = _Cells(RISKS, record)
        key = row.required("Nr", cells.key)
        _once(seen, key, row, "Nr", f"Nr {key}")
        probability, consequence = row.read("S", cells.score), row.read("K", cells.score)
        if (probability is None) != (consequence is None):
            missing = "K" if consequence is None else "S"
            raise row.refuse(
                missing,
                "S og K fylles ut sammen (eller ingen av dem)",
                "S and K are given together (or neither)",
                "missing",
            )
        is_open = row.read("Status", cells.status)
        merged_into = row.read("Slått sammen med", cells.key)
        if is_open and merged_into is not None:
            raise row.refuse(
                "Slått sammen med",
                "en åpen risiko er ikke slått sammen med en annen: tøm cellen, eller sett Status til lukket",
                "an open risk is not merged into another: clear the cell, or set Status to lukket",
                "merged_open",
            )
        yield RiskRow(
            number=record.number,
            key=key,
            title=row.read("Tittel", cells.text),
            description=row.read("Beskrivelse", cells.text),
            organisation=row.read("Organisasjon", cells.text),
            project=row.read("Prosjekt", cells.key),
            owner=row.read("Eier", cells.text),
            probability=probability,
            consequence=consequence,
            open=is_open,
            merged_into=merged_into,
            reason=row.read("Begrunnelse", cells.text),
        )


def mitigation_rows(records: Iterable[Record]) -> Iterator[MitigationRow]:
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        row = _Cells(MITIGATIONS, record)
        risk = row.required("Nr", cells.key)
        mitigation_id = row.required("Tiltak-ID", cells.key)
        _once(seen, (risk, mitigation_id), row, "Tiltak-ID", f"tiltak {mitigation_id} for {risk}")
        yield MitigationRow(
            number=record.number,
            risk=risk,
            mitigation_id=mitigation_id,
            description=row.read("Beskrivelse", cells.text),
            owner=row.read("Eier", cells.text),
            due_on=row.read("Frist", cells.day),
            completed=row.read("Utført", cells.yes_no),
        )


def milestone_rows(records: Iterable[Record]) -> Iterator[MilestoneRow]:
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        row = _Cells(MILESTONES, record)
        project = row.required("Prosjekt", cells.key)
        key = row.required("Milepæl", cells.key)
        _once(seen, (project, key), row, "Milepæl", f"milepæl {project}/{key}")
        yield MilestoneRow(
            number=record.number,
            project=project,
            key=key,
            name=row.read("Navn", cells.text),
            kind=row.read("Type", cells.milestone_kind),
            baseline_on=row.read("Grunnplan", cells.day),
            forecast_on=row.read("Prognose", cells.day),
            achieved_on=row.read("Oppnådd", cells.day),
            cancelled=row.read("Kansellert", cells.yes_no),
            basis=row.read("Grunnlag", cells.basis),
            reason=row.read("Begrunnelse", cells.text),
        )


def _once(seen: dict[Any, int], key: Any, row: _Cells, column: str, what: str) -> None:
    """A subject (or mitigation) has one row."""
    if key in seen:
        raise row.refuse(
            column,
            f"{what} står også i rad {seen[key]}: én rad per {'tiltak' if column == 'Tiltak-ID' else 'nøkkel'}",
            f"{what} is also in row {seen[key]}: one row per {'mitigation' if column == 'Tiltak-ID' else 'key'}",
            "row_duplicated",
        )
    seen[key] = row.record.number
