"""Registers round trip on both stores (DOMAIN.md §10): an untouched export plans nothing;
an edit of each kind plans exactly its events, which are stored and exported back, and the
same file imported again plans nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from governance import keys
from governance.application import Ledger
from governance.demo import load_demo
from governance.projections.runner import ReadModels
from support.registers import (
    append_row,
    edited,
    export_bytes,
    plan,
    planned,
    set_cell,
    sheets_of,
    without_inputs,
)

TODAY = date(2026, 1, 15)
"""The tests' clock stands on this day."""


@pytest.fixture
def demo(ledger: Ledger) -> Iterator[ReadModels]:
    load_demo(ledger)
    models = ReadModels(ledger)
    yield models
    models.close()


@pytest.mark.parametrize("kind", ["risks", "milestones"])
def test_an_untouched_export_plans_nothing(demo: ReadModels, kind: str) -> None:
    data = export_bytes(demo, kind)  # type: ignore[arg-type]

    answer = plan(demo, kind, data)  # type: ignore[arg-type]

    assert answer.plan == [] and answer.warnings == [] and not answer.stored


@pytest.mark.parametrize("kind", ["risks", "mitigations", "milestones"])
def test_an_untouched_csv_export_plans_nothing(demo: ReadModels, kind: str) -> None:
    data = export_bytes(demo, kind, "csv")  # type: ignore[arg-type]

    answer = plan(demo, kind, data, file_format="csv")  # type: ignore[arg-type]

    assert answer.plan == [] and answer.warnings == []


def test_the_demo_register_plans_the_boards_changes(demo: ReadModels) -> None:
    """Raise OR-821 to 4×4, close OR-611 and add a mitigation to OR-631."""
    data = edited(
        export_bytes(demo, "risks"),
        lambda book: (
            set_cell(book, "Risikoer", ("OR-821",), "S", 4),
            set_cell(book, "Risikoer", ("OR-821",), "K", 4),
            set_cell(book, "Risikoer", ("OR-611",), "Status", "lukket"),
            append_row(
                book,
                "Tiltak",
                {
                    "Nr": "OR-631",
                    "Tiltak-ID": "M3",
                    "Beskrivelse": "Avklare integrasjonen med AMK IKT",
                    "Utført": "nei",
                },
            ),
        ),
    )
    before = demo.ledger.position()

    answer = plan(demo, "risks", data)

    assert planned(answer) == [
        ("Risikoer", 4, "risk:OR-821", "RiskAssessed", {"probability": 4, "consequence": 4, "rationale": "Oppdatert fra register, rad 4"}),
        ("Tiltak", 11, "risk:OR-631", "MitigationAdded", {"mitigation_id": "M3", "description": "Avklare integrasjonen med AMK IKT"}),
        ("Risikoer", 2, "risk:OR-611", "RiskClosed", {"reason": "Oppdatert fra register, rad 2"}),
    ]  # fmt: skip
    assert answer.warnings == [] and answer.position == before
    assert demo.ledger.position() == before


def _risk_edits(book: object) -> None:
    set_cell(book, "Risikoer", ("OR-631",), "S", 3)  # type: ignore[arg-type]
    set_cell(book, "Risikoer", ("OR-851",), "Status", "lukket")  # type: ignore[arg-type]
    set_cell(book, "Risikoer", ("OR-851",), "Begrunnelse", "Tiltakene har virket")  # type: ignore[arg-type]
    append_row(
        book,  # type: ignore[arg-type]
        "Risikoer",
        {"Nr": "OR-900", "Tittel": "Ny risiko", "Organisasjon": "HDO", "Prosjekt": "KAK", "Eier": "Direktør",
         "S": 2, "K": 3, "Status": "åpen"},
    )  # fmt: skip
    append_row(
        book,  # type: ignore[arg-type]
        "Tiltak",
        {"Nr": "OR-900", "Tiltak-ID": "T1", "Beskrivelse": "Følge opp", "Eier": "Direktør",
         "Frist": date(2026, 3, 31), "Utført": "nei"},
    )  # fmt: skip


def _milestone_edits(book: object) -> None:
    set_cell(book, "Milepæler", ("KAK", "DM2"), "Prognose", date(2026, 4, 30))  # type: ignore[arg-type]
    set_cell(book, "Milepæler", ("MEDIELOGG", "ENDELIG"), "Oppnådd", date(2026, 1, 14))  # type: ignore[arg-type]
    set_cell(book, "Milepæler", ("KAK", "DM3"), "Grunnplan", date(2026, 12, 31))  # type: ignore[arg-type]
    set_cell(book, "Milepæler", ("KAK", "DM3"), "Grunnlag", "HDO/27-2025")  # type: ignore[arg-type]


def test_each_kind_of_edit_plans_its_events_stores_them_and_exports_back(demo: ReadModels) -> None:
    risks = edited(export_bytes(demo, "risks"), _risk_edits)
    milestones = edited(export_bytes(demo, "milestones"), _milestone_edits)

    dry_risks, dry_milestones = plan(demo, "risks", risks), plan(demo, "milestones", milestones)

    assert planned(dry_risks) == [
        ("Risikoer", 3, "risk:OR-631", "RiskAssessed", {"probability": 3, "consequence": 4, "rationale": "Oppdatert fra register, rad 3"}),
        ("Risikoer", 6, "risk:OR-900", "RiskIdentified", {"title": "Ny risiko", "organisation": "HDO", "project": "KAK", "owner": "Direktør", "probability": 2, "consequence": 3}),
        ("Tiltak", 11, "risk:OR-900", "MitigationAdded", {"mitigation_id": "T1", "description": "Følge opp", "owner": "Direktør", "due_on": "2026-03-31"}),
        ("Risikoer", 5, "risk:OR-851", "RiskClosed", {"reason": "Tiltakene har virket"}),
    ]  # fmt: skip
    assert planned(dry_milestones) == [
        ("Milepæler", 7, "milestone:KAK/DM2", "MilestoneForecastChanged", {"forecast_on": "2026-04-30", "reason": "Oppdatert fra register, rad 7"}),
        ("Milepæler", 8, "milestone:KAK/DM3", "MilestoneRebaselined", {"baseline_on": "2026-12-31", "reason": "Oppdatert fra register, rad 8", "decision_ref": "HDO/27-2025"}),
        ("Milepæler", 16, "milestone:MEDIELOGG/ENDELIG", "MilestoneAchieved", {"achieved_on": "2026-01-14"}),
    ]  # fmt: skip
    assert [event.effective_on for event in dry_milestones.plan] == [TODAY, TODAY, date(2026, 1, 14)]
    before = demo.ledger.position()

    stored_risks = plan(demo, "risks", risks, dry_run=False)
    stored_milestones = plan(demo, "milestones", milestones, dry_run=False)

    assert stored_risks.stored and stored_milestones.stored
    assert planned(stored_risks) == planned(dry_risks) and planned(stored_milestones) == planned(
        dry_milestones
    )
    assert demo.ledger.position() == before + 7
    assert sheets_of(export_bytes(demo, "risks")) == without_inputs(sheets_of(risks))
    assert sheets_of(export_bytes(demo, "milestones")) == without_inputs(sheets_of(milestones))
    assert plan(demo, "risks", risks).plan == [] and plan(demo, "milestones", milestones).plan == []
    again = plan(demo, "risks", risks, dry_run=False)
    assert not again.stored and demo.ledger.position() == before + 7
    history = demo.ledger.history(keys.risk("OR-851"))
    assert history[-1]["actor"] == "sekretariat" and history[-1]["type"] == "RiskClosed"
