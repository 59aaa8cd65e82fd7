"""Projects: registration, phase, status assessments, financials, cost frames, closure."""

from __future__ import annotations

from typing import Any

import orjson

from governance.aggregates.project import COST_FRAME_FIGURES, FINANCIAL_FIGURES, STATUS_DIMENSIONS
from governance.projections.schema import Fact, Handler, Table

TABLES = (
    Table(
        "rm_projects",
        ("subject", "key", "name", "organisation", "owner", "purpose", "phase", "eff", "seq"),
        "CREATE TABLE IF NOT EXISTS {t}rm_projects (subject {text} PRIMARY KEY, key {text} NOT NULL,"
        " name TEXT NOT NULL, organisation {text} NOT NULL, owner TEXT NOT NULL, purpose TEXT,"
        " phase TEXT NOT NULL, eff {text} NOT NULL, seq BIGINT NOT NULL)",
    ),
    Table(
        "rm_project_facts",
        ("subject", "kind", "eff", "seq", "body"),
        "CREATE TABLE IF NOT EXISTS {t}rm_project_facts (subject {text} NOT NULL, kind {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, body TEXT)",
        ("CREATE INDEX IF NOT EXISTS rm_project_facts_by_subject ON {t}rm_project_facts (subject, kind, eff, seq)",),
    ),
)

STATUS_FIELDS = (*STATUS_DIMENSIONS, "comment", "deviation", "consequence_note", "measures")


def _registered(seq: int, subject: str, s: dict[str, Any], raw: bytes) -> list[Fact]:
    return [("rm_projects", (
        subject, subject.partition(":")[2], s["name"], s["organisation"], s["owner"], s.get("purpose"), s["phase"],
        s["effective_on"], seq,
    ))]


def _fact(kind: str) -> Handler:
    """A fact whose body is the event's stored state, as stored (no re-encoding: a
    rebuild writes it as it reads it; readers pick the fields they show)."""

    def handle(seq: int, subject: str, s: dict[str, Any], raw: bytes) -> list[Fact]:
        return [("rm_project_facts", (subject, kind, s["effective_on"], seq, raw.decode()))]

    return handle


def _phase(seq: int, subject: str, s: dict[str, Any], raw: bytes) -> list[Fact]:
    return [("rm_project_facts", (subject, "phase", s["effective_on"], seq, s["phase"]))]


def _closed(seq: int, subject: str, s: dict[str, Any], raw: bytes) -> list[Fact]:
    return [("rm_project_facts", (subject, "closed", s["effective_on"], seq, None))]


HANDLERS: dict[str, Handler] = {
    "ProjectRegistered": _registered,
    "ProjectPhaseChanged": _phase,
    "ProjectStatusAssessed": _fact("status"),
    "ProjectFinancialsReported": _fact("financials"),
    "ProjectCostFrameChanged": _fact("cost_frame"),
    "ProjectClosed": _closed,
}


def _latest(kind: str, as_of: str = ":as_of") -> str:
    """The body of a project's latest fact of `kind` at (as_of, P), with its day."""
    return (
        f"(SELECT f.eff || '|' || COALESCE(f.body, '') FROM {{t}}rm_project_facts f"
        f" WHERE f.subject = p.subject AND f.kind = '{kind}' AND f.eff <= {as_of} AND f.seq <= :position"
        " ORDER BY f.eff DESC, f.seq DESC LIMIT 1)"
    )


PROJECTS_AT = (
    "SELECT p.subject, p.key, p.name, p.organisation, p.owner, p.purpose, p.phase AS first_phase, p.eff,"
    f" {_latest('phase')} AS phase, {_latest('status')} AS status,"
    f" {_latest('status', ':previous_end')} AS previous_status,"
    f" {_latest('financials')} AS financials, {_latest('cost_frame')} AS cost_frame,"
    f" {_latest('closed')} AS closed"
    " FROM {t}rm_projects p WHERE p.eff <= :as_of AND p.seq <= :position"
)
"""Every project registered by `as_of` with its latest facts; `previous_end` gives the
status at another day (the previous tertial's end) from the same known events."""


def split(cell: str | None) -> tuple[str, str] | None:
    """A latest-fact cell as (effective day, body)."""
    if cell is None:
        return None
    day, _, body = cell.partition("|")
    return day, body


def status(cell: str | None) -> dict[str, Any] | None:
    found = split(cell)
    if found is None:
        return None
    day, body = found
    state = orjson.loads(body)
    return {**{name: state.get(name) for name in STATUS_FIELDS}, "measures": state["measures"], "effective_on": day}


def financials(cost_frame: str | None, figures: str | None) -> dict[str, Any] | None:
    frame, reported = split(cost_frame), split(figures)
    if frame is None and reported is None:
        return None
    values: dict[str, Any] = {}
    for names, found in ((COST_FRAME_FIGURES, frame), (FINANCIAL_FIGURES, reported)):
        state = orjson.loads(found[1]) if found is not None else {}
        values.update((name, state.get(name)) for name in names)
    return values


def project_item(row: Any) -> dict[str, Any]:
    """A project as the tertial snapshot and the status show it."""
    phase = split(row["phase"])
    closed = split(row["closed"])
    return {
        "key": row["key"],
        "name": row["name"],
        "organisation": row["organisation"],
        "phase": phase[1] if phase else row["first_phase"],
        "status": status(row["status"]),
        "financials": financials(row["cost_frame"], row["financials"]),
        "closed_on": closed[0] if closed else None,
    }
