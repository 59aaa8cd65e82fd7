"""Commands through the ledger on a SQLite store: every refusal of the write path leaves the
log exactly as it was, and an accepted command answers with its stored §7 envelope."""

from __future__ import annotations

import gc
import io
import re
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from governance.application import Command, Ledger
from governance.chain import ENVELOPE_FIELDS, ZERO_HASH, event_hash
from governance.context import acting_as
from governance.errors import (
    InvalidInput,
    LifecycleViolation,
    ReferenceNotFound,
    SubjectAlreadyExists,
    SubjectNotFound,
    VersionMismatch,
)
from governance.exchange import export_to, import_stream
from governance.keys import SubjectKey
from support import FakeClock, command

CANONICAL_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")


def record(
    ledger: Ledger, subject: str, type_: str, effective_on: Any = None, **fields: Any
) -> dict[str, Any]:
    return ledger.record(command(subject, type_, effective_on, **fields)).envelope


def log_state(ledger: Ledger) -> tuple[int, str]:
    position = ledger.position()
    return position, ledger.head_hash(position)


def refused(ledger: Ledger, cmd: Command, error: type[Exception]) -> Any:
    """Record a command that must be refused with `error`, appending nothing."""
    before = log_state(ledger)
    with pytest.raises(error) as refusal:
        ledger.record(cmd)
    assert log_state(ledger) == before
    return refusal.value


@pytest.fixture
def seeded(sqlite_ledger: Ledger) -> Ledger:
    """A project with a milestone, a risk, a board case with a decision, and a contract
    with amendment 3."""
    record(sqlite_ledger, "project:KAK", "ProjectRegistered", "2025-01-02")
    record(sqlite_ledger, "milestone:KAK/DM1", "MilestonePlanned", "2025-01-03")
    record(sqlite_ledger, "risk:OR-631", "RiskIdentified", "2025-01-04")
    record(sqlite_ledger, "board-case:HDO/27-2025", "BoardCaseRegistered", "2025-01-05")
    record(sqlite_ledger, "board-case:HDO/27-2025", "BoardDecisionRecorded", "2025-01-06")
    record(sqlite_ledger, "contract:KAK-FREQUENTIS", "ContractSigned", "2025-01-07")
    record(sqlite_ledger, "contract:KAK-FREQUENTIS", "ContractAmended", "2025-01-08", amendment_no=3)
    return sqlite_ledger


# Accepted commands -----------------------------------------------------------------------


def test_accepted_command_answers_its_stored_envelope_with_the_acting_user(sqlite_ledger):
    with acting_as("kari.nordmann"):
        envelope = record(sqlite_ledger, "risk:OR-631", "RiskIdentified", "2025-01-10", project=None)

    assert list(envelope) == list(ENVELOPE_FIELDS)
    assert envelope["seq"] == 1
    assert UUID(envelope["id"]).version == 4
    assert envelope["id"] == str(UUID(envelope["id"]))
    assert (envelope["subject"], envelope["type"], envelope["version"]) == (
        "risk:OR-631",
        "RiskIdentified",
        1,
    )
    assert envelope["effective_on"] == "2025-01-10"
    assert CANONICAL_INSTANT.match(envelope["recorded_at"])
    assert envelope["recorded_at"].startswith("2026-01-15T09:00:")
    assert envelope["actor"] == "kari.nordmann"
    assert envelope["data"] == {
        "title": "Risiko for forsinkelser",
        "organisation": "HDO",
        "owner": "Prosjektleder",
        "probability": 3,
        "consequence": 4,
    }
    assert envelope["prev_hash"] == ZERO_HASH
    assert envelope["hash"] == event_hash({name: value for name, value in envelope.items() if name != "hash"})
    assert list(sqlite_ledger.envelopes()) == [envelope]


def test_command_without_an_acting_user_is_recorded_with_a_null_actor(sqlite_ledger):
    assert record(sqlite_ledger, "risk:OR-631", "RiskIdentified", "2025-01-10")["actor"] is None


