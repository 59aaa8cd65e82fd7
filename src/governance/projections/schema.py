"""What every read model module declares: its tables, and the fact rows an event adds.

Tables are written once for both stores: ``{t}`` is the table prefix (the schema on
PostgreSQL), ``{text}`` a text column that sorts bytewise (dates, keys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

Row = tuple[Any, ...]
Fact = tuple[str, Row]
"""A row for a table: (table name, values in the table's column order)."""

Handler = Callable[[int, str, dict[str, Any]], list[Fact]]
"""From an event's `seq`, `subject` and decoded stored state (its `effective_on` and §3
fields), the fact rows it adds."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    ddl: str
    """``CREATE TABLE`` with ``{t}`` and ``{text}`` slots, then its indexes."""
    indexes: tuple[str, ...] = ()


def json_text(value: Any) -> str:
    """A value kept in a text column as JSON."""
    return orjson.dumps(value).decode()


def json_items(texts: list[str]) -> list[Any]:
    """The values of JSON text columns, parsed in one go (a page may hold thousands)."""
    return orjson.loads("[" + ",".join(texts) + "]")  # type: ignore[no-any-return]
