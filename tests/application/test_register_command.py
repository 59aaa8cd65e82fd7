"""`governance register export|import`: a register to a file or standard output, and back,
the plan printed as a table; a refused file exits 1 naming its sheet, row and column."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from governance import cli, keys
from governance.application import Ledger
from governance.demo import load_demo
from support.registers import edited, set_cell, sheets_of


def _demo_store(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path}/ledger.db"
    ledger = Ledger(url)
    load_demo(ledger)
    ledger.close()
    return {"GOVERNANCE_DATABASE_URL": url, "COLUMNS": "200"}


def test_a_register_exports_as_csv_on_standard_output_and_as_a_workbook_to_a_file(tmp_path: Path) -> None:
    env = _demo_store(tmp_path)
    runner = CliRunner()

    csv = runner.invoke(cli.app, ["register", "export", "mitigations", "--as-of", "2025-06-01"], env=env)
    book = runner.invoke(
        cli.app, ["register", "export", "risks", "-o", str(tmp_path / "risks.xlsx")], env=env
    )

    assert csv.exit_code == 0, csv.output
    assert csv.stdout_bytes.startswith("Nr,Tiltak-ID,Beskrivelse,Eier,Frist,Utført\r\n".encode())
    assert b",30.06.2025,ja\r\n" in csv.stdout_bytes  # OR-821's M2, completed by then
    assert book.exit_code == 0, book.output
    assert list(sheets_of((tmp_path / "risks.xlsx").read_bytes())) == ["Risikoer", "Tiltak"]


def test_an_import_prints_its_plan_as_a_table_and_stores_it(tmp_path: Path) -> None:
    env = _demo_store(tmp_path)
    runner = CliRunner()
    path = tmp_path / "risks.xlsx"
    runner.invoke(cli.app, ["register", "export", "risks", "-o", str(path)], env=env)
    path.write_bytes(
        edited(path.read_bytes(), lambda book: set_cell(book, "Risikoer", ("OR-611",), "Status", "lukket"))
    )

    dry = runner.invoke(
        cli.app, ["register", "import", "risks", str(path), "--dry-run", "--actor", "sekr"], env=env
    )
    stored = runner.invoke(cli.app, ["register", "import", "risks", str(path), "--actor", "sekr"], env=env)

    assert dry.exit_code == 0, dry.output
    assert "│ Risikoer │ 2   │ risk:OR-611 │ RiskClosed" in dry.stdout and "Nothing stored" in dry.stdout
    assert stored.exit_code == 0 and "Stored 1 events" in stored.stdout
    ledger = Ledger(env["GOVERNANCE_DATABASE_URL"])
    try:
        closed = ledger.history(keys.risk("OR-611"))[-1]
    finally:
        ledger.close()
    assert (closed["type"], closed["actor"]) == ("RiskClosed", "sekr")


def test_a_refused_file_exits_1_naming_sheet_row_and_column(tmp_path: Path) -> None:
    env = _demo_store(tmp_path)
    path = tmp_path / "milestones.csv"
    path.write_text(
        "Prosjekt;Milepæl;Navn;Type;Grunnplan;Prognose;Oppnådd;Kansellert;Grunnlag;Begrunnelse\n"
        "KAK;NY;Ny milepæl;milepæl;32.13.2026;;;nei;;\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(
        cli.app, ["register", "import", "milestones", str(path), "--actor", "sekr"], env=env
    )

    assert result.exit_code == 1
    assert "ark Milepæler, rad 2, kolonne Grunnplan" in result.output
    assert "Nothing was imported" in result.output
