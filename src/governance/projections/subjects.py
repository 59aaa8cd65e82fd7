"""Subject answers (DOMAIN.md §6 `GET /{kind}/{key}`) from the read models, one subject or
a page of them: the same function answers a subject read and builds every item of a list
(§6a), so the two can never differ.

A page is the subjects of one kind that exist at (`as_of`, P) — created on or before
`as_of` by one of the first P events — with the list's filters applied in SQL, in key
order after a cursor's last key. Each subject's latest fact of a kind is found by one
index seek (`(eff, seq) = (SELECT … ORDER BY eff DESC, seq DESC LIMIT 1)`, row values
that SQLite and PostgreSQL both read from the fact table's index).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from governance.keys import Kind, SubjectKey
from governance.projections.projects import figures_of, financials
from governance.projections.runner import ReadModels
from governance.projections.schema import LATEST, LatestJoin, json_items
from governance.values import RISK_LEVELS, folded, risk_level

TABLE_OF: dict[Kind, str] = {
    "project": "rm_projects",
    "milestone": "rm_milestones",
    "risk": "rm_risks",
    "contract": "rm_contracts",
    "board-case": "rm_board_cases",
}

LEVEL_SCORES = {"low": (1, 4), "medium": (5, 7), "high": (8, 14), "critical": (15, 25)}
assert tuple(LEVEL_SCORES) == RISK_LEVELS


@dataclass(frozen=True)
class Selection:
    """Which subjects of a kind: the list's filters (validated values, by name), `q`
    (a search text), and the page: after the subject key `after`, at most `limit`."""

    filters: dict[str, Any] = field(default_factory=dict)
    q: str = ""
    after: str | None = None
    limit: int | None = None
    subjects: Sequence[str] | None = None
    """Only these subjects (full keys); None for all."""


@dataclass(frozen=True)
class KindQuery:
    """How one kind's subjects are read: the SELECT (with `{where}`), the alias of its
    registration table, each filter's condition, and the answer built from the rows."""

    select: Callable[[LatestJoin], str]
    alias: str
    conditions: dict[str, str]
    build: Callable[[ReadModels, list[Any], dict[str, Any]], list[dict[str, Any]]]

    def statement(self, dialect: str) -> str:
        """The SELECT in the store's dialect, with `{where}` and `{t}` slots."""
        return self.select(LATEST[dialect])


def answers(
    models: ReadModels, kind: Kind, *, as_of: date, position: int, selection: Selection
) -> list[dict[str, Any]]:
    """The answers of the subjects of `kind` that `selection` names, at (`as_of`, P),
    sorted by key."""
    query = QUERIES[kind]
    alias = query.alias
    params: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "horizon": models.horizon(position, as_of),
        "position": position,
    }
    where = [f"{alias}.eff <= :horizon", f"{alias}.seq <= :position"]
    for name, value in selection.filters.items():
        if value is None:
            continue
        where.append(query.conditions[name])
        if name == "level":
            params["level_low"], params["level_high"] = LEVEL_SCORES[value]
        elif name == "open":
            params["closed"] = 0 if value else 1
        else:
            params[name] = value
    if selection.q:
        params["q"] = "%" + _escape_like(folded(selection.q)) + "%"
        where.append(f"({alias}.find_key LIKE :q ESCAPE '!' OR {alias}.find_text LIKE :q ESCAPE '!')")
    if selection.after is not None:
        params["after"] = f"{_prefix(kind)}{selection.after}"
        where.append(f"{alias}.subject > :after")
    if selection.subjects is not None:
        if not selection.subjects:
            return []
        marks = []
        for number, subject in enumerate(selection.subjects):
            params[f"s{number}"] = subject
            marks.append(f":s{number}")
        where.append(f"{alias}.subject IN ({', '.join(marks)})")
    statement = query.statement(models.view.dialect).format(where=" AND ".join(where), t="{t}")
    statement += f" ORDER BY {alias}.subject"
    if selection.limit is not None:
        statement += f" LIMIT {int(selection.limit)}"
    rows = models.fetch(statement, **params)
    if not rows:
        return []
    built = query.build(models, rows, params)
    versions = models.ledger.log.subject_versions([row["subject"] for row in rows], position)
    return [
        {"key": row["subject"].partition(":")[2], "version": versions[row["subject"]], **answer}
        for row, answer in zip(rows, built, strict=True)
    ]


