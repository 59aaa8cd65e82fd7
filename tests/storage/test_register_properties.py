"""Registers under random histories (DOMAIN.md §10), on both stores: an export edited in
ways events can express, imported, exports as the edited register; and whatever the
edits, a plan that is made is one the ledger stores without refusing any of its events."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from governance.application import Command, Ledger
from governance.errors import LedgerError
from governance.keys import SubjectKey
from governance.projections.runner import ReadModels
from governance.registers.refusal import RegisterRefused
from support.registers import Rows, export_bytes, plan, sheets_of, without_inputs
from support.strategies import REFERENCED_CASE, REFERENCED_PROJECT, REFERENCED_RISK, days, seed_references

TODAY = date(2026, 1, 15)
REGISTER_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåABCÆØÅ ", min_size=1, max_size=12).map(
    lambda text: text.strip() or "x"
)
scores = st.integers(1, 5)
day_texts = days.map(date.isoformat)


@pytest.fixture
def models(ledger: Ledger) -> Iterator[ReadModels]:
    ledger.record_many(seed_references())
    models = ReadModels(ledger)
    yield models
    models.close()


EXAMPLES = itertools.count()
PLACEHOLDER = "X"
"""Keys are drawn as `X…` and made unique to their example when recorded: every example
shares the store, and draws must not depend on what earlier examples left in it (nor on
the order of random keys)."""


def _unique(
    commands: list[tuple[str, str, dict[str, Any], date]],
) -> tuple[str, list[tuple[str, str, dict[str, Any], date]]]:
    prefix = f"E{next(EXAMPLES):05d}"
    return prefix, [(subject.replace(f":{PLACEHOLDER}", f":{prefix}").replace(f"/{PLACEHOLDER}", f"/{prefix}"), type_, fields, day)
                    for subject, type_, fields, day in commands]  # fmt: skip


# Random histories --------------------------------------------------------------------------


def _record(ledger: Ledger, commands: list[tuple[str, str, dict[str, Any], date]]) -> dict[str, date]:
    """Record each command the ledger accepts (a random history breaks rules now and
    then); the last effective day of each subject."""
    last: dict[str, date] = {}
    for subject, type_, fields, day in sorted(commands, key=lambda item: item[3]):
        try:
            ledger.record(Command(SubjectKey.parse(subject), type_, fields, effective_on=day))
        except LedgerError:
            continue
        last[subject] = max(last.get(subject, day), day)
    return last


@st.composite
def risk_histories(draw: st.DrawFn) -> list[tuple[str, str, dict[str, Any], date]]:
    commands = []
    for number in range(draw(st.integers(1, 3))):
        subject = f"risk:{PLACEHOLDER}R{number}"
        start = draw(days)
        commands.append(
            (subject, "RiskIdentified", {"title": draw(words), "organisation": "HDO", "owner": draw(words),
             "probability": draw(scores), "consequence": draw(scores)}
             | ({"project": REFERENCED_PROJECT} if draw(st.booleans()) else {}), start)
        )  # fmt: skip
        for _ in range(draw(st.integers(0, 5))):
            day = start + timedelta(days=draw(st.integers(1, 300)))
            type_ = draw(
                st.sampled_from(
                    ["RiskAssessed", "MitigationAdded", "MitigationCompleted", "RiskClosed", "RiskReopened"]
                )
            )
            mitigation = draw(st.sampled_from(["T1", "T2"]))
            fields: dict[str, Any] = {
                "RiskAssessed": {"probability": draw(scores), "consequence": draw(scores)},
                "MitigationAdded": {"mitigation_id": mitigation, "description": draw(words)}
                | ({"due_on": draw(day_texts)} if draw(st.booleans()) else {}),
                "MitigationCompleted": {"mitigation_id": mitigation},
                "RiskClosed": {"reason": "Lukket"}
                | ({"merged_into": REFERENCED_RISK} if draw(st.booleans()) else {}),
                "RiskReopened": {"reason": "Gjenåpnet"},
            }[type_]
            commands.append((subject, type_, fields, min(day, TODAY - timedelta(days=1))))
    return commands


@st.composite
def milestone_histories(draw: st.DrawFn) -> list[tuple[str, str, dict[str, Any], date]]:
    commands = []
    for number in range(draw(st.integers(1, 3))):
        subject = f"milestone:{REFERENCED_PROJECT}/{PLACEHOLDER}M{number}"
        start = draw(days)
        commands.append(
            (subject, "MilestonePlanned", {"name": draw(words), "kind": draw(st.sampled_from(["milestone", "decision_point", "delivery", "payment"])),
             "baseline_on": draw(day_texts)}, start)
        )  # fmt: skip
        for _ in range(draw(st.integers(0, 4))):
            day = min(start + timedelta(days=draw(st.integers(1, 300))), TODAY - timedelta(days=1))
            type_ = draw(
                st.sampled_from(
                    [
                        "MilestoneForecastChanged",
                        "MilestoneRebaselined",
                        "MilestoneAchieved",
                        "MilestoneCancelled",
                    ]
                )
            )
            fields: dict[str, Any] = {
                "MilestoneForecastChanged": {"forecast_on": draw(day_texts), "reason": "Ny prognose"},
                "MilestoneRebaselined": {"baseline_on": draw(day_texts), "reason": "Vedtak", "decision_ref": REFERENCED_CASE},
                "MilestoneAchieved": {"achieved_on": day.isoformat()},
                "MilestoneCancelled": {"reason": "Utgår"},
            }[type_]  # fmt: skip
            commands.append((subject, type_, fields, day))
    return commands


# Edits -------------------------------------------------------------------------------------


def _column(rows: Rows, header: str) -> int:
    return rows[0].index(header)


def _set(rows: Rows, row: list[Any], header: str, value: Any) -> None:
    row[_column(rows, header)] = value


def _expressible_risk_edits(draw: st.DrawFn, sheets: dict[str, Rows], keys: set[str], prefix: str) -> None:
    risks, mitigations = sheets["Risikoer"], sheets["Tiltak"]
    open_after_first_pass: set[str] = set()
    closing: list[tuple[list[Any], str]] = []
    new_keys = [f"{prefix}NY{number}" for number in range(draw(st.integers(0, 2)))]
    for row in risks[1:]:
        key = row[0]
        is_open = row[_column(risks, "Status")] == "åpen"
        if key not in keys:
            if is_open:
                open_after_first_pass.add(key)
            continue
        reopened = not is_open and draw(st.booleans())
        if reopened:
            _set(risks, row, "Status", "åpen")
            _set(risks, row, "Slått sammen med", None)
            is_open = True
        if is_open:
            open_after_first_pass.add(key)
            if draw(st.booleans()):
                _set(risks, row, "S", draw(scores))
                _set(risks, row, "K", draw(scores))
            # One row has one status: a reopened risk is not also closed.
            if not reopened and draw(st.booleans()):
                closing.append((row, draw(st.sampled_from([None, REFERENCED_RISK, *new_keys]))))
    for key in new_keys:
        row = [key, draw(words), draw(st.none() | words), "HDO", draw(st.none() | st.just(REFERENCED_PROJECT)),
               draw(words), draw(scores), draw(scores), "åpen", None, None]  # fmt: skip
        risks.append(row)
        open_after_first_pass.add(key)
        if draw(st.booleans()):
            closing.append((row, draw(st.sampled_from([None, REFERENCED_RISK]))))
    for row in mitigations[1:]:
        if row[0] in keys and row[0] in open_after_first_pass and row[5] == "nei" and draw(st.booleans()):
            _set(mitigations, row, "Utført", "ja")
    for key in sorted((keys | set(new_keys)) & open_after_first_pass):
        if draw(st.booleans()):
            due = draw(st.none() | days)
            mitigations.append([key, "N1", draw(words), draw(st.none() | words), due,
                                draw(st.sampled_from(["ja", "nei"]))])  # fmt: skip
    for row, merged_into in closing:
        _set(risks, row, "Status", "lukket")
        _set(risks, row, "Slått sammen med", merged_into if merged_into != row[0] else None)
        _set(risks, row, "Begrunnelse", draw(st.none() | words))


def _expressible_milestone_edits(
    draw: st.DrawFn, sheets: dict[str, Rows], keys: set[str], last: dict[str, date], prefix: str
) -> None:
    rows = sheets["Milepæler"]
    for row in rows[1:]:
        key = f"{row[0]}/{row[1]}"
        planned = row[_column(rows, "Oppnådd")] is None and row[_column(rows, "Kansellert")] == "nei"
        if key not in keys or not planned:
            continue
        change = draw(st.sampled_from(["none", "forecast", "rebaseline", "achieve", "cancel"]))
        if change == "forecast":
            _set(rows, row, "Prognose", draw(days))
        elif change == "rebaseline":
            _set(rows, row, "Grunnplan", draw(days))
            _set(rows, row, "Grunnlag", REFERENCED_CASE)
        elif change == "achieve":
            earliest = last[f"milestone:{key}"]
            _set(
                rows, row, "Oppnådd", earliest + timedelta(days=draw(st.integers(0, (TODAY - earliest).days)))
            )
        elif change == "cancel":
            _set(rows, row, "Kansellert", "ja")
            _set(rows, row, "Grunnlag", draw(st.none() | st.just(REFERENCED_CASE)))
    for number in range(draw(st.integers(0, 2))):
        achieved = draw(st.none() | days)
        kind = draw(st.sampled_from(["milepæl", "beslutningspunkt", "leveranse", "betaling"]))
        forecast = None if achieved else draw(st.none() | days)
        cancelled = "nei" if achieved else draw(st.sampled_from(["ja", "nei"]))
        rows.append([REFERENCED_PROJECT, f"{prefix}NY{number}", draw(words), kind, draw(days), forecast, achieved, cancelled,
                     None, None])  # fmt: skip


def _workbook(sheets: dict[str, Rows]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sorted(sheets: dict[str, Rows]) -> dict[str, Rows]:
    return {
        name: [rows[0], *sorted(rows[1:], key=lambda row: (str(row[0]), str(row[1])))]
        for name, rows in sheets.items()
    }


# Properties --------------------------------------------------------------------------------


@REGISTER_SETTINGS
@given(data=st.data())
def test_an_expressible_edit_to_a_risk_register_imports_and_exports_back(
    models: ReadModels, data: st.DataObject
) -> None:
    prefix, history = _unique(data.draw(risk_histories()))
    _record(models.ledger, history)
    sheets = sheets_of(export_bytes(models, "risks"))
    _expressible_risk_edits(data.draw, sheets, {subject.partition(":")[2] for subject, *_ in history}, prefix)
    body = _workbook(sheets)

    dry = plan(models, "risks", body)
    stored = plan(models, "risks", body, dry_run=False)

    assert [item.as_dict() for item in stored.plan] == [item.as_dict() for item in dry.plan]
    assert _sorted(sheets_of(export_bytes(models, "risks"))) == _sorted(without_inputs(sheets))
    assert plan(models, "risks", body).plan == []


@REGISTER_SETTINGS
@given(data=st.data())
def test_an_expressible_edit_to_a_milestone_plan_imports_and_exports_back(
    models: ReadModels, data: st.DataObject
) -> None:
    prefix, history = _unique(data.draw(milestone_histories()))
    last = _record(models.ledger, history)
    sheets = sheets_of(export_bytes(models, "milestones"))
    _expressible_milestone_edits(
        data.draw, sheets, {subject.partition(":")[2] for subject in last}, last, prefix
    )
    body = _workbook(sheets)

    stored = plan(models, "milestones", body, dry_run=False)

    assert stored.stored or stored.plan == []
    assert _sorted(sheets_of(export_bytes(models, "milestones"))) == _sorted(without_inputs(sheets))
    assert plan(models, "milestones", body).plan == []


@REGISTER_SETTINGS
@given(data=st.data(), kind=st.sampled_from(["risks", "milestones"]))
def test_a_plan_that_is_made_is_never_refused_by_the_ledger(
    models: ReadModels, data: st.DataObject, kind: str
) -> None:
    """Any edit: either the file is refused (nothing stored), or its plan stores whole."""
    prefix, history = _unique(data.draw(risk_histories() if kind == "risks" else milestone_histories()))
    _record(models.ledger, history)
    sheets = sheets_of(export_bytes(models, kind))  # type: ignore[arg-type]
    for rows in sheets.values():
        for row in rows[1:]:
            if not any(str(value).startswith(prefix) for value in row[:2]):
                continue
            for index, header in enumerate(rows[0]):
                if data.draw(st.integers(0, 9)) == 0:
                    row[index] = data.draw(_any_value(header))
    body = _workbook(sheets)
    position = models.ledger.position()

    try:
        dry = plan(models, kind, body)  # type: ignore[arg-type]
    except RegisterRefused:
        assert models.ledger.position() == position
        return
    stored = plan(models, kind, body, dry_run=False)  # type: ignore[arg-type]

    assert [item.as_dict() for item in stored.plan] == [item.as_dict() for item in dry.plan]
    assert models.ledger.position() == position + len(stored.plan)


def _any_value(header: str) -> st.SearchStrategy[Any]:
    by_header: dict[str, st.SearchStrategy[Any]] = {
        "S": scores, "K": scores, "Status": st.sampled_from(["åpen", "lukket", "LUKKET"]),
        "Slått sammen med": st.none() | st.just(REFERENCED_RISK), "Utført": st.sampled_from(["ja", "nei"]),
        "Kansellert": st.sampled_from(["ja", "nei"]), "Grunnlag": st.none() | st.just(REFERENCED_CASE),
        "Grunnplan": days, "Prognose": st.none() | days, "Oppnådd": st.none() | days,
        "Frist": st.none() | days, "Nr": st.just(REFERENCED_RISK), "Milepæl": st.just("SAMME"),
    }  # fmt: skip
    return by_header.get(header, st.none() | words)