def test_each_envelope_chains_to_the_previous_one(sqlite_ledger):
    first = record(sqlite_ledger, "risk:OR-631", "RiskIdentified", "2025-01-10")
    with acting_as("ola"):
        second = record(sqlite_ledger, "risk:OR-631", "RiskAssessed", "2025-02-01", rationale="Ny vurdering")

    assert (second["seq"], second["version"], second["prev_hash"]) == (2, 2, first["hash"])
    assert second["data"] == {"probability": 2, "consequence": 4, "rationale": "Ny vurdering"}
    assert second["recorded_at"] >= first["recorded_at"]
    assert log_state(sqlite_ledger) == (2, second["hash"])


def test_effective_on_defaults_to_today_in_oslo(sqlite_ledger, clock: FakeClock):
    clock.set(datetime(2026, 1, 15, 23, 30, tzinfo=UTC))

    envelope = record(sqlite_ledger, "risk:OR-631", "RiskIdentified")

    assert envelope["effective_on"] == "2026-01-16"


def test_effective_on_today_in_oslo_is_not_the_future_even_before_it_is_today_in_utc(sqlite_ledger, clock):
    clock.set(datetime(2026, 1, 15, 23, 30, tzinfo=UTC))

    assert (
        record(sqlite_ledger, "risk:OR-631", "RiskIdentified", "2026-01-16")["effective_on"] == "2026-01-16"
    )


def test_effective_on_may_be_given_as_a_date(sqlite_ledger):
    assert (
        record(sqlite_ledger, "risk:OR-631", "RiskIdentified", date(2025, 1, 10))["effective_on"]
        == "2025-01-10"
    )


def test_achieved_milestone_stores_both_achieved_on_and_effective_on(seeded):
    envelope = record(seeded, "milestone:KAK/DM1", "MilestoneAchieved", "2025-06-11")

    assert envelope["effective_on"] == "2025-06-11"
    assert envelope["data"] == {"achieved_on": "2025-06-11"}


def test_expected_version_that_matches_is_accepted(seeded):
    cmd = command("risk:OR-631", "RiskAssessed", "2025-02-01")

    envelope = seeded.record(
        Command(cmd.subject, cmd.type, cmd.fields, cmd.effective_on, expected_version=1)
    ).envelope

    assert envelope["version"] == 2


def test_references_to_existing_subjects_and_amendments_are_accepted(seeded):
    record(seeded, "project:KAK", "ProjectPhaseChanged", "2025-02-01", decision_ref="HDO/27-2025")
    record(
        seeded, "milestone:KAK/DM1", "MilestoneRebaselined", "2025-02-01", amendment_ref="KAK-FREQUENTIS#3"
    )
    record(seeded, "risk:OR-632", "RiskIdentified", "2025-02-01", project="KAK")
    record(seeded, "risk:OR-632", "RiskClosed", "2025-02-02", merged_into="OR-631")
    record(seeded, "contract:KAK-ERICSSON", "ContractSigned", "2025-02-01", project="KAK")
    record(
        seeded,
        "contract:KAK-FREQUENTIS",
        "ContractAmended",
        "2025-02-01",
        amendment_no=4,
        affected_milestones=["KAK/DM1"],
    )
    record(
        seeded,
        "board-case:HDO/28-2025",
        "BoardCaseRegistered",
        "2025-02-01",
        refs=[
            "project:KAK",
            "milestone:KAK/DM1",
            "risk:OR-631",
            "contract:KAK-FREQUENTIS",
            "board-case:HDO/27-2025",
        ],
    )
    record(seeded, "board-case:HDO/28-2025", "BoardDecisionRecorded", "2025-02-02", refs=["risk:OR-632"])
    record(seeded, "board-case:HDO/27-2025", "BoardDecisionSuperseded", "2025-02-03", by="HDO/28-2025")

    assert seeded.position() == 16


def test_refused_command_does_not_disturb_the_next_one(seeded):
    refused(seeded, command("risk:OR-631", "RiskReopened", "2025-02-01"), LifecycleViolation)
    refused(seeded, command("risk:OR-631", "RiskAssessed", "2025-02-01", probability=9), InvalidInput)

    envelope = record(seeded, "risk:OR-631", "RiskAssessed", "2025-02-01")

    assert (envelope["seq"], envelope["version"]) == (8, 2)


