"""Lists of subjects (DOMAIN.md §6a `GET /projects` and the like), paged by a cursor that
pins the first page's position, `as_of` and filters: every later page answers from them,
so paging while others write, or across midnight, neither skips nor repeats an item."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from governance.keys import KINDS, Kind
from governance.projections.subjects import Selection, answers

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
STREAM_PAGE = 500


class BadCursor(ValueError):
    """A cursor this ledger did not give, or given with other filters than its first page."""


@dataclass(frozen=True)
class ListQuery:
    """A list's kind, its filters (validated values by name; absent ones left out) and
    its search text."""

    kind: Kind
    filters: dict[str, Any]
    q: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where a list's next page starts: the first page's position, `as_of` and query,
    and the last key shown."""

    query: ListQuery
    as_of: date
    position: int
    after: str

    def encode(self) -> str:
        payload = {
            "k": self.query.kind,
            "f": self.query.filters,
            "q": self.query.q,
            "a": self.as_of.isoformat(),
            "p": self.position,
            "l": self.after,
        }
        return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            cursor = cls(
                ListQuery(payload["k"], dict(payload["f"]), payload["q"]),
                date.fromisoformat(payload["a"]),
                payload["p"],
                payload["l"],
            )
        except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
            raise BadCursor("is not a cursor this ledger gave") from None
        if (
            cursor.query.kind not in KINDS
            or type(cursor.position) is not int
            or cursor.position < 0
            or not isinstance(cursor.after, str)
            or not isinstance(cursor.query.q, str)
            or "\x00" in cursor.query.q + cursor.after
        ):
            raise BadCursor("is not a cursor this ledger gave")
        return cursor

    def check(self, query: ListQuery) -> None:
        """A cursor continues the list it came from: the same kind, filters and search."""
        if self.query.kind != query.kind:
            raise BadCursor(f"continues a list of {self.query.kind} subjects, not of {query.kind}")
        if self.query.filters != query.filters or self.query.q != query.q:
            raise BadCursor("was given with other filters than the first page; start again without it")


def list_page(
    models: Any, query: ListQuery, *, as_of: date, position: int, limit: int, after: str | None = None
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """One page: at most `limit` items after the key `after`, and the cursor of the next
    page (None on the last)."""
    selection = Selection(filters=query.filters, q=query.q, after=after, limit=limit + 1)
    items = answers(models, query.kind, as_of=as_of, position=position, selection=selection)
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, Cursor(query, as_of, position, items[-1]["key"])


def every_item(models: Any, query: ListQuery, *, as_of: date, position: int) -> Iterator[dict[str, Any]]:
    """Every item of a list, read page by page (for a CSV stream in constant memory)."""
    after: str | None = None
    while True:
        items, cursor = list_page(
            models, query, as_of=as_of, position=position, limit=STREAM_PAGE, after=after
        )
        yield from items
        if cursor is None:
            return
        after = cursor.after
