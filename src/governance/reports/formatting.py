"""Dates, instants and amounts as the seed reports write them: `15.09.2025`, instants in
Oslo local time, money in MNOK with one decimal and a decimal comma (`46,1 MNOK`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from governance.timemodel import OSLO, parse_day, parse_instant

MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)
DASH = "–"
MINUS = "−"
NBSP = "\u00a0"


def as_day(value: date | str) -> date:
    return value if isinstance(value, date) else parse_day(value)


def day(value: date | str | None) -> str:
    """`15.09.2025`."""
    if value is None:
        return DASH
    found = as_day(value)
    return f"{found.day:02d}.{found.month:02d}.{found.year:04d}"


def long_day(value: date | str | None) -> str:
    """`15. september 2025`."""
    if value is None:
        return DASH
    found = as_day(value)
    return f"{found.day}. {MONTHS[found.month - 1]} {found.year}"


def period(start: date | str, end: date | str) -> str:
    """`1. mai – 31. august 2025` (the year once when both days share it)."""
    first, last = as_day(start), as_day(end)
    if first.year == last.year:
        return f"{first.day}. {MONTHS[first.month - 1]} {DASH} {long_day(last)}"
    return f"{long_day(first)} {DASH} {long_day(last)}"


def _local(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else parse_instant(value)
    return moment.astimezone(OSLO)


def instant(value: datetime | str | None, *, seconds: bool = False) -> str:
    """An instant in Oslo local time: `15.09.2025 kl. 23:59`."""
    if value is None:
        return DASH
    local = _local(value)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{day(local.date())} kl.{NBSP}{clock}"


def oslo_day_of(value: datetime | str) -> date:
    """The Oslo calendar day on which an instant falls."""
    return _local(value).date()


def picker_value(value: datetime | str | None) -> str:
    """An instant as a `datetime-local` picker shows it, in Oslo time (`2025-09-15T23:59`)."""
    if value is None:
        return ""
    return f"{_local(value):%Y-%m-%dT%H:%M}"


def _grouped(number: Decimal) -> str:
    whole, _, fraction = f"{abs(number):.1f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return NBSP.join(groups) + "," + fraction


def _millions(amount: int) -> Decimal:
    return (Decimal(amount) / Decimal(1_000_000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mnok(amount: int | None) -> str:
    """Whole NOK as MNOK with one decimal: `46,1 MNOK` (`−3,5 MNOK` below zero)."""
    if amount is None:
        return DASH
    millions = _millions(amount)
    sign = MINUS if millions < 0 else ""
    return f"{sign}{_grouped(millions)}{NBSP}MNOK"


def signed_mnok(amount: int | None) -> str:
    """A deviation: `+3,5 MNOK`, `−4,7 MNOK`, `0,0 MNOK`."""
    if amount is None:
        return DASH
    millions = _millions(amount)
    sign = "+" if millions > 0 else MINUS if millions < 0 else ""
    return f"{sign}{_grouped(millions)}{NBSP}MNOK"


def signed_days(days: int | None) -> str:
    if days is None:
        return DASH
    if days == 0:
        return "0"
    return f"+{days}" if days > 0 else f"{MINUS}{-days}"


def tertial_name(text: str) -> str:
    """`2025-T2` → `2. tertial 2025`."""
    year, _, number = text.partition("-T")
    return f"{number}. tertial {year}"
