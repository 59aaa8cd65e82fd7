"""JSON request bodies read strictly, before any route sees them: UTF-8 only, at most
`MAX_DEPTH` levels of nesting, integers of at most `MAX_DIGITS` digits, and no object
that names a member twice (a parser would otherwise keep one of them silently).

The standard parser reads each body once more for its route; anything it could choke
on (an integer too long to convert, nesting deeper than its recursion limit) is refused
here first, as a 422 naming where it is.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""Deeper than any request the API takes (a write's body nests three levels)."""
MAX_DIGITS = 100
"""Longer than any integer a field takes (at most 19 digits), short enough to convert
cheaply; a longer one is refused with its location."""


class BodyRefused(Exception):
    """Why a body is refused, and where: `loc` is the path within the body."""

    def __init__(self, msg: str, loc: tuple[str | int, ...] = (), type_: str = "json_invalid") -> None:
        super().__init__(msg)
        self.msg = msg
        self.loc = loc
        self.type = type_

    @property
    def malformed(self) -> bool:
        """Not JSON at all (rather than JSON with a value no field can take)."""
        return self.type == "json_invalid"


class _Repeated(dict[str, Any]):
    """An object that named `name` more than once."""

    name = ""


class _LongInteger(str):
    """An integer literal of more than `MAX_DIGITS` digits, kept as written."""


def check_json_body(body: bytes) -> None:
    """Refuse a body the API must not read: `BodyRefused`. An empty body passes (the
    route says whether it needs one)."""
    if not body:
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyRefused(f"is not UTF-8 text (byte {error.start} cannot be decoded)") from None
    suspicious = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal suspicious
        members = dict(items)
        if len(members) == len(items):
            return members
        suspicious = True
        repeated = _Repeated(members)
        seen: set[str] = set()
        for name, _ in items:
            if name in seen:
                repeated.name = name
                break
            seen.add(name)
        return repeated

    def integer(literal: str) -> int | _LongInteger:
        nonlocal suspicious
        if len(literal.lstrip("-")) <= MAX_DIGITS:
            return int(literal)
        suspicious = True
        return _LongInteger(literal)

    try:
        value = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=pairs, parse_int=integer)
    except json.JSONDecodeError as error:
        raise BodyRefused(
            f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise BodyRefused(f"nests deeper than {MAX_DEPTH} levels") from None
    if suspicious or text.count("[") + text.count("{") > MAX_DEPTH:
        _walk(value)


def _walk(value: Any) -> None:
    """Find what the parse flagged, and where; and nesting beyond `MAX_DEPTH`."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= MAX_DEPTH and isinstance(node, (dict, list)):
            raise BodyRefused(f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, _Repeated):
            raise BodyRefused(
                f"names the member {node.name!r} more than once", (*path, node.name), "duplicate_key"
            )
        if isinstance(node, _LongInteger):
            raise BodyRefused(
                f"is an integer of {len(node.lstrip('-'))} digits; at most {MAX_DIGITS} are read",
                path,
                "int_too_long",
            )
        if isinstance(node, dict):
            stack.extend((child, (*path, name)) for name, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in reversed(list(enumerate(node))))
