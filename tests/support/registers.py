"""Registers in the tests: export one as bytes, read and edit a workbook as a person's
spreadsheet program would, and plan or import a file."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook

from governance.projections.runner import ReadModels
from governance.registers.export import csv_chunks, register_rows, write_workbook
from governance.registers.importing import FileFormat, ImportAnswer, import_register, read_register
from governance.registers.sheets import SHEET_OF, WORKBOOK_SHEETS, RegisterKind

Rows = list[list[Any]]


def export_bytes(
    models: ReadModels, kind: RegisterKind, file_format: FileFormat = "xlsx", *, as_of: date | None = None
) -> bytes:
    """The register as it is exported now (at today, or `as_of`)."""
    ledger = models.ledger
    position = ledger.position()
    models.ensure(position)
    day = as_of or ledger.today()
    out = io.BytesIO()
    if file_format == "xlsx":
        sheets = WORKBOOK_SHEETS[kind]
        write_workbook(sheets, register_rows(models, kind, sheets, as_of=day, position=position), out)
        return out.getvalue()
    sheet = SHEET_OF[kind]
    rows = (row for _, row in register_rows(models, kind, [sheet], as_of=day, position=position))
    return "".join(csv_chunks(sheet, rows)).encode("utf-8")


def sheets_of(data: bytes) -> dict[str, Rows]:
    """Every sheet's rows (the header first), as values; dates as dates."""
    workbook = load_workbook(io.BytesIO(data))
    return {
        worksheet.title: [[_value(value) for value in row] for row in worksheet.iter_rows(values_only=True)]
        for worksheet in workbook.worksheets
    }


def _value(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def edited(data: bytes, edit: Callable[[Workbook], None]) -> bytes:
    """The workbook after `edit`, saved as a spreadsheet program saves it."""
    workbook = load_workbook(io.BytesIO(data))
    edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def set_cell(workbook: Workbook, sheet: str, key: tuple[str, ...], header: str, value: Any) -> None:
    """Set the cell under `header` in the row whose first cells are `key`."""
    worksheet = workbook[sheet]
    headers = [cell.value for cell in worksheet[1]]
    column = headers.index(header) + 1
    for row in worksheet.iter_rows(min_row=2):
        if tuple(cell.value for cell in row[: len(key)]) == key:
            worksheet.cell(row=row[0].row, column=column).value = value
            return
    raise AssertionError(f"no row {key} in {sheet}")


def append_row(workbook: Workbook, sheet: str, values: dict[str, Any]) -> None:
    worksheet = workbook[sheet]
    headers = [cell.value for cell in worksheet[1]]
    worksheet.append([values.get(header) for header in headers])


def plan(
    models: ReadModels,
    kind: RegisterKind,
    data: bytes,
    *,
    file_format: FileFormat = "xlsx",
    dry_run: bool = True,
    effective_on: date | None = None,
    actor: str = "sekretariat",
) -> ImportAnswer:
    register = read_register(kind, file_format, io.BytesIO(data))
    return import_register(
        models,
        kind,
        register,
        effective_on=effective_on or models.ledger.today(),
        dry_run=dry_run,
        actor=actor,
    )


def planned(answer: ImportAnswer) -> list[tuple[str, int, str, str, dict[str, Any]]]:
    """A plan as (sheet, row, subject, type, data) tuples."""
    return [(event.sheet, event.row, str(event.subject), event.type, event.data) for event in answer.plan]


def without_inputs(sheets: dict[str, Rows]) -> dict[str, Rows]:
    """Sheets with `Begrunnelse` and `Grunnlag` emptied, as an export writes them."""
    cleared: dict[str, Rows] = {}
    for name, rows in sheets.items():
        header = rows[0]
        blank = [index for index, title in enumerate(header) if title in ("Begrunnelse", "Grunnlag")]
        cleared[name] = [header] + [
            [None if i in blank else v for i, v in enumerate(row)] for row in rows[1:]
        ]
    return cleared
