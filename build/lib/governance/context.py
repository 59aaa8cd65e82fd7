"""Who is acting: set once at the edge (HTTP request, command line), read where events
are recorded, so no call in between has to pass it along."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

current_actor: ContextVar[str | None] = ContextVar("current_actor", default=None)


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)
