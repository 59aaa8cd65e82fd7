"""Answers as CSV (DOMAIN.md §6a): RFC 4180 — comma, CRLF, a header row, no byte-order
mark. The columns come from the answer's shape, not from the data, so an empty result is
the header alone: nested objects flattened with `.` (`status.overall`), lists as their
compact JSON text, booleans `true`/`false`, null an empty cell.
"""

from __future__ import annotations

import csv
import io
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from pydantic import BaseModel

Column = tuple[str, ...]
"""A column's path into an answer (``("status", "overall")``)."""

ENVELOPE_COLUMNS: list[Column] = [
    (name,)
    for name in (
        *("seq", "id", "subject", "type", "version", "effective_on", "recorded_at", "actor", "data"),
        *("prev_hash", "hash"),
    )
]
"""The columns of `/audit`: the §7 envelope's, `data` one column holding its JSON text."""


def columns_of(model: type[BaseModel], prefix: Column = ()) -> list[Column]:
    """The columns of an answer model, in field order, nested models flattened."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        nested = _nested_model(info.annotation)
        if nested is not None:
            columns.extend(columns_of(nested, (*prefix, name)))
        else:
            columns.append((*prefix, name))
    return columns


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model an (optional) object field holds, or None for any other field."""
    candidates = [annotation]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        candidates = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if len(candidates) == 1 and isinstance(candidates[0], type) and issubclass(candidates[0], BaseModel):
        return candidates[0]
    return None


def header(columns: Sequence[Column]) -> list[str]:
    return [".".join(column) for column in columns]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    return str(value)


def row(item: dict[str, Any], columns: Sequence[Column]) -> list[str]:
    """An answer's cells; a null object leaves all its columns empty."""
    cells = []
    for column in columns:
        value: Any = item
        for name in column:
            value = value.get(name) if isinstance(value, dict) else None
        cells.append(cell(value))
    return cells


def lines(columns: Sequence[Column], items: Iterable[dict[str, Any]], *, chunk: int = 200) -> Iterator[str]:
    """The CSV text of `items`, header first, in pieces of about `chunk` rows (streamed:
    nothing but the current piece is held)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(columns))
    for count, item in enumerate(items, 1):
        writer.writerow(row(item, columns))
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
