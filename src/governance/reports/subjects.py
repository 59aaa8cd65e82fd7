"""A subject's answer and its events as the pages show them: every field under its
Norwegian label, dates as `15.09.2025`, money in MNOK, enumerated values in words, and
references as links to the pages of what they name."""

from __future__ import annotations

from datetime import date
from typing import Any

from governance.reports import formatting as fmt
from governance.reports import labels

MONEY = frozenset(
    {"cost_frame", "steering_frame", "phase_budget", "forecast", "actual", "earned_value", "value"}
)
SIGNED_MONEY = frozenset({"value_change"})
BOOLEANS = {
    "open": labels.OPEN,
    "completed": labels.YES_NO,
    "dispute_open": labels.YES_NO,
    "terminated": labels.YES_NO,
}
NESTED = frozenset({"status", "financials", "mitigations", "amendments", "decisions"})
HIDDEN = frozenset({"key"})


def page_of(kind: str, key: str) -> str:
    """The page of a subject: `/ui/risks/OR-631`, `/ui/board-cases/HDO/27-2025`."""
    return f"/ui/board-cases/{key}" if kind == "board-case" else f"/ui/{kind}s/{key}"


def page_of_subject(subject: str) -> str:
    kind, _, key = subject.partition(":")
    return page_of(kind, key)


def subject_name(subject: str) -> str:
    """`risiko OR-631` for `risk:OR-631`."""
    kind, _, key = subject.partition(":")
    return f"{labels.label(kind, 'subject_kind')} {key}"


def _link(kind: str, key: str, text: str | None = None) -> dict[str, str]:
    return {"text": text or key, "href": page_of(kind, key)}


def _links(name: str, value: Any) -> list[dict[str, str]] | None:
    if name in ("decision_ref", "by", "superseded_by") and isinstance(value, str):
        return [_link("board-case", value)]
    if name == "merged_into" and isinstance(value, str):
        return [_link("risk", value)]
    if name == "project" and isinstance(value, str):
        return [_link("project", value)]
    if name == "amendment_ref" and isinstance(value, str):
        return [_link("contract", value.partition("#")[0], value)]
    if name == "refs" and isinstance(value, list):
        return [{"text": subject_name(ref), "href": page_of_subject(ref)} for ref in value]
    if name == "affected_milestones" and isinstance(value, list):
        return [_link("milestone", ref) for ref in value]
    return None


def value_text(name: str, value: Any, *, kind: str | None = None) -> str:
    """A field's value in words."""
    if value is None:
        return fmt.DASH
    if name in MONEY:
        return fmt.mnok(value)
    if name in SIGNED_MONEY:
        return fmt.signed_mnok(value)
    if name in BOOLEANS and isinstance(value, bool):
        return BOOLEANS[name][value]
    if isinstance(value, date) or (name.endswith("_on") and isinstance(value, str)):
        return fmt.day(value)
    if name == "slip_days":
        return fmt.signed_days(value)
    word = labels.field_value_label(name, value, subject_kind=kind)
    if word is not None:
        return word
    if isinstance(value, list):
        return "; ".join(str(item) for item in value) if value else fmt.DASH
    if isinstance(value, bool):
        return labels.YES_NO[value]
    return str(value)


def field_row(name: str, value: Any, *, kind: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": name,
        "label": labels.FIELDS.get(name, name),
        "text": value_text(name, value, kind=kind),
        "links": _links(name, value),
        "rating": value if name in labels.DIMENSIONS and value in labels.RATINGS else None,
        "entries": value if name == "measures" and isinstance(value, list) else None,
    }
    return row


def state_rows(kind: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The subject's own fields, without the nested ones the pages show as tables."""
    return [
        field_row(name, value, kind=kind)
        for name, value in answer.items()
        if name not in NESTED and name not in HIDDEN
    ]


def data_rows(kind: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """An event's fields (§3) under their labels."""
    return [field_row(name, value, kind=kind) for name, value in data.items()]


def status_cells(status: dict[str, Any] | None) -> list[dict[str, Any]]:
    if status is None:
        return []
    return [
        {
            "dimension": name,
            "label": labels.DIMENSIONS_LONG[name],
            "rating": status.get(name),
            "word": labels.label(status.get(name), "rating"),
        }
        for name in labels.DIMENSIONS
    ]
