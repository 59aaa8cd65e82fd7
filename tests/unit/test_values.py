"""Strict field types and key formats of DOMAIN.md §3: no coercion, ranges at their exact
limits, text and dates as the contract writes them, and every reference format."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from governance import keys
from governance.aggregates import BoardCase, Contract, Milestone, Project, Risk
from governance.keys import KeyFormatError, SubjectKey
from governance.values import (
    INT64_MAX,
    INT64_MIN,
    AmendmentRef,
    Amount,
    CaseRef,
    Day,
    Key,
    MilestoneKind,
    MilestoneRef,
    Phase,
    PositiveInt,
    Rating,
    Score,
    SignedAmount,
    SubjectRef,
    Text,
)

NOT_INTEGERS = ["3", 3.0, True, False, None, [3], "0x3"]


def accepts(type_: Any, value: Any) -> Any:
    return TypeAdapter(type_).validate_python(value)


def refuses(type_: Any, value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(type_).validate_python(value)


def refuses_json(type_: Any, text: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(type_).validate_json(text)


# Integers --------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", [Score, Amount, SignedAmount, PositiveInt])
@pytest.mark.parametrize("value", NOT_INTEGERS)
def test_integers_are_not_coerced_from_strings_floats_or_booleans(type_, value):
    refuses(type_, value)


@pytest.mark.parametrize("type_", [Score, Amount, SignedAmount, PositiveInt])
@pytest.mark.parametrize("text", ['"3"', "3.0", "true", "null"])
def test_integers_in_json_are_not_coerced_either(type_, text):
    refuses_json(type_, text)


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_probability_and_consequence_accept_1_to_5(value):
    assert accepts(Score, value) == value


@pytest.mark.parametrize("value", [0, 6, -1, 25])
def test_probability_and_consequence_refuse_outside_1_to_5(value):
    refuses(Score, value)


@pytest.mark.parametrize("value", [0, 1, 450_000_000, INT64_MAX])
def test_amounts_accept_0_to_2_pow_63_minus_1(value):
    assert accepts(Amount, value) == value


@pytest.mark.parametrize("value", [-1, INT64_MAX + 1, 2**64])
def test_amounts_refuse_negatives_and_beyond_64_bits(value):
    refuses(Amount, value)


@pytest.mark.parametrize("value", [INT64_MIN, -25_000_000, 0, INT64_MAX])
def test_value_change_accepts_the_signed_64_bit_range(value):
    assert accepts(SignedAmount, value) == value


@pytest.mark.parametrize("value", [INT64_MIN - 1, INT64_MAX + 1])
def test_value_change_refuses_beyond_the_signed_64_bit_range(value):
    refuses(SignedAmount, value)


@pytest.mark.parametrize("value", [1, 2024, INT64_MAX])
def test_amendment_number_and_price_year_accept_positive_integers(value):
    assert accepts(PositiveInt, value) == value


@pytest.mark.parametrize("value", [0, -1, INT64_MAX + 1])
def test_amendment_number_and_price_year_refuse_zero_and_negatives(value):
    refuses(PositiveInt, value)


# Text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a", " a ", "Økt risiko for forsinkelse", "😀", "\u2028x"])
def test_text_with_a_non_space_character_is_accepted_as_given(value):
    assert accepts(Text, value) == value


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u00a0", "\u3000 "])
def test_text_without_a_non_space_character_is_refused(value):
    refuses(Text, value)


@pytest.mark.parametrize("value", ["\ud800", "a\udfff", "\udc00b", "x\ud83dy"])
def test_text_with_a_lone_surrogate_is_refused(value):
    refuses(Text, value)


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "ab\x00", " \x00 x"])
def test_text_with_the_character_nul_is_refused(value):
    refuses(Text, value)


@pytest.mark.parametrize("value", [3, b"bytes", None, ["a"], True])
def test_text_must_be_a_string(value):
    refuses(Text, value)


# Dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-01", date(2025, 6, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        (date(2025, 6, 1), date(2025, 6, 1)),
    ],
)
def test_dates_are_accepted_as_yyyy_mm_dd(value, expected):
    assert accepts(Day, value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2025-6-1",
        "2025-06-1",
        "25-06-01",
        "20250601",
        20250601,
        "2025/06/01",
        "01.06.2025",
        "2025-06-01T00:00:00",
        "2025-06-01T00:00:00Z",
        "2025-06-01 00:00",
        " 2025-06-01",
        "2025-06-01 ",
        "2025-06-01\n",
        "+2025-06-01",
        "2025-02-29",
        "2025-13-01",
        "2025-06-31",
        "2025-00-10",
        "",
        "２０２５-０６-０１",
        "٢٠٢٥-٠٦-٠١",
        None,
        1748736000.0,
        datetime(2025, 6, 1, 12, 0),
    ],
)
def test_dates_in_any_other_form_are_refused(value):
    refuses(Day, value)


def test_dates_are_written_back_as_yyyy_mm_dd():
    assert TypeAdapter(Day).dump_python(date(2025, 6, 1), mode="json") == "2025-06-01"


# Enumerations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        (Phase, ["concept", "planning", "execution", "closing"], ["Execution", "closed", "", 1]),
        (Rating, ["green", "yellow", "red"], ["amber", "Green", "grønn", None]),
        (
            MilestoneKind,
            ["milestone", "decision_point", "delivery", "payment"],
            ["decision-point", "Delivery"],
        ),
    ],
)
def test_enumerations_accept_exactly_their_values(type_, good, bad):
    for value in good:
        assert accepts(type_, value) == value
    for value in bad:
        refuses(type_, value)


# Keys and references ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["KAK", "OR-631", "27-2025", "a", "9", "KAK-FREQUENTIS", "v1.2_b", "A" * 200]
)
def test_keys_are_letters_digits_dots_underscores_and_hyphens(value):
    assert accepts(Key, value) == value
    assert keys.is_key(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "-KAK",
        ".KAK",
        "_KAK",
        "K AK",
        "KAK/DM1",
        "KAK#3",
        "risk:OR-631",
        "KAK\n",
        "ÆØÅ",
        "٣",
        "A" * 201,
        3,
        None,
    ],
)
def test_keys_in_any_other_form_are_refused(value):
    refuses(Key, value)
    assert not keys.is_key(value)
    with pytest.raises(KeyFormatError):
        keys.check_key(value)


@pytest.mark.parametrize("value", ["HDO/27-2025", "SP/1", "Styringsgruppe.KAK/3-2024"])
def test_decision_ref_and_by_are_body_slash_case_no(value):
    assert accepts(CaseRef, value) == value
    body, case_no = value.split("/")
    assert keys.parse_case_ref(value) == keys.board_case(body, case_no)


@pytest.mark.parametrize(
    "value",
    ["HDO", "HDO/", "/27-2025", "HDO/27-2025/1", "board-case:HDO/27-2025", "HDO 27-2025", "HDO/27 2025", 27],
)
def test_decision_refs_in_any_other_form_are_refused(value):
    refuses(CaseRef, value)


@pytest.mark.parametrize(
    ("value", "contract", "number"),
    [("KAK-FREQUENTIS#3", "KAK-FREQUENTIS", 3), ("K#1", "K", 1), ("K#1234567890", "K", 1234567890)],
)
def test_amendment_ref_is_contract_hash_number(value, contract, number):
    assert accepts(AmendmentRef, value) == value
    assert keys.parse_amendment_ref(value) == (keys.contract(contract), number)


@pytest.mark.parametrize(
    "value",
    [
        "KAK-FREQUENTIS",
        "KAK-FREQUENTIS#",
        "KAK-FREQUENTIS#0",
        "KAK-FREQUENTIS#03",
        "KAK-FREQUENTIS#-1",
        "KAK-FREQUENTIS#3a",
        "#3",
        "contract:KAK-FREQUENTIS#3",
        "KAK/FREQUENTIS#3",
        "KAK-FREQUENTIS #3",
        3,
    ],
)
def test_amendment_refs_in_any_other_form_are_refused(value):
    refuses(AmendmentRef, value)


@pytest.mark.parametrize("value", ["KAK/DM1", "KAK/BP3.2", "P0/M-1"])
def test_affected_milestones_are_project_slash_key(value):
    assert accepts(MilestoneRef, value) == value
    project, key = value.split("/")
    assert keys.parse_milestone_ref(value) == keys.milestone(project, key)


@pytest.mark.parametrize("value", ["KAK", "milestone:KAK/DM1", "KAK/DM1/x", "/DM1", "KAK/", "KAK DM1"])
def test_affected_milestones_in_any_other_form_are_refused(value):
    refuses(MilestoneRef, value)


@pytest.mark.parametrize(
    "value",
    ["project:KAK", "milestone:KAK/DM1", "risk:OR-631", "contract:KAK-FREQUENTIS", "board-case:HDO/22-2025"],
)
def test_refs_are_full_subject_keys(value):
    assert accepts(SubjectRef, value) == value
    assert str(SubjectKey.parse(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        "KAK",
        "HDO/22-2025",
        "project:",
        "project:KAK/DM1",
        "milestone:KAK",
        "board-case:HDO",
        "risk:OR 631",
        "Project:KAK",
        "person:KAK",
        "board_case:HDO/22-2025",
        "project:KAK\n",
        " project:KAK",
        None,
    ],
)
def test_refs_in_any_other_form_are_refused(value):
    refuses(SubjectRef, value)
    with pytest.raises(KeyFormatError):
        SubjectKey.parse(value)


def test_subject_keys_name_their_kind_and_parts():
    milestone = keys.milestone("KAK", "DM1")

    assert (milestone.kind, milestone.key, milestone.parts, str(milestone)) == (
        "milestone",
        "KAK/DM1",
        ("KAK", "DM1"),
        "milestone:KAK/DM1",
    )
    assert str(keys.board_case("HDO", "27-2025")) == "board-case:HDO/27-2025"
    assert str(keys.risk("OR-631")) == "risk:OR-631"
    assert str(keys.contract("KAK-FREQUENTIS")) == "contract:KAK-FREQUENTIS"
    assert str(keys.project("KAK")) == "project:KAK"


def test_the_same_key_always_names_the_same_stream_and_kinds_never_share_one():
    assert keys.risk("OR-631").id == SubjectKey.parse("risk:OR-631").id
    assert isinstance(keys.risk("OR-631").id, UUID)
    assert keys.risk("OR-631").id.version == 5
    assert keys.risk("KAK").id != keys.project("KAK").id
    assert keys.risk("KAK").id != keys.risk("kak").id


@pytest.mark.parametrize(
    "make",
    [
        lambda: keys.project("KAK/DM1"),
        lambda: keys.risk(""),
        lambda: keys.milestone("KAK", "DM 1"),
        lambda: keys.board_case("HDO", "27/2025"),
        lambda: SubjectKey("person", "KAK"),  # type: ignore[arg-type]
    ],
)
def test_subject_keys_are_checked_when_made(make):
    with pytest.raises(KeyFormatError):
        make()


# Events ----------------------------------------------------------------------------------

RISK_ID = keys.risk("OR-631").id


def assessed(**fields: Any) -> Risk.Assessed:
    values: dict[str, Any] = {
        "originator_id": RISK_ID,
        "originator_version": 2,
        "effective_on": "2025-03-01",
        "probability": 3,
        "consequence": 4,
    } | fields
    return Risk.Assessed(**{name: value for name, value in values.items() if value is not ...})


def error_types(refusal: pytest.ExceptionInfo[ValidationError]) -> dict[tuple[Any, ...], str]:
    return {tuple(error["loc"]): error["type"] for error in refusal.value.errors()}


def test_unknown_fields_are_refused_by_name():
    with pytest.raises(ValidationError) as refusal:
        assessed(colour="red")

    assert error_types(refusal) == {("colour",): "extra_forbidden"}


def test_missing_required_fields_are_refused_by_name():
    with pytest.raises(ValidationError) as refusal:
        assessed(consequence=...)

    assert error_types(refusal) == {("consequence",): "missing"}


def test_null_is_not_a_value_of_a_required_field():
    with pytest.raises(ValidationError) as refusal:
        assessed(probability=None)

    assert ("probability",) in error_types(refusal)


def test_every_invalid_field_is_named_by_its_path():
    with pytest.raises(ValidationError) as refusal:
        assessed(probability="3", consequence=6, effective_on="2025-3-1", rationale=" ")

    assert set(error_types(refusal)) == {
        ("probability",),
        ("consequence",),
        ("effective_on",),
        ("rationale",),
    }


def test_list_items_are_named_by_their_index():
    with pytest.raises(ValidationError) as refusal:
        Contract.Amended(
            originator_id=keys.contract("K").id,
            originator_version=2,
            effective_on="2025-03-01",
            amendment_no=1,
            kind="schedule",
            title="T",
            summary="S",
            affected_milestones=["KAK/DM1", "DM2"],
        )

    assert set(error_types(refusal)) == {("affected_milestones", 1)}


@pytest.mark.parametrize("refs", ["project:KAK", ("project:KAK",), None])
def test_refs_must_be_a_list(refs):
    with pytest.raises(ValidationError):
        BoardCase.DecisionRecorded(
            originator_id=keys.board_case("HDO", "27-2025").id,
            originator_version=2,
            effective_on="2025-09-10",
            decided_on="2025-09-10",
            text="Vedtak",
            refs=refs,
        )


@pytest.mark.parametrize(
    ("event_class", "fields"),
    [
        (Project.StatusAssessed, {"measures": ["ok", " "]}),
        (Project.StatusAssessed, {"measures": ["ok", 3]}),
        (Project.CostFrameChanged, {"price_year": 0}),
        (Project.CostFrameChanged, {"cost_frame": -1}),
        (Project.FinancialsReported, {"actual": 1.0}),
        (Project.PhaseChanged, {"decision_ref": "27-2025"}),
        (Milestone.Rebaselined, {"amendment_ref": "KAK-FREQUENTIS"}),
        (Contract.Amended, {"value_change": 2**63}),
        (Contract.Amended, {"kind": "settlement "}),
        (Contract.DisputeResolved, {"amendment_no": True}),
        (Risk.Closed, {"merged_into": "risk:OR-1"}),
        (BoardCase.DecisionSuperseded, {"by": "board-case:HDO/40-2025"}),
        (Risk.MitigationAdded, {"due_on": "2025-06-31"}),
    ],
)
def test_event_fields_have_their_strict_types(event_class, fields):
    valid = {
        Project.StatusAssessed: {
            **dict.fromkeys(
                ("overall", "time", "cost", "scope", "quality", "risk_exposure", "benefits"), "green"
            ),
            "measures": [],
        },
        Project.CostFrameChanged: {"cost_frame": 1, "steering_frame": 1, "reason": "R"},
        Project.FinancialsReported: {"phase_budget": 1, "forecast": 1, "actual": 1, "earned_value": 1},
        Project.PhaseChanged: {"phase": "closing"},
        Milestone.Rebaselined: {"baseline_on": "2025-10-01", "reason": "R", "decision_ref": "HDO/1"},
        Contract.Amended: {
            "amendment_no": 1,
            "kind": "other",
            "title": "T",
            "summary": "S",
            "affected_milestones": [],
        },
        Contract.DisputeResolved: {"resolution": "R"},
        Risk.Closed: {"reason": "R"},
        BoardCase.DecisionSuperseded: {"by": "HDO/40-2025", "reason": "R"},
        Risk.MitigationAdded: {"mitigation_id": "T1", "description": "D"},
    }[event_class]
    base = {"originator_id": RISK_ID, "originator_version": 2, "effective_on": "2025-03-01"}

    event_class(**base, **valid)
    with pytest.raises(ValidationError) as refusal:
        event_class(**base, **(valid | fields))

    assert {loc[0] for loc in error_types(refusal)} == set(fields)
