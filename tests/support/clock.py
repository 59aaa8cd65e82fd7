from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock that moves forward by `step` each time it is read."""

    def __init__(
        self,
        start: datetime = datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
        step: timedelta = timedelta(seconds=1),
    ):
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, delta: timedelta) -> None:
        self.now += delta
