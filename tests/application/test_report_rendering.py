"""The tertial report as a document, rendered from the demo history: the hooks checks rely
on, the Norwegian words, money in MNOK, the changes since an earlier reading, and the
self-contained file the command writes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from bs4 import BeautifulSoup

from governance.application import Ledger
from governance.changes import diff
from governance.demo import load_demo
from governance.projections.runner import ReadModels
from governance.reports import labels
from governance.reports.rendering import render_tertial
from governance.reports.tertial import TertialReport, gather
from governance.timemodel import Tertial, end_of_oslo_day
from support.pages import english_enum_values_in, visible_text

T2 = Tertial(2025, 2)
BOARD_SAW_T2 = end_of_oslo_day(date(2025, 9, 15))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, ReadModels]]:
    ledger = Ledger(f"sqlite:///{tmp_path_factory.mktemp('report')}/ledger.db")
    load_demo(ledger)
    models = ReadModels(ledger)
    yield ledger, models
    models.close()
    ledger.close()


@pytest.fixture(scope="module")
def report(demo: tuple[Ledger, ReadModels]) -> TertialReport:
    ledger, models = demo
    return gather(models, T2, known_at=ledger.clock())


@pytest.fixture(scope="module")
def html(report: TertialReport) -> BeautifulSoup:
    return BeautifulSoup(render_tertial(report, "html"), "html.parser")


def changes_between(
    ledger: Ledger, models: ReadModels, earlier: TertialReport, later: TertialReport
) -> dict[str, Any]:
    """A §6a tertial changes answer made from two readings (what the read side answers)."""

    def bare(snapshot: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in snapshot.items() if name not in ("known_at", "log")}

    before, after = earlier.snapshot, later.snapshot
    events = [
        envelope
        for envelope in ledger.envelopes(after=before["log"]["position"], until=after["log"]["position"])
        if envelope["effective_on"] <= after["period"]["end"]
    ]
    return {
        "tertial": after["tertial"],
        "from": {"known_at": before["known_at"], **before["log"]},
        "to": {"known_at": after["known_at"], **after["log"]},
        "changes": diff(bare(before), bare(after)),
        "events": events,
    }


def test_the_matrix_counts_equal_the_snapshots_heatmap(report: TertialReport, html: BeautifulSoup) -> None:
    cells = html.select("#risk-matrix [data-probability][data-consequence]")
    heatmap = report.snapshot["risks"]["heatmap"]

    assert len(cells) == 25
    assert {(int(c["data-probability"]), int(c["data-consequence"])) for c in cells} == {
        (p, c) for p in range(1, 6) for c in range(1, 6)
    }
    for cell in cells:
        probability, consequence = int(cell["data-probability"]), int(cell["data-consequence"])
        assert int(cell["data-count"]) == heatmap[probability - 1][consequence - 1]
    assert not any(cell.has_attr("data-count-before") for cell in cells)


def test_each_matrix_cell_names_the_keys_of_its_risks(html: BeautifulSoup) -> None:
    cell = html.select_one('#risk-matrix [data-probability="3"][data-consequence="4"]')

    assert {link.get_text() for link in cell.select("a")} == {"OR-631", "OR-821", "OR-851"}
    assert "fra 4×4" in cell.get_text()
    assert "(ny)" in cell.get_text()


def test_every_status_cell_carries_its_rating_and_says_it_in_words(
    report: TertialReport, html: BeautifulSoup
) -> None:
    cells = html.select("[data-rating]")
    rated = [project for project in report.snapshot["projects"] if project["status"] is not None]

    assert len(cells) == 7 * len(rated)
    for cell in cells:
        assert cell["data-rating"] in labels.RATINGS
        assert labels.RATINGS[cell["data-rating"]] in cell.get_text()
    for cell in html.select("[data-previous-rating]"):
        assert labels.RATINGS[cell["data-previous-rating"]] in cell.get_text()
    kak = html.select_one("#project-KAK")
    assert [cell["data-rating"] for cell in kak.select("[data-rating]")] == [
        report.snapshot["projects"][0]["status"][name] for name in labels.DIMENSIONS
    ]
    assert "bedret" in kak.get_text()


def test_the_filing_block_holds_the_snapshots_head_hash(report: TertialReport, html: BeautifulSoup) -> None:
    filing = html.select_one("#filing")
    log = report.snapshot["log"]

    assert filing["data-head-hash"] == log["head_hash"]
    assert int(filing["data-position"]) == log["position"]
    text = filing.get_text(" ")
    assert log["head_hash"] in text
    assert f"/verify?position={log['position']}&hash={log['head_hash']}" in text
    assert f"governance verify --position {log['position']} --hash {log['head_hash']}" in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_enumerated_values_appear_only_in_norwegian(report: TertialReport, fmt: str) -> None:
    rendered = render_tertial(report, fmt)
    text = visible_text(rendered) if fmt == "html" else rendered

    assert english_enum_values_in(text) == []
    for word in ("gjennomføring", "gul", "rød", "bedret", "forverret", "høy", "kompensasjon"):
        assert word in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_money_is_in_mnok_and_days_and_instants_as_the_seeds_write_them(
    report: TertialReport, fmt: str
) -> None:
    rendered = render_tertial(report, fmt).replace("\xa0", " ")

    assert "46,1 MNOK" in rendered  # KAK's actual cost at the end of T2, as known now
    assert "1. mai – 31. august 2025" in rendered
    assert "31.08.2025" in rendered
    assert re.search(r"\d\d\.\d\d\.\d{4} kl\. \d\d:\d\d", rendered)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rendered)


def test_new_and_closed_risks_are_named_and_the_risks_above_eight_carry_owner_and_mitigations(
    html: BeautifulSoup,
) -> None:
    risk = html.select_one("#risk-OR-821")
    assert "Prosjektleder KAK" in risk.get_text()
    assert "Frequentis leverer fortløpende feilrettinger" in risk.get_text()
    assert "OR-851" in html.select_one("#risks").get_text()
    moved = (
        html.find(string=re.compile("5.2 Risikoer som har flyttet seg")).find_parent("h3").find_next("table")
    )
    assert "S4 × K4 (skår 16)" in moved.get_text() and "S3 × K4 (skår 12)" in moved.get_text()


def test_the_deviation_consequence_and_measures_stand_under_each_project(html: BeautifulSoup) -> None:
    kak = html.select_one("#project-KAK").get_text(" ")

    assert "Avvik" in kak and "begrenset pilot" in kak
    assert "Konsekvens" in kak and "avskrivninger" in kak
    assert "Tidlig test av kritisk feilretting" in kak


def test_the_file_is_self_contained(report: TertialReport) -> None:
    rendered = render_tertial(report, "html")
    soup = BeautifulSoup(rendered, "html.parser")

    assert soup.html["lang"] == "nb"
    assert soup.select("link") == [] and soup.select("script") == []
    assert any("@page" in style.get_text() for style in soup.select("style"))
    assert not re.search(r"(src|href)=\"https?://", rendered)


def test_the_running_header_names_the_tertial_and_known_at_and_cannot_be_broken_out_of(
    demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = demo
    report = gather(models, T2, known_at=ledger.clock(), organisation='HDO"</style><script>x()</script>')
    rendered = render_tertial(report, "html")

    assert "<script>x()" not in rendered
    header = [style.get_text() for style in BeautifulSoup(rendered, "html.parser").select("style")][-1]
    assert "Tertialrapport 2. tertial 2025" in header and "slik loggen var kjent" in header


def test_compared_with_an_earlier_reading_every_change_is_marked_with_its_earlier_value(
    demo: tuple[Ledger, ReadModels],
) -> None:
    ledger, models = demo
    earlier = gather(models, T2, known_at=BOARD_SAW_T2)
    later = gather(models, T2, known_at=ledger.clock())
    answer = changes_between(ledger, models, earlier, later)
    compared = TertialReport(later.snapshot, later.previous, later.reported_risks, answer)

    soup = BeautifulSoup(render_tertial(compared, "html"), "html.parser")

    cells = soup.select("#risk-matrix [data-count-before]")
    assert len(cells) == 25
    before = earlier.snapshot["risks"]["heatmap"]
    for cell in cells:
        assert (
            int(cell["data-count-before"])
            == before[int(cell["data-probability"]) - 1][int(cell["data-consequence"]) - 1]
        )
    actual = soup.select_one('#finances [data-figure="actual"]')
    assert "44,6 MNOK" in actual.get_text().replace("\xa0", " ") and "changed" in actual["class"]
    assert len(soup.select("#changes table.events tbody tr")) == len(answer["events"]) > 0
    assert english_enum_values_in(visible_text(str(soup))) == []
    markdown = render_tertial(compared, "md").replace("\xa0", " ")
    assert "(før: 44,6 MNOK)" in markdown


def test_items_gone_since_the_earlier_reading_are_listed_apart(demo: tuple[Ledger, ReadModels]) -> None:
    ledger, models = demo
    later = gather(models, T2, known_at=ledger.clock())
    snapshot = later.snapshot
    gone_risk = {**snapshot["risks"]["open"][0], "key": "OR-999", "title": "En risiko som var der"}
    answer = {
        "tertial": snapshot["tertial"],
        "from": {"known_at": snapshot["known_at"], **snapshot["log"]},
        "to": {"known_at": snapshot["known_at"], **snapshot["log"]},
        "changes": [{"path": "/risks/open/OR-999", "before": gone_risk, "after": None}],
        "events": [],
    }
    soup = BeautifulSoup(
        render_tertial(TertialReport(snapshot, later.previous, later.reported_risks, answer), "html"),
        "html.parser",
    )

    gone = soup.select_one("table.gone").get_text(" ")
    assert "OR-999" in gone and "En risiko som var der" in gone and "Åpen risiko" in gone
