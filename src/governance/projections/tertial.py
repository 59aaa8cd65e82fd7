"""The tertial snapshot (DOMAIN.md §6 `GET /tertials/{YYYY-Tn}`), from the read models.

Everything is the state at `as_of` = the period's end, from the first P events (those
recorded at or before `known_at`); the previous status is the same read at the previous
tertial's end.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from governance.projections.board_cases import DECISIONS_IN_PERIOD
from governance.projections.contracts import AMENDMENTS_IN_PERIOD
from governance.projections.milestones import ending, milestone_item, milestones_at
from governance.projections.projects import project_items, projects_at
from governance.projections.risks import risk_entries, risks_at
from governance.projections.runner import ReadModels
from governance.projections.schema import json_rows
from governance.timemodel import Tertial
from governance.values import RATING_ORDER, RISK_LEVELS

BEFORE_ANY_DAY = "0000-00-00"

_ACHIEVED_IN_PERIOD = (
    " AND m.subject IN (SELECT g.subject FROM {t}rm_milestone_facts g WHERE g.kind = 'outcome'"
    " AND g.detail = 'achieved' AND g.day >= :start AND g.day <= :end AND g.seq <= :position)"
)
_BASELINED_IN_PERIOD = (
    " AND m.subject IN (SELECT g.subject FROM {t}rm_milestone_facts g WHERE g.kind = 'baseline'"
    " AND g.day >= :start AND g.day <= :end AND g.eff <= :as_of AND g.seq <= :position)"
)


def trend(current: dict[str, Any] | None, previous: dict[str, Any] | None) -> str | None:
    """§5: against the previous tertial, on `overall` (green < yellow < red)."""
    if current is None:
        return None
    if previous is None:
        return "new"
    change = RATING_ORDER[current["overall"]] - RATING_ORDER[previous["overall"]]
    return "improved" if change < 0 else "worsened" if change > 0 else "unchanged"


def tertial_snapshot(
    models: ReadModels,
    tertial: Tertial,
    *,
    position: int,
    known_at: str,
    head_hash: str,
    organisation: str | None = None,
) -> dict[str, Any]:
    start, end = tertial.start, tertial.end
    previous = tertial.previous
    params: dict[str, Any] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": models.horizon(position, end),
        "previous_end": models.horizon(position, previous.end) if previous else BEFORE_ANY_DAY,
        "position": position,
    }
    by_organisation = ""
    if organisation is not None:
        params["organisation"] = organisation
        by_organisation = " AND {alias}.organisation = :organisation"
    dialect = models.view.dialect
    fetched = models.concurrently(
        projects=lambda: models.fetch_tuples(
            projects_at(dialect) + by_organisation.format(alias="p") + " ORDER BY p.key", **params
        ),
        risks=lambda: models.fetch_tuples(
            risks_at(dialect) + by_organisation.format(alias="r") + " ORDER BY r.key", **params
        ),
        achieved=lambda: models.fetch_tuples(milestones_at(dialect) + _ACHIEVED_IN_PERIOD, **params),
        baselined=lambda: models.fetch_tuples(milestones_at(dialect) + _BASELINED_IN_PERIOD, **params),
        amendments=lambda: models.fetch(AMENDMENTS_IN_PERIOD, **params),
        decisions=lambda: models.fetch(DECISIONS_IN_PERIOD, **params),
    )
    projects = []
    for item, previous_status in project_items(fetched["projects"]):
        if item["closed_on"] is not None and item["closed_on"] < params["start"]:
            continue
        projects.append(
            {
                "key": item["key"],
                "name": item["name"],
                "organisation": item["organisation"],
                "phase": item["phase"],
                "status": item["status"],
                "previous_status": previous_status,
                "trend": trend(item["status"], previous_status),
                "financials": item["financials"],
                "milestones_achieved": [],
                "milestones_slipped": [],
            }
        )
    _add_milestones(projects, fetched["achieved"], fetched["baselined"], start, end)
    return {
        "tertial": str(tertial),
        "period": {"start": params["start"], "end": params["end"]},
        "known_at": known_at,
        "organisation": organisation,
        "projects": projects,
        "risks": _risks(fetched["risks"], params),
        "amendments_in_period": [
            {
                "contract": row["contract"],
                "amendment_no": row["amendment_no"],
                "kind": row["kind"],
                "title": row["title"],
                "effective_on": row["eff"],
            }
            for row in fetched["amendments"]
        ],
        "decisions_in_period": [
            {
                "body": row["body"],
                "case_no": row["case_no"],
                "decided_on": row["decided_on"],
                "text": row["text"],
            }
            for row in fetched["decisions"]
        ],
        "log": {"position": position, "head_hash": head_hash},
    }


def _add_milestones(
    projects: list[dict[str, Any]],
    achieved_rows: list[Any],
    baselined_rows: list[Any],
    start: date,
    end: date,
) -> None:
    """A project's milestones achieved in the period, and those that slipped in it (§5):
    the baseline in force lies in the period, and the milestone was neither cancelled
    nor achieved by then."""
    first, last = start.isoformat(), end.isoformat()
    of_project = {project["key"]: project for project in projects}
    achieved: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in json_rows(achieved_rows):
        achieved[row[0]].append(milestone_item(row, last))
    slipped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in json_rows(baselined_rows):
        project, _, _, baseline_on, _, final = row
        outcome, outcome_on = ending(final)
        if (
            first <= baseline_on <= last
            and outcome != "cancelled"
            and (outcome != "achieved" or outcome_on is None or outcome_on > baseline_on)
        ):
            slipped[project].append(milestone_item(row, last))
    for key, project in of_project.items():
        project["milestones_achieved"] = sorted(achieved.get(key, ()), key=lambda item: item["key"])
        project["milestones_slipped"] = sorted(slipped.get(key, ()), key=lambda item: item["key"])


def _risks(rows: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    start, end = params["start"], params["end"]
    open_risks, new_in_period, closed_in_period = [], [], []
    heatmap = [[0] * 5 for _ in range(5)]
    by_level = dict.fromkeys(RISK_LEVELS, 0)
    for item, identified_on, closed in risk_entries(rows):
        if closed is None:
            open_risks.append(item)
            heatmap[item["probability"] - 1][item["consequence"] - 1] += 1
            by_level[item["level"]] += 1
        elif start <= closed <= end:
            closed_in_period.append(item)
        if start <= identified_on <= end:
            new_in_period.append(item)
    return {
        "open": open_risks,
        "open_count": len(open_risks),
        "new_in_period": new_in_period,
        "closed_in_period": closed_in_period,
        "heatmap": heatmap,
        "by_level": by_level,
    }
