"""Milestones: plan and rebaselines (the baseline in force), forecasts, outcomes."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from governance.projections.schema import LATEST, Fact, Handler, Selected, Table, field
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

SELECTED: dict[str, Selected] = {
    "MilestoneForecastChanged": (
        "rm_milestone_facts",
        ("l.subject", "'forecast'", "l.eff", "l.seq", field("forecast_on"), "NULL"),
    ),
}
"""The most frequent event's row (`_fact("forecast", ...)`), made in the database on SQLite."""


_FORECAST_IN_FORCE = "(fc.seq IS NOT NULL AND (fc.eff, fc.seq) > (b.eff, b.seq))"


@cache
def milestones_at(dialect: str) -> str:
    """Milestones planned by `as_of` with what makes their state at (`as_of`, P): the
    baseline in force, the forecast if it came after that baseline (a rebaseline clears
    the forecast), the outcome; callers add conditions on `m`."""
    latest = LATEST[dialect]
    return (
        "SELECT m.subject, m.project, m.key, m.name, m.kind, m.eff, b.day AS baseline_on,"
        f" CASE WHEN {_FORECAST_IN_FORCE} THEN fc.day END AS forecast_on,"
        " o.detail AS outcome, o.day AS outcome_on"
        " FROM {t}rm_milestones m"
        + latest("b", "rm_milestone_facts", "baseline", "m", ":as_of")
        + latest("fc", "rm_milestone_facts", "forecast", "m", ":as_of")
        + latest("o", "rm_milestone_facts", "outcome", "m", ":as_of")
        + " WHERE m.eff <= :as_of AND m.seq <= :position"
    )


def milestone_item(row: tuple[Any, ...], as_of: str) -> dict[str, Any]:
    """A row of a `milestones_at` query (a tuple) as the tertial snapshot and the status
    list the milestone: §5's state and slip, from the ISO days as they are stored (they
    compare as the days do)."""
    _, project, key, name, _, _, baseline_on, forecast_on, outcome, outcome_on = row
    achieved_on = outcome_on if outcome == "achieved" else None
    if outcome is not None:
        state = outcome
    elif (forecast_on or baseline_on) < as_of:
        state = "overdue"
    else:
        state = "planned"
    end = achieved_on or forecast_on or baseline_on
    return {
        "key": f"{project}/{key}",
        "name": name,
        "baseline_on": baseline_on,
        "forecast_on": forecast_on,
        "achieved_on": achieved_on,
        "state": state,
        "slip_days": 0 if end == baseline_on else (_day(end) - _day(baseline_on)).days,
    }


def _day(text: str) -> date:
    return date.fromisoformat(text)