# Refusals --------------------------------------------------------------------------------


def test_unknown_event_type_is_refused(seeded):
    error = refused(seeded, Command(SubjectKey.parse("risk:OR-631"), "RiskForgotten", {}), InvalidInput)

    assert [e.loc for e in error.errors] == [("type",)]


@pytest.mark.parametrize(
    ("subject", "type_"),
    [
        ("risk:OR-631", "ProjectClosed"),
        ("project:KAK", "RiskAssessed"),
        ("milestone:KAK/DM1", "ProjectStatusAssessed"),
        ("contract:KAK-FREQUENTIS", "MilestoneCancelled"),
        ("board-case:HDO/27-2025", "ContractTerminated"),
        ("project:NEW", "RiskIdentified"),
    ],
)
def test_event_type_of_another_kind_of_subject_is_refused(seeded, subject, type_):
    error = refused(seeded, command(subject, type_, "2025-02-01"), InvalidInput)

    assert [e.loc for e in error.errors] == [("type",)]


@pytest.mark.parametrize(
    "name", ["originator_id", "originator_version", "originator_topic", "timestamp", "effective_on"]
)
def test_reserved_field_names_are_refused_inside_the_fields(seeded, name):
    cmd = command("risk:OR-631", "RiskAssessed", "2025-02-01")

    error = refused(
        seeded, Command(cmd.subject, cmd.type, {**cmd.fields, name: "2025-02-01"}, "2025-02-01"), InvalidInput
    )

    assert [(e.loc, e.type) for e in error.errors] == [((name,), "extra_forbidden")]


def test_unknown_field_is_refused_by_name(seeded):
    error = refused(seeded, command("risk:OR-631", "RiskAssessed", "2025-02-01", colour="red"), InvalidInput)

    assert [(e.loc, e.type) for e in error.errors] == [(("colour",), "extra_forbidden")]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"probability": "3"}, ("probability",)),
        ({"probability": 3.0}, ("probability",)),
        ({"probability": True}, ("probability",)),
        ({"consequence": 6}, ("consequence",)),
        ({"consequence": ...}, ("consequence",)),
        ({"rationale": "  "}, ("rationale",)),
        ({"rationale": "\ud800"}, ("rationale",)),
    ],
)
def test_invalid_field_is_refused_with_its_location(seeded, fields, loc):
    error = refused(seeded, command("risk:OR-631", "RiskAssessed", "2025-02-01", **fields), InvalidInput)

    assert [e.loc for e in error.errors] == [loc]
    assert not isinstance(error, ReferenceNotFound)


def test_rebaseline_without_any_reference_is_invalid(seeded):
    refused(seeded, command("milestone:KAK/DM1", "MilestoneRebaselined", "2025-02-01"), InvalidInput)


@pytest.mark.parametrize("effective_on", ["2026-01-16", "2027-01-01", date(2026, 1, 16)])
def test_effective_on_in_the_future_is_refused(seeded, effective_on):
    error = refused(seeded, command("risk:OR-631", "RiskAssessed", effective_on), InvalidInput)

    assert [e.loc for e in error.errors] == [("effective_on",)]


@pytest.mark.parametrize(
    "effective_on", ["2025-2-1", "2025-02-01T00:00:00Z", "20250201", "2025-02-30", "", "２０２５-０２-０１"]
)
def test_malformed_effective_on_is_refused(seeded, effective_on):
    error = refused(
        seeded,
        Command(
            SubjectKey.parse("risk:OR-631"),
            "RiskAssessed",
            {"probability": 1, "consequence": 1},
            effective_on,
        ),
        InvalidInput,
    )

    assert [e.loc for e in error.errors] == [("effective_on",)]


def test_event_of_an_unknown_subject_is_refused(seeded):
    error = refused(seeded, command("risk:OR-999", "RiskAssessed", "2025-02-01"), SubjectNotFound)

    assert error.subject == "risk:OR-999"