def answer(models: ReadModels, subject: SubjectKey, *, as_of: date, position: int) -> dict[str, Any] | None:
    """One subject's answer at (`as_of`, P); None where it does not exist then."""
    found = answers(
        models, subject.kind, as_of=as_of, position=position, selection=Selection(subjects=[str(subject)])
    )
    return found[0] if found else None


def _prefix(kind: Kind) -> str:
    return f"{kind}:"


def _escape_like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _in(column: str, subjects: Iterable[str], params: dict[str, Any]) -> str:
    """`column IN (…)` over `subjects`, their values added to `params`."""
    marks = []
    for number, subject in enumerate(subjects):
        params[f"in{number}"] = subject
        marks.append(f":in{number}")
    return f"{column} IN ({', '.join(marks)})"


def _rows_by_subject(
    models: ReadModels, template: str, rows: list[Any], params: dict[str, Any]
) -> dict[str, list[Any]]:
    """The rows of a per-subject table for the subjects of `rows`, by subject, in
    effective order (`template` has `{subjects}` for the condition)."""
    query_params = {"horizon": params["horizon"], "position": params["position"]}
    condition = _in("x.subject", [row["subject"] for row in rows], query_params)
    grouped: dict[str, list[Any]] = defaultdict(list)
    for found in models.fetch(template.format(subjects=condition, t="{t}"), **query_params):
        grouped[found["subject"]].append(found)
    return grouped


# Projects --------------------------------------------------------------------------------

_PROJECT_PHASE = "COALESCE(ph.detail, p.phase)"
PROJECTS = KindQuery(
    select=lambda latest: (
        "SELECT p.subject, p.name, p.organisation, p.owner, p.purpose, p.eff,"
        f" {_PROJECT_PHASE} AS phase, st.figures AS status, fi.figures AS financials,"
        " cf.figures AS cost_frame, cl.eff AS closed_on"
        " FROM {t}rm_projects p"
        + latest("ph", "rm_project_facts", "phase", "p")
        + latest("st", "rm_project_facts", "status", "p")
        + latest("fi", "rm_project_facts", "financials", "p")
        + latest("cf", "rm_project_facts", "cost_frame", "p")
        + latest("cl", "rm_project_facts", "closed", "p")
        + " WHERE {where}"
    ),
    alias="p",
    conditions={
        "organisation": "p.organisation = :organisation",
        "phase": f"{_PROJECT_PHASE} = :phase",
        "overall": "st.detail = :overall",
    },
    build=lambda models, rows, params: _build_projects(models, rows),
)


def _build_projects(models: ReadModels, rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "created_on": row["eff"],
            "name": row["name"],
            "organisation": row["organisation"],
            "phase": row["phase"],
            "owner": row["owner"],
            "purpose": row["purpose"],
            "status": status,
            "financials": financials(frame, report),
            "closed_on": row["closed_on"],
        }
        for row, (status, report, frame) in zip(
            rows, figures_of(rows, ("status", "financials", "cost_frame")), strict=True
        )
    ]


# Milestones ------------------------------------------------------------------------------

_FORECAST_IN_FORCE = "(fc.seq IS NOT NULL AND (fc.eff, fc.seq) > (b.eff, b.seq))"
_MILESTONE_STATE = (
    "(CASE WHEN o.detail IS NOT NULL THEN o.detail"
    f" WHEN (CASE WHEN {_FORECAST_IN_FORCE} THEN fc.day ELSE b.day END) < :as_of THEN 'overdue'"
    " ELSE 'planned' END)"
)
MILESTONES = KindQuery(
    select=lambda latest: (
        "SELECT m.subject, m.name, m.kind, m.eff, b.day AS baseline_on,"
        f" CASE WHEN {_FORECAST_IN_FORCE} THEN fc.day END AS forecast_on,"
        " o.detail AS outcome, o.day AS outcome_on, {state} AS state"
        " FROM {t}rm_milestones m"
        + latest("b", "rm_milestone_facts", "baseline", "m")
        + latest("fc", "rm_milestone_facts", "forecast", "m")
        + latest("o", "rm_milestone_facts", "outcome", "m")
        + " WHERE {where}"
    ).replace("{state}", _MILESTONE_STATE),
    alias="m",
    conditions={"project": "m.project = :project", "state": f"{_MILESTONE_STATE} = :state"},
    build=lambda models, rows, params: [_milestone(row) for row in rows],
)


