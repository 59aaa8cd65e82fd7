"""Reading a register file, one record at a time: a workbook's sheets (openpyxl in
read-only mode, so a large file streams) or a CSV file read line by line. Columns are found
by their header (trimmed, NFC; any order; extra columns and sheets ignored), blank rows are
skipped but counted, and whatever makes the file unreadable is a `RegisterRefused` naming
the sheet, the row and the column."""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import olefile
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from governance.registers.cells import UnreadableCell, unescape_controls
from governance.registers.refusal import RegisterRefused
from governance.registers.sheets import Sheet

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
_MERGED = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"'
)
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 256


@dataclass(frozen=True)
class Record:
    """One row of a sheet: its number (the header is row 1) and its cells by header."""

    number: int
    cells: dict[str, Any]


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


def columns_of(sheet: Sheet, header: Sequence[Any]) -> dict[str, int]:
    """Where each of the sheet's columns is (0-based), from the header row's cells; a
    missing or duplicated header is refused."""
    found: dict[str, int] = {}
    wanted = set(sheet.headers)
    for index, value in enumerate(header):
        if not isinstance(value, str):
            continue
        name = _folded(value)
        if name not in wanted:
            continue
        if name in found:
            raise RegisterRefused(
                f"overskriften {name} står to ganger",
                f"the header {name} appears twice",
                sheet=sheet.name,
                row=1,
                column=name,
                type_="column_duplicated",
            )
        found[name] = index
    present = (
        ", ".join(_folded(value) for value in header if isinstance(value, str) and value.strip()) or "ingen"
    )
    for name in sheet.headers:
        if name not in found:
            raise RegisterRefused(
                f"kolonnen {name} mangler (rad 1 har overskriftene {present}; arket skal ha"
                f" {', '.join(sheet.headers)})",
                f"the column {name} is missing (row 1 holds the headers {present}; the sheet needs"
                f" {', '.join(sheet.headers)})",
                sheet=sheet.name,
                row=1,
                column=name,
                type_="column_missing",
            )
    return found


