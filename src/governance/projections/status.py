"""The current picture (DOMAIN.md §6 `GET /status`), from the read models, at any
(`as_of`, P): every project with its milestones and open risks, all open risks, the
contracts and the most recent decisions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from governance.projections.board_cases import RECENT_DECISIONS
from governance.projections.contracts import AMENDMENT_LISTS_AT, CONTRACTS_AT, amendment_list
from governance.projections.milestones import milestone_item, milestones_at
from governance.projections.projects import project_items, projects_at
from governance.projections.risks import risk_entries, risks_at
from governance.projections.runner import ReadModels
from governance.projections.schema import JsonArray, json_rows
from governance.projections.tertial import BEFORE_ANY_DAY

RECENT = 20
NO_AMENDMENTS = JsonArray("[]")


def status_at(
    models: ReadModels, *, as_of: date, position: int, known_at: str, head_hash: str
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "as_of": models.horizon(position, as_of),
        "previous_end": BEFORE_ANY_DAY,
        "position": position,
        "limit": RECENT,
    }
    dialect = models.view.dialect
    fetched = models.concurrently(
        milestones=lambda: models.fetch_tuples(milestones_at(dialect) + " ORDER BY m.subject", **params),
        risks=lambda: models.fetch_tuples(risks_at(dialect) + " ORDER BY r.key", **params),
        projects=lambda: models.fetch_tuples(
            projects_at(dialect, previous=False) + " ORDER BY p.key", **params
        ),
        contracts=lambda: _contracts(models, params),
        decisions=lambda: models.fetch(RECENT_DECISIONS, **params),
    )
    milestones: dict[str, list[dict[str, Any]]] = defaultdict(list)
    day = as_of.isoformat()
    for row in json_rows(fetched["milestones"]):
        milestones[row[0]].append(milestone_item(row, day))
    open_risks = [item for item, _, closed_on in risk_entries(fetched["risks"]) if closed_on is None]
    risks_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for risk in open_risks:
        if risk["project"] is not None:
            risks_of[risk["project"]].append(risk)
    projects = []
    for item, _ in project_items(fetched["projects"]):
        projects.append(
            {
                **item,
                "milestones": sorted(milestones.get(item["key"], ()), key=lambda m: m["key"]),
                "open_risks": risks_of.get(item["key"], []),
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "known_at": known_at,
        "projects": projects,
        "open_risks": open_risks,
        "contracts": fetched["contracts"],
        "recent_decisions": [
            {
                "body": row["body"],
                "case_no": row["case_no"],
                "decided_on": row["decided_on"],
                "text": row["text"],
                "effective_on": row["eff"],
                "superseded_by": row["superseded_by"],
            }
            for row in fetched["decisions"]
        ],
        "log": {"position": position, "head_hash": head_hash},
    }


def _contracts(models: ReadModels, params: dict[str, Any]) -> list[dict[str, Any]]:
    amendments = {
        subject: amendment_list(numbers, text)
        for subject, numbers, text in models.fetch_tuples(AMENDMENT_LISTS_AT[models.view.dialect], **params)
    }
    return [
        {
            "key": row["key"],
            "title": row["title"],
            "supplier": row["supplier"],
            "customer": row["customer"],
            "signed_on": row["signed_on"],
            "value": row["value"],
            "project": row["project"],
            "dispute_open": bool(row["dispute_open"]),
            "terminated": bool(row["terminated"]),
            "amendments": amendments.get(row["subject"], NO_AMENDMENTS),
        }
        for row in models.fetch(CONTRACTS_AT, **params)
    ]
