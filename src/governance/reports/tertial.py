"""The tertial report as a document: what it gathers from the read side, and everything
it shows, computed once for the HTML and the Markdown templates alike.

Beside the snapshot of §6 it reads the previous tertial's snapshot at the same `known_at`
(to mark the risks whose position in the matrix moved, as `previous_status` is read), the
open risks at level 8 or higher as subjects (their mitigations), and, when compared with
an earlier reading, the changes of §6a.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from governance.projections.reads import tertial_report
from governance.projections.runner import ReadModels
from governance.projections.subjects import Selection, answers
from governance.reports import formatting as fmt
from governance.reports import labels
from governance.reports.compare import Change, Comparison
from governance.timemodel import Tertial

REPORTED_LEVEL = 8
"""HDO reports its risks at level 8 or higher (§5)."""

LEVEL_ORDER = ("critical", "high", "medium", "low")
RATING_ORDER = ("red", "yellow", "green")


@dataclass(frozen=True)
class TertialReport:
    """What the report shows, as the read side answers it."""

    snapshot: dict[str, Any]
    previous: dict[str, Any] | None
    reported_risks: dict[str, dict[str, Any]]
    """The open risks at level 8 or higher, as subjects at the period's end (mitigations)."""
    changes: dict[str, Any] | None = None
    """The §6a changes of the tertial since an earlier reading, when compared."""


def gather(
    models: ReadModels,
    period: Tertial,
    *,
    known_at: datetime,
    organisation: str | None = None,
    changes: Callable[[], dict[str, Any]] | None = None,
) -> TertialReport:
    snapshot = tertial_report(models, period, known_at=known_at, organisation=organisation)
    previous = (
        tertial_report(models, period.previous, known_at=known_at, organisation=organisation)
        if period.previous is not None
        else None
    )
    keys = [f"risk:{item['key']}" for item in snapshot["risks"]["open"] if item["score"] >= REPORTED_LEVEL]
    position = snapshot["log"]["position"]
    reported = models.cached(
        ("reported-risks", str(period), position, organisation),
        lambda: answers(
            models, "risk", as_of=period.end, position=position, selection=Selection(subjects=keys)
        ),
    )
    by_key = {answer["key"]: answer for answer in reported}
    return TertialReport(snapshot, previous, by_key, changes() if changes is not None else None)


# ---------------------------------------------------------------------------------------
# What the templates show
# ---------------------------------------------------------------------------------------


def _before_text(change: Change | None, show: Callable[[Any], str]) -> str | None:
    if change is None:
        return None
    return "ingen" if change.before is None else show(change.before)


def _rating_word(value: Any) -> str:
    return labels.label(value, "rating")


def context(report: TertialReport) -> dict[str, Any]:
    """Everything the report templates show, already in Norwegian words."""
    snapshot = report.snapshot
    comparison = Comparison(report.changes) if report.changes is not None else None

    def at(*parts: str) -> Change | None:
        return comparison.at(*parts) if comparison is not None else None

    projects = [_project(project, at) for project in snapshot["projects"]]
    risks = snapshot["risks"]
    period = snapshot["period"]
    tertial = snapshot["tertial"]
    log = snapshot["log"]
    title = f"Tertialrapport {fmt.tertial_name(tertial)}"
    return {
        "title": title,
        "tertial": tertial,
        "tertial_name": fmt.tertial_name(tertial),
        "organisation": snapshot.get("organisation"),
        "period_text": fmt.period(period["start"], period["end"]),
        "period_end": fmt.day(period["end"]),
        "known_at": snapshot["known_at"],
        "known_at_text": fmt.instant(snapshot["known_at"]),
        "previous_tertial_name": _previous_name(tertial),
        "key_figures": _key_figures(snapshot, projects, at),
        "projects": projects,
        "finances": [project for project in projects if project["financials"] is not None],
        "milestones": [milestone for project in projects for milestone in project["milestones"]],
        "matrix": _matrix(snapshot, report.previous, comparison),
        "moved": _moved(snapshot, report.previous),
        "reported_risks": _reported(snapshot, report.reported_risks, at),
        "new_risks": [_risk_line(item) for item in risks["new_in_period"]],
        "closed_risks": [_risk_line(item) for item in risks["closed_in_period"]],
        "amendments": _marked(
            [_amendment(item) for item in snapshot["amendments_in_period"]],
            comparison.added_to("amendments_in_period", snapshot["amendments_in_period"])
            if comparison
            else [],
            snapshot["amendments_in_period"],
        ),
        "decisions": _marked(
            [_decision(item) for item in snapshot["decisions_in_period"]],
            comparison.added_to("decisions_in_period", snapshot["decisions_in_period"]) if comparison else [],
            snapshot["decisions_in_period"],
        ),
        "filing": {
            "position": log["position"],
            "head_hash": log["head_hash"],
            "verify_path": f"/verify?position={log['position']}&hash={log['head_hash']}",
            "page_path": f"/ui/verify?position={log['position']}&hash={log['head_hash']}",
            "command": f"governance verify --position {log['position']} --hash {log['head_hash']}",
        },
        "compare": (
            _comparison(report.changes, comparison, snapshot)
            if report.changes is not None and comparison is not None
            else None
        ),
        "running_header": f"{title} · slik loggen var kjent {fmt.instant(snapshot['known_at'])}",
    }


