"""Milestones: plan and rebaselines (the baseline in force), forecasts, outcomes."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from governance.projections.schema import LATEST, Fact, Handler, Selected, Table, field, latest_value, packed
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


FORECAST_IN_FORCE = "CASE WHEN ({f}.eff, {f}.seq) > (b.eff, b.seq) THEN {f}.day END"
"""The latest forecast's day, if it came after the baseline in force (a rebaseline
clears the forecast)."""
OUTCOME = "{f}.detail || {f}.day"
"""The outcome and its day as one value: "achieved" or "cancelled", then the day (ten
characters)."""


@cache
def milestones_at(dialect: str) -> str:
    """Milestones planned by `as_of` with what makes their state at (`as_of`, P): the
    baseline in force, the forecast if it came after that baseline, the outcome; one
    `packed` row each, (project, key, name, baseline_on, forecast_on, outcome with its
    day: see `ending`); callers add conditions on `m`."""
    forecast, forecast_join = latest_value(
        dialect, "fc", FORECAST_IN_FORCE, "rm_milestone_facts", "forecast", "m", ":as_of"
    )
    outcome, outcome_join = latest_value(
        dialect, "o", OUTCOME, "rm_milestone_facts", "outcome", "m", ":as_of"
    )
    columns = ["m.project", "m.key", "m.name", "b.day", forecast, outcome]
    return (
        f"SELECT {packed(dialect, columns)} FROM {{t}}rm_milestones m"
        + LATEST[dialect]("b", "rm_milestone_facts", "baseline", "m", ":as_of")
        + forecast_join
        + outcome_join
        + " WHERE m.eff <= :as_of AND m.seq <= :position"
    )


def ending(outcome: str | None) -> tuple[str | None, str | None]:
    """(outcome, its day) from a `milestones_at` row's last value; (None, None) while
    the milestone has none."""
    if outcome is None:
        return None, None
    return outcome[:-10], outcome[-10:]


def milestone_item(row: list[Any], as_of: str) -> dict[str, Any]:
    """A row of a `milestones_at` query (from `json_rows`) as the tertial snapshot and
    the status list the milestone: §5's state and slip, from the ISO days as they are
    stored (they compare as the days do)."""
    project, key, name, baseline_on, forecast_on, last = row
    outcome, outcome_on = ending(last)
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
