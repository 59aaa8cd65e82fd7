"""The structural difference of two answers (DOMAIN.md §6a): what changed between two
readings of the same question, as JSON Pointer paths with their values before and after.

Objects are compared member by member (an absent member is null); two lists whose items
are all objects with a text `key` are matched item by item by that key, and a path names
such an item by its key; anything else that differs is one change, whole. The tertial's
changes, a subject's changes and the corrections since a decision all use `diff`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypedDict

import orjson


class Change(TypedDict):
    path: str
    before: Any
    after: Any


def diff(before: Any, after: Any) -> list[Change]:
    """Every change from `before` to `after`, at the deepest point where they differ,
    sorted by `path` (code-point order); empty when the two are the same."""
    return sorted(_changes("", before, after), key=lambda change: change["path"])


def escape(segment: str) -> str:
    """A member name or key as one JSON Pointer segment: `~` is `~0`, `/` is `~1`."""
    return segment.replace("~", "~0").replace("/", "~1")


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def split(path: str) -> list[str]:
    """The segments of a pointer (``""`` is the whole document)."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"a JSON Pointer starts with '/': {path!r}")
    return [unescape(segment) for segment in path[1:].split("/")]


def resolve(document: Any, path: str) -> Any:
    """What `path` names in `document` by the rules of `diff`: a member of an object, or
    the item of a keyed list with that key; null where nothing is there."""
    value = document
    for segment in split(path):
        if isinstance(value, Mapping):
            value = value.get(segment)
        elif isinstance(value, list) and _keyed(value) is not None:
            value = next((item for item in value if item["key"] == segment), None)
        else:
            return None
    return value


def _changes(path: str, before: Any, after: Any) -> Iterator[Change]:
    if _same(before, after):
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for name in {*before, *after}:
            yield from _changes(f"{path}/{escape(name)}", before.get(name), after.get(name))
        return
    if isinstance(before, list) and isinstance(after, list):
        keyed_before, keyed_after = _keyed(before), _keyed(after)
        if keyed_before is not None and keyed_after is not None:
            for key in {*keyed_before, *keyed_after}:
                yield from _changes(f"{path}/{escape(key)}", keyed_before.get(key), keyed_after.get(key))
            return
    yield {"path": path, "before": before, "after": after}


def _keyed(items: Sequence[Any]) -> dict[str, Any] | None:
    """The items of a list by their `key`, if every item is an object with a text key
    (and no key is there twice); None for any other list."""
    by_key: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(key := item.get("key"), str) or key in by_key:
            return None
        by_key[key] = item
    return by_key


def _same(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: `true` is not `1`, `1` is not `1.0`, an object's members
    in any order. The two are compared as canonical JSON text (members sorted): written
    by orjson, a tertial's two snapshots compare in a millisecond or two, where walking
    them value by value took longer than reading them, at every level the diff descends."""
    return _canonical(a) == _canonical(b)


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
