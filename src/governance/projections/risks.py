"""Risks: registration, scores (identification and assessments), closures and reopenings."""

from __future__ import annotations

from functools import cache
from typing import Any

from governance.projections.schema import (
    Fact,
    Handler,
    Selected,
    Table,
    field,
    json_rows,
    latest_value,
    packed,
)
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

SELECTED: dict[str, Selected] = {
    "RiskAssessed": (
        "rm_risk_facts",
        (
            "l.subject",
            "'score'",
            "l.eff",
            "l.seq",
            field("probability"),
            field("consequence"),
            "NULL",
            "NULL",
        ),
    ),
}
"""The most frequent event's row (`_assessed`), made in the database on SQLite."""


@cache
def risks_at(dialect: str) -> str:
    """Risks identified by `as_of` with their latest score and open/closed state at
    (`as_of`, P), one `packed` row each (see `risk_entries`); callers add conditions on
    `r` and the order."""
    score, score_join = latest_value(dialect, "sc", SCORE, "rm_risk_facts", "score", "r", ":as_of")
    closure, closure_join = latest_value(dialect, "rs", CLOSURE, "rm_risk_facts", "state", "r", ":as_of")
    columns = ["r.key", "r.title", "r.organisation", "r.project", "r.owner", "r.eff", score, closure]
    return (
        f"SELECT {packed(dialect, columns)} FROM {{t}}rm_risks r{score_join}{closure_join}"
        " WHERE r.eff <= :as_of AND r.seq <= :position"
    )


SCORE = "{f}.probability * 10 + {f}.consequence"
"""A score as one value, probability and consequence (1–5 each) as its two digits."""
CLOSURE = "CASE WHEN {f}.closed = 1 THEN {f}.eff || COALESCE({f}.merged_into, '') END"
"""The closure in force as one value: its day (ten characters), then the risk it was
merged into, if any; null while the risk is open."""


def risk_entries(rows: list[tuple[Any, ...]]) -> list[tuple[dict[str, Any], str, str | None]]:
    """Each row of a `risks_at` query as the tertial snapshot and the status list the
    risk, with the day it was identified and that of the closure in force (None while
    it is open)."""
    entries = []
    for (
        key,
        title,
        organisation,
        project,
        owner,
        eff,
        probability_consequence,
        closure,
    ) in json_rows(rows):
        probability, consequence = divmod(probability_consequence, 10)
        score = probability * consequence
        closed_on = closure[:10] if closure is not None else None
        item = {
            "key": key,
            "title": title,
            "organisation": organisation,
            "project": project,
            "owner": owner,
            "probability": probability,
            "consequence": consequence,
            "score": score,
            "level": risk_level(score),
            "merged_into": closure[10:] or None if closure is not None else None,
        }
        entries.append((item, eff, closed_on))
    return entries
