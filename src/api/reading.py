"""What every read takes: `as_of` (a date, default today in Oslo) and `known_at` (an
RFC 3339 instant, or a date meaning the end of that Oslo day; default now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query

from api.auth import LedgerDep
from api.parameters import InvalidQuery
from governance.timemodel import TimeFormatError, format_instant, parse_as_of, parse_known_at


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
        str | None, Query(description="The day to read at (YYYY-MM-DD); default today in Oslo")
    ] = None,
    known_at: Annotated[
        str | None,
        Query(
            description="Read what was recorded up to this instant (RFC 3339), or to the end of this day in Oslo"
        ),
    ] = None,
) -> ReadTime:
    now = ledger.clock()
    try:
        day = parse_as_of(as_of, now)
    except TimeFormatError as error:
        raise InvalidQuery("as_of", str(error)) from None
    try:
        moment = parse_known_at(known_at, now)
    except TimeFormatError as error:
        raise InvalidQuery("known_at", str(error)) from None
    return ReadTime(day, moment, moment >= now)


At = Annotated[ReadTime, Depends(read_time)]
