"""The integrity chain of DOMAIN.md §7: canonical JSON is byte for byte what Python's
`json.dumps` with sorted keys writes, and an envelope's hash covers every other field."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.chain import ENVELOPE_FIELDS, ZERO_HASH, Envelope, canonical_json, event_hash

texts = st.text(st.characters(exclude_categories=("Cs",)))
int64s = st.integers(-(2**63), 2**63 - 1)
scalars = st.none() | st.booleans() | int64s | texts
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=40,
)


def python_canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@settings(max_examples=200)
@given(json_values)
def test_canonical_json_is_exactly_what_python_json_dumps_writes(value):
    assert canonical_json(value) == python_canonical(value)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [True, False, None], "A": "", "é": "ø", "\U0001f600": "\ue000", "\ue000": "x"},
        {"control": "\x00\x01\x1f\x7f\b\f\n\r\t", "quote": '"\\/', "separators": "\u2028\u2029"},
        {"nested": {"z": {"y": [{"b": 2, "a": 1}]}}, "numbers": [-(2**63), 2**63 - 1, 0, -0]},
        [],
        {},
        "text",
    ],
)
def test_canonical_json_of_awkward_values_matches_python(value):
    assert canonical_json(value) == python_canonical(value)


def test_canonical_json_sorts_keys_has_no_spaces_and_writes_utf_8():
    assert canonical_json({"b": 1, "a": "Økt"}) == '{"a":"Økt","b":1}'.encode()


def envelope(**given: Any) -> dict[str, Any]:
    """The §7 object of these fields, sealed."""
    return Envelope.sealed(**given).as_dict()


def fields(**overrides: Any) -> dict[str, Any]:
    return {
        "seq": 1,
        "id": "0b9f6a4e-3c1d-4f7e-9a51-6f0d1c2b3a4e",
        "subject": "risk:OR-631",
        "type": "RiskAssessed",
        "version": 2,
        "effective_on": "2025-03-01",
        "recorded_at": "2025-03-01T10:00:00.000000Z",
        "actor": "sekretariat",
        "data": {"probability": 3, "consequence": 4},
        "prev_hash": ZERO_HASH,
    } | overrides


def test_event_hash_is_lower_case_sha256_of_the_canonical_json():
    given_fields = fields()

    digest = event_hash(given_fields)

    assert digest == hashlib.sha256(python_canonical(given_fields)).hexdigest()
    assert len(digest) == 64
    assert digest == digest.lower()


def test_zero_hash_is_64_zeros():
    assert ZERO_HASH == "0" * 64


def test_envelope_has_the_fields_of_the_exchange_format_in_order():
    assert list(envelope(**fields())) == list(ENVELOPE_FIELDS)


def test_envelope_hash_covers_every_other_field():
    written = envelope(**fields())

    assert written["hash"] == event_hash({name: value for name, value in written.items() if name != "hash"})
    assert {name: value for name, value in written.items() if name != "hash"} == fields()


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"id": "0b9f6a4e-3c1d-4f7e-9a51-6f0d1c2b3a4f"},
        {"subject": "risk:OR-632"},
        {"type": "RiskIdentified"},
        {"version": 3},
        {"effective_on": "2025-03-02"},
        {"recorded_at": "2025-03-01T10:00:00.000001Z"},
        {"actor": None},
        {"data": {"probability": 3, "consequence": 5}},
        {"data": {"probability": 3, "consequence": 4, "rationale": "x"}},
        {"prev_hash": "1" + ZERO_HASH[1:]},
    ],
)
def test_changing_any_field_changes_the_hash(change):
    assert envelope(**fields(**change))["hash"] != envelope(**fields())["hash"]


def test_each_hash_chains_to_the_previous_one():
    first = envelope(**fields())
    second = envelope(**fields(seq=2, version=3, prev_hash=first["hash"]))
    altered_first = envelope(**fields(actor="someone else"))

    assert second["prev_hash"] == first["hash"]
    assert envelope(**fields(seq=2, version=3, prev_hash=altered_first["hash"]))["hash"] != second["hash"]


def test_integers_beyond_64_bits_are_written_as_python_writes_them():
    value = {"big": 2**70, "small": -(2**64) - 1, "text": "Økt \x00 \u2028"}

    assert canonical_json(value) == python_canonical(value)


def test_an_envelope_is_sealed_over_every_other_field_and_written_in_the_contracts_order():
    sealed = Envelope.sealed(**fields(data={"title": "Risiko – «høy»", "probability": 3}))

    assert sealed.hash == event_hash(fields(data={"title": "Risiko – «høy»", "probability": 3}))
    assert sealed.canonical() == python_canonical(fields(data={"title": "Risiko – «høy»", "probability": 3}))
    assert sealed.intact() and sealed.digest() == sealed.hash
    assert list(sealed.as_dict()) == list(ENVELOPE_FIELDS)
    assert (
        sealed.line()
        == json.dumps(sealed.as_dict(), separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    )
    assert sealed.as_dict() == envelope(**fields(data={"title": "Risiko – «høy»", "probability": 3}))
    assert not sealed._replace(actor="someone else").intact()
