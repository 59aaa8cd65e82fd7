"""The benchmarks' synthetic histories stay valid: every command they generate is
accepted, so no benchmark measures a history the ledger refuses."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest

from governance.application import Ledger
from governance.context import acting_as
from governance.keys import KINDS
from support.history import DEEP, WIDE, History, Shape, record_history
from support.synthetic_history import ACTOR, synthetic_history


@pytest.mark.parametrize("seed", [2016, 7])
def test_every_generated_command_is_accepted(sqlite_ledger: Ledger, seed: int) -> None:
    today = sqlite_ledger.today()
    commands, stats = synthetic_history(400, today=today, seed=seed)

    with acting_as(ACTOR):
        for command in commands:
            sqlite_ledger.record(command)  # raises on a refusal

    assert len(commands) == sqlite_ledger.position() == 400
    assert {command.subject.kind for command in commands} == set(KINDS)
    assert stats.backdated >= 0.04 * len(commands)


def test_effective_days_lie_between_2016_and_today() -> None:
    today = date(2026, 1, 15)
    commands, _ = synthetic_history(400, today=today)

    days = [date.fromisoformat(str(command.effective_on)) for command in commands]

    assert min(days) == date(2016, 1, 1)
    assert max(days) <= today
    assert sum(later < earlier for earlier, later in itertools.pairwise(days)) > 0  # some are backdated


def test_the_history_is_the_same_for_the_same_seed() -> None:
    first, _ = synthetic_history(200, today=date(2026, 1, 15), seed=3)
    second, _ = synthetic_history(200, today=date(2026, 1, 15), seed=3)

    assert first == second


SMALL_WIDE = replace(WIDE, projects=40, risks=60, milestones=80, board_cases=30, contracts=5)


@pytest.mark.parametrize("shape", [DEEP, SMALL_WIDE], ids=["deep", "wide"])
def test_every_command_of_the_read_model_history_is_accepted(sqlite_ledger: Ledger, shape: Shape) -> None:
    record_history(sqlite_ledger, 2_000, seed=11, validate=True, shape=shape)  # raises on a refusal

    assert sqlite_ledger.position() == 2_000


def test_the_wide_shape_has_many_subjects_from_its_first_day_and_backdates_one_change_in_ten() -> None:
    commands = list(History(2_000, seed=5, shape=SMALL_WIDE).commands())

    first_day = min(str(command.effective_on) for command in commands)
    created_on_first_day = [
        command
        for command in commands
        if command.type.endswith(("Registered", "Identified", "Planned"))
        and str(command.effective_on) == first_day
    ]
    backdated = sum(
        str(command.effective_on) < str(command.recorded_at)[:10]
        for command in commands
        if not command.type.endswith(("Registered", "Identified", "Planned", "Signed"))
    )
    changes = sum(
        not command.type.endswith(("Registered", "Identified", "Planned", "Signed")) for command in commands
    )

    assert len(created_on_first_day) >= 0.4 * (40 + 60 + 80 + 30) - 1
    assert 0.05 * changes <= backdated <= 0.15 * changes
    assert max(str(command.effective_on) for command in commands) < "2022-01-04"
