"""The integrity chain of DOMAIN.md §7: canonical JSON, event hashes and envelopes.

`hash` is SHA-256 over the canonical JSON of every other field of an envelope, the
previous event's hash included, so altering, removing, inserting or reordering any event
breaks the chain from that event on. Canonical JSON is what
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes;
orjson with sorted keys writes the same bytes for the values an envelope holds (strings
without lone surrogates, 64-bit integers, null, lists and objects), several times
faster, and a property test keeps the two in step.
"""

from __future__ import annotations

import hashlib
from typing import Any

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


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def event_hash(fields: dict[str, Any]) -> str:
    """The hash of an envelope given every field but `hash` itself."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def envelope(
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
) -> dict[str, Any]:
    """An event as §7 writes it, its `hash` computed over the other fields."""
    fields = {
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
    fields["hash"] = event_hash(fields)
    return fields