def test_subject_is_not_created_twice(seeded):
    error = refused(seeded, command("risk:OR-631", "RiskIdentified", "2025-02-01"), SubjectAlreadyExists)

    assert error.subject == "risk:OR-631"


def test_board_case_is_not_registered_twice_even_backdated(seeded):
    refused(
        seeded, command("board-case:HDO/27-2025", "BoardCaseRegistered", "2024-12-01"), SubjectAlreadyExists
    )


def test_milestone_of_a_project_that_does_not_exist_is_refused(seeded):
    error = refused(seeded, command("milestone:NOPE/DM1", "MilestonePlanned", "2025-02-01"), SubjectNotFound)

    assert error.subject == "project:NOPE"


def test_board_case_registration_with_another_cases_body_is_a_lifecycle_violation(seeded):
    cmd = command("board-case:HDO/30-2025", "BoardCaseRegistered", "2025-02-01", body="SP")

    error = refused(seeded, cmd, LifecycleViolation)

    assert error.subject == "board-case:HDO/30-2025"


@pytest.mark.parametrize(
    ("subject", "type_", "fields", "loc", "reference"),
    [
        (
            "project:KAK",
            "ProjectPhaseChanged",
            {"decision_ref": "HDO/99-2025"},
            ("decision_ref",),
            "board-case:HDO/99-2025",
        ),
        (
            "project:KAK",
            "ProjectCostFrameChanged",
            {"decision_ref": "SP/1-2025"},
            ("decision_ref",),
            "board-case:SP/1-2025",
        ),
        (
            "project:KAK",
            "ProjectClosed",
            {"decision_ref": "HDO/99-2025"},
            ("decision_ref",),
            "board-case:HDO/99-2025",
        ),
        (
            "milestone:KAK/DM1",
            "MilestoneCancelled",
            {"decision_ref": "HDO/99-2025"},
            ("decision_ref",),
            "board-case:HDO/99-2025",
        ),
        (
            "milestone:KAK/DM1",
            "MilestoneRebaselined",
            {"decision_ref": "HDO/99-2025"},
            ("decision_ref",),
            "board-case:HDO/99-2025",
        ),
        (
            "milestone:KAK/DM1",
            "MilestoneRebaselined",
            {"amendment_ref": "NOPE#1"},
            ("amendment_ref",),
            "amendment NOPE#1",
        ),
        (
            "milestone:KAK/DM1",
            "MilestoneRebaselined",
            {"amendment_ref": "KAK-FREQUENTIS#4"},
            ("amendment_ref",),
            "amendment KAK-FREQUENTIS#4",
        ),
        ("risk:OR-700", "RiskIdentified", {"project": "NOPE"}, ("project",), "project:NOPE"),
        ("contract:NEW", "ContractSigned", {"project": "NOPE"}, ("project",), "project:NOPE"),
        ("risk:OR-631", "RiskClosed", {"merged_into": "OR-999"}, ("merged_into",), "risk:OR-999"),
        (
            "board-case:HDO/30-2025",
            "BoardCaseRegistered",
            {"refs": ["project:KAK", "risk:OR-999"]},
            ("refs", 1),
            "risk:OR-999",
        ),
        (
            "board-case:HDO/27-2025",
            "BoardDecisionRecorded",
            {"refs": ["milestone:KAK/DM9"]},
            ("refs", 0),
            "milestone:KAK/DM9",
        ),
        (
            "board-case:HDO/27-2025",
            "BoardDecisionRecorded",
            {"refs": ["board-case:HDO/27-2025", "contract:NOPE"]},
            ("refs", 1),
            "contract:NOPE",
        ),
        (
            "contract:KAK-FREQUENTIS",
            "ContractAmended",
            {"amendment_no": 4, "affected_milestones": ["KAK/DM1", "KAK/DM9"]},
            ("affected_milestones", 1),
            "milestone:KAK/DM9",
        ),
        (
            "board-case:HDO/27-2025",
            "BoardDecisionSuperseded",
            {"by": "HDO/99-2025"},
            ("by",),
            "board-case:HDO/99-2025",
        ),
    ],
)
def test_reference_to_nothing_is_refused_naming_its_field(seeded, subject, type_, fields, loc, reference):
    error = refused(seeded, command(subject, type_, "2025-02-01", **fields), ReferenceNotFound)

    assert [(e.loc, e.type) for e in error.errors] == [(loc, "reference_not_found")]
    assert error.reference == reference


