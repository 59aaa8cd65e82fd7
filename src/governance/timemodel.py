"""The time model of DOMAIN.md §4: Oslo days, instants, `known_at`, tertials and the fold.

Every fact has a valid time (`effective_on`, a calendar day in Europe/Oslo) and a
transaction time (`recorded_at`, a UTC instant with microseconds). A read at
(`as_of`, `known_at`) sees the events recorded at or before `known_at`, each subject
folded in (`effective_on`, log order) order up to and including `as_of`. Nothing here
reads a clock: callers pass "now" in, so the same inputs always give the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
FAR_FUTURE = date(9999, 12, 31)

# re.ASCII: `\d` must not match other scripts' digits ("２０２５"), which int() would accept.
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)
_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+\- ]\d{2}:\d{2})\Z", re.ASCII
)
_TERTIAL = re.compile(r"(\d{4})-T([123])\Z", re.ASCII)


class TimeFormatError(ValueError):
    """A date, instant or tertial that is not written as the contract says."""


class InstantOutOfRange(TimeFormatError):
    """A well-written instant that falls outside the calendar once in UTC (year 1 at
    midnight with a positive offset, year 9999 at its end with a negative one)."""

    def __init__(self, message: str, *, after: bool) -> None:
        super().__init__(message)
        self.after = after


def parse_day(text: str) -> date:
    """A calendar day written `YYYY-MM-DD`, nothing else."""
    if isinstance(text, str) and len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        try:
            # Only the shape above gets here, so no other ISO 8601 form ("2025-W01-1",
            # "20250601") can slip through the C parser's broader reading.
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DAY.match(text) if isinstance(text, str) else None
    if match is None:
        raise TimeFormatError("must be a date written YYYY-MM-DD")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise TimeFormatError(f"is not a calendar date ({error})") from None


def parse_instant(text: str, *, exact: bool = False) -> datetime:
    """An RFC 3339 instant with an offset, as an aware UTC datetime.

    Digits beyond microseconds are dropped (rounding down keeps `recorded_at <= known_at`
    exact); with ``exact`` they must be zeros, so nothing is silently lost. A space in
    place of the offset's sign is read as ``+``: that is what an unencoded ``+`` in a URL
    query becomes.
    """
    match = _INSTANT.match(text) if isinstance(text, str) else None
    if match is None:
        raise TimeFormatError("must be an RFC 3339 instant with an offset, e.g. 2025-09-15T10:00:00Z")
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    fraction = match[7] or ""
    if exact and fraction[6:].strip("0"):
        raise TimeFormatError("has more precision than microseconds")
    microsecond = int((fraction + "000000")[:6])
    offset = match[8]
    try:
        if offset in ("Z", "z"):
            tz = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            if hours > 23 or minutes > 59:
                raise ValueError("offset out of range")
            tz = timezone(timedelta(minutes=sign * (hours * 60 + minutes)))
        moment = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tz)
    except ValueError as error:
        raise TimeFormatError(f"is not a valid instant ({error})") from None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InstantOutOfRange("lies outside the years 1 to 9999 in UTC", after=year > 1) from None


def format_instant(moment: datetime) -> str:
    """The canonical form of §4: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, in UTC."""
    # Not strftime: its %Y does not pad years before 1000 to four digits.
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"


def oslo_day(moment: datetime) -> date:
    """The calendar day in Europe/Oslo on which an instant falls (the last day of the
    calendar for the last hour of 9999-12-31 UTC, which falls after it in Oslo)."""
    try:
        return moment.astimezone(OSLO).date()
    except OverflowError:
        return date.max if moment.year == date.max.year else date.min


def start_of_oslo_day(day: date) -> datetime:
    """The first microsecond of a day in Europe/Oslo, as a UTC instant (the first
    instant there is, for 0001-01-01, which began in Oslo before it began in UTC)."""
    try:
        return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def end_of_oslo_day(day: date) -> datetime:
    """The last microsecond of a day in Europe/Oslo, as a UTC instant."""
    local = datetime.combine(day, time(23, 59, 59, 999999), tzinfo=OSLO)
    return local.astimezone(UTC)


def parse_known_at(text: str | None, now: datetime) -> datetime:
    """`known_at` as a read takes it: an instant, or a date meaning the end of that
    Oslo day; absent or in the future it is `now`."""
    if text is None or text == "":
        return now
    if _DAY.match(text):
        moment = end_of_oslo_day(parse_day(text))
    else:
        try:
            moment = parse_instant(text)
        except InstantOutOfRange as error:
            # Beyond the calendar's end is in the future; before its start, before every event.
            return now if error.after else datetime.min.replace(tzinfo=UTC)
    return min(moment, now)


def parse_as_of(text: str | None, now: datetime) -> date:
    """`as_of` as a read takes it: a date, by default today in Oslo."""
    if text is None or text == "":
        return oslo_day(now)
    return parse_day(text)


@dataclass(frozen=True, order=True)
class Tertial:
    """A four-month reporting period: T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Tertial:
        match = _TERTIAL.match(text) if isinstance(text, str) else None
        if match is None or int(match[1]) < 1:
            raise TimeFormatError("must be a tertial written YYYY-Tn with n 1, 2 or 3")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, day: date) -> Tertial:
        return cls(day.year, (day.month - 1) // 4 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 4 * (self.number - 1) + 1, 1)

    @property
    def end(self) -> date:
        if self.number == 3:
            return date(self.year, 12, 31)
        return date(self.year, 4 * self.number + 1, 1) - timedelta(days=1)

    @property
    def previous(self) -> Tertial | None:
        if self.number > 1:
            return Tertial(self.year, self.number - 1)
        return Tertial(self.year - 1, 3) if self.year > 1 else None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.year:04d}-T{self.number}"


class DatedEvent(Protocol):
    @property
    def effective_on(self) -> date: ...

    @property
    def originator_version(self) -> int: ...


TEvent = TypeVar("TEvent", bound=DatedEvent)
TState = TypeVar("TState")


def effective_order(event: DatedEvent) -> tuple[date, int]:
    """A subject's events fold in (`effective_on`, log order) order; within one subject
    the log order is the event's version."""
    return (event.effective_on, event.originator_version)


def fold(
    events: Iterable[TEvent],
    evolve: Callable[[TState | None, TEvent], TState],
    *,
    as_of: date | None = None,
) -> TState | None:
    """The state of one subject from its known events, at `as_of` (all when None)."""
    state: TState | None = None
    for event in sorted(events, key=effective_order):
        if as_of is not None and event.effective_on > as_of:
            break
        state = evolve(state, event)
    return state
