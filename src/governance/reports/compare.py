"""Reading a §6a comparison where the document shows a value: what the cell held at the
earlier reading, and which items are gone since.

A change names the deepest point where two answers differ (`/projects/KAK/status/quality`)
or a whole item or object (`/projects/KAK/status` when there was none before); a cell
below such a point takes its earlier value from inside the change's `before`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.changes import escape, resolve, split


def pointer(parts: tuple[str, ...] | list[str]) -> str:
    """A §6a path from its segments (a keyed item named by its key)."""
    return "".join("/" + escape(str(part)) for part in parts)


@dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


class Comparison:
    """A tertial's changes between two readings (the §6a answer), by path."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self._by_path = {change["path"]: change for change in answer["changes"]}

    def __bool__(self) -> bool:
        return True

    def at(self, *parts: str) -> Change | None:
        """The change at this point, or inside a change of a point above it."""
        path = pointer(parts)
        found = self._by_path.get(path)
        if found is not None:
            return Change(path, found["before"], found["after"])
        for cut in range(len(parts) - 1, 0, -1):
            above = self._by_path.get(pointer(parts[:cut]))
            if above is not None:
                below = pointer(parts[cut:])
                before, after = resolve(above["before"], below), resolve(above["after"], below)
                return None if before == after else Change(path, before, after)
        return None

    def before(self, default: Any, *parts: str) -> Any:
        """What the point held at the earlier reading (`default` when it is unchanged)."""
        change = self.at(*parts)
        return default if change is None else change.before

    def changed_under(self, *parts: str) -> bool:
        """Whether anything at or below this point changed."""
        prefix = pointer(parts)
        return self.at(*parts) is not None or any(path.startswith(prefix + "/") for path in self._by_path)

    def gone(self) -> list[tuple[list[str], dict[str, Any]]]:
        """Keyed items present at the earlier reading and absent at the later one."""
        return [
            (split(change["path"]), change["before"])
            for change in self.answer["changes"]
            if change["after"] is None and isinstance(change["before"], dict) and "key" in change["before"]
        ]

    def removed_from(self, name: str, now: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Items of an unkeyed list (`amendments_in_period`) that were there and are not now."""
        change = self._by_path.get(pointer((name,)))
        if change is None or not isinstance(change["before"], list):
            return []
        return [item for item in change["before"] if item not in now]

    def added_to(self, name: str, now: list[dict[str, Any]]) -> list[dict[str, Any]]:
        change = self._by_path.get(pointer((name,)))
        if change is None or not isinstance(change["before"], list):
            return []
        return [item for item in now if item not in change["before"]]
