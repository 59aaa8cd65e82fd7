"""What every read model module declares: its tables, and the fact rows an event adds.

Tables are written once for both stores: ``{t}`` is the table prefix (the schema on
PostgreSQL), ``{text}`` a text column that sorts bytewise (dates, keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson

Row = tuple[Any, ...]
Fact = tuple[str, Row]
"""A row for a table: (table name, values in the table's column order)."""

Handler = Callable[[int, str, dict[str, Any]], list[Fact]]
"""From an event's `seq`, `subject` and decoded stored state (its `effective_on` and §3
fields), the fact rows it adds."""


Selected = tuple[str, tuple[str, ...]]
"""SQLite, where the read models share the events' database: an event type's one fact row
as (table, an SQL expression for each column in the table's order), over its log entry
`l` (its `subject`, `seq`, and `eff`: the log's copy of its `effective_on`) and its stored
state's JSON text `s` — the same row its
handler makes, made inside the database without the event passing through Python."""


def field(name: str) -> str:
    """A `Selected` column: a field of the stored state (NULL where absent)."""
    return f"json_extract(s, '$.{name}')"


def json_fields(names: tuple[str, ...], day: str | None = None) -> str:
    """A `Selected` column: a JSON object of state fields, in this order, null where
    absent (a list or object field kept as JSON), then the event's day as `day`, if named."""
    pairs = [f"'{name}', {field(name)}" for name in names]
    if day is not None:
        pairs.append(f"'{day}', l.eff")
    return "json_object(" + ", ".join(pairs) + ")"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    ddl: str
    """``CREATE TABLE`` with ``{t}`` and ``{text}`` slots, then its indexes."""
    indexes: tuple[str, ...] = ()


LatestJoin = Callable[..., str]
"""A join on a subject's latest fact of a kind at (a day, P): (alias, fact table, fact
kind, outer alias, and the bound on its day, `:horizon` unless given)."""


def latest_by_row_values(alias: str, table: str, kind: str, outer: str, bound: str = ":horizon") -> str:
    """SQLite: the fact row whose (eff, seq) is the latest at (`bound`, P), found by one
    correlated seek of the fact table's index (row values, no packed strings)."""
    return (
        f" LEFT JOIN {{t}}{table} {alias} ON {alias}.subject = {outer}.subject AND {alias}.kind = '{kind}'"
        f" AND ({alias}.eff, {alias}.seq) = (SELECT f.eff, f.seq FROM {{t}}{table} f"
        f" WHERE f.subject = {outer}.subject AND f.kind = '{kind}' AND f.eff <= {bound}"
        " AND f.seq <= :position ORDER BY f.eff DESC, f.seq DESC LIMIT 1)"
    )


def latest_by_lateral(alias: str, table: str, kind: str, outer: str, bound: str = ":horizon") -> str:
    """PostgreSQL: the same as a lateral join, which its planner runs as one index seek
    per subject (it does not push a row-value subquery into the join)."""
    return (
        f" LEFT JOIN LATERAL (SELECT f.* FROM {{t}}{table} f WHERE f.subject = {outer}.subject"
        f" AND f.kind = '{kind}' AND f.eff <= {bound} AND f.seq <= :position"
        f" ORDER BY f.eff DESC, f.seq DESC LIMIT 1) {alias} ON true"
    )


LATEST: dict[str, LatestJoin] = {"sqlite": latest_by_row_values, "postgres": latest_by_lateral}
"""The latest-fact join in each store's dialect."""


def latest_value(
    dialect: str, alias: str, column: str, table: str, kind: str, outer: str, bound: str = ":horizon"
) -> tuple[str, str]:
    """A value of a subject's latest fact of a kind at (`bound`, P) — `column`, or an
    expression of the fact's columns written `{f}.name` — as (the expression to select,
    the join it needs). SQLite answers a scalar subquery with one seek of the
    index, where the join seeks twice (for the (eff, seq), then for the row); PostgreSQL
    plans its lateral join at least as well."""
    value = column if "{f}." in column else f"{{f}}.{column}"
    if dialect == "postgres":
        return value.replace("{f}", alias), latest_by_lateral(alias, table, kind, outer, bound)
    scalar = (
        f"(SELECT {value.replace('{f}', 'f')} FROM {{t}}{table} f WHERE f.subject = {outer}.subject AND f.kind = '{kind}'"
        f" AND f.eff <= {bound} AND f.seq <= :position ORDER BY f.eff DESC, f.seq DESC LIMIT 1)"
    )
    return scalar, ""


def packed(dialect: str, columns: Sequence[str]) -> str:
    """A SELECT list of one column: the row's `columns` as a JSON array, in its text.

    A read of a thousand subjects otherwise hands the driver ten thousand values to
    convert one by one into Python objects, which takes longer than the query; one text
    per row, parsed with the others in one go (`json_rows`), takes a fraction of it."""
    if dialect == "postgres":
        return f"json_build_array({', '.join(columns)})::text AS packed"
    return f"json_array({', '.join(columns)}) AS packed"


def json_rows(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """The rows of a query whose SELECT list is `packed`, as lists of their values."""
    return json_items([row[0] for row in rows])


def json_text(value: Any) -> str:
    """A value kept in a text column as JSON."""
    return orjson.dumps(value).decode()


def json_items(texts: list[str]) -> list[Any]:
    """The values of JSON text columns, parsed in one go (a page may hold thousands)."""
    return orjson.loads("[" + ",".join(texts) + "]")  # type: ignore[no-any-return]


class JsonArray(Sequence[Any]):
    """A JSON array as the store wrote it, which an answer sends on as it is: `to_json`
    embeds the text without parsing it (a `/status` can list tens of thousands of
    amendments, and parsing them into objects only to write them out again costs more
    than reading them). A page that looks inside parses it once."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def items(self) -> list[Any]:
        return orjson.loads(self.text)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JsonArray):
            return self.items == other.items
        return isinstance(other, list) and self.items == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"JsonArray({self.text!r})"


def _embedded(value: Any) -> Any:
    if isinstance(value, JsonArray):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(value: Any, *, option: int | None = None) -> bytes:
    """An answer as JSON: orjson, with each `JsonArray`'s text written as it is."""
    return orjson.dumps(value, default=_embedded, option=option)