def _milestone(row: Any) -> dict[str, Any]:
    baseline_on = row["baseline_on"]
    achieved_on = row["outcome_on"] if row["outcome"] == "achieved" else None
    outcome = achieved_on or row["forecast_on"] or baseline_on
    return {
        "created_on": row["eff"],
        "name": row["name"],
        "kind": row["kind"],
        "baseline_on": baseline_on,
        "forecast_on": row["forecast_on"],
        "achieved_on": achieved_on,
        "cancelled_on": row["outcome_on"] if row["outcome"] == "cancelled" else None,
        "state": row["state"],
        "slip_days": (date.fromisoformat(outcome) - date.fromisoformat(baseline_on)).days,
    }


# Risks -------------------------------------------------------------------------------------

RISKS = KindQuery(
    select=lambda latest: (
        "SELECT r.subject, r.title, r.description, r.organisation, r.project, r.owner, r.eff,"
        " sc.probability, sc.consequence, rs.closed, rs.eff AS state_eff, rs.merged_into"
        " FROM {t}rm_risks r"
        + latest("sc", "rm_risk_facts", "score", "r")
        + latest("rs", "rm_risk_facts", "state", "r")
        + " WHERE {where}"
    ),
    alias="r",
    conditions={
        "project": "r.project = :project",
        "organisation": "r.organisation = :organisation",
        "owner": "r.owner = :owner",
        "level": "sc.probability * sc.consequence BETWEEN :level_low AND :level_high",
        "open": "COALESCE(rs.closed, 0) = :closed",
    },
    build=lambda models, rows, params: _build_risks(models, rows, params),
)

_MITIGATIONS = (
    "SELECT x.subject, x.mitigation_id, x.kind, x.description, x.owner, x.due_on FROM {t}rm_mitigations x"
    " WHERE {subjects} AND x.eff <= :horizon AND x.seq <= :position ORDER BY x.subject, x.eff, x.seq"
)


