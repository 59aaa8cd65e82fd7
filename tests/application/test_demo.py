"""The demo history (HDO's 2025 from its board reports): it loads into an empty store only,
keeps the time model's rules, and holds the facts the reports tell."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from governance import keys
from governance.application import Command, Ledger
from governance.demo import DemoError, demo_commands, load_demo
from governance.keys import SubjectKey
from governance.timemodel import end_of_oslo_day, oslo_day, parse_day

CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")
CLOCK_START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
END_OF_2025 = date(2025, 12, 31)
BOARD_SAW_T2 = end_of_oslo_day(date(2025, 9, 15))


@pytest.fixture
def demo(sqlite_ledger: Ledger) -> Ledger:
    load_demo(sqlite_ledger)
    return sqlite_ledger


def read(
    ledger: Ledger, subject: SubjectKey, as_of: date = END_OF_2025, known_at: datetime | None = None
) -> dict[str, Any]:
    answer = ledger.subject(subject, as_of=as_of, known_at=known_at)
    assert answer is not None, f"{subject} does not exist at {as_of}"
    return answer


def kak_milestone(ledger: Ledger, key: str, as_of: date = END_OF_2025) -> dict[str, Any]:
    return read(ledger, keys.milestone("KAK", key), as_of)


# Loading ---------------------------------------------------------------------------------


def test_the_demo_loads_into_an_empty_store(sqlite_ledger: Ledger) -> None:
    count = load_demo(sqlite_ledger)

    assert count == len(demo_commands()) == sqlite_ledger.position()
    assert count > 80


def test_loading_twice_is_refused_and_changes_nothing(demo: Ledger) -> None:
    position = demo.position()
    head = demo.head_hash(position)

    with pytest.raises(DemoError):
        load_demo(demo)

    assert demo.position() == position
    assert demo.head_hash(position) == head


def test_a_writer_that_slips_in_before_the_demo_is_stored_makes_it_refuse(
    sqlite_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = {"name": "Annet prosjekt", "organisation": "HDO", "phase": "concept", "owner": "Økonomisjef"}
    sqlite_ledger.record(
        Command(keys.project("ANNET"), "ProjectRegistered", other, effective_on="2026-01-14")
    )
    monkeypatch.setattr(sqlite_ledger, "position", lambda known_at=None: 0)  # it looked empty

    with pytest.raises(DemoError):
        load_demo(sqlite_ledger)

    monkeypatch.undo()
    assert sqlite_ledger.position() == 1


def test_the_history_keeps_the_recording_rules() -> None:
    commands = demo_commands()
    stamps = [command.recorded_at for command in commands]

    assert all(stamp is not None and CANONICAL.match(stamp) for stamp in stamps)
    assert stamps == sorted(stamps), "recorded_at goes backwards"
    assert max(datetime.fromisoformat(stamp) for stamp in stamps if stamp) < CLOCK_START
    for command in commands:
        assert command.actor, f"{command.subject} {command.type} has no actor"
        assert isinstance(command.effective_on, str) and command.recorded_at is not None
        recorded_on = oslo_day(datetime.fromisoformat(command.recorded_at))
        assert parse_day(command.effective_on) <= recorded_on, f"{command} is effective after it was recorded"


def test_the_stored_events_keep_the_given_recorded_at_and_actor(demo: Ledger) -> None:
    stored = [(e["subject"], e["type"], e["recorded_at"], e["actor"]) for e in demo.envelopes()]
    given = [(str(c.subject), c.type, c.recorded_at, c.actor) for c in demo_commands()]

    assert stored == given


# Risks -----------------------------------------------------------------------------------


RISKS = ["OR-631", "OR-821", "OR-611", "OR-851"]


def test_every_risk_is_at_level_high_or_critical_whenever_it_exists(demo: Ledger) -> None:
    subjects = {command.subject for command in demo_commands() if command.subject.kind == "risk"}
    assert {subject.key for subject in subjects} == set(RISKS)
    for subject in subjects:
        own_days = {parse_day(str(c.effective_on)) for c in demo_commands() if c.subject == subject}
        tertial_ends = {date(2025, 4, 30), date(2025, 8, 31), END_OF_2025, date(2026, 1, 14)}
        for day in sorted(own_days | {end for end in tertial_ends if end >= min(own_days)}):
            risk = read(demo, subject, day)
            assert risk["score"] == risk["probability"] * risk["consequence"] >= 8
            assert risk["level"] in {"high", "critical"}, f"{subject} is {risk['level']} on {day}"


def test_the_risks_carry_owners_descriptions_and_mitigations_from_the_report(demo: Ledger) -> None:
    for key in RISKS:
        risk = read(demo, keys.risk(key))
        assert risk["open"] and risk["organisation"] == "HDO" and risk["project"] == "KAK"
        assert risk["owner"] and risk["description"] and risk["mitigations"]

    assert "AMK IKT-prosjektet" in read(demo, keys.risk("OR-631"))["title"]
    assert "VMware" in read(demo, keys.risk("OR-611"))["title"]
    or_851 = read(demo, keys.risk("OR-851"))
    assert or_851["created_on"] == date(2025, 6, 30), "the one new risk of May–August"
    assert demo.subject(keys.risk("OR-851"), as_of=date(2025, 4, 30)) is None


# KAK and the Frequentis contract ---------------------------------------------------------


def test_the_contract_has_the_amendment_the_compensation_agreement_and_the_settlement(demo: Ledger) -> None:
    contract = read(demo, keys.contract("KAK-FREQUENTIS"))

    assert contract["supplier"] == "Frequentis AG" and contract["project"] == "KAK"
    amendments = {a["amendment_no"]: a for a in contract["amendments"]}
    assert [amendments[n]["kind"] for n in (1, 2, 3)] == ["schedule", "compensation", "settlement"]
    assert "ikke-blokkerende feil" in amendments[1]["title"]
    assert amendments[2]["effective_on"].strftime("%Y-%m") == "2025-06"
    assert "Kompensasjonsavtale" in amendments[2]["title"]
    assert amendments[3]["affected_milestones"] == ["KAK/DM1", "KAK/DM2", "KAK/DM3"]
    assert not contract["dispute_open"], "the settlement ended the legal process"


def test_the_settlement_rebaselines_three_sub_milestones_between_october_2025_and_september_2026(
    demo: Ledger,
) -> None:
    for key in ("DM1", "DM2", "DM3"):
        milestone = kak_milestone(demo, key)
        assert date(2025, 10, 1) <= milestone["baseline_on"] <= date(2026, 9, 30)
        history = demo.history(keys.milestone("KAK", key))
        rebaselines = [e for e in history if e["type"] == "MilestoneRebaselined"]
        assert [e["data"]["amendment_ref"] for e in rebaselines] == ["KAK-FREQUENTIS#3"]


def test_the_first_sub_milestone_was_approved_on_24_october_2025(demo: Ledger) -> None:
    dm1 = kak_milestone(demo, "DM1")

    assert dm1["achieved_on"] == date(2025, 10, 24)
    assert dm1["state"] == "achieved"
    assert kak_milestone(demo, "DM1", as_of=date(2025, 10, 23))["state"] == "planned"
    assert kak_milestone(demo, "DM3")["state"] == "planned"


def test_delleveranse_1_was_accepted_the_pilot_started_in_june_and_delleveranse_2_arrived_on_20_june(
    demo: Ledger,
) -> None:
    accepted = kak_milestone(demo, "DL1-GODKJENT")["achieved_on"]
    pilot = kak_milestone(demo, "PILOT")["achieved_on"]

    assert (accepted.year, accepted.month) == (2025, 6)
    assert (pilot.year, pilot.month) == (2025, 6)
    assert kak_milestone(demo, "DL2")["achieved_on"] == date(2025, 6, 20)


def test_the_project_board_approved_the_rollout_plan_on_17_december_2025(demo: Ledger) -> None:
    case = read(demo, keys.board_case("KAK-PS", "09-2025"))

    assert case["meeting_on"] == date(2025, 12, 17)
    assert [d["decided_on"] for d in case["decisions"]] == [date(2025, 12, 17)]
    assert "utrullingsplan" in case["decisions"][0]["text"]
    assert kak_milestone(demo, "UTRULLINGSPLAN")["achieved_on"] == date(2025, 12, 17)


def test_kak_has_a_status_and_financials_in_every_tertial(demo: Ledger) -> None:
    for project in ("KAK", "MEDIELOGG"):
        for end in (date(2025, 4, 30), date(2025, 8, 31), END_OF_2025):
            answer = read(demo, keys.project(project), end)
            assert answer["status"] is not None and answer["status"]["effective_on"] == end
            assert answer["financials"] is not None and answer["financials"]["actual"] > 0
    assert read(demo, keys.project("NNN"), date(2025, 8, 31))["status"]["overall"] == "yellow"


# Medielogg, Nytt nødnett and the board --------------------------------------------------


def test_medielogg_went_into_pilot_and_passed_the_acceptance_test(demo: Ledger) -> None:
    project = read(demo, keys.project("MEDIELOGG"))
    assert "Medielogg" in project["name"]
    assert read(demo, keys.milestone("MEDIELOGG", "PILOT"))["state"] == "achieved"
    assert read(demo, keys.milestone("MEDIELOGG", "AKSEPTANSE"))["state"] == "achieved"
    assert read(demo, keys.milestone("MEDIELOGG", "ENDELIG"))["state"] == "planned"


def test_dsbs_new_timeline_of_12_june_moves_user_migration_to_2030(demo: Ledger) -> None:
    before = read(demo, keys.milestone("NNN", "MIGRERING"), date(2025, 6, 11))
    after = read(demo, keys.milestone("NNN", "MIGRERING"), date(2025, 6, 12))

    assert before["forecast_on"] is None and before["baseline_on"].year == 2028
    assert after["forecast_on"].year == 2030
    assert read(demo, keys.milestone("NNN", "AVVIKLING"))["baseline_on"] == date(2031, 12, 31)


def test_board_case_27_2025_presents_the_august_report_and_records_a_decision(demo: Ledger) -> None:
    case = read(demo, keys.board_case("HDO", "27-2025"))

    assert case["body"] == "HDO" and case["case_no"] == "27-2025"
    assert "august 2025" in case["title"]
    concerned = {"project:KAK", "project:MEDIELOGG", "contract:KAK-FREQUENTIS", "risk:OR-631", "risk:OR-851"}
    assert concerned <= set(case["refs"])
    assert len(case["decisions"]) == 1 and case["decisions"][0]["superseded_by"] is None
    assert case["decisions"][0]["decided_on"] == case["meeting_on"]


# As the board saw it -------------------------------------------------------------------


def test_t2_as_the_board_saw_it_on_15_september_differs_from_t2_as_known_now(demo: Ledger) -> None:
    t2_end = date(2025, 8, 31)

    kak_then = read(demo, keys.project("KAK"), t2_end, known_at=BOARD_SAW_T2)
    kak_now = read(demo, keys.project("KAK"), t2_end)
    assert kak_then["financials"]["actual"] == 44_600_000
    assert kak_now["financials"]["actual"] == 46_100_000

    medielogg_then = read(demo, keys.project("MEDIELOGG"), t2_end, known_at=BOARD_SAW_T2)
    medielogg_now = read(demo, keys.project("MEDIELOGG"), t2_end)
    assert (medielogg_then["status"]["quality"], medielogg_now["status"]["quality"]) == ("green", "yellow")
    assert medielogg_then["version"] < medielogg_now["version"]


def test_on_15_september_the_board_could_not_know_the_settlement(demo: Ledger) -> None:
    contract = read(demo, keys.contract("KAK-FREQUENTIS"), known_at=BOARD_SAW_T2)

    assert [a["amendment_no"] for a in contract["amendments"]] == [1, 2]
    assert contract["dispute_open"]
    assert demo.subject(keys.milestone("KAK", "DM1"), as_of=END_OF_2025, known_at=BOARD_SAW_T2) is None
