"""The ledger's own errors: what a refused command or read tells its caller.

Each class names one reason for refusal; the HTTP edge maps them to status codes once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.keys import KEY_SHAPES


@dataclass(frozen=True)
class FieldError:
    """One invalid input, located by its path (``("data", "probability")``)."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    title = "Ledger error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(LedgerError):
    """Fields of wrong type or out of range, or references to nothing."""

    title = "Invalid input"

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        self.errors = errors
        super().__init__(detail or "; ".join(_describe(e) for e in errors))

    @classmethod
    def single(cls, loc: tuple[str | int, ...], msg: str, type_: str = "value_error") -> InvalidInput:
        return cls([FieldError(loc, msg, type_)])


class ReferenceNotFound(InvalidInput):
    """A field names a subject (or amendment) that the log does not hold."""

    title = "Reference to an unknown subject"

    def __init__(self, loc: tuple[str | int, ...], reference: str) -> None:
        super().__init__([FieldError(loc, f"{reference} does not exist", "reference_not_found")])
        self.reference = reference


class SubjectNotFound(LedgerError):
    """The subject named by a command or a read does not exist (then)."""

    title = "Subject not found"

    def __init__(self, subject: str) -> None:
        kind = subject.partition(":")[0]
        shape = KEY_SHAPES.get(kind)
        super().__init__(f"{subject} does not exist" + (f" (a {kind} is named {shape})" if shape else ""))
        self.subject = subject


class SubjectAlreadyExists(LedgerError):
    title = "Subject already exists"

    def __init__(self, subject: str) -> None:
        super().__init__(f"{subject} already exists")
        self.subject = subject


class LifecycleViolation(LedgerError):
    """A lifecycle rule of DOMAIN.md §3 would be broken, checked at the effective day."""

    title = "Lifecycle rule broken"

    def __init__(self, subject: str, rule: str) -> None:
        super().__init__(f"{subject}: {rule}")
        self.subject = subject
        self.rule = rule


class VersionMismatch(LedgerError):
    """``If-Match`` named a version the subject no longer (or not yet) has."""

    title = "Version mismatch"

    def __init__(self, subject: str, expected: int | str, actual: int) -> None:
        super().__init__(f"{subject} is at version {actual}, not {expected}")
        self.subject = subject
        self.expected = expected
        self.actual = actual


class ConcurrentAppend(LedgerError):
    """Another writer appended to the same subject first; the command may be retried."""

    title = "Concurrent append"

    def __init__(self, detail: str = "another writer appended to the same subject first") -> None:
        super().__init__(detail)


class IdempotencyConflict(LedgerError):
    """An ``Idempotency-Key`` was reused for a different request."""

    title = "Idempotency key reused"

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was used for a different request")
        self.key = key


def _describe(error: FieldError) -> str:
    where = ".".join(str(part) for part in error.loc)
    return f"{where}: {error.msg}" if where else error.msg