def _marked(
    shown: list[dict[str, Any]], added: list[dict[str, Any]], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows of an unkeyed list, each marked new when it was not there at the earlier reading."""
    return [{**row, "is_new": item in added} for row, item in zip(shown, items, strict=True)]


def _previous_name(tertial: str) -> str | None:
    previous = Tertial.parse(tertial).previous
    return fmt.tertial_name(str(previous)) if previous is not None else None


def _key_figures(
    snapshot: dict[str, Any], projects: list[dict[str, Any]], at: Callable[..., Change | None]
) -> dict[str, Any]:
    risks = snapshot["risks"]
    by_overall = {rating: 0 for rating in RATING_ORDER}
    without = 0
    for project in projects:
        if project["overall"] is None:
            without += 1
        else:
            by_overall[project["overall"]] += 1
    return {
        "projects": [
            {"rating": rating, "word": _rating_word(rating), "count": count}
            for rating, count in by_overall.items()
        ],
        "projects_without_status": without,
        "project_count": len(projects),
        "open_risks": risks["open_count"],
        "open_risks_before": _before_text(at("risks", "open_count"), str),
        "by_level": [
            {
                "level": level,
                "word": labels.label(level, "level"),
                "count": risks["by_level"][level],
                "before": _before_text(at("risks", "by_level", level), str),
            }
            for level in LEVEL_ORDER
        ],
        "new_risks": len(risks["new_in_period"]),
        "closed_risks": len(risks["closed_in_period"]),
        "milestones_achieved": sum(len(p["milestones_achieved"]) for p in snapshot["projects"]),
        "milestones_slipped": sum(len(p["milestones_slipped"]) for p in snapshot["projects"]),
    }


def _cell(rating: str | None, change: Change | None) -> dict[str, Any]:
    return {
        "rating": rating,
        "word": _rating_word(rating),
        "before": _before_text(change, _rating_word),
    }


def _project(project: dict[str, Any], at: Callable[..., Change | None]) -> dict[str, Any]:
    key = project["key"]
    status = project["status"] or {}
    previous = project["previous_status"] or {}
    trend = project["trend"]
    cells = [
        {"dimension": name, "label": short, **_cell(status.get(name), at("projects", key, "status", name))}
        for name, short in labels.DIMENSIONS.items()
    ]
    texts = [
        {
            "name": name,
            "label": labels.FIELDS[name],
            "text": status.get(name),
            "before": _before_text(at("projects", key, "status", name), str),
        }
        for name in ("comment", "deviation", "consequence_note")
    ]
    measures_change = at("projects", key, "status", "measures")
    financials = project["financials"]
    return {
        "key": key,
        "name": project["name"],
        "organisation": project["organisation"],
        "phase": labels.label(project["phase"], "phase"),
        "phase_before": _before_text(at("projects", key, "phase"), lambda v: labels.label(v, "phase")),
        "is_new": (change := at("projects", key)) is not None and change.before is None,
        "overall": status.get("overall"),
        "cells": cells,
        "has_status": project["status"] is not None,
        "status_on": fmt.day(status.get("effective_on")),
        "previous": {
            "rating": previous.get("overall"),
            "word": _rating_word(previous.get("overall")),
            "before": _before_text(at("projects", key, "previous_status", "overall"), _rating_word),
        },
        "trend": trend,
        "trend_word": labels.label(trend, "trend"),
        "trend_arrow": labels.TREND_ARROWS.get(trend or "", ""),
        "trend_before": _before_text(at("projects", key, "trend"), lambda v: labels.label(v, "trend")),
        "texts": [text for text in texts if text["text"] or text["before"]],
        "measures": list(status.get("measures") or []),
        "measures_before": (
            None
            if measures_change is None
            else ("; ".join(measures_change.before) if measures_change.before else "ingen")
        ),
        "financials": None if financials is None else _financials(key, financials, at),
        "milestones": _milestones(project, at),
    }


def _financials(key: str, figures: dict[str, Any], at: Callable[..., Change | None]) -> dict[str, Any]:
    def deviation(value: str, against: str) -> int | None:
        if figures.get(value) is None or figures.get(against) is None:
            return None
        return int(figures[value]) - int(figures[against])

    forecast_deviation = deviation("forecast", "cost_frame")
    actual_deviation = deviation("actual", "phase_budget")
    return {
        "figures": [
            {
                "name": name,
                "label": label,
                "text": fmt.mnok(figures.get(name)),
                "before": _before_text(at("projects", key, "financials", name), fmt.mnok),
            }
            for name, label in labels.FINANCIALS.items()
        ],
        "forecast_deviation": fmt.signed_mnok(forecast_deviation),
        "forecast_over": forecast_deviation is not None and forecast_deviation > 0,
        "actual_deviation": fmt.signed_mnok(actual_deviation),
        "actual_over": actual_deviation is not None and actual_deviation > 0,
    }


def _milestones(project: dict[str, Any], at: Callable[..., Change | None]) -> list[dict[str, Any]]:
    rows = []
    for outcome, name in (("achieved", "milestones_achieved"), ("slipped", "milestones_slipped")):
        for item in project[name]:
            own = item["key"].partition("/")[2]
            change = at("projects", project["key"], name, item["key"])
            rows.append(
                {
                    "project": project["key"],
                    "key": item["key"],
                    "own_key": own,
                    "name": item["name"],
                    "outcome": outcome,
                    "outcome_word": "oppnådd" if outcome == "achieved" else "forsinket",
                    "state_word": labels.label(item["state"], "milestone_state"),
                    "baseline_on": fmt.day(item["baseline_on"]),
                    "forecast_on": fmt.day(item["forecast_on"]),
                    "achieved_on": fmt.day(item["achieved_on"]),
                    "slip_days": item["slip_days"],
                    "slip_text": fmt.signed_days(item["slip_days"]),
                    "is_new": change is not None and change.before is None,
                    "slip_before": _before_text(
                        at("projects", project["key"], name, item["key"], "slip_days"), fmt.signed_days
                    ),
                }
            )
    return rows


def _band(score: int) -> str:
    from governance.values import risk_level

    return risk_level(score)


def _matrix(
    snapshot: dict[str, Any], previous: dict[str, Any] | None, comparison: Comparison | None
) -> dict[str, Any]:
    heatmap = snapshot["risks"]["heatmap"]
    before = comparison.before(heatmap, "risks", "heatmap") if comparison is not None else None
    earlier: dict[str, tuple[int, int]] = {}
    if previous is not None:
        earlier = {
            item["key"]: (item["probability"], item["consequence"]) for item in previous["risks"]["open"]
        }
    keys: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for item in snapshot["risks"]["open"]:
        position = (item["probability"], item["consequence"])
        was = earlier.get(item["key"])
        keys.setdefault(position, []).append(
            {
                "key": item["key"],
                "moved_from": None if was is None or was == position else f"{was[0]}×{was[1]}",
                "new": previous is not None and was is None,
            }
        )
    rows = []
    for probability in range(5, 0, -1):
        cells = []
        for consequence in range(1, 6):
            level = _band(probability * consequence)
            cells.append(
                {
                    "probability": probability,
                    "consequence": consequence,
                    "count": heatmap[probability - 1][consequence - 1],
                    "count_before": None if before is None else before[probability - 1][consequence - 1],
                    "level": level,
                    "level_word": labels.label(level, "level"),
                    "risks": keys.get((probability, consequence), []),
                }
            )
        rows.append({"probability": probability, "cells": cells})
    return {"rows": rows, "compared": before is not None}


def _moved(snapshot: dict[str, Any], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    if previous is None:
        return []
    earlier = {item["key"]: item for item in previous["risks"]["open"]}
    moved = []
    for item in snapshot["risks"]["open"]:
        was = earlier.get(item["key"])
        if was is None or (was["probability"], was["consequence"]) == (
            item["probability"],
            item["consequence"],
        ):
            continue
        direction = (
            "opp" if item["score"] > was["score"] else "ned" if item["score"] < was["score"] else "sidelengs"
        )
        moved.append(
            {
                "key": item["key"],
                "title": item["title"],
                "from": f"S{was['probability']} × K{was['consequence']} (skår {was['score']})",
                "to": f"S{item['probability']} × K{item['consequence']} (skår {item['score']})",
                "direction": direction,
                "arrow": {"opp": "↑", "ned": "↓", "sidelengs": "↔"}[direction],
            }
        )
    return moved


def _reported(
    snapshot: dict[str, Any], subjects: dict[str, dict[str, Any]], at: Callable[..., Change | None]
) -> list[dict[str, Any]]:
    items = [item for item in snapshot["risks"]["open"] if item["score"] >= REPORTED_LEVEL]
    items.sort(key=lambda item: (-item["score"], item["key"]))
    reported = []
    for item in items:
        subject = subjects.get(item["key"], {})
        score_change = at("risks", "open", item["key"], "score")
        reported.append(
            {
                **_risk_line(item),
                "description": subject.get("description"),
                "project": item.get("project"),
                "probability": item["probability"],
                "consequence": item["consequence"],
                "score_before": _before_text(score_change, str),
                "is_new": (change := at("risks", "open", item["key"])) is not None and change.before is None,
                "mitigations": [
                    {
                        "id": mitigation["mitigation_id"],
                        "description": mitigation["description"],
                        "owner": mitigation.get("owner"),
                        "due_on": fmt.day(mitigation.get("due_on")),
                        "has_due": mitigation.get("due_on") is not None,
                        "completed": mitigation["completed"],
                        "done_word": labels.label(mitigation["completed"], "yes_no"),
                    }
                    for mitigation in subject.get("mitigations", [])
                ],
            }
        )
    return reported


def _risk_line(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": item["key"],
        "title": item["title"],
        "owner": item["owner"],
        "organisation": item["organisation"],
        "score": item["score"],
        "level": item["level"],
        "level_word": labels.label(item["level"], "level"),
        "merged_into": item.get("merged_into"),
    }


def _amendment(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract": item["contract"],
        "amendment_no": item["amendment_no"],
        "kind_word": labels.label(item["kind"], "amendment_kind"),
        "title": item["title"],
        "effective_on": fmt.day(item["effective_on"]),
    }


def _decision(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "body": item["body"],
        "case_no": item["case_no"],
        "case": f"{item['body']}/{item['case_no']}",
        "decided_on": fmt.day(item["decided_on"]),
        "text": item["text"],
    }


GONE_LISTS = {
    ("projects",): "Prosjekt",
    ("risks", "open"): "Åpen risiko",
    ("risks", "new_in_period"): "Ny risiko i perioden",
    ("risks", "closed_in_period"): "Risiko lukket i perioden",
}


def _gone_label(parts: list[str]) -> str:
    if len(parts) == 4 and parts[0] == "projects":
        return (
            "Milepæl oppnådd i perioden"
            if parts[2] == "milestones_achieved"
            else "Milepæl forsinket i perioden"
        )
    return GONE_LISTS.get(tuple(parts[:-1]), "Element")


def event_row(envelope: dict[str, Any]) -> dict[str, Any]:
    """An event as the documents list it: who recorded what, when, effective when."""
    kind, _, key = envelope["subject"].partition(":")
    recorded_day = fmt.oslo_day_of(envelope["recorded_at"])
    effective = envelope["effective_on"]
    effective_day = fmt.as_day(effective)
    return {
        "seq": envelope["seq"],
        "subject": envelope["subject"],
        "kind": kind,
        "kind_word": labels.label(kind, "subject_kind"),
        "key": key,
        "path": subject_path(kind, key),
        "type": envelope["type"],
        "type_word": labels.label(envelope["type"], "event_type"),
        "actor": envelope["actor"] or "(ukjent)",
        "recorded_at": envelope["recorded_at"],
        "recorded_text": fmt.instant(envelope["recorded_at"]),
        "effective_text": fmt.day(effective_day),
        "backdated": recorded_day > effective_day,
        "data": envelope["data"],
    }


def subject_path(kind: str, key: str) -> str:
    """The page of a subject."""
    return f"/ui/{kind}s/{key}" if kind != "board-case" else f"/ui/board-cases/{key}"


def _comparison(answer: dict[str, Any], comparison: Comparison, snapshot: dict[str, Any]) -> dict[str, Any]:
    gone = [
        {"what": _gone_label(parts), "key": item["key"], "name": item.get("name") or item.get("title") or ""}
        for parts, item in comparison.gone()
    ]
    for item in comparison.removed_from("amendments_in_period", snapshot["amendments_in_period"]):
        gone.append(
            {
                "what": "Kontraktstillegg i perioden",
                "key": f"{item['contract']} nr. {item['amendment_no']}",
                "name": item["title"],
            }
        )
    for item in comparison.removed_from("decisions_in_period", snapshot["decisions_in_period"]):
        gone.append(
            {"what": "Vedtak i perioden", "key": f"{item['body']}/{item['case_no']}", "name": item["text"]}
        )
    return {
        "from_known_at": answer["from"]["known_at"],
        "from_text": fmt.instant(answer["from"]["known_at"]),
        "from_position": answer["from"]["position"],
        "to_text": fmt.instant(answer["to"]["known_at"]),
        "to_position": answer["to"]["position"],
        "change_count": len(answer["changes"]),
        "gone": gone,
        "events": [event_row(envelope) for envelope in answer["events"]],
    }
