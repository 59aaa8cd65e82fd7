"""Which events are backdated and which late (DOMAIN.md §6a audit filters), at the edges of
Oslo days (summer and winter time) and of tertials."""

from __future__ import annotations

import sqlite3

import pytest

from governance.projections.backdated import flags, maybe_backdated
from governance.projections.runner import MAYBE_BACKDATED


@pytest.mark.parametrize(
    ("effective_on", "recorded_at", "backdated", "late"),
    [
        ("2025-06-10", "2025-06-10T12:00:00.000000Z", False, False),
        # 22:30 UTC in summer is 00:30 the next day in Oslo.
        ("2025-06-10", "2025-06-10T22:30:00.000000Z", True, False),
        ("2025-06-10", "2025-06-10T21:59:59.999999Z", False, False),
        # In winter Oslo is one hour ahead: 22:30 UTC is still the same day.
        ("2025-01-10", "2025-01-10T22:30:00.000000Z", False, False),
        ("2025-01-10", "2025-01-10T23:00:00.000000Z", True, False),
        # The UTC day before the effective day, already the effective day in Oslo.
        ("2025-06-11", "2025-06-10T22:30:00.000000Z", False, False),
        ("2025-04-30", "2025-05-02T08:00:00.000000Z", True, True),
        ("2025-08-31", "2025-08-31T22:30:00.000000Z", True, True),
        ("2025-08-30", "2025-08-31T10:00:00.000000Z", True, False),
        ("2024-12-31", "2025-01-01T08:00:00.000000Z", True, True),
    ],
)
def test_an_event_recorded_after_its_day_is_backdated_and_after_its_tertial_late(
    effective_on: str, recorded_at: str, backdated: bool, late: bool
) -> None:
    expected = [("rm_backdated", (7, int(late), effective_on))] if backdated else []
    assert flags(7, effective_on, recorded_at) == expected


def test_the_sql_prefilter_keeps_exactly_the_events_that_may_be_backdated() -> None:
    """SQLite reads only these of the events whose rows it makes itself: the SQL form of
    `maybe_backdated` must agree with it, at every hour around the day's edges."""
    connection = sqlite3.connect(":memory:")
    days = ("2025-06-09", "2025-06-10", "2025-06-11")
    for effective_on in days:
        for day in days:
            for hour in range(24):
                for rest in ("00:00.000000Z", "59:59.999999Z"):
                    recorded_at = f"{day}T{hour:02d}:{rest}"
                    (selected,) = connection.execute(
                        f"SELECT {MAYBE_BACKDATED} FROM (SELECT ? AS recorded_at, ? AS effective_on) l",
                        (recorded_at, effective_on),
                    ).fetchone()
                    assert bool(selected) == maybe_backdated(effective_on, recorded_at), recorded_at
