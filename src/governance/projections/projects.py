"""Projects: registration, phase, status assessments, financials, cost frames, closure."""

from __future__ import annotations

from functools import cache
from typing import Any

from governance.aggregates.project import COST_FRAME_FIGURES, FINANCIAL_FIGURES, STATUS_DIMENSIONS
from governance.projections.schema import (
    Fact,
    Handler,
    Selected,
    Table,
    field,
    json_fields,
    json_items,
    json_text,
    latest_value,
    packed,
)
from governance.values import folded

TABLES = (
    Table(
        "rm_projects",
        (
            "subject",
            "key",
            "name",
            "organisation",
            "owner",
            "purpose",
            "phase",
            "eff",
            "seq",
            "find_key",
            "find_text",
        ),
        "CREATE TABLE IF NOT EXISTS {t}rm_projects (subject {text} PRIMARY KEY, key {text} NOT NULL,"
        " name TEXT NOT NULL, organisation {text} NOT NULL, owner TEXT NOT NULL, purpose TEXT,"
        " phase TEXT NOT NULL, eff {text} NOT NULL, seq BIGINT NOT NULL, find_key TEXT NOT NULL,"
        " find_text TEXT NOT NULL)",
    ),
    Table(
        "rm_project_facts",
        ("subject", "kind", "eff", "seq", "detail", "figures"),
        "CREATE TABLE IF NOT EXISTS {t}rm_project_facts (subject {text} NOT NULL, kind {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, detail {text}, figures TEXT)",
        (
            (
                "CREATE INDEX IF NOT EXISTS rm_project_facts_by_subject"
                " ON {t}rm_project_facts (subject, kind, eff, seq, detail)"
            ),
        ),
    ),
)
# Fact kinds: "phase" (detail: the phase), "closed", and "status" (detail: the overall
# rating), "financials", "cost_frame" — each with its `figures`: the part of the answer
# it gives, as JSON text (the status object, or the financial or cost-frame figures), so
# that a read of hundreds of projects parses them in one go, never looking up events.

STATUS_FIELDS = (*STATUS_DIMENSIONS, "comment", "deviation", "consequence_note", "measures")


def _registered(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
    return [
        (
            "rm_projects",
            (
                subject,
                subject.partition(":")[2],
                s["name"],
                s["organisation"],
                s["owner"],
                s.get("purpose"),
                s["phase"],
                s["effective_on"],
                seq,
                folded(subject.partition(":")[2]),
                folded(s["name"]),
            ),
        )
    ]


def _fact(kind: str, detail: str | None = None) -> Handler:
    def handle(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
        return [
            ("rm_project_facts", (subject, kind, s["effective_on"], seq, s[detail] if detail else None, None))
        ]

    return handle


def _figures(kind: str, names: tuple[str, ...], detail: str | None = None) -> Handler:
    """A fact with the figures the answers show (the status also with its day)."""
    with_day = kind == "status"

    def handle(seq: int, subject: str, s: dict[str, Any]) -> list[Fact]:
        figures = {name: s.get(name) for name in names}
        if with_day:
            figures["effective_on"] = s["effective_on"]
        return [
            (
                "rm_project_facts",
                (subject, kind, s["effective_on"], seq, s[detail] if detail else None, json_text(figures)),
            )
        ]

    return handle


HANDLERS: dict[str, Handler] = {
    "ProjectRegistered": _registered,
    "ProjectPhaseChanged": _fact("phase", "phase"),
    "ProjectStatusAssessed": _figures("status", STATUS_FIELDS, "overall"),
    "ProjectFinancialsReported": _figures("financials", FINANCIAL_FIGURES),
    "ProjectCostFrameChanged": _figures("cost_frame", COST_FRAME_FIGURES),
    "ProjectClosed": _fact("closed"),
}

SELECTED: dict[str, Selected] = {
    "ProjectStatusAssessed": (
        "rm_project_facts",
        (
            "l.subject",
            "'status'",
            "l.eff",
            "l.seq",
            field("overall"),
            json_fields(STATUS_FIELDS, "effective_on"),
        ),
    ),
    "ProjectFinancialsReported": (
        "rm_project_facts",
        ("l.subject", "'financials'", "l.eff", "l.seq", "NULL", json_fields(FINANCIAL_FIGURES)),
    ),
}
"""The most frequent events' rows (`_figures`), made in the database on SQLite: the same
figures as JSON text with the same keys in the same order."""


@cache
def projects_at(dialect: str, *, previous: bool = True) -> str:
    """Every project registered by `as_of` with its latest facts at (`as_of`, P), and
    (with `previous`) its status at `previous_end` (the previous tertial's end) from the
    same known events: one `packed` row each for what is not already JSON (see
    `project_items`), and the facts' figures as they are kept; callers add
    conditions on `p` and the order."""
    facts = [
        ("ph", "detail", "phase", ":as_of"),
        ("cl", "eff", "closed", ":as_of"),
        ("st", "figures", "status", ":as_of"),
        *([("ps", "figures", "status", ":previous_end")] if previous else []),
        ("fi", "figures", "financials", ":as_of"),
        ("cf", "figures", "cost_frame", ":as_of"),
    ]
    value, joins = {}, ""
    for alias, column, kind, bound in facts:
        value[alias], join = latest_value(dialect, alias, column, "rm_project_facts", kind, "p", bound)
        joins += join
    columns = ["p.key", "p.name", "p.organisation", f"COALESCE({value['ph']}, p.phase)", value["cl"]]
    figures = ", ".join(value.get(alias, "NULL") for alias in ("st", "ps", "fi", "cf"))
    return (
        f"SELECT {packed(dialect, columns)}, {figures} FROM {{t}}rm_projects p{joins}"
        " WHERE p.eff <= :as_of AND p.seq <= :position"
    )


NO_COST_FRAME = dict.fromkeys(COST_FRAME_FIGURES)
NO_FINANCIALS = dict.fromkeys(FINANCIAL_FIGURES)


def figures_of(rows: list[Any], columns: tuple[Any, ...]) -> list[list[Any]]:
    """The JSON figures in `columns` (names, or positions in tuple rows) of each row,
    parsed in one go (None where null)."""
    width = len(columns)
    texts = [row[column] or "null" for row in rows for column in columns]
    values = json_items(texts)
    return [values[start : start + width] for start in range(0, len(values), width)]


def financials(frame: dict[str, Any] | None, report: dict[str, Any] | None) -> dict[str, Any] | None:
    """The financials answer from the cost frame and the report in force, or None."""
    if frame is None and report is None:
        return None
    return {**(frame or NO_COST_FRAME), **(report or NO_FINANCIALS)}


def project_items(rows: list[tuple[Any, ...]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each row of a `projects_at` query as the tertial snapshot and the status show the
    project, with its previous status."""
    values = json_items([text or "null" for row in rows for text in row])
    return [
        (
            {
                "key": key,
                "name": name,
                "organisation": organisation,
                "phase": phase,
                "status": status,
                "financials": financials(frame, report),
                "closed_on": closed_on,
            },
            previous_status,
        )
        for (key, name, organisation, phase, closed_on), status, previous_status, report, frame in (
            values[start : start + 5] for start in range(0, len(values), 5)
        )
    ]
