"""Subject keys and references (DOMAIN.md §3 "Keys and references").

A subject is named by a natural key such as ``risk:OR-631``; its aggregate id is the
uuid5 of that key, so the same key always names the same stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal, TypeGuard, cast
from uuid import NAMESPACE_URL, UUID, uuid5

Kind = Literal["project", "milestone", "risk", "contract", "board-case"]
KINDS: tuple[Kind, ...] = ("project", "milestone", "risk", "contract", "board-case")

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"
"""A key: letters, digits, `.`, `_` and `-`, starting with a letter or digit (at most 200)."""

_KEY = re.compile(KEY_PATTERN + r"\Z")
_PAIR = re.compile(rf"({KEY_PATTERN})/({KEY_PATTERN})\Z")
_AMENDMENT = re.compile(rf"({KEY_PATTERN})#([1-9][0-9]{{0,18}})\Z")
_SUBJECT = re.compile(r"(project|milestone|risk|contract|board-case):(.+)\Z", re.DOTALL)
_TWO_PART_KINDS = frozenset({"milestone", "board-case"})

NAMESPACE = uuid5(NAMESPACE_URL, "urn:governance-ledger:subject")

KEY_SHAPES: dict[str, str] = {
    "project": "project:KEY, e.g. project:KAK",
    "milestone": "milestone:PROJECT/KEY, e.g. milestone:KAK/DM1",
    "risk": "risk:KEY, e.g. risk:OR-631",
    "contract": "contract:KEY, e.g. contract:KAK-FREQUENTIS",
    "board-case": "board-case:BODY/CASE_NO, e.g. board-case:HDO/27-2025",
}
"""How each kind's subject key is written, for messages about keys."""


class KeyFormatError(ValueError):
    """A key or reference not written as §3 says."""


def is_key(text: object) -> TypeGuard[str]:
    return isinstance(text, str) and _KEY.match(text) is not None


def check_key(text: object, what: str = "key") -> str:
    if not is_key(text):
        raise KeyFormatError(
            f"{what} must be letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    return text


@dataclass(frozen=True, order=True)
class SubjectKey:
    """A subject's full key, ``kind:key`` (``milestone:KAK/DM1``)."""

    kind: Kind
    key: str

    def __post_init__(self) -> None:
        pattern = _PAIR if self.kind in _TWO_PART_KINDS else _KEY
        if self.kind not in KINDS or not pattern.match(self.key):
            shape = "PART/PART" if self.kind in _TWO_PART_KINDS else "a key"
            raise KeyFormatError(f"{self.kind} key must be {shape}: {self.key!r}")

    @classmethod
    def parse(cls, text: object) -> SubjectKey:
        match = _SUBJECT.match(text) if isinstance(text, str) else None
        if match is None:
            raise KeyFormatError(
                "must be a subject key such as project:KAK, milestone:KAK/DM1, risk:OR-631, "
                "contract:KAK-FREQUENTIS or board-case:HDO/27-2025"
            )
        return cls(cast(Kind, match[1]), match[2])  # checked against KINDS by __post_init__

    @cached_property
    def id(self) -> UUID:
        """Computed once per key object (a command asks for it several times)."""
        return subject_id(str(self))

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.key.split("/"))

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


@lru_cache(maxsize=65536)
def subject_id(subject: str) -> UUID:
    """The aggregate id of a subject key: uuid5, so the same key is always the same stream."""
    return uuid5(NAMESPACE, subject)


def project(key: str) -> SubjectKey:
    return SubjectKey("project", key)


def milestone(project_key: str, key: str) -> SubjectKey:
    return SubjectKey("milestone", f"{project_key}/{key}")


def risk(key: str) -> SubjectKey:
    return SubjectKey("risk", key)


def contract(key: str) -> SubjectKey:
    return SubjectKey("contract", key)


def board_case(body: str, case_no: str) -> SubjectKey:
    return SubjectKey("board-case", f"{body}/{case_no}")


def parse_case_ref(text: object) -> SubjectKey:
    """`decision_ref` and `by`: ``BODY/CASE_NO``."""
    match = _PAIR.match(text) if isinstance(text, str) else None
    if match is None:
        raise KeyFormatError("must be a board case written BODY/CASE_NO, e.g. HDO/27-2025")
    return board_case(match[1], match[2])


def parse_milestone_ref(text: object) -> SubjectKey:
    """`affected_milestones` items: ``PROJECT/KEY``."""
    match = _PAIR.match(text) if isinstance(text, str) else None
    if match is None:
        raise KeyFormatError("must be a milestone written PROJECT/KEY, e.g. KAK/DM1")
    return milestone(match[1], match[2])


def parse_amendment_ref(text: object) -> tuple[SubjectKey, int]:
    """`amendment_ref`: ``CONTRACT#NO``."""
    match = _AMENDMENT.match(text) if isinstance(text, str) else None
    if match is None:
        raise KeyFormatError("must be an amendment written CONTRACT#NO, e.g. KAK-FREQUENTIS#3")
    return contract(match[1]), int(match[2])
