"""Registers: export and import rates and memory on SQLite and PostgreSQL, beside the
rate of reading the same workbook with openpyxl alone, measured in the same run.

On each store, for a risk register of `--risks` risks with three mitigations each and a
milestone plan of `--milestones` milestones (in 20 projects):

1. baseline: rows/s of reading the workbook with openpyxl alone (read-only mode, every
   row's values), and its peak of Python allocations;
2. dry run: rows/s of `POST /registers/{kind}?dry_run=true`'s work — read the file, plan
   it against the read models, check every planned event — for a register whose rows are
   all new (every row plans an event);
3. stored: the same, stored as one batch holding the append lock, each run into a fresh
   store;
4. export: rows/s of writing the register (now in the ledger) as a workbook;
5. re-import: rows/s of a dry run of that export (it plans nothing: the common case).

Rates are medians of `--repeat` runs (min–max beside them); peak memory is the peak of
Python allocations (tracemalloc) in one more run of each, and is printed beside the
workbook's size. Nothing is asserted; the machine is shared, so compare the ratios to the
baseline rather than the rates across runs.

    .venv/bin/python bench/registers.py                                  # 2,000 risks, 10,000 milestones
    .venv/bin/python bench/registers.py --risks 200 --milestones 1000 --repeat 1
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, TypeVar

import psycopg
from openpyxl import load_workbook
from psycopg import sql
from rich.console import Console
from rich.table import Table

from governance import keys
from governance.application import Command, Ledger
from governance.context import acting_as
from governance.projections.runner import ReadModels
from governance.registers.export import register_rows, write_workbook
from governance.registers.importing import import_register, read_register
from governance.registers.sheets import MILESTONES, MITIGATIONS, RISKS, WORKBOOK_SHEETS, RegisterKind

DEFAULT_POSTGRES_URL = os.environ.get(
    "GOVERNANCE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PROJECTS = 20
T = TypeVar("T")


# Registers to import ----------------------------------------------------------------------


def risk_workbook(risks: int) -> bytes:
    """A risk register whose every row is new: `risks` risks, three mitigations each."""

    def rows() -> Iterator[tuple[Any, list[Any]]]:
        for number in range(risks):
            key = f"R-{number:05d}"
            yield RISKS, [key, f"Risiko {number} for forsinkelse i leveranse", "Beskrivelse av risikoen " * 4,
                          "HDO", f"P{number % PROJECTS:02d}", "Prosjektleder", number % 5 + 1, (number // 5) % 5 + 1,
                          "åpen", None, None]  # fmt: skip
        for number in range(risks):
            for mitigation in range(3):
                yield MITIGATIONS, [f"R-{number:05d}", f"T{mitigation + 1}", f"Tiltak {mitigation + 1} mot risiko {number}",
                                    "Tiltakseier", date(2026, 6, 30) - timedelta(days=number % 100), "nei"]  # fmt: skip

    out = io.BytesIO()
    write_workbook(WORKBOOK_SHEETS["risks"], rows(), out)
    return out.getvalue()


def milestone_workbook(milestones: int) -> bytes:
    def rows() -> Iterator[tuple[Any, list[Any]]]:
        for number in range(milestones):
            yield MILESTONES, [f"P{number % PROJECTS:02d}", f"M{number:05d}", f"Milepæl {number}", "milepæl",
                               date(2026, 1, 1) + timedelta(days=number % 700), None, None, "nei", None, None]  # fmt: skip

    out = io.BytesIO()
    write_workbook(WORKBOOK_SHEETS["milestones"], rows(), out)
    return out.getvalue()


# Stores -----------------------------------------------------------------------------------


@contextmanager
def fresh_store(kind: str, postgres_url: str) -> Iterator[Ledger]:
    """An empty ledger holding the projects the registers name."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            ledger = Ledger(f"sqlite:///{folder}/ledger.db")
            try:
                _projects(ledger)
                yield ledger
            finally:
                ledger.close()
        return
    schema = f"bench_registers_{uuid.uuid4().hex[:12]}"
    ledger = Ledger(f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}")
    try:
        _projects(ledger)
        yield ledger
    finally:
        ledger.close()
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _projects(ledger: Ledger) -> None:
    fields = {"name": "Prosjekt", "organisation": "HDO", "phase": "execution", "owner": "Eier"}
    ledger.record_many(
        Command(keys.project(f"P{number:02d}"), "ProjectRegistered", fields, effective_on="2025-01-02")
        for number in range(PROJECTS)
    )


# Measuring --------------------------------------------------------------------------------