def test_lifecycle_violation_is_refused_naming_its_subject(seeded):
    record(seeded, "risk:OR-631", "RiskClosed", "2025-03-01")

    error = refused(seeded, command("risk:OR-631", "RiskAssessed", "2025-03-10"), LifecycleViolation)

    assert error.subject == "risk:OR-631"


@pytest.mark.parametrize(
    ("subject", "type_", "effective_on", "fields"),
    [
        ("risk:OR-631", "RiskAssessed", "2025-01-03", {}),
        ("risk:OR-631", "RiskReopened", "2025-02-01", {}),
        ("milestone:KAK/DM1", "MilestoneAchieved", "2025-01-02", {}),
        ("contract:KAK-FREQUENTIS", "ContractAmended", "2025-02-01", {"amendment_no": 3}),
        ("contract:KAK-FREQUENTIS", "ContractDisputeResolved", "2025-02-01", {}),
        ("board-case:HDO/27-2025", "BoardDecisionSuperseded", "2025-01-05", {"by": "HDO/27-2025"}),
    ],
)
def test_every_lifecycle_rule_is_checked_on_the_write_path(seeded, subject, type_, effective_on, fields):
    error = refused(seeded, command(subject, type_, effective_on, **fields), LifecycleViolation)

    assert error.subject == subject


def test_backdated_closure_before_a_later_assessment_is_refused(seeded):
    record(seeded, "risk:OR-631", "RiskAssessed", "2025-03-01")

    refused(seeded, command("risk:OR-631", "RiskClosed", "2025-02-01"), LifecycleViolation)


def test_achieving_a_cancelled_milestone_is_refused(seeded):
    record(seeded, "milestone:KAK/DM1", "MilestoneCancelled", "2025-03-01")

    refused(seeded, command("milestone:KAK/DM1", "MilestoneAchieved", "2025-04-01"), LifecycleViolation)


@pytest.mark.parametrize(("expected", "actual"), [(0, 1), (2, 1), (5, 1)])
def test_expected_version_that_does_not_match_is_refused(seeded, expected, actual):
    cmd = command("risk:OR-631", "RiskAssessed", "2025-02-01")

    error = refused(
        seeded,
        Command(cmd.subject, cmd.type, cmd.fields, cmd.effective_on, expected_version=expected),
        VersionMismatch,
    )

    assert (error.subject, error.expected, error.actual) == ("risk:OR-631", expected, actual)


def test_expected_version_of_a_subject_that_does_not_exist_yet_is_refused(seeded):
    cmd = command("risk:OR-700", "RiskIdentified", "2025-02-01")

    error = refused(
        seeded,
        Command(cmd.subject, cmd.type, cmd.fields, cmd.effective_on, expected_version=1),
        VersionMismatch,
    )

    assert (error.expected, error.actual) == (1, 0)


def test_a_batch_and_an_import_leave_the_garbage_collector_running_for_every_thread(
    sqlite_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    paused: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: paused.append("disable"))
    monkeypatch.setattr(gc, "freeze", lambda: paused.append("freeze"))
    sqlite_ledger.record_many(
        [
            command("project:KAK", "ProjectRegistered", "2025-01-10"),
            command("risk:R1", "RiskIdentified", "2025-01-10"),
        ]
    )
    exported = io.BytesIO()
    export_to(sqlite_ledger, exported)
    other = Ledger(sqlite_ledger.url.replace("ledger.db", "other.db"))
    try:
        import_stream(other, io.BytesIO(exported.getvalue()))
    finally:
        other.close()

    assert paused == []
