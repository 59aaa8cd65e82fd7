"""The audit trail (DOMAIN.md §6 `GET /audit`, §6a filters): the log in recorded order,
filtered, in pages. It reads the ledger log's own indexed columns (and, for `backdated`
and `late`, the read model of backdated events); a cursor pins the first page's position
and filters and continues after the last event shown, so paging stays correct while new
events arrive."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from governance.projections.runner import ReadModels
from governance.store.log import LogRow

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
STREAM_PAGE = 1000


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
    backdated: bool | None = None
    late: bool | None = None
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
        conditions, params = [condition for condition, _ in given], [value for _, value in given]
        exists = "EXISTS (SELECT 1 FROM {backdated} b WHERE b.seq = l.seq{late})"
        if self.backdated is not None:
            conditions.append(("" if self.backdated else "NOT ") + exists.replace("{late}", ""))
        if self.late is not None:
            conditions.append(("" if self.late else "NOT ") + exists.replace("{late}", " AND b.late = 1"))
        return conditions, params

    @property
    def needs_read_models(self) -> bool:
        return self.backdated is not None or self.late is not None


@dataclass(frozen=True)
class AuditCursor:
    """The first page's position and filter, and the last `seq` shown."""

    position: int
    filter: AuditFilter
    after: int

    def encode(self) -> str:
        payload = {"p": self.position, "f": asdict(self.filter), "a": self.after}
        return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> AuditCursor:
        try:
            payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            cursor = cls(payload["p"], AuditFilter(**payload["f"]), payload["a"])
        except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
            raise BadCursor("is not a cursor this ledger gave") from None
        if any(type(number) is not int or number < 0 for number in (cursor.position, cursor.after)):
            raise BadCursor("is not a cursor this ledger gave")
        return cursor


def audit_page(
    models: ReadModels, audit_filter: AuditFilter, *, limit: int, position: int, after: int = 0
) -> tuple[list[dict[str, Any]], AuditCursor | None]:
    """One page of matching events within the first `position`, after `seq` `after`,
    and the cursor of the next page (None on the last)."""
    ledger = models.ledger
    if audit_filter.needs_read_models:
        models.ensure(position)
    conditions, params = audit_filter.conditions()
    conditions = ["l.seq > ?", "l.seq <= ?", *conditions]
    statement = (
        "SELECT " + ledger.log.ROW_COLUMNS + " WHERE " + " AND ".join(conditions) + " ORDER BY l.seq LIMIT ?"
    ).replace("{backdated}", models.view.sql("{t}rm_backdated"))
    rows = ledger.log.fetch(statement, (after, position, *params, limit + 1))
    decode = ledger.mapper.decode_state
    items = [LogRow.from_row(row).envelope(decode) for row in rows[:limit]]
    more = len(rows) > limit and items
    return items, AuditCursor(position, audit_filter, items[-1]["seq"]) if more else None


def every_event(models: ReadModels, audit_filter: AuditFilter, *, position: int) -> Iterator[dict[str, Any]]:
    """Every matching event within the first `position`, read page by page."""
    after = 0
    while True:
        items, cursor = audit_page(models, audit_filter, limit=STREAM_PAGE, position=position, after=after)
        yield from items
        if cursor is None:
            return
        after = cursor.after
