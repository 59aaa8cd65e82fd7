"""Registers over HTTP (DOMAIN.md §10): export for every role, import for the
secretariat and admin, dry runs, `expected_position`, idempotency keys, and every refused
file answered with the sheet, row and column — the log unchanged."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook, load_workbook

from governance.application import Ledger
from support.registers import append_row, edited, set_cell, sheets_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_BODY = {"Content-Type": XLSX}
CSV_BODY = {"Content-Type": "text/csv; charset=utf-8"}


@pytest.fixture
def secretariat(as_: Any) -> dict[str, str]:
    return as_["secretariat"]  # type: ignore[no-any-return]


def export(client: TestClient, headers: dict[str, str], path: str = "/registers/risks.xlsx") -> bytes:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def post(
    client: TestClient,
    headers: dict[str, str],
    body: bytes,
    *,
    kind: str = "risks",
    media: str = XLSX,
    **query: Any,
) -> Any:
    params = {"effective_on": "2026-01-15", **query}
    return client.post(
        f"/registers/{kind}", content=body, params=params, headers=headers | {"Content-Type": media}
    )


# Export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "secretariat", "lead", "auditor", "viewer"])
def test_every_role_exports_the_registers(client: TestClient, demo: Ledger, as_: Any, role: str) -> None:
    workbook = client.get("/registers/risks.xlsx", headers=as_[role])
    milestones = client.get("/registers/milestones.csv", headers=as_[role])

    assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
    assert 'filename="risks.xlsx"' in workbook.headers["content-disposition"]
    assert workbook.headers["ledger-position"] == str(demo.position())
    assert milestones.status_code == 200 and milestones.headers["content-type"] == "text/csv; charset=utf-8"


def test_the_risk_workbook_has_both_sheets_in_the_contracts_columns(
    client: TestClient, demo: Ledger, as_: Any
) -> None:
    sheets = sheets_of(export(client, as_["viewer"]))

    assert list(sheets) == ["Risikoer", "Tiltak"]
    assert sheets["Risikoer"][0] == [
        "Nr", "Tittel", "Beskrivelse", "Organisasjon", "Prosjekt", "Eier", "S", "K", "Status",
        "Slått sammen med", "Begrunnelse",
    ]  # fmt: skip
    assert sheets["Tiltak"][0] == ["Nr", "Tiltak-ID", "Beskrivelse", "Eier", "Frist", "Utført"]
    assert [row[0] for row in sheets["Risikoer"][1:]] == ["OR-611", "OR-631", "OR-821", "OR-851"]
    assert [row[:2] for row in sheets["Tiltak"][1:4]] == [
        ["OR-611", "M1"],
        ["OR-611", "M2"],
        ["OR-631", "M1"],
    ]
    assert sheets["Tiltak"][4][4:] == [date(2026, 6, 30), "nei"]


def test_a_workbook_freezes_and_filters_its_header_and_writes_keys_as_text_and_dates_as_dates(
    client: TestClient, demo: Ledger, as_: Any
) -> None:
    book = load_workbook(io.BytesIO(export(client, as_["viewer"], "/registers/milestones.xlsx")))
    sheet = book["Milepæler"]

    assert book.sheetnames == ["Milepæler"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{sheet.max_row}"
    assert sheet.column_dimensions["C"].width >= 40
    key, baseline = sheet["B3"], sheet["E3"]
    assert key.data_type == "s" and key.value == "DL1"
    assert isinstance(baseline.value, datetime) and baseline.number_format == "DD.MM.YYYY"
    assert [cell.value for cell in sheet[3]][3] == "leveranse"


def test_csv_exports_are_framed_as_lists_are_with_norwegian_dates(
    client: TestClient, demo: Ledger, as_: Any
) -> None:
    text = export(client, as_["viewer"], "/registers/milestones.csv").decode("utf-8")

    assert not text.startswith("\ufeff")
    assert (
        text.split("\r\n")[0]
        == "Prosjekt,Milepæl,Navn,Type,Grunnplan,Prognose,Oppnådd,Kansellert,Grunnlag,Begrunnelse"
    )
    assert "KAK,DL1,Delleveranse 1 mottatt fra Frequentis,leveranse,28.02.2025,,28.02.2025,nei,," in text


def test_an_export_reads_at_as_of_and_known_at(client: TestClient, demo: Ledger, as_: Any) -> None:
    then = export(client, as_["viewer"], "/registers/risks.csv?as_of=2025-03-01&known_at=2025-03-01").decode()
    now = export(client, as_["viewer"], "/registers/risks.csv").decode()

    assert "OR-851" not in then and "OR-851" in now
    assert then.count("\r\n") == 4  # the header and the three older risks


# Import ------------------------------------------------------------------------------------


def _closing_or_611(book: Workbook) -> None:
    set_cell(book, "Risikoer", ("OR-611",), "Status", "lukket")


def test_a_dry_run_plans_and_stores_nothing_then_the_import_stores_the_plan(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = edited(export(client, secretariat), _closing_or_611)
    position = demo.position()

    dry = post(client, secretariat, body, dry_run="true")
    assert dry.status_code == 200, dry.text
    shown = dry.json()
    assert shown["stored"] is False and shown["position"] == position and demo.position() == position
    assert shown["plan"] == [
        {"sheet": "Risikoer", "row": 2, "subject": "risk:OR-611", "type": "RiskClosed", "effective_on": "2026-01-15",
         "data": {"reason": "Oppdatert fra register, rad 2"}, "column": "Status"},
    ]  # fmt: skip
    assert shown["head_hash"] == demo.head_hash(position) and shown["warnings"] == []

    stored = post(client, secretariat, body, expected_position=str(position))
    assert stored.status_code == 200 and stored.json() == shown | {"stored": True}
    assert demo.position() == position + 1
    assert demo.envelope_at(position + 1)["actor"] == "sekretariat"

    again = post(client, secretariat, body)
    assert again.json()["plan"] == [] and again.json()["stored"] is False


def test_a_log_that_moved_since_the_dry_run_answers_412_and_stores_nothing(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = edited(export(client, secretariat), _closing_or_611)
    position = demo.position()
    client.post("/risks/OR-821/assessments", json={"probability": 3, "consequence": 4}, headers=secretariat)

    refused = post(client, secretariat, body, expected_position=str(position))

    assert refused.status_code == 412 and refused.json()["position"] == position + 1
    assert demo.position() == position + 1


@pytest.mark.parametrize("role", ["lead", "auditor", "viewer"])
def test_only_the_secretariat_and_admin_import(client: TestClient, demo: Ledger, as_: Any, role: str) -> None:
    body = export(client, as_["admin"])

    assert post(client, as_[role], body).status_code == 403
    assert post(client, as_["admin"], body).status_code == 200


def test_a_body_that_is_neither_a_workbook_nor_csv_is_415(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    response = post(client, secretariat, b'{"rows": []}', media="application/json")

    assert response.status_code == 415


def test_an_idempotency_key_answers_the_first_import_again(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = edited(export(client, secretariat), _closing_or_611)
    key = {"Idempotency-Key": "register-2026-01-15"}

    first = post(client, secretariat | key, body)
    position = demo.position()
    second = post(client, secretariat | key, body)
    other = post(client, secretariat | key, export(client, secretariat))

    assert first.json()["stored"] is True and second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true" and demo.position() == position
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_an_effective_day_in_the_future_is_refused(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    response = post(client, secretariat, export(client, secretariat), effective_on="2026-02-01")

    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "effective_on"


# Refused files -----------------------------------------------------------------------------


def refused(
    client: TestClient, ledger: Ledger, headers: dict[str, str], body: bytes, **post_args: Any
) -> dict[str, Any]:
    """The problem a refused file answers; nothing stored."""
    position = ledger.position()
    response = post(client, headers, body, **post_args)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert ledger.position() == position
    problem: dict[str, Any] = response.json()
    first = problem["errors"][0]
    assert (first["sheet"], first["row"], first["column"], first["reason"]) == (
        problem["sheet"], problem["row"], problem["column"], problem["reason"],
    )  # fmt: skip
    return problem


def test_a_bad_cell_names_its_sheet_row_and_column_in_norwegian_and_english(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = edited(export(client, secretariat), lambda book: set_cell(book, "Risikoer", ("OR-851",), "S", 7))

    problem = refused(client, demo, secretariat, body)

    assert (problem["sheet"], problem["row"], problem["column"]) == ("Risikoer", 5, "S")
    assert problem["reason"] == "rad 5, kolonne S: 7 er utenfor 1–5"
    assert problem["reason_en"] == "row 5, column S: 7 is outside 1–5"
    assert "Risikoer, rad 5, kolonne S" in problem["detail"]


@pytest.mark.parametrize(
    ("edit", "sheet", "row", "column", "words"),
    [
        (lambda b: set_cell(b, "Risikoer", ("OR-851",), "S", 2.5), "Risikoer", 5, "S", "2.5 er ikke et heltall"),
        (lambda b: set_cell(b, "Risikoer", ("OR-851",), "K", None), "Risikoer", 5, "K", "S og K"),
        (lambda b: set_cell(b, "Risikoer", ("OR-851",), "Status", "avsluttet"), "Risikoer", 5, "Status", "avsluttet"),
        (lambda b: set_cell(b, "Risikoer", ("OR-851",), "Slått sammen med", "OR-611"), "Risikoer", 5, "Slått sammen med", "åpen"),
        (lambda b: set_cell(b, "Risikoer", ("OR-851",), "Nr", "OR-611"), "Risikoer", 5, "Nr", "rad 2"),
        (lambda b: set_cell(b, "Tiltak", ("OR-631", "M2"), "Frist", "31.02.2026"), "Tiltak", 5, "Frist", "ikke en dato"),
        (lambda b: set_cell(b, "Tiltak", ("OR-631", "M2"), "Utført", "kanskje"), "Tiltak", 5, "Utført", "ja eller nei"),
        (lambda b: append_row(b, "Tiltak", {"Nr": "OR-999", "Tiltak-ID": "M1", "Beskrivelse": "x"}), "Tiltak", 11, "Nr", "finnes ikke"),
        (lambda b: append_row(b, "Risikoer", {"Nr": "OR-1", "Tittel": "Ny", "Organisasjon": "HDO", "S": 1, "K": 1}), "Risikoer", 6, "Eier", "mangler"),
        (lambda b: append_row(b, "Risikoer", {"Nr": "OR-2", "Tittel": "Ny", "Organisasjon": "HDO", "Eier": "E", "S": 1, "K": 1, "Prosjekt": "NOPE"}), "Risikoer", 6, "Prosjekt", "project:NOPE finnes ikke"),
        (lambda b: set_cell(b, "Risikoer", ("OR-851",), "Status", "lukket") or set_cell(b, "Risikoer", ("OR-851",), "Slått sammen med", "OR-404"), "Risikoer", 5, "Slått sammen med", "risk:OR-404 finnes ikke"),
    ],
)  # fmt: skip
def test_every_bad_cell_is_refused_where_it_stands(
    client: TestClient,
    demo: Ledger,
    secretariat: dict[str, str],
    edit: Callable[[Workbook], None],
    sheet: str,
    row: int,
    column: str,
    words: str,
) -> None:
    problem = refused(client, demo, secretariat, edited(export(client, secretariat), edit))

    assert (problem["sheet"], problem["row"], problem["column"]) == (sheet, row, column)
    assert words in problem["reason"]


def test_assessing_a_risk_that_stays_closed_is_a_lifecycle_error(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    post(client, secretariat, edited(export(client, secretariat), _closing_or_611))
    body = edited(export(client, secretariat), lambda book: set_cell(book, "Risikoer", ("OR-611",), "S", 5))

    problem = refused(client, demo, secretariat, body)

    assert (problem["row"], problem["column"]) == (2, "S") and "lukket risiko" in problem["reason"]


def test_achieving_a_cancelled_milestone_is_a_lifecycle_error(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    path = "/registers/milestones.xlsx"
    post(client, secretariat, edited(export(client, secretariat, path), lambda b: set_cell(b, "Milepæler", ("NNN", "AVVIKLING"), "Kansellert", "ja")), kind="milestones")  # fmt: skip
    body = edited(
        export(client, secretariat, path),
        lambda b: set_cell(b, "Milepæler", ("NNN", "AVVIKLING"), "Oppnådd", date(2026, 1, 15)),
    )

    problem = refused(client, demo, secretariat, body, kind="milestones")

    assert (problem["sheet"], problem["row"], problem["column"]) == ("Milepæler", 18, "Oppnådd")


def test_a_missing_or_duplicated_column_is_named(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    def drop_k(book: Workbook) -> None:
        book["Risikoer"].delete_cols(8)

    def twice_s(book: Workbook) -> None:
        book["Risikoer"].cell(row=1, column=12, value=" S ")

    missing = refused(client, demo, secretariat, edited(export(client, secretariat), drop_k))
    duplicated = refused(client, demo, secretariat, edited(export(client, secretariat), twice_s))

    assert (missing["sheet"], missing["row"], missing["column"]) == ("Risikoer", 1, "K")
    assert (
        "rad 1 har overskriftene Nr, Tittel, Beskrivelse, Organisasjon, Prosjekt, Eier, S, Status"
        in (missing["reason"])
    )
    assert (duplicated["row"], duplicated["column"]) == (1, "S") and "to ganger" in duplicated["reason"]


def test_extra_columns_any_order_and_extra_sheets_are_fine(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    def rearrange(book: Workbook) -> None:
        sheet = book["Risikoer"]
        sheet.move_range("A1:A5", cols=12)
        sheet.cell(row=1, column=1, value="Kommentar")
        book.create_sheet("Notater")

    assert post(client, secretariat, edited(export(client, secretariat), rearrange)).json()["plan"] == []


def test_a_workbook_without_the_sheet_names_the_sheets_it_found(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    book = Workbook()
    book.active.title = "Ark1"
    book.create_sheet("Risiko")
    body = io.BytesIO()
    book.save(body)

    problem = refused(client, demo, secretariat, body.getvalue())

    assert problem["sheet"] == "Risikoer" and problem["sheets_found"] == ["Ark1", "Risiko"]
    assert "Ark1, Risiko" in problem["reason"]


@pytest.mark.parametrize(
    "body",
    [
        b"Nr,Tittel\r\nOR-1,x\r\n",
        b"",
        b"PK\x03\x04 not really a zip",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(
    client: TestClient, demo: Ledger, secretariat: dict[str, str], body: bytes
) -> None:
    problem = refused(client, demo, secretariat, body)

    assert problem["sheet"] is None and problem["errors"][0]["type"] == "not_a_workbook"


def test_a_zip_that_is_not_a_workbook_is_refused(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")

    assert refused(client, demo, secretariat, body.getvalue())["errors"][0]["type"] == "not_a_workbook"


def test_a_password_protected_workbook_is_refused_saying_so(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    plain = io.BytesIO(export(client, secretariat))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("hemmelig", encrypted)

    problem = refused(client, demo, secretariat, encrypted.getvalue())

    assert encrypted.getvalue()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert problem["errors"][0]["type"] == "workbook_encrypted" and "passordbeskyttet" in problem["reason"]


def _with_formula(data: bytes, cell: str, formula: str, cached: str | None) -> bytes:
    """The workbook with `cell` of the first sheet holding `formula`, its cached value
    `cached` (None: never computed), as a spreadsheet program saves it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                value = "" if cached is None else f"<v>{cached}</v>"
                content, count = re.subn(
                    rf'<c r="{cell}"([^>]*?) t="n"><v>[^<]*</v></c>'.encode(),
                    f'<c r="{cell}"\\1><f>{formula}</f>{value}</c>'.encode(),
                    content,
                )
                assert count == 1
            target.writestr(item, content)
    return out.getvalue()


