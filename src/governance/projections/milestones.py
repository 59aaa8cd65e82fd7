"""Milestones: plan and rebaselines (the baseline in force), forecasts, outcomes."""

from __future__ import annotations

from datetime import date
from typing import Any

from governance.aggregates.milestone import MilestoneState
from governance.projections.schema import Fact, Handler, Table
from governance.values import folded

TABLES = (
    Table(
        "rm_milestones",
        ("subject", "project", "key", "name", "kind", "eff", "seq", "find_key", "find_text"),
        "CREATE TABLE IF NOT EXISTS {t}rm_milestones (subject {text} PRIMARY KEY, project {text} NOT NULL,"
        " key {text} NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, eff {text} NOT NULL, seq BIGINT NOT NULL,"
        " find_key TEXT NOT NULL, find_text TEXT NOT NULL)",
        ("CREATE INDEX IF NOT EXISTS rm_milestones_by_project ON {t}rm_milestones (project, subject)",),
    ),
    Table(
        "rm_milestone_facts",
        ("subject", "kind", "eff", "seq", "day", "detail"),
        "CREATE TABLE IF NOT EXISTS {t}rm_milestone_facts (subject {text} NOT NULL, kind {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, day {text} NOT NULL, detail TEXT)",
        (
            (
                "CREATE INDEX IF NOT EXISTS rm_milestone_facts_by_subject"
                " ON {t}rm_milestone_facts (subject, kind, eff, seq, day, detail)"
            ),
            "CREATE INDEX IF NOT EXISTS rm_milestone_facts_by_day ON {t}rm_milestone_facts (kind, day)",
            "CREATE INDEX IF NOT EXISTS rm_milestone_facts_by_eff ON {t}rm_milestone_facts (kind, eff)",
        ),
    ),
)
# Fact kinds: "baseline" (the plan or a rebaseline: it also clears the forecast),
# "forecast", and "outcome" (detail "achieved" or "cancelled"; nothing follows it).


def _planned(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    project, _, key = subject.partition(":")[2].partition("/")
    return [
        (
            "rm_milestones",
            (
                subject,
                project,
                key,
                s["name"],
                s["kind"],
                s["effective_on"],
                seq,
                folded(f"{project}/{key}"),
                folded(s["name"]),
            ),
        ),
        ("rm_milestone_facts", (subject, "baseline", s["effective_on"], seq, s["baseline_on"], None)),
    ]


def _fact(kind: str, day: str, detail: str | None = None) -> Handler:
    def handle(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
        return [("rm_milestone_facts", (subject, kind, s["effective_on"], seq, s[day], detail))]

    return handle


HANDLERS: dict[str, Handler] = {
    "MilestonePlanned": _planned,
    "MilestoneRebaselined": _fact("baseline", "baseline_on"),
    "MilestoneForecastChanged": _fact("forecast", "forecast_on"),
    "MilestoneAchieved": _fact("outcome", "achieved_on", "achieved"),
    "MilestoneCancelled": _fact("outcome", "effective_on", "cancelled"),
}


def _latest(kind: str, cell: str) -> str:
    return (
        f"(SELECT {cell} FROM {{t}}rm_milestone_facts f WHERE f.subject = m.subject AND f.kind = '{kind}'"
        " AND f.eff <= :as_of AND f.seq <= :position ORDER BY f.eff DESC, f.seq DESC LIMIT 1)"
    )


_DAY_AT = "f.day || '|' || f.eff || '|' || f.seq"
_OUTCOME = "f.detail || '|' || f.day"
MILESTONES_AT = (
    "SELECT m.subject, m.project, m.key, m.name, m.kind, m.eff,"
    f" {_latest('baseline', _DAY_AT)} AS baseline,"
    f" {_latest('forecast', _DAY_AT)} AS forecast,"
    f" {_latest('outcome', _OUTCOME)} AS outcome"
    " FROM {t}rm_milestones m WHERE m.eff <= :as_of AND m.seq <= :position"
)
"""Milestones planned by `as_of` with the facts that make their state; callers add
conditions on `m`."""


def _order(cell: str) -> tuple[str, tuple[str, int]]:
    day, eff, seq = cell.split("|")
    return day, (eff, int(seq))


def milestone_state(row: Any) -> MilestoneState:
    """The milestone as the fold would leave it: the forecast counts only if it came
    after the baseline in force (a rebaseline clears the forecast)."""
    baseline_on, reset = _order(row["baseline"])
    forecast_on = None
    if row["forecast"] is not None:
        forecast, at = _order(row["forecast"])
        if at > reset:
            forecast_on = date.fromisoformat(forecast)
    state = MilestoneState(
        created_on=date.fromisoformat(row["eff"]),
        name=row["name"],
        kind=row["kind"],
        baseline_on=date.fromisoformat(baseline_on),
        forecast_on=forecast_on,
    )
    if row["outcome"] is not None:
        outcome, day = row["outcome"].split("|")
        setattr(state, f"{outcome}_on", date.fromisoformat(day))
    return state


def milestone_item(row: Any, as_of: date) -> dict[str, Any]:
    """A milestone as the tertial snapshot and the status list it."""
    state = milestone_state(row)
    return {
        "key": f"{row['project']}/{row['key']}",
        "name": state.name,
        "baseline_on": state.baseline_on.isoformat(),
        "forecast_on": state.forecast_on.isoformat() if state.forecast_on else None,
        "achieved_on": state.achieved_on.isoformat() if state.achieved_on else None,
        "state": state.state_on(as_of),
        "slip_days": state.slip_days,
    }
