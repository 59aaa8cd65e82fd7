"""The audit trail (DOMAIN.md §6 `GET /audit`): the log in recorded order, filtered, in
pages. It reads the ledger log's own indexed columns, and a cursor continues after the
last event a page showed, so paging stays correct while new events arrive."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from governance.application import Ledger
from governance.store.log import LogRow

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class AuditFilter:
    subject: str | None = None
    actor: str | None = None
    type: str | None = None
    recorded_from: str | None = None
    recorded_to: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    """Instants as canonical strings, days as ISO dates; all bounds inclusive."""

    def conditions(self) -> tuple[list[str], list[Any]]:
        columns = (
            ("l.subject = ?", self.subject),
            ("l.actor = ?", self.actor),
            ("l.type = ?", self.type),
            ("l.recorded_at >= ?", self.recorded_from),
            ("l.recorded_at <= ?", self.recorded_to),
            ("l.effective_on >= ?", self.effective_from),
            ("l.effective_on <= ?", self.effective_to),
        )
        given = [(condition, value) for condition, value in columns if value is not None]
        return [condition for condition, _ in given], [value for _, value in given]


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"after": seq})).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = decoded["after"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise BadCursor("is not a cursor this ledger gave") from None
    if type(after) is not int or after < 0:
        raise BadCursor("is not a cursor this ledger gave")
    return after


def audit_page(
    ledger: Ledger, audit_filter: AuditFilter, *, limit: int, cursor: str | None, position: int
) -> dict[str, Any]:
    """One page of matching events recorded within the first `position`."""
    after = decode_cursor(cursor) if cursor else 0
    conditions, params = audit_filter.conditions()
    conditions = ["l.seq > ?", "l.seq <= ?", *conditions]
    statement = (
        "SELECT " + ledger.log.ROW_COLUMNS + " WHERE " + " AND ".join(conditions) + " ORDER BY l.seq LIMIT ?"
    )
    rows = ledger.log.fetch(statement, (after, position, *params, limit + 1))
    decode = ledger.mapper.decode_state  # type: ignore[attr-defined]
    items = [LogRow.from_row(row).envelope(decode) for row in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(items[-1]["seq"]) if more and items else None}