def test_a_formula_is_read_by_its_cached_value(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = _with_formula(export(client, secretariat), "G4", "1+1", "2")

    assert post(client, secretariat, body, dry_run="true").json()["plan"] == []


def test_a_formula_without_a_cached_value_is_refused_clearly(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    problem = refused(
        client, demo, secretariat, _with_formula(export(client, secretariat), "G4", "1+1", None)
    )

    assert (problem["row"], problem["column"]) == (
        4,
        "S",
    ) and "formelen =1+1 har ingen lagret verdi" in problem["reason"]


def test_a_merged_key_down_a_column_counts_for_every_row_it_covers(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    def merge(book: Workbook) -> None:
        sheet = book["Tiltak"]
        append_row(book, "Tiltak", {"Tiltak-ID": "M4", "Beskrivelse": "Nytt tiltak", "Utført": "nei"})
        sheet.cell(row=10, column=1, value="OR-851")
        sheet.merge_cells("A10:A11")

    answer = post(client, secretariat, edited(export(client, secretariat), merge), dry_run="true").json()

    assert [(item["subject"], item["type"], item["data"]["mitigation_id"]) for item in answer["plan"]] == [
        ("risk:OR-851", "MitigationAdded", "M4")
    ]


def test_cells_merged_across_columns_are_refused(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    body = edited(export(client, secretariat), lambda book: book["Risikoer"].merge_cells("B3:C3"))

    problem = refused(client, demo, secretariat, body)

    assert (problem["sheet"], problem["row"]) == ("Risikoer", 3) and "B3:C3" in problem["reason"]


# CSV ---------------------------------------------------------------------------------------


def test_a_semicolon_csv_with_a_byte_order_mark_imports(
    client: TestClient, demo: Ledger, secretariat: dict[str, str]
) -> None:
    rows = list(csv.reader(io.StringIO(export(client, secretariat, "/registers/mitigations.csv").decode())))
    semicolons = io.StringIO()
    csv.writer(semicolons, delimiter=";").writerows([*rows, ["OR-851", "M9", "Nytt", "", "01.03.2026", "ja"]])
    body = "\ufeff" + semicolons.getvalue()

    answer = post(
        client, secretariat, body.encode("utf-8"), kind="mitigations", media="text/csv", dry_run="true"
    ).json()

    assert [item["type"] for item in answer["plan"]] == ["MitigationAdded", "MitigationCompleted"]
    assert answer["plan"][0]["data"]["due_on"] == "2026-03-01"


@pytest.mark.parametrize(
    ("body", "row", "words"),
    [
        (b"Nr\tTittel\r\n", 1, "komma eller semikolon"),
        ("Nr,Tittel,Beskrivelse,Organisasjon,Prosjekt,Eier,S,K,Status,Slått sammen med,Begrunnelse\r\nOR-1,Tøm\r\n".encode("latin-1"), 1, "UTF-8"),
        (b"Nr,Tittel\r\n", 1, "kolonnen Beskrivelse mangler"),
    ],
)  # fmt: skip
def test_a_csv_file_that_cannot_be_read_is_refused(
    client: TestClient, demo: Ledger, secretariat: dict[str, str], body: bytes, row: int, words: str
) -> None:
    problem = refused(client, demo, secretariat, body, media="text/csv")

    assert problem["sheet"] == "Risikoer" and problem["row"] == row and words in problem["reason"]


@pytest.mark.parametrize("spelling", ["yes", "1", "True"])
def test_dry_run_is_the_word_true_or_false(
    client: TestClient, demo: Ledger, secretariat: dict[str, str], spelling: str
) -> None:
    position = demo.position()
    response = post(client, secretariat, export(client, secretariat), dry_run=spelling)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "dry_run"
    assert demo.position() == position