def _blank(values: Iterable[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def records(sheet: Sheet, rows: Iterator[tuple[int, Sequence[Any]]]) -> Iterator[Record]:
    """The records of a sheet's rows (numbered, the header first); blank rows skipped."""
    first = next(rows, None)
    if first is None or first[0] != 1:
        raise RegisterRefused(
            "arket er tomt: rad 1 skal holde overskriftene",
            "the sheet is empty: row 1 holds the headers",
            sheet=sheet.name,
            row=1,
            type_="column_missing",
        )
    columns = columns_of(sheet, first[1])
    for number, values in rows:
        if _blank(values):
            continue
        yield Record(
            number,
            {name: values[index] if index < len(values) else None for name, index in columns.items()},
        )


# Workbooks ---------------------------------------------------------------------------------


def open_workbook(stream: IO[bytes]) -> Workbook:
    """A workbook in read-only mode, each formula read by its cached value; a file that is
    not one is refused (saying so when it is password-protected or an old .xls)."""
    head = stream.read(8)
    stream.seek(0)
    if head == OLE_MAGIC:
        if _encrypted(stream):
            raise RegisterRefused(
                "arbeidsboken er passordbeskyttet: lagre en kopi uten passord og importer den",
                "the workbook is password-protected: save a copy without a password and import that",
                type_="workbook_encrypted",
            )
        raise RegisterRefused(
            "filen er et eldre Excel-dokument (.xls) eller et annet OLE-dokument: lagre den som .xlsx",
            "the file is an old Excel document (.xls) or another OLE document: save it as .xlsx",
            type_="not_a_workbook",
        )
    if not head.startswith(ZIP_MAGIC):
        raise _not_a_workbook()
    try:
        return load_workbook(stream, read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError, ParseError):
        raise _not_a_workbook() from None


def _not_a_workbook() -> RegisterRefused:
    return RegisterRefused(
        "filen er ikke et regneark (.xlsx)",
        "the file is not a spreadsheet workbook (.xlsx)",
        type_="not_a_workbook",
    )


def _encrypted(stream: IO[bytes]) -> bool:
    """An encrypted .xlsx is an OLE compound file holding the encrypted package."""
    try:
        with olefile.OleFileIO(stream) as ole:
            return bool(ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"))
    except (OSError, ValueError, IndexError):
        return False
    finally:
        stream.seek(0)


def find_sheet(workbook: Workbook, sheet: Sheet, *, required: bool = True) -> Any | None:
    """The worksheet named as `sheet` (trimmed, NFC, case aside); a required one that is
    missing is refused, naming the sheets found."""
    wanted = _folded(sheet.name).casefold()
    for name in workbook.sheetnames:
        if _folded(name).casefold() == wanted:
            return workbook[name]
    if not required:
        return None
    found = ", ".join(workbook.sheetnames) or "ingen"
    raise RegisterRefused(
        f"arbeidsboken har ikke arket {sheet.name}; arkene er: {found}",
        f"the workbook has no sheet {sheet.name}; its sheets are: {', '.join(workbook.sheetnames) or 'none'}",
        sheet=sheet.name,
        type_="sheet_missing",
        sheets_found=list(workbook.sheetnames),
    )


class _CellParser(WorkSheetParser):
    """openpyxl's sheet parser, reading each formula by its cached value and telling a
    formula without one (or an error value) from an empty cell."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["data_type"] == "e":
            cell["value"] = UnreadableCell.error(str(cell["value"]))
        elif cell["value"] is None and (formula := element.find(FORMULA_TAG)) is not None:
            # A formula's empty text result is cached as an empty `<v>` of type "str"; any
            # other empty or missing `<v>` is a formula never computed.
            cached = element.find(VALUE_TAG)
            if cached is None or (not cached.text and element.get("t") != "str"):
                cell["value"] = UnreadableCell.formula("=" + (formula.text or "…"))
        elif isinstance(cell["value"], str):
            cell["value"] = unescape_controls(cell["value"])
        return cell


def sheet_rows(workbook: Any, worksheet: Any, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Every row of a worksheet, numbered from 1 (missing rows as empty ones), its cells'
    values in column order; a merged range within one column gives each of its cells the
    range's value, a range across columns is refused."""
    merged = _merged_ranges(workbook, worksheet)
    fills = _fills(merged, sheet, worksheet)
    top_values: dict[tuple[int, int], Any] = {}
    expected = 1
    with workbook._archive.open(worksheet._worksheet_path) as source:
        parser = _CellParser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            while expected < number:
                yield expected, []
                expected += 1
            expected = number + 1
            width = max((cell["column"] for cell in cells), default=0)
            values: list[Any] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            if fills:
                _fill(values, number, fills, top_values)
            yield number, values


def _merged_ranges(workbook: Any, worksheet: Any) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges (min_col, min_row, max_col, max_row), found by a scan of
    its XML before the rows are read: they are listed after the rows."""
    found: set[bytes] = set()
    tail = b""
    with workbook._archive.open(worksheet._worksheet_path) as source:
        while chunk := source.read(_SCAN_CHUNK):
            window = tail + chunk
            found.update(match[1] for match in _MERGED.finditer(window))
            tail = window[-_SCAN_OVERLAP:]
    ranges = []
    for ref in sorted(found):
        low_column, low_row, high_column, high_row = range_boundaries(ref.decode("ascii"))
        if (
            low_column is not None
            and low_row is not None
            and high_column is not None
            and high_row is not None
        ):
            ranges.append((low_column, low_row, high_column, high_row))
    return ranges


def _fills(
    merged: list[tuple[int, int, int, int]], sheet: Sheet, worksheet: Any
) -> dict[int, list[tuple[int, int]]]:
    """Each column's merged row ranges; a merge across columns is refused."""
    fills: dict[int, list[tuple[int, int]]] = {}
    for min_col, min_row, max_col, max_row in merged:
        if min_col != max_col:
            ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
            raise RegisterRefused(
                f"cellene {ref} er slått sammen over flere kolonner: del dem opp og fyll inn hver celle",
                f"the cells {ref} are merged across columns: unmerge them and fill in each cell",
                sheet=sheet.name,
                row=min_row,
                type_="cells_merged",
            )
        if max_row > min_row:
            fills.setdefault(min_col - 1, []).append((min_row, max_row))
    return fills


def _fill(
    values: list[Any],
    number: int,
    fills: dict[int, list[tuple[int, int]]],
    top_values: dict[tuple[int, int], Any],
) -> None:
    for column, ranges in fills.items():
        for first, last in ranges:
            if number == first:
                top_values[(column, first)] = values[column] if column < len(values) else None
            elif first < number <= last:
                if column >= len(values):
                    values.extend([None] * (column + 1 - len(values)))
                values[column] = top_values.get((column, first))


def workbook_records(workbook: Workbook, sheet: Sheet, *, required: bool = True) -> Iterator[Record] | None:
    """The records of one sheet of a workbook; None for a sheet that is not required and
    not there."""
    worksheet = find_sheet(workbook, sheet, required=required)
    if worksheet is None:
        return None
    return records(sheet, sheet_rows(workbook, worksheet, sheet))


# CSV ---------------------------------------------------------------------------------------


def csv_records(stream: IO[bytes], sheet: Sheet) -> Iterator[Record]:
    """The records of a CSV file: UTF-8 (a byte-order mark skipped), comma- or
    semicolon-separated as the header line shows, read line by line."""
    return records(sheet, _csv_rows(stream, sheet))


def _csv_rows(stream: IO[bytes], sheet: Sheet) -> Iterator[tuple[int, list[str]]]:
    lines = _utf8_lines(stream)
    number = 0
    try:
        first = next(lines, "")
        if not first.strip():
            raise RegisterRefused(
                "filen er tom: rad 1 skal holde overskriftene",
                "the file is empty: row 1 holds the headers",
                sheet=sheet.name,
                row=1,
                type_="column_missing",
            )
        reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first, sheet))
        for number, row in enumerate(reader, 1):
            yield number, row
    except UnicodeDecodeError:
        raise RegisterRefused(
            "filen er ikke UTF-8: lagre den som «CSV UTF-8»",
            "the file is not UTF-8: save it as CSV UTF-8",
            sheet=sheet.name,
            row=number + 1,
            type_="encoding",
        ) from None
    except csv.Error as error:
        raise RegisterRefused(
            f"filen kan ikke leses som CSV ({error})",
            f"the file cannot be read as CSV ({error})",
            sheet=sheet.name,
            row=number + 1,
            type_="csv_invalid",
        ) from None


def _utf8_lines(stream: IO[bytes]) -> Iterator[str]:
    """The file's lines, each decoded as it is read (so a bad byte is found in its own
    row), a leading byte-order mark left out."""
    for index, raw in enumerate(stream):
        yield (raw.removeprefix(b"\xef\xbb\xbf") if index == 0 else raw).decode("utf-8")


def _delimiter(header: str, sheet: Sheet) -> str:
    """Comma or semicolon, whichever separates the header line's names."""
    outside = re.sub(r'"[^"]*"', "", header)
    commas, semicolons = outside.count(","), outside.count(";")
    if commas == 0 and semicolons == 0:
        raise RegisterRefused(
            "overskriftslinjen er ikke skilt med komma eller semikolon",
            "the header line is separated by neither commas nor semicolons",
            sheet=sheet.name,
            row=1,
            type_="csv_delimiter",
        )
    return ";" if semicolons > commas else ","
