"""A register of 50,000 rows, as a workbook and as CSV: read a row at a time (openpyxl's
read-only mode, CSV line by line), planned whole, and a bad cell in its last row still
named by its row."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from governance.application import Command, Ledger
from governance.keys import project
from governance.projections.runner import ReadModels
from governance.registers.export import write_workbook
from governance.registers.refusal import RegisterRefused
from governance.registers.sheets import MILESTONES
from support.registers import plan

ROWS = 50_000
pytestmark = pytest.mark.slow


@pytest.fixture
def models(sqlite_ledger: Ledger) -> Iterator[ReadModels]:
    fields = {"name": "KAK", "organisation": "HDO", "phase": "execution", "owner": "Eier"}
    sqlite_ledger.record(Command(project("KAK"), "ProjectRegistered", fields, effective_on="2025-01-02"))
    models = ReadModels(sqlite_ledger)
    yield models
    models.close()


def _rows(count: int) -> Iterator[list[object]]:
    for number in range(count):
        baseline = date(2026, 1, 1) + timedelta(days=number % 700)
        yield [
            "KAK",
            f"M{number:05d}",
            f"Milepæl {number}",
            "milepæl",
            baseline,
            None,
            None,
            "nei",
            None,
            None,
        ]


def test_a_workbook_of_50000_rows_is_planned_whole(models: ReadModels) -> None:
    out = io.BytesIO()
    write_workbook((MILESTONES,), ((MILESTONES, row) for row in _rows(ROWS)), out)

    answer = plan(models, "milestones", out.getvalue())

    assert len(answer.plan) == ROWS and answer.plan[-1].row == ROWS + 1
    assert models.ledger.position() == 1


def test_a_bad_cell_in_the_last_of_50000_csv_rows_is_named_by_its_row(models: ReadModels) -> None:
    lines = [",".join(MILESTONES.headers)]
    lines += [f"KAK,M{number:05d},Milepæl {number},milepæl,01.06.2026,,,nei,," for number in range(ROWS)]
    lines.append("KAK,M99999,Sent,milepel,01.06.2026,,,nei,,")

    with pytest.raises(RegisterRefused) as refused:
        plan(models, "milestones", ("\r\n".join(lines) + "\r\n").encode(), file_format="csv")

    assert (refused.value.sheet, refused.value.row, refused.value.column) == ("Milepæler", ROWS + 2, "Type")
    assert models.ledger.position() == 1
