"""Projects: registration, phase, status assessments, financials, cost frames, closure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.aggregates.project import COST_FRAME_FIGURES, FINANCIAL_FIGURES, STATUS_DIMENSIONS
from governance.projections.schema import Fact, Handler, Table
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
        ("subject", "kind", "eff", "seq", "detail"),
        "CREATE TABLE IF NOT EXISTS {t}rm_project_facts (subject {text} NOT NULL, kind {text} NOT NULL,"
        " eff {text} NOT NULL, seq BIGINT NOT NULL, detail {text})",
        (
            (
                "CREATE INDEX IF NOT EXISTS rm_project_facts_by_subject"
                " ON {t}rm_project_facts (subject, kind, eff, seq, detail)"
            ),
        ),
    ),
)
# Fact kinds: "phase" (detail: the phase), "closed", and "status" (detail: the overall
# rating), "financials", "cost_frame" — whose figures stay in the stored event: a read
# looks up the few it shows by `seq` (a rebuild writes no copy of them, and the index
# alone answers which one is in force).

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
        return [("rm_project_facts", (subject, kind, s["effective_on"], seq, s[detail] if detail else None))]

    return handle


HANDLERS: dict[str, Handler] = {
    "ProjectRegistered": _registered,
    "ProjectPhaseChanged": _fact("phase", "phase"),
    "ProjectStatusAssessed": _fact("status", "overall"),
    "ProjectFinancialsReported": _fact("financials"),
    "ProjectCostFrameChanged": _fact("cost_frame"),
    "ProjectClosed": _fact("closed"),
}


def _latest(kind: str, as_of: str = ":as_of") -> str:
    """A project's latest fact of `kind` at (as_of, P): its day, its seq, its phase."""
    return (
        f"(SELECT f.eff || '|' || f.seq || '|' || COALESCE(f.detail, '') FROM {{t}}rm_project_facts f"
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

FIGURES = ("status", "previous_status", "financials", "cost_frame")


@dataclass(frozen=True)
class Latest:
    """A latest-fact cell: the fact's day, its seq and (for a phase) the phase."""

    day: str
    seq: int
    phase: str

    @classmethod
    def of(cls, cell: str | None) -> Latest | None:
        if cell is None:
            return None
        day, seq, phase = cell.split("|", 2)
        return cls(day, int(seq), phase)


class ProjectRow:
    """A row of `PROJECTS_AT`, with the stored events its figures come from."""

    def __init__(self, row: Any, states: dict[int, dict[str, Any]]) -> None:
        self.row = row
        self.states = states

    @staticmethod
    def seqs(rows: list[Any]) -> set[int]:
        """The events whose figures these rows show."""
        return {
            latest.seq for row in rows for name in FIGURES if (latest := Latest.of(row[name])) is not None
        }

    def status(self, name: str = "status") -> dict[str, Any] | None:
        latest = Latest.of(self.row[name])
        if latest is None:
            return None
        state = self.states[latest.seq]
        return {**{field: state.get(field) for field in STATUS_FIELDS}, "effective_on": latest.day}

    def financials(self) -> dict[str, Any] | None:
        frame, report = Latest.of(self.row["cost_frame"]), Latest.of(self.row["financials"])
        if frame is None and report is None:
            return None
        values: dict[str, Any] = {}
        for names, latest in ((COST_FRAME_FIGURES, frame), (FINANCIAL_FIGURES, report)):
            state = self.states[latest.seq] if latest is not None else {}
            values.update((field, state.get(field)) for field in names)
        return values

    def item(self) -> dict[str, Any]:
        """The project as the tertial snapshot and the status show it."""
        phase, closed = Latest.of(self.row["phase"]), Latest.of(self.row["closed"])
        return {
            "key": self.row["key"],
            "name": self.row["name"],
            "organisation": self.row["organisation"],
            "phase": phase.phase if phase else self.row["first_phase"],
            "status": self.status(),
            "financials": self.financials(),
            "closed_on": closed.day if closed else None,
        }


def project_rows(models: Any, template: str, **params: Any) -> list[ProjectRow]:
    """The rows of a `PROJECTS_AT` query, each with the stored states of its figures."""
    rows = models.fetch(template, **params)
    states = models.ledger.log.states_at(ProjectRow.seqs(rows))
    return [ProjectRow(row, states) for row in rows]
