"""The registers in the pages: downloads on the overview for every role, and the import
page for the secretariat — the plan shown first, stored only on a second confirmation
that carries the session's anti-forgery value and the position the plan was made at."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from governance.application import Ledger
from governance.users import Users
from support.pages import english_enum_values_in, visible_text
from support.registers import edited, set_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def signed_in(client: TestClient, ledger: Ledger, role: str = "secretariat") -> TestClient:
    token = Users(ledger.log).add(f"bruker-{role}", role)
    form = client.get("/ui/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    client.post("/ui/sign-in", data={"token": token, "csrf": csrf[1], "next": "/ui/"})
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found[1]


def test_the_overview_offers_the_registers_to_every_role_and_the_import_to_the_secretariat(
    demo: Ledger, browser: TestClient
) -> None:
    viewer_page = signed_in(browser, demo, "viewer").get("/ui/?as_of=2025-12-31").text

    assert 'href="/ui/registers/risks.xlsx?as_of=2025-12-31"' in viewer_page
    assert "/ui/registers/milestones.xlsx" in viewer_page and "/ui/registers/import" not in viewer_page
    download = browser.get("/ui/registers/risks.xlsx?as_of=2025-12-31")
    assert download.status_code == 200 and download.headers["content-type"] == XLSX
    assert load_workbook(io.BytesIO(download.content)).sheetnames == ["Risikoer", "Tiltak"]
    assert browser.get("/ui/registers/import").status_code == 403


def test_the_import_shows_the_plan_and_stores_it_only_when_confirmed(
    demo: Ledger, browser: TestClient
) -> None:
    client = signed_in(browser, demo)
    assert 'id="register-import-link"' in client.get("/ui/").text
    form = client.get("/ui/registers/import")
    exported = client.get("/ui/registers/risks.xlsx").content
    body = edited(exported, lambda book: set_cell(book, "Risikoer", ("OR-611",), "Status", "lukket"))
    position = demo.position()

    shown = client.post(
        "/ui/registers/import",
        data={"csrf": csrf_of(form.text), "kind": "risks", "effective_on": "2026-01-15"},
        files={"file": ("risikoregister.xlsx", body, XLSX)},
    )

    assert shown.status_code == 200 and demo.position() == position
    text = visible_text(shown.text)
    assert "Risiko lukket" in text and "Oppdatert fra register, rad 2" in text
    assert english_enum_values_in(text) == []
    confirmation = {
        name: hidden(shown.text, name)
        for name in ("csrf", "kind", "effective_on", "position", "file_format", "digest", "content")
    }

    stored = client.post(
        "/ui/registers/import/confirm", files={n: (None, v) for n, v in confirmation.items()}
    )

    assert stored.status_code == 200 and 'id="register-stored"' in stored.text
    assert "Lagret 1 hendelser" in visible_text(stored.text)
    assert demo.position() == position + 1 and demo.envelope_at(position + 1)["actor"] == "bruker-secretariat"
    again = client.post("/ui/registers/import/confirm", files={n: (None, v) for n, v in confirmation.items()})
    assert again.status_code == 409 and demo.position() == position + 1


def test_a_confirmation_without_the_sessions_anti_forgery_value_stores_nothing(
    demo: Ledger, browser: TestClient
) -> None:
    client = signed_in(browser, demo)
    body = edited(
        client.get("/ui/registers/risks.xlsx").content,
        lambda book: set_cell(book, "Risikoer", ("OR-611",), "Status", "lukket"),
    )
    shown = client.post(
        "/ui/registers/import",
        data={"csrf": csrf_of(client.get("/ui/registers/import").text), "kind": "risks"},
        files={"file": ("r.xlsx", body, XLSX)},
    )
    forged = {
        name: hidden(shown.text, name) for name in ("kind", "position", "file_format", "digest", "content")
    }
    position = demo.position()

    response = client.post("/ui/registers/import/confirm", files={n: (None, v) for n, v in forged.items()})

    assert response.status_code == 403 and demo.position() == position


def test_a_refused_file_is_shown_with_its_sheet_row_and_column(demo: Ledger, browser: TestClient) -> None:
    client = signed_in(browser, demo)
    body = edited(
        client.get("/ui/registers/risks.xlsx").content,
        lambda book: set_cell(book, "Risikoer", ("OR-851",), "S", 7),
    )

    response = client.post(
        "/ui/registers/import",
        data={"csrf": csrf_of(client.get("/ui/registers/import").text), "kind": "risks"},
        files={"file": ("r.xlsx", body, XLSX)},
    )

    assert response.status_code == 422
    assert "Ark Risikoer, rad 5, kolonne S: 7 er utenfor 1–5" in visible_text(response.text)


def test_the_plan_and_its_warnings_speak_norwegian_with_days_written_as_people_write_them(
    demo: Ledger, browser: TestClient
) -> None:
    client = signed_in(browser, demo)
    form = client.get("/ui/registers/import")

    def edit(book: Any) -> None:
        set_cell(book, "Milepæler", ("KAK", "DL2"), "Prognose", date(2027, 4, 1))
        sheet = book["Milepæler"]
        sheet.delete_rows(next(row[0].row for row in sheet.iter_rows(min_row=2) if row[1].value == "DL1"))

    body = edited(client.get("/ui/registers/milestones.xlsx").content, edit)
    shown = client.post(
        "/ui/registers/import",
        data={"csrf": csrf_of(form.text), "kind": "milestones", "effective_on": "2026-01-15"},
        files={"file": ("milepaelsplan.xlsx", body, XLSX)},
    )

    assert shown.status_code == 200
    text = visible_text(shown.text)
    assert "01.04.2027" in text and "milepæl KAK/DL1" in text
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None
    assert "milestone:" not in text
    assert english_enum_values_in(text) == []
