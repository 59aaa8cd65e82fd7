"""Checks the aggregate tests share: a refused event must leave its aggregate exactly as it
was, with the same version, the same history, nothing pending and the same state."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from governance.base import Aggregate
from governance.errors import LifecycleViolation


def day(text: str) -> date:
    return date.fromisoformat(text)


def snapshot(aggregate: Aggregate) -> tuple[Any, ...]:
    return (
        aggregate.version,
        aggregate.history,
        tuple(aggregate.pending_events),
        aggregate.state(),
    )


def assert_refused(
    aggregate: Aggregate,
    event_class: type[Aggregate.Event],
    error: type[Exception] = LifecycleViolation,
    **fields: Any,
) -> Any:
    """Record an event that must be refused with `error`; return the error."""
    before = snapshot(aggregate)
    with pytest.raises(error) as refusal:
        aggregate.record(event_class, **fields)
    assert snapshot(aggregate) == before
    return refusal.value
