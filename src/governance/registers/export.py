"""A register as a spreadsheet (DOMAIN.md §10): one row per subject that exists at
(`as_of`, P) as the lists count them, built from the same subject answers as every read,
written as a workbook (openpyxl in write-only mode, so a large register streams) or as CSV
(framed as §6a's)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from governance.csvformat import lines
from governance.keys import Kind
from governance.projections.lists import ListQuery, every_item
from governance.registers.cells import day_text, escape_controls
from governance.registers.sheets import (
    DATE_FORMAT,
    MILESTONES,
    MITIGATIONS,
    RISKS,
    WORD_OF_MILESTONE_KIND,
    WORKBOOK_SHEETS,
    Column,
    RegisterKind,
    Sheet,
    status_word,
    yes_no_word,
)

Row = list[Any]
"""A register row's values in its sheet's column order: text, whole numbers, dates, or
None for an empty cell."""

_BOLD = Font(bold=True)
_HEADER_ALIGNMENT = Alignment(vertical="top")


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def risk_row(answer: dict[str, Any]) -> Row:
    """A risk's `Risikoer` row from its subject answer."""
    return [
        answer["key"],
        answer["title"],
        answer["description"],
        answer["organisation"],
        answer["project"],
        answer["owner"],
        answer["probability"],
        answer["consequence"],
        status_word(answer["open"]),
        answer["merged_into"],
        None,
    ]


def mitigation_rows(answer: dict[str, Any]) -> list[Row]:
    """A risk's `Tiltak` rows from its subject answer, by `Tiltak-ID`."""
    return [
        [
            answer["key"],
            item["mitigation_id"],
            item["description"],
            item["owner"],
            _day(item["due_on"]),
            yes_no_word(item["completed"]),
        ]
        for item in sorted(answer["mitigations"], key=lambda item: str(item["mitigation_id"]))
    ]


def milestone_row(answer: dict[str, Any]) -> Row:
    """A milestone's `Milepæler` row from its subject answer."""
    project, _, key = str(answer["key"]).partition("/")
    return [
        project,
        key,
        answer["name"],
        WORD_OF_MILESTONE_KIND[answer["kind"]],
        _day(answer["baseline_on"]),
        _day(answer["forecast_on"]),
        _day(answer["achieved_on"]),
        yes_no_word(answer["cancelled_on"] is not None),
        None,
        None,
    ]


def register_rows(
    models: Any, kind: RegisterKind, sheets: Iterable[Sheet], *, as_of: date, position: int
) -> Iterator[tuple[Sheet, Row]]:
    """The rows of `sheets` (of the register `kind` belongs to), subject by subject in key
    order, each with its sheet; read a page of subjects at a time."""
    wanted = set(sheets)
    subject_kind: Kind = "milestone" if kind == "milestones" else "risk"
    for answer in every_item(models, ListQuery(subject_kind, {}), as_of=as_of, position=position):
        if subject_kind == "milestone":
            yield MILESTONES, milestone_row(answer)
            continue
        if RISKS in wanted:
            yield RISKS, risk_row(answer)
        if MITIGATIONS in wanted:
            for row in mitigation_rows(answer):
                yield MITIGATIONS, row


def write_workbook(
    sheets: tuple[Sheet, ...], rows: Iterable[tuple[Sheet, Row]], out: IO[bytes]
) -> dict[str, int]:
    """Write the rows as a workbook of `sheets`: the header frozen and filtered, columns
    wide enough to read, keys as text cells and dates as date cells. The number of rows
    written to each sheet."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Governance ledger"
    worksheets = {}
    counts = {sheet.name: 0 for sheet in sheets}
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for number, column in enumerate(sheet.columns, 1):
            worksheet.column_dimensions[get_column_letter(number)].width = column.width
        worksheet.freeze_panes = "A2"
        header = []
        for name in sheet.headers:
            cell = WriteOnlyCell(worksheet, name)
            cell.font = _BOLD
            cell.alignment = _HEADER_ALIGNMENT
            header.append(cell)
        worksheet.append(header)
        worksheets[sheet.name] = worksheet
    for sheet, row in rows:
        worksheet = worksheets[sheet.name]
        worksheet.append(
            [_cell(worksheet, column, value) for column, value in zip(sheet.columns, row, strict=True)]
        )
        counts[sheet.name] += 1
    for sheet in sheets:
        last = get_column_letter(len(sheet.columns))
        worksheets[sheet.name].auto_filter.ref = f"A1:{last}{counts[sheet.name] + 1}"
    workbook.save(out)
    return counts


def _cell(worksheet: Any, column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "date":
        cell = WriteOnlyCell(worksheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if column.kind == "key":
        cell = WriteOnlyCell(worksheet, value)
        cell.data_type = "s"
        cell.number_format = "@"
        return cell
    if isinstance(value, str):
        safe = escape_controls(value)
        if safe.startswith("=") or safe in ERROR_CODES:
            # Text, never a formula or an error value, whatever it starts with.
            cell = WriteOnlyCell(worksheet, safe)
            cell.data_type = "s"
            return cell
        return safe
    return value


def csv_chunks(sheet: Sheet, rows: Iterable[Row]) -> Iterator[str]:
    """A sheet as CSV (comma, CRLF, no byte-order mark, a header row), dates `DD.MM.YYYY`,
    in pieces of a few hundred rows."""
    columns = [(name,) for name in sheet.headers]
    items = ({name: _csv_cell(value) for name, value in zip(sheet.headers, row, strict=True)} for row in rows)
    return lines(columns, items)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return day_text(value)
    return str(value)


SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""A workbook up to this size is built in memory, a larger one in a temporary file."""
CHUNK = 64 * 1024


def workbook_chunks(models: Any, kind: RegisterKind, *, as_of: date, position: int) -> Iterator[bytes]:
    """The register's workbook, built before its first chunk is given (a workbook is a zip
    file: it is complete only once written), then read out in chunks."""
    sheets = WORKBOOK_SHEETS[kind]
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed below
    try:
        write_workbook(sheets, register_rows(models, kind, sheets, as_of=as_of, position=position), spooled)
    except BaseException:
        spooled.close()
        raise
    return _read_out(spooled)


def _read_out(spooled: IO[bytes]) -> Iterator[bytes]:
    try:
        spooled.seek(0)
        while chunk := spooled.read(CHUNK):
            yield chunk
    finally:
        spooled.close()