def timed(action: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def peak(action: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def read_with_openpyxl(data: bytes) -> int:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = 0
    for sheet in book.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            rows += 1
    book.close()
    return rows


def dry_run(models: ReadModels, kind: RegisterKind, data: bytes, *, store: bool = False) -> int:
    register = read_register(kind, "xlsx", io.BytesIO(data))
    with acting_as("bench"):
        answer = import_register(
            models, kind, register, effective_on=models.ledger.today(), dry_run=not store
        )
    return len(answer.plan)


def export(models: ReadModels, kind: RegisterKind) -> bytes:
    position = models.ledger.position()
    models.ensure(position, timeout=600)
    sheets = WORKBOOK_SHEETS[kind]
    out = io.BytesIO()
    write_workbook(
        sheets, register_rows(models, kind, sheets, as_of=models.ledger.today(), position=position), out
    )
    return out.getvalue()


class Figures:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, int, list[float], int | None, float | None]] = []

    def add(
        self, store: str, register: str, what: str, rows: int, seconds: list[float], memory: int | None
    ) -> None:
        self.rows.append((store, register, what, rows, seconds, memory, None))


def measure(
    store: str, kind: RegisterKind, data: bytes, rows: int, args: argparse.Namespace, figures: Figures
) -> None:
    runs = args.repeat
    baseline = [timed(lambda: read_with_openpyxl(data))[0] for _ in range(runs)]
    figures.add(
        store, kind, "openpyxl alone (baseline)", rows, baseline, peak(lambda: read_with_openpyxl(data))
    )
    times: dict[str, list[float]] = {"dry": [], "stored": [], "export": [], "again": []}
    memory: dict[str, int] = {}
    for run in range(runs + 1):
        with fresh_store(store, args.postgres_url) as ledger:
            models = ReadModels(ledger)
            try:
                models.ensure(ledger.position(), timeout=600)
                one_run(models, kind, data, times, memory if run == runs else None)
            finally:
                models.close()
    figures.add(store, kind, "import, dry run (every row new)", rows, times["dry"], memory["dry"])
    figures.add(store, kind, "import, stored (one batch)", rows, times["stored"], memory["stored"])
    figures.add(store, kind, "export (workbook)", rows, times["export"], memory["export"])
    figures.add(store, kind, "re-import of the export, dry run", rows, times["again"], memory["again"])


def one_run(
    models: ReadModels,
    kind: RegisterKind,
    data: bytes,
    times: dict[str, list[float]],
    memory: dict[str, int] | None,
) -> None:
    """Dry run, stored import, export and re-import on a fresh store: timed, or (with
    `memory`) traced for their peak allocations."""
    if memory is not None:
        memory["dry"] = peak(lambda: dry_run(models, kind, data))
        memory["stored"] = peak(lambda: dry_run(models, kind, data, store=True))
        memory["export"] = peak(lambda: export(models, kind))
        written = export(models, kind)
        memory["again"] = peak(lambda: dry_run(models, kind, written))
        return
    seconds, planned = timed(lambda: dry_run(models, kind, data))
    assert planned > 0
    times["dry"].append(seconds)
    times["stored"].append(timed(lambda: dry_run(models, kind, data, store=True))[0])
    seconds, written = timed(lambda: export(models, kind))
    times["export"].append(seconds)
    seconds, planned = timed(lambda: dry_run(models, kind, written))
    assert planned == 0
    times["again"].append(seconds)


def report(figures: Figures, sizes: dict[str, int], console: Console) -> None:
    table = Table(title="Registers: rows/s (median of runs, min–max) and peak Python allocations")
    for name in ("store", "register", "operation", "rows", "rows/s", "min–max", "× baseline", "peak MiB"):
        table.add_column(
            name,
            justify="right" if name in ("rows", "rows/s", "min–max", "× baseline", "peak MiB") else "left",
        )
    baselines: dict[tuple[str, str], float] = {}
    for store, register, what, rows, seconds, memory, _ in figures.rows:
        rates = sorted(rows / s for s in seconds)
        median = statistics.median(rates)
        if what.startswith("openpyxl"):
            baselines[(store, register)] = median
        ratio = median / baselines[(store, register)]
        table.add_row(
            store, register, what, f"{rows:,}", f"{median:,.0f}", f"{rates[0]:,.0f}–{rates[-1]:,.0f}",
            f"{ratio:.2f}", "" if memory is None else f"{memory / 2**20:.1f}",
        )  # fmt: skip
    console.print(table)
    console.print(
        ", ".join(f"{name}: {size / 2**20:.2f} MiB" for name, size in sizes.items()), soft_wrap=True
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--risks", type=int, default=2000)
    parser.add_argument("--milestones", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    console = Console(width=150)
    risks, milestones = risk_workbook(args.risks), milestone_workbook(args.milestones)
    sizes = {"risk workbook": len(risks), "milestone workbook": len(milestones)}
    figures = Figures()
    for store in args.stores.split(","):
        console.print(f"[bold]{store}[/bold]: risks ({args.risks} + {3 * args.risks} mitigations)…")
        measure(store, "risks", risks, args.risks * 4, args, figures)
        console.print(f"[bold]{store}[/bold]: milestones ({args.milestones})…")
        measure(store, "milestones", milestones, args.milestones, args, figures)
    report(figures, sizes, console)


if __name__ == "__main__":
    main()
