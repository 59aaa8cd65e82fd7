"""The integrity chain of DOMAIN.md §7: canonical JSON, event hashes and the envelope.

`hash` is SHA-256 over the canonical JSON of every other field of an envelope, the
previous event's hash included, so altering, removing, inserting or reordering any event
breaks the chain from that event on. Canonical JSON is what
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes;
orjson with sorted keys writes the same bytes for the values an envelope holds (strings
without lone surrogates, 64-bit integers, booleans, null, lists and objects), several
times faster, and property tests keep the two in step. An integer beyond 64 bits (which
no event field takes, but a damaged stored state might hold) is written by the standard
library instead.

`Envelope` is the one definition of a §7 event: the log builds it when it stores an
event, export writes it, import checks a stated line against it and verify recomputes it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

import orjson

ZERO_HASH = "0" * 64

ENVELOPE_FIELDS = (
    "seq",
    "id",
    "subject",
    "type",
    "version",
    "effective_on",
    "recorded_at",
    "actor",
    "data",
    "prev_hash",
    "hash",
)

_SORTED = orjson.OPT_SORT_KEYS
_dumps = orjson.dumps
_sha256 = hashlib.sha256


def canonical_json(value: Any) -> bytes:
    """The canonical JSON of §7, as UTF-8 bytes."""
    try:
        return _dumps(value, option=_SORTED)
    except TypeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(fields: dict[str, Any]) -> str:
    """The hash of an envelope given every field but `hash` itself."""
    return _sha256(canonical_json(fields)).hexdigest()


def hashed_fields(
    seq: int,
    id: str,
    subject: str,
    type: str,
    version: int,
    effective_on: str,
    recorded_at: str,
    actor: str | None,
    data: dict[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    """Every field of an envelope but `hash`, in §7 order: what the hash is taken over
    (`event_hash` of it is the `hash`; verify takes it for every event without building an
    `Envelope` first)."""
    return {
        "seq": seq,
        "id": id,
        "subject": subject,
        "type": type,
        "version": version,
        "effective_on": effective_on,
        "recorded_at": recorded_at,
        "actor": actor,
        "data": data,
        "prev_hash": prev_hash,
    }


class Envelope(NamedTuple):
    """An event as §7 writes it: the log's fields, the event's `data`, and the chain's
    `prev_hash` and `hash` (over the canonical JSON of every other field)."""

    seq: int
    id: str
    subject: str
    type: str
    version: int
    effective_on: str
    recorded_at: str
    actor: str | None
    data: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def sealed(
        cls,
        *,
        seq: int,
        id: str,
        subject: str,
        type: str,
        version: int,
        effective_on: str,
        recorded_at: str,
        actor: str | None,
        data: dict[str, Any],
        prev_hash: str,
    ) -> Envelope:
        """The envelope of these fields, its `hash` computed over them."""
        unsealed = cls(seq, id, subject, type, version, effective_on, recorded_at, actor, data, prev_hash, "")
        return unsealed._replace(hash=unsealed.digest())

    def hashed_fields(self) -> dict[str, Any]:
        """Every field but `hash`: what the hash is taken over."""
        return hashed_fields(*self[:10])

    def canonical(self) -> bytes:
        """The canonical JSON of every field but `hash`."""
        return canonical_json(self.hashed_fields())

    def digest(self) -> str:
        """The hash these fields call for (lower-case hex SHA-256 of `canonical()`)."""
        return event_hash(self.hashed_fields())

    def intact(self) -> bool:
        """Whether `hash` is the hash of the other fields."""
        return self.digest() == self.hash

    def as_dict(self) -> dict[str, Any]:
        """The §7 object, fields in §7 order."""
        fields = self.hashed_fields()
        fields["hash"] = self.hash
        return fields

    def line(self) -> bytes:
        """The §7 line: compact JSON, fields in §7 order, ending in a newline."""
        return envelope_line(self.as_dict())


def envelope_line(envelope: dict[str, Any]) -> bytes:
    """An envelope (fields in §7 order) as its §7 line: compact JSON ending in a newline."""
    return _dumps(envelope, option=orjson.OPT_APPEND_NEWLINE)
