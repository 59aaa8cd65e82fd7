"""The registers in a real browser: the secretariat downloads the risk register from the
overview, edits it as a spreadsheet program would, uploads it, reads the plan, and stores
it with a second click — on a store of its own, so the other browser tests keep the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from browser.conftest import Traffic, screenshot, sign_in
from governance.application import Ledger
from governance.demo import load_demo
from governance.users import Users
from support.registers import append_row, edited, set_cell
from support.servers import served

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def register_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, str, str]]:
    """The demo history on a store of its own, served, and a secretariat's token."""
    ledger = Ledger(f"sqlite:///{tmp_path_factory.mktemp('registers')}/ledger.db")
    load_demo(ledger)
    token = Users(ledger.log).add("styresekretariatet", "secretariat")
    with served(create_app(ledger)) as url:
        yield ledger, url, token
    ledger.close()


def test_the_secretariat_downloads_edits_and_imports_the_risk_register(
    tab: Any, traffic: Traffic, register_store: tuple[Ledger, str, str], tmp_path: Path
) -> None:
    ledger, server, token = register_store
    sign_in(tab, server, token)
    with tab.expect_download() as download:
        tab.click("text=Last ned risikoregisteret (.xlsx)")
    exported = Path(download.value.path()).read_bytes()
    upload = tmp_path / "risikoregister.xlsx"
    upload.write_bytes(
        edited(
            exported,
            lambda book: (
                set_cell(book, "Risikoer", ("OR-821",), "S", 4),
                set_cell(book, "Risikoer", ("OR-611",), "Status", "lukket"),
                append_row(
                    book,
                    "Tiltak",
                    {"Nr": "OR-631", "Tiltak-ID": "M3", "Beskrivelse": "Avklare integrasjonen"},
                ),
            ),
        )
    )
    position = ledger.position()

    tab.click("#register-import-link")
    tab.set_input_files("input[name=file]", str(upload))
    tab.click("text=Vis planen")
    tab.wait_for_selector("#register-plan")
    rows = [row.inner_text() for row in tab.query_selector_all("#register-plan tbody tr")]
    screenshot(tab, "register-import-plan")

    assert [row.split("\t")[4] for row in rows] == ["Risiko vurdert", "Tiltak lagt til", "Risiko lukket"]
    assert ledger.position() == position

    tab.click("#register-confirm button[type=submit]")
    tab.wait_for_selector("#register-stored")
    screenshot(tab, "register-import-stored")

    assert "Lagret 3 hendelser" in tab.inner_text("#register-stored")
    assert ledger.position() == position + 3
    assert traffic.policy_violations == []