def _build_risks(models: ReadModels, rows: list[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    mitigations = _rows_by_subject(models, _MITIGATIONS, rows, params)
    built = []
    for row in rows:
        closed = bool(row["closed"])
        score = row["probability"] * row["consequence"]
        built.append(
            {
                "created_on": row["eff"],
                "title": row["title"],
                "description": row["description"],
                "organisation": row["organisation"],
                "project": row["project"],
                "owner": row["owner"],
                "probability": row["probability"],
                "consequence": row["consequence"],
                "score": score,
                "level": risk_level(score),
                "open": not closed,
                "closed_on": row["state_eff"] if closed else None,
                "merged_into": row["merged_into"] if closed else None,
                "mitigations": _mitigations(mitigations.get(row["subject"], ())),
            }
        )
    return built


def _mitigations(facts: Iterable[Any]) -> list[dict[str, Any]]:
    """A risk's mitigations in the order they were added (effective order)."""
    added: dict[str, dict[str, Any]] = {}
    for fact in facts:
        if fact["kind"] == "added":
            added[fact["mitigation_id"]] = {
                "mitigation_id": fact["mitigation_id"],
                "description": fact["description"],
                "owner": fact["owner"],
                "due_on": fact["due_on"],
                "completed": False,
            }
        elif fact["mitigation_id"] in added:
            added[fact["mitigation_id"]]["completed"] = True
    return list(added.values())


# Contracts -------------------------------------------------------------------------------

CONTRACTS = KindQuery(
    select=lambda latest: (
        "SELECT c.subject, c.title, c.supplier, c.customer, c.signed_on, c.value, c.project, c.eff,"
        " d.open AS dispute_open, tm.seq AS terminated_seq"
        " FROM {t}rm_contracts c"
        + latest("d", "rm_contract_facts", "dispute", "c")
        + latest("tm", "rm_contract_facts", "terminated", "c")
        + " WHERE {where}"
    ),
    alias="c",
    conditions={"project": "c.project = :project", "supplier": "c.supplier = :supplier"},
    build=lambda models, rows, params: _build_contracts(models, rows, params),
)

_AMENDMENTS = (
    "SELECT x.subject, x.item FROM {t}rm_amendments x WHERE {subjects} AND x.eff <= :horizon"
    " AND x.seq <= :position ORDER BY x.subject, x.eff, x.seq"
)


def _build_contracts(models: ReadModels, rows: list[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    amendments = _rows_by_subject(models, _AMENDMENTS, rows, params)
    return [
        {
            "created_on": row["eff"],
            "title": row["title"],
            "supplier": row["supplier"],
            "customer": row["customer"],
            "signed_on": row["signed_on"],
            "value": row["value"],
            "project": row["project"],
            "amendments": json_items([amendment["item"] for amendment in amendments.get(row["subject"], ())]),
            "dispute_open": bool(row["dispute_open"]),
            "terminated": row["terminated_seq"] is not None,
        }
        for row in rows
    ]


# Board cases -----------------------------------------------------------------------------

BOARD_CASES = KindQuery(
    select=lambda latest: (
        "SELECT c.subject, c.body, c.case_no, c.title, c.meeting_on, c.refs, c.eff FROM {t}rm_board_cases c"
        " WHERE {where}"
    ),
    alias="c",
    conditions={
        "body": "c.body = :body",
        "meeting_from": "c.meeting_on >= :meeting_from",
        "meeting_to": "c.meeting_on <= :meeting_to",
        "refers_to": (
            "EXISTS (SELECT 1 FROM {t}rm_case_refs x WHERE x.subject = c.subject AND x.ref = :refers_to"
            " AND x.eff <= :horizon AND x.seq <= :position)"
        ),
    },
    build=lambda models, rows, params: _build_board_cases(models, rows, params),
)

_DECISIONS = (
    "SELECT x.subject, x.eff, x.seq, x.item FROM {t}rm_decisions x WHERE {subjects} AND x.eff <= :horizon"
    " AND x.seq <= :position ORDER BY x.subject, x.eff, x.seq"
)
_SUPERSESSIONS = (
    "SELECT x.subject, x.eff, x.seq, x.by_case FROM {t}rm_supersessions x WHERE {subjects}"
    " AND x.eff <= :horizon AND x.seq <= :position ORDER BY x.subject, x.eff, x.seq"
)


def _build_board_cases(models: ReadModels, rows: list[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    decisions = _rows_by_subject(models, _DECISIONS, rows, params)
    supersessions = _rows_by_subject(models, _SUPERSESSIONS, rows, params)
    return [
        {
            "created_on": row["eff"],
            "body": row["body"],
            "case_no": row["case_no"],
            "title": row["title"],
            "meeting_on": row["meeting_on"],
            "refs": orjson.loads(row["refs"]),
            "decisions": _decisions(decisions.get(row["subject"], []), supersessions.get(row["subject"], [])),
        }
        for row in rows
    ]


def _decisions(decided: list[Any], superseded: list[Any]) -> list[dict[str, Any]]:
    """A case's decisions in effective order; a supersession supersedes every decision
    in force when it takes effect."""
    decisions = json_items([row["item"] for row in decided])
    if not superseded:
        return decisions
    at = [(row["eff"], row["seq"]) for row in decided]
    for supersession in superseded:
        when = (supersession["eff"], supersession["seq"])
        for decision, decided_at in zip(decisions, at, strict=True):
            if decided_at < when and decision["superseded_by"] is None:
                decision["superseded_by"] = supersession["by_case"]
    return decisions


QUERIES: dict[Kind, KindQuery] = {
    "project": PROJECTS,
    "milestone": MILESTONES,
    "risk": RISKS,
    "contract": CONTRACTS,
    "board-case": BOARD_CASES,
}
