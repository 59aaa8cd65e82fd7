"""The shapes of §6a's "what changed" answers, for the OpenAPI schema, and the readings a
change request compares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from api.bodies import Envelope
from api.parameters import InvalidQuery
from api.problems import (
    HASH_REGEX,
    KNOWN_AT_REGEX,
    READING_REGEX,
    RECORDED_AT_REGEX,
    SUBJECT_KEY_REGEX,
    TERTIAL_REGEX,
)
from api.reading import known_at_param


class Reading(BaseModel):
    known_at: str = Field(pattern=RECORDED_AT_REGEX)
    position: int = Field(ge=0)
    head_hash: str = Field(pattern=HASH_REGEX)


class Change(BaseModel):
    path: str = Field(description="A JSON Pointer; an item of a keyed list is named by its key")
    before: Any
    after: Any


class TertialChanges(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    tertial: str = Field(pattern=TERTIAL_REGEX)
    from_: Reading = Field(alias="from")
    to: Reading
    changes: list[Change]
    events: list[Envelope]


class SubjectChanges(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    subject: str = Field(pattern=SUBJECT_KEY_REGEX)
    as_of: date
    from_: Reading = Field(alias="from")
    to: Reading
    changes: list[Change]
    events: list[Envelope]


FromKnownAt = Annotated[
    str,
    Query(
        description="The earlier reading: an RFC 3339 instant, or a date (the end of that day in Oslo)",
        json_schema_extra={"pattern": READING_REGEX},
    ),
]
ToKnownAt = Annotated[
    str | None,
    Query(description="The later reading (default now)", json_schema_extra={"pattern": KNOWN_AT_REGEX}),
]


def readings(from_known_at: str, to_known_at: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The two instants a change request compares; A after B is a 422."""
    if not from_known_at:
        raise InvalidQuery("from_known_at", "is required: the earlier reading, an instant or a date")
    start = known_at_param("from_known_at", from_known_at, now)
    end = known_at_param("to_known_at", to_known_at, now)
    if start > end:
        raise InvalidQuery(
            "from_known_at", "lies after to_known_at: compare an earlier reading with a later one"
        )
    return start, end
