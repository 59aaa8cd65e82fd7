"""The pages in a real browser, on the demo history: signing in and out, every page with
the hooks checks rely on, no request leaving the machine, and the printed report."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from browser.conftest import SCREENSHOTS, Traffic, screenshot, sign_in
from governance.application import Ledger

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

PAGES = [
    ("overview", "/ui/", "h1"),
    ("tertial-2025-T2", "/ui/tertials/2025-T2", "#risk-matrix"),
    ("tertial-2025-T2-compare-2025-09-15", "/ui/tertials/2025-T2?compare_to=2025-09-15", "#changes"),
    ("overview-search", "/ui/?q=pilot", "table.search-results"),
    ("board-case-HDO-27-2025", "/ui/board-cases/HDO/27-2025", "h1"),
    ("risk-OR-821", "/ui/risks/OR-821", "h1"),
    ("project-KAK", "/ui/projects/KAK", "h1"),
    ("milestone-KAK-DL2", "/ui/milestones/KAK/DL2", "h1"),
    ("contract-KAK-FREQUENTIS", "/ui/contracts/KAK-FREQUENTIS", "h1"),
    ("audit", "/ui/audit", "h1"),
    ("verify", "/ui/verify", "#verify-answer"),
]


@pytest.fixture
def signed_in(tab: Any, server: str, demo_store: tuple[Ledger, str]) -> Any:
    sign_in(tab, server, demo_store[1])
    return tab


def test_a_page_asked_for_without_a_session_signs_in_and_comes_back(
    tab: Any, server: str, demo_store: tuple[Ledger, str]
) -> None:
    tab.goto(f"{server}/ui/risks/OR-821")
    assert "/ui/sign-in?next=" in tab.url
    screenshot(tab, "sign-in")

    tab.fill("input[name=token]", demo_store[1])
    tab.click("button[type=submit]")
    tab.wait_for_load_state()

    assert tab.url == f"{server}/ui/risks/OR-821"
    assert "OR-821" in tab.inner_text("h1")


@pytest.mark.parametrize(("name", "path", "ready"), PAGES, ids=[page[0] for page in PAGES])
def test_every_page_opens_in_norwegian_and_is_kept_as_a_screenshot(
    signed_in: Any, server: str, traffic: Traffic, name: str, path: str, ready: str
) -> None:
    response = signed_in.goto(f"{server}{path}")
    signed_in.wait_for_selector(ready)

    assert response.status == 200
    assert signed_in.get_attribute("html", "lang") == "nb"
    assert screenshot(signed_in, name).stat().st_size > 0
    assert traffic.policy_violations == []


def test_the_tertial_report_carries_the_hooks(signed_in: Any, server: str) -> None:
    signed_in.goto(f"{server}/ui/tertials/2025-T2")

    cells = signed_in.query_selector_all("#risk-matrix [data-probability][data-consequence]")
    assert len(cells) == 25
    assert sum(int(cell.get_attribute("data-count")) for cell in cells) == 4
    ratings = signed_in.query_selector_all("[data-rating]")
    assert ratings and all(
        cell.get_attribute("data-rating") in ("green", "yellow", "red") for cell in ratings
    )
    filing = signed_in.query_selector("#filing")
    assert re.fullmatch(r"[0-9a-f]{64}", filing.get_attribute("data-head-hash"))
    assert filing.get_attribute("data-head-hash") in filing.inner_text()
    assert int(filing.get_attribute("data-position")) > 0


def test_the_compare_view_marks_the_earlier_counts_and_lists_what_was_learnt(
    signed_in: Any, server: str
) -> None:
    signed_in.goto(f"{server}/ui/tertials/2025-T2?compare_to=2025-09-15")

    cells = signed_in.query_selector_all("#risk-matrix [data-count-before]")
    assert len(cells) == 25
    assert signed_in.query_selector_all(".changed")
    assert signed_in.query_selector_all("#changes table.events tbody tr")


def test_the_pickers_read_an_earlier_moment_as_oslo_time(signed_in: Any, server: str) -> None:
    signed_in.goto(f"{server}/ui/tertials/2025-T2")
    signed_in.fill("input[name=known_at]", "2025-09-15T12:00")
    signed_in.click("text=Vis rapporten")
    signed_in.wait_for_load_state()

    assert "known_at=2025-09-15T12%3A00" in signed_in.url
    assert "compare_to" not in signed_in.url
    assert "15.09.2025 kl. 12:00" in signed_in.inner_text(".doc-meta").replace("\xa0", " ")


def test_the_api_documentation_works_with_no_other_host(
    signed_in: Any, server: str, traffic: Traffic
) -> None:
    signed_in.goto(f"{server}/docs")
    signed_in.wait_for_selector(".swagger-ui .info .title")
    assert "Governance ledger" in signed_in.inner_text(".swagger-ui .info .title")
    screenshot(signed_in, "docs")

    signed_in.goto(f"{server}/redoc")
    signed_in.wait_for_selector("h1")
    assert "Governance ledger" in signed_in.inner_text("h1")
    screenshot(signed_in, "redoc")

    assert traffic.requests, "the browser made no request at all"
    assert traffic.policy_violations == []


def test_the_printed_report_is_a4_and_cuts_no_table_mid_row(signed_in: Any, server: str) -> None:
    from pypdf import PdfReader

    signed_in.goto(f"{server}/ui/tertials/2025-T2")
    rows = signed_in.evaluate(
        """() => [...document.querySelectorAll('article table:not(.matrix) tr')]
            .filter(row => row.offsetParent !== null && row.cells.length > 1)
            .map(row => [row.cells[0].innerText.trim(), row.cells[row.cells.length - 1].innerText.trim()])
            .filter(([first, last]) => first && last)"""
    )
    pdf = signed_in.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "tertial-2025-T2.pdf").write_bytes(pdf)

    reader = PdfReader(io.BytesIO(pdf))
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) >= 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    for first, last in rows:
        head, tail = "".join(first.split())[:20], "".join(last.split())[-20:]
        assert any(head in text and tail in text for text in pages), f"a row is cut across pages: {first!r}"
    assert any("Sannsynlighet" in text and "Konsekvens" in text for text in pages), "the matrix is cut"
    assert all(f"Side{number}av{len(pages)}" in text for number, text in enumerate(pages, start=1))
    assert all("2.tertial2025·slikloggenvarkjent" in text for text in pages)


def test_signing_out_ends_the_session(signed_in: Any, server: str) -> None:
    signed_in.goto(f"{server}/ui/")
    signed_in.click("text=Logg ut")
    signed_in.wait_for_load_state()
    assert "logget ut" in signed_in.inner_text("h1")

    signed_in.goto(f"{server}/ui/")

    assert "/ui/sign-in" in signed_in.url
