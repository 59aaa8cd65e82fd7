"""Board cases: registration, decisions, supersessions, and the events that cite a case."""

from __future__ import annotations

from typing import Any

from governance.events import EVENT_TYPES
from governance.projections.schema import Fact, Handler, Table, json_text
from governance.values import folded

TABLES = (
    Table(
        "rm_board_cases",
        ("subject", "body", "case_no", "title", "meeting_on", "eff", "seq", "refs", "find_key", "find_text"),
        "CREATE TABLE IF NOT EXISTS {t}rm_board_cases (subject {text} PRIMARY KEY, body {text} NOT NULL,"
        " case_no {text} NOT NULL, title TEXT NOT NULL, meeting_on {text} NOT NULL, eff {text} NOT NULL,"
        " seq BIGINT NOT NULL, refs TEXT NOT NULL, find_key TEXT NOT NULL, find_text TEXT NOT NULL)",
    ),
    Table(
        "rm_decisions",
        ("subject", "body", "case_no", "decided_on", "text", "eff", "seq", "item"),
        "CREATE TABLE IF NOT EXISTS {t}rm_decisions (subject {text} NOT NULL, body {text} NOT NULL,"
        " case_no {text} NOT NULL, decided_on {text} NOT NULL, text TEXT NOT NULL, eff {text} NOT NULL,"
        " seq BIGINT NOT NULL, item TEXT NOT NULL)",
        (
            "CREATE INDEX IF NOT EXISTS rm_decisions_by_eff ON {t}rm_decisions (eff, seq)",
            "CREATE INDEX IF NOT EXISTS rm_decisions_by_subject ON {t}rm_decisions (subject, eff, seq)",
        ),
    ),
    Table(
        "rm_supersessions",
        ("subject", "by_case", "eff", "seq"),
        "CREATE TABLE IF NOT EXISTS {t}rm_supersessions (subject {text} NOT NULL, by_case {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL)",
        (
            "CREATE INDEX IF NOT EXISTS rm_supersessions_by_subject ON {t}rm_supersessions (subject, eff, seq)",
        ),
    ),
    Table(
        "rm_case_refs",
        ("subject", "ref", "eff", "seq"),
        "CREATE TABLE IF NOT EXISTS {t}rm_case_refs (subject {text} NOT NULL, ref {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL)",
        ("CREATE INDEX IF NOT EXISTS rm_case_refs_by_subject ON {t}rm_case_refs (subject, ref, eff, seq)",),
    ),
    Table(
        "rm_citations",
        ("case_key", "seq"),
        "CREATE TABLE IF NOT EXISTS {t}rm_citations (case_key {text} NOT NULL, seq BIGINT NOT NULL)",
        ("CREATE INDEX IF NOT EXISTS rm_citations_by_case ON {t}rm_citations (case_key, seq)",),
    ),
)


def _refs(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    """Each subject a case or its decision refers to, for the lists' `refers_to`."""
    return [("rm_case_refs", (subject, ref, s["effective_on"], seq)) for ref in sorted(set(s["refs"]))]


def _registered(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    key = subject.partition(":")[2]
    return [
        (
            "rm_board_cases",
            (
                subject,
                s["body"],
                s["case_no"],
                s["title"],
                s["meeting_on"],
                s["effective_on"],
                seq,
                json_text(s["refs"]),
                folded(key),
                folded(s["title"]),
            ),
        ),
        *_refs(seq, subject, s),
    ]


def _decided(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    body, _, case_no = subject.partition(":")[2].partition("/")
    return [
        (
            "rm_decisions",
            (
                subject,
                body,
                case_no,
                s["decided_on"],
                s["text"],
                s["effective_on"],
                seq,
                json_text(
                    {
                        "decided_on": s["decided_on"],
                        "text": s["text"],
                        "refs": s["refs"],
                        "effective_on": s["effective_on"],
                        "superseded_by": None,
                    }
                ),
            ),
        ),
        *_refs(seq, subject, s),
    ]


def _superseded(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [("rm_supersessions", (subject, s["by"], s["effective_on"], seq))]


HANDLERS: dict[str, Handler] = {
    "BoardCaseRegistered": _registered,
    "BoardDecisionRecorded": _decided,
    "BoardDecisionSuperseded": _superseded,
}


CITING_TYPES = frozenset(
    name
    for name, event_class in EVENT_TYPES.items()
    if set(event_class.model_fields) & {"decision_ref", "by", "refs"}
)
"""The event types with a `decision_ref`, `by` or `refs` field."""


def citations(seq: int, state: dict[str, Any]) -> list[Fact]:
    """Every case an event cites: by `decision_ref` or `by` (BODY/CASE_NO), or in `refs`."""
    cited = {state[name] for name in ("decision_ref", "by") if isinstance(state.get(name), str)}
    cited.update(ref.partition(":")[2] for ref in state.get("refs") or () if ref.startswith("board-case:"))
    return [("rm_citations", (case_key, seq)) for case_key in sorted(cited)]


DECISIONS_IN_PERIOD = (
    "SELECT d.body, d.case_no, d.decided_on, d.text FROM {t}rm_decisions d"
    " WHERE d.eff >= :start AND d.eff <= :end AND d.seq <= :position ORDER BY d.subject, d.eff, d.seq"
)

RECENT_DECISIONS = (
    "SELECT d.subject, d.body, d.case_no, d.decided_on, d.text, d.eff, d.seq,"
    " (SELECT s.by_case FROM {t}rm_supersessions s WHERE s.subject = d.subject AND s.seq <= :position"
    "  AND s.eff <= :as_of AND (s.eff > d.eff OR (s.eff = d.eff AND s.seq > d.seq))"
    "  ORDER BY s.eff, s.seq LIMIT 1) AS superseded_by"
    " FROM {t}rm_decisions d WHERE d.eff <= :as_of AND d.seq <= :position ORDER BY d.eff DESC, d.seq DESC LIMIT :limit"
)
"""The latest decisions by `as_of`; a decision is superseded by the first supersession of
its case after it in effective order (that one supersedes every decision then in force)."""

CITING = (
    "SELECT c.seq FROM {t}rm_citations c WHERE c.case_key = :case_key AND c.seq <= :position ORDER BY c.seq"
)
