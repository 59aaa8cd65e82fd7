"""Backdated and late events, for the audit trail's `backdated` and `late` filters
(DOMAIN.md §6a): one row per event recorded on a later Oslo day than it is effective,
marked late when it was recorded after the last day of its effective day's tertial.

Only backdated events have a row (late ones are backdated too), so the table is small and
both filters are index walks in `seq` order. It also finds, among the events recorded after
a day, those effective on or before it: they are all backdated.
"""

from __future__ import annotations

from datetime import date, datetime

from governance.projections.schema import Fact, Handler, Table
from governance.timemodel import Tertial, oslo_day

TABLES = (
    Table(
        "rm_backdated",
        ("seq", "late", "eff"),
        "CREATE TABLE IF NOT EXISTS {t}rm_backdated (seq BIGINT PRIMARY KEY, late INTEGER NOT NULL,"
        " eff {text} NOT NULL)",
        (
            "CREATE INDEX IF NOT EXISTS rm_backdated_late ON {t}rm_backdated (late, seq)",
            "CREATE INDEX IF NOT EXISTS rm_backdated_by_seq ON {t}rm_backdated (seq, eff)",
        ),
    ),
)

HANDLERS: dict[str, Handler] = {}


def recorded_day(recorded_at: str) -> date:
    """The Oslo day of a canonical `recorded_at` (`YYYY-MM-DDTHH:MM:SS.ffffffZ`)."""
    return oslo_day(datetime.fromisoformat(recorded_at))


def maybe_backdated(effective_on: str, recorded_at: str) -> bool:
    """False for an event certainly recorded on the Oslo day it is effective (or before):
    Oslo is one or two hours ahead of UTC, so an event recorded before 22:00 UTC is
    recorded on its UTC day, which the canonical form starts with."""
    utc_day = recorded_at[:10]
    return not (utc_day < effective_on or (utc_day == effective_on and recorded_at[11:13] < "22"))


def flags(seq: int, effective_on: str, recorded_at: str) -> list[Fact]:
    """The row of an event recorded after the day it is effective, if it was."""
    if not maybe_backdated(effective_on, recorded_at):
        return []
    recorded_on = recorded_day(recorded_at)
    effective = date.fromisoformat(effective_on)
    if recorded_on <= effective:
        return []
    late = recorded_on > Tertial.containing(effective).end
    return [("rm_backdated", (seq, int(late), effective_on))]


LATER_BUT_EFFECTIVE_BY = "SELECT b.seq FROM {t}rm_backdated b WHERE b.seq > :after AND b.seq <= :until AND b.eff <= :day ORDER BY b.seq"
"""The backdated events in (after, until] effective on or before `day`."""
