"""What every read takes: `as_of` (a date, default today in Oslo) and `known_at` (an
RFC 3339 instant, or a date meaning the end of that Oslo day; default now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from api.auth import LedgerDep
from api.parameters import InvalidQuery
from api.problems import DAY_REGEX, KNOWN_AT_REGEX
from governance.projections.runner import ReadModels
from governance.timemodel import TimeFormatError, format_instant, oslo_day, parse_day, parse_known_at


@dataclass(frozen=True)
class ReadTime:
    as_of: date
    known_at: datetime
    """The instant used: `known_at` as given, or now when absent or in the future."""
    is_now: bool

    @property
    def known_at_text(self) -> str:
        return format_instant(self.known_at)

    @property
    def cut(self) -> datetime | None:
        """`known_at` for the ledger's reads: None means everything recorded so far."""
        return None if self.is_now else self.known_at


def read_time(
    ledger: LedgerDep,
    as_of: Annotated[
        str | None,
        Query(
            description="The day to read at (YYYY-MM-DD); default today in Oslo",
            json_schema_extra={"format": "date", "pattern": DAY_REGEX},
        ),
    ] = None,
    known_at: Annotated[
        str | None,
        Query(
            description="Read what was recorded up to this instant (RFC 3339), or to the end of this day in Oslo",
            json_schema_extra={"pattern": KNOWN_AT_REGEX},
        ),
    ] = None,
) -> ReadTime:
    now = ledger.clock()
    try:
        # An empty `as_of` is not a date: over the API it is refused, as the schema says.
        day = oslo_day(now) if as_of is None else parse_day(as_of)
    except TimeFormatError as error:
        raise InvalidQuery("as_of", str(error)) from None
    try:
        moment = parse_known_at(known_at, now)
    except TimeFormatError as error:
        raise InvalidQuery("known_at", str(error)) from None
    return ReadTime(day, moment, moment >= now)


At = Annotated[ReadTime, Depends(read_time)]


def read_models(request: Request) -> ReadModels:
    models: ReadModels = request.app.state.readmodels
    return models


ModelsDep = Annotated[ReadModels, Depends(read_models)]
"""The read models of the app's ledger."""


def single_valued(request: Request) -> None:
    """A query parameter given twice is refused, rather than one of its values ignored."""
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen:
            raise InvalidQuery(name, "is given more than once")
        seen.add(name)


def known_at_param(name: str, text: str | None, now: datetime) -> datetime:
    """An instant in the forms `known_at` takes (a future one is now)."""
    try:
        return parse_known_at(text, now)
    except TimeFormatError as error:
        raise InvalidQuery(name, str(error)) from None


def day_param(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except TimeFormatError as error:
        raise InvalidQuery(name, str(error)) from None
