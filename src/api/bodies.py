"""Request and response models of the HTTP API, derived from the domain's events.

A write's body is its event's §3 fields plus `effective_on` (default: today in Oslo),
with the same strict types as the event itself, so the API cannot drift from the
domain. Optional fields take `null` for "absent". Creating writes name their subject
in the body (`key`; `body` and `case_no` for board cases).
"""

from __future__ import annotations

import typing
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.examples import EXAMPLES
from api.problems import HASH_REGEX, KEY_REGEX, RECORDED_AT_REGEX, SUBJECT_KEY_REGEX
from governance.base import NOT_DATA
from governance.events import EVENT_TYPES
from governance.keys import KEY_PATTERN
from governance.values import AmendmentRef, CaseRef, Day, Key, MilestoneRef, SubjectRef, Text

PAIR_REGEX = f"^{KEY_PATTERN}/{KEY_PATTERN}$"
DECLARED: list[tuple[Any, dict[str, Any]]] = [
    (Key, {"pattern": KEY_REGEX}),
    (CaseRef, {"pattern": PAIR_REGEX}),
    (MilestoneRef, {"pattern": PAIR_REGEX}),
    (AmendmentRef, {"pattern": f"^{KEY_PATTERN}#[1-9][0-9]{{0,18}}$"}),
    (SubjectRef, {"pattern": SUBJECT_KEY_REGEX}),
    (Text, {"minLength": 1, "pattern": r"^\s*[^\s\x00][^\x00]*$"}),
]
"""What the schema says of the events' checked strings: text has a non-space character
and no U+0000 (its validator also refuses a lone surrogate, which a pattern cannot say)."""


def _declared(hint: Any) -> dict[str, Any] | None:
    """What the schema declares of a field's strings, the field optional or a list."""
    for kind, declared in DECLARED:
        if hint == kind:
            return declared
    for argument in typing.get_args(hint):
        found = _declared(argument)
        if found is not None:
            return found
    return None


def _refine(schema: dict[str, Any], declared: dict[str, Any]) -> None:
    if schema.get("type") == "string":
        schema.update(declared)
    elif schema.get("type") == "array":
        _refine(schema["items"], declared)
    for variant in schema.get("anyOf", ()):
        _refine(variant, declared)


def _json_schema(fields: dict[str, Any], example: dict[str, Any]) -> Any:
    """Declares the keys' and references' patterns and the texts' lengths in the schema."""
    declared = {name: found for name, (hint, _) in fields.items() if (found := _declared(hint)) is not None}

    def extra(schema: dict[str, Any]) -> None:
        schema["examples"] = [example]
        for name, refinement in declared.items():
            _refine(schema["properties"][name], refinement)

    return extra


def _fields_of(event_type: str, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    event_class = EVENT_TYPES[event_type]
    hints = typing.get_type_hints(event_class, include_extras=True)
    fields: dict[str, Any] = {}
    for name, info in event_class.model_fields.items():
        if name in NOT_DATA or name in leave_out:
            continue
        fields[name] = (hints[name], ... if info.is_required() else None)
    return fields


def body_model(
    event_type: str,
    *,
    key_field: str | None = None,
    leave_out: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
) -> type[BaseModel]:
    """The body of the write that records `event_type`."""
    fields = _fields_of(event_type, leave_out=leave_out)
    for name in optional:
        fields[name] = (fields[name][0] | None, None)
    if key_field is not None:
        fields = {key_field: (Key, Field(description="The new subject's key")), **fields}
    fields["effective_on"] = (
        Day | None,
        Field(None, description="The day (Europe/Oslo) the fact holds; default today. Never in the future."),
    )
    example = dict(EXAMPLES[event_type])
    for name in leave_out:
        example.pop(name, None)
    return create_model(
        f"{event_type}Body",
        __config__=ConfigDict(extra="forbid", strict=True, json_schema_extra=_json_schema(fields, example)),
        **fields,
    )


class Envelope(BaseModel):
    """A stored event as DOMAIN.md §7 writes it."""

    seq: int = Field(ge=1)
    id: UUID
    subject: str = Field(examples=["risk:OR-631"])
    type: str = Field(examples=["RiskAssessed"])
    version: int = Field(ge=1)
    effective_on: date
    recorded_at: str = Field(pattern=RECORDED_AT_REGEX, examples=["2025-09-15T08:30:00.000000Z"])
    actor: str | None
    data: dict[str, Any]
    prev_hash: str = Field(pattern=HASH_REGEX)
    hash: str = Field(pattern=HASH_REGEX)
