"""Value types of the events' fields, checked strictly as DOMAIN.md §3 says.

No coercion: ``"3"``, ``3.0`` and ``true`` are not integers, a date is a ``YYYY-MM-DD``
string (or a ``date``), text has a non-space character, no lone surrogate (the
chain's canonical JSON could not encode one) and no U+0000 (PostgreSQL cannot store one,
so neither store accepts it).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, PlainSerializer, PlainValidator, Strict, WithJsonSchema

from governance import keys
from governance.timemodel import TimeFormatError, parse_day

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain at least one non-space character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain lone surrogates") from None
    if "\x00" in value:
        raise ValueError("must not contain the character U+0000")
    return value


def _validate_day(value: Any) -> date:
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return parse_day(value)
        except TimeFormatError as error:
            raise ValueError(str(error)) from None
    raise ValueError("must be a date written YYYY-MM-DD")


def _key_validator(parse: Any) -> Any:
    def validate(value: str) -> str:
        try:
            parse(value)
        except keys.KeyFormatError as error:
            raise ValueError(str(error)) from None
        return value

    return AfterValidator(validate)


Text = Annotated[str, Strict(), AfterValidator(_check_text)]
Amount = Annotated[int, Strict(), Field(ge=0, le=INT64_MAX)]
SignedAmount = Annotated[int, Strict(), Field(ge=INT64_MIN, le=INT64_MAX)]
PositiveInt = Annotated[int, Strict(), Field(ge=1, le=INT64_MAX)]
Score = Annotated[int, Strict(), Field(ge=1, le=5)]
Day = Annotated[
    date,
    PlainValidator(_validate_day),
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "example": "2025-06-12"}),
]

Key = Annotated[str, Strict(), _key_validator(keys.check_key)]
CaseRef = Annotated[str, Strict(), _key_validator(keys.parse_case_ref)]
AmendmentRef = Annotated[str, Strict(), _key_validator(keys.parse_amendment_ref)]
MilestoneRef = Annotated[str, Strict(), _key_validator(keys.parse_milestone_ref)]
SubjectRef = Annotated[str, Strict(), _key_validator(keys.SubjectKey.parse)]

Phase = Literal["concept", "planning", "execution", "closing"]
Rating = Literal["green", "yellow", "red"]
MilestoneKind = Literal["milestone", "decision_point", "delivery", "payment"]
AmendmentKind = Literal["schedule", "scope", "price", "compensation", "settlement", "other"]

RATING_ORDER = {"green": 0, "yellow": 1, "red": 2}


RiskLevel = Literal["low", "medium", "high", "critical"]


def risk_level(score: int) -> RiskLevel:
    """§5: 1–4 low, 5–7 medium, 8–14 high, 15–25 critical."""
    if score <= 4:
        return "low"
    if score <= 7:
        return "medium"
    if score <= 14:
        return "high"
    return "critical"


RISK_LEVELS: tuple[RiskLevel, ...] = get_args(RiskLevel)


def folded(text: str) -> str:
    """Text as a search compares it (DOMAIN.md §6a `q`): ``casefold(NFC(text))``."""
    return unicodedata.normalize("NFC", text).casefold()
