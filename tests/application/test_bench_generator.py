"""The benchmark's synthetic history stays valid: every command it generates is accepted,
so the append benchmark never measures a history the ledger refuses."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from governance.application import Ledger
from governance.keys import KINDS

BENCH = Path(__file__).resolve().parents[2] / "bench" / "append_replay.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("append_replay", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


bench = load_bench()


@pytest.mark.parametrize("seed", [2016, 7])
def test_every_generated_command_is_accepted(sqlite_ledger: Ledger, seed: int) -> None:
    today = sqlite_ledger.today()
    commands, stats = bench.synthetic_history(400, today=today, seed=seed)

    result = bench.record_all(sqlite_ledger, commands)  # raises CommandRefused on a refusal

    assert len(result.latencies_ns) == len(commands) == sqlite_ledger.position() == 400
    assert {command.subject.kind for command in commands} == set(KINDS)
    assert stats.backdated >= 0.04 * len(commands)


def test_effective_days_lie_between_2016_and_today() -> None:
    today = date(2026, 1, 15)
    commands, _ = bench.synthetic_history(400, today=today)

    days = [date.fromisoformat(str(command.effective_on)) for command in commands]

    assert min(days) == date(2016, 1, 1)
    assert max(days) <= today
    assert sum(later < earlier for earlier, later in itertools.pairwise(days)) > 0  # some are backdated


def test_the_history_is_the_same_for_the_same_seed() -> None:
    first, _ = bench.synthetic_history(200, today=date(2026, 1, 15), seed=3)
    second, _ = bench.synthetic_history(200, today=date(2026, 1, 15), seed=3)

    assert first == second
