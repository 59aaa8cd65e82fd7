"""Risks: registration, scores (identification and assessments), closures and reopenings."""

from __future__ import annotations

from typing import Any

from governance.projections.schema import Fact, Handler, Table
from governance.values import folded, risk_level

TABLES = (
    Table(
        "rm_risks",
        (
            "subject",
            "key",
            "title",
            "organisation",
            "project",
            "owner",
            "eff",
            "seq",
            "description",
            "find_key",
            "find_text",
        ),
        "CREATE TABLE IF NOT EXISTS {t}rm_risks (subject {text} PRIMARY KEY, key {text} NOT NULL,"
        " title TEXT NOT NULL, organisation {text} NOT NULL, project {text}, owner {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, description TEXT, find_key TEXT NOT NULL,"
        " find_text TEXT NOT NULL)",
    ),
    Table(
        "rm_mitigations",
        ("subject", "mitigation_id", "kind", "eff", "seq", "description", "owner", "due_on"),
        "CREATE TABLE IF NOT EXISTS {t}rm_mitigations (subject {text} NOT NULL, mitigation_id {text} NOT NULL,"
        " kind {text} NOT NULL, eff {text} NOT NULL, seq BIGINT NOT NULL, description TEXT, owner TEXT,"
        " due_on {text})",
        ("CREATE INDEX IF NOT EXISTS rm_mitigations_by_subject ON {t}rm_mitigations (subject, eff, seq)",),
    ),
    Table(
        "rm_risk_facts",
        ("subject", "kind", "eff", "seq", "probability", "consequence", "closed", "merged_into"),
        "CREATE TABLE IF NOT EXISTS {t}rm_risk_facts (subject {text} NOT NULL, kind {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, probability INTEGER, consequence INTEGER,"
        " closed INTEGER, merged_into TEXT)",
        (
            # Covering: the latest score or state of a risk is read from the index alone.
            (
                "CREATE INDEX IF NOT EXISTS rm_risk_facts_by_subject"
                " ON {t}rm_risk_facts (subject, kind, eff, seq, probability, consequence, closed)"
            ),
        ),
    ),
)
# Fact kinds: "score" (probability and consequence) and "state" (closed 1 or 0); a
# mitigation is "added" (with its description, owner and due day) or "completed".


def _identified(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    eff = s["effective_on"]
    return [
        (
            "rm_risks",
            (
                subject,
                subject.partition(":")[2],
                s["title"],
                s["organisation"],
                s.get("project"),
                s["owner"],
                eff,
                seq,
                s.get("description"),
                folded(subject.partition(":")[2]),
                folded(s["title"]),
            ),
        ),
        ("rm_risk_facts", (subject, "score", eff, seq, s["probability"], s["consequence"], None, None)),
    ]


def _assessed(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [
        (
            "rm_risk_facts",
            (subject, "score", s["effective_on"], seq, s["probability"], s["consequence"], None, None),
        )
    ]


def _closed(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [
        ("rm_risk_facts", (subject, "state", s["effective_on"], seq, None, None, 1, s.get("merged_into")))
    ]


def _reopened(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [("rm_risk_facts", (subject, "state", s["effective_on"], seq, None, None, 0, None))]


def _mitigation_added(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [
        (
            "rm_mitigations",
            (
                subject,
                s["mitigation_id"],
                "added",
                s["effective_on"],
                seq,
                s["description"],
                s.get("owner"),
                s.get("due_on"),
            ),
        )
    ]


def _mitigation_completed(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [
        (
            "rm_mitigations",
            (subject, s["mitigation_id"], "completed", s["effective_on"], seq, None, None, None),
        )
    ]


HANDLERS: dict[str, Handler] = {
    "RiskIdentified": _identified,
    "RiskAssessed": _assessed,
    "RiskClosed": _closed,
    "RiskReopened": _reopened,
    "MitigationAdded": _mitigation_added,
    "MitigationCompleted": _mitigation_completed,
}

RISKS_AT = (
    "SELECT r.subject, r.key, r.title, r.organisation, r.project, r.owner, r.eff,"
    " (SELECT f.probability || '|' || f.consequence FROM {t}rm_risk_facts f WHERE f.subject = r.subject"
    "  AND f.kind = 'score' AND f.eff <= :as_of AND f.seq <= :position ORDER BY f.eff DESC, f.seq DESC LIMIT 1) AS score,"
    " (SELECT f.closed || '|' || f.eff || '|' || COALESCE(f.merged_into, '') FROM {t}rm_risk_facts f WHERE f.subject = r.subject"
    "  AND f.kind = 'state' AND f.eff <= :as_of AND f.seq <= :position ORDER BY f.eff DESC, f.seq DESC LIMIT 1) AS state"
    " FROM {t}rm_risks r WHERE r.eff <= :as_of AND r.seq <= :position"
)
"""Risks identified by `as_of` with their latest score and open/closed state."""


def risk_item(row: Any) -> dict[str, Any]:
    """A risk as the tertial snapshot lists it."""
    probability, consequence = (int(part) for part in row["score"].split("|"))
    return {
        "key": row["key"],
        "title": row["title"],
        "organisation": row["organisation"],
        "project": row["project"],
        "owner": row["owner"],
        "probability": probability,
        "consequence": consequence,
        "score": probability * consequence,
        "level": risk_level(probability * consequence),
        "merged_into": merged_into(row),
    }


def closed_on(row: Any) -> str | None:
    """The day of the closure in force, or None while the risk is open."""
    if row["state"] is None:
        return None
    closed, day, _ = row["state"].split("|", 2)
    return day if closed == "1" else None


def merged_into(row: Any) -> str | None:
    """The risk a closed risk was merged into, or None."""
    if row["state"] is None:
        return None
    closed, _, into = row["state"].split("|", 2)
    return into if closed == "1" and into else None
