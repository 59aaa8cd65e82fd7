"""The read models' upkeep on every store: each event applied exactly once, across
restarts, racing runners and a kill -9 in the middle of a batch; a rebuild that resumes."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time
from typing import Any

import pytest

from governance.application import Ledger
from governance.projections import runner as runner_module
from governance.projections.runner import ReadModels, ReadModelsBehind
from governance.projections.view import TABLES
from support import command


def _history(ledger: Ledger, risks: int = 30, assessments: int = 5) -> None:
    commands = [command("project:KAK", "ProjectRegistered", "2024-01-10")]
    for n in range(risks):
        commands.append(command(f"risk:R{n}", "RiskIdentified", "2024-02-01", project="KAK"))
        commands += [
            command(f"risk:R{n}", "RiskAssessed", f"2024-03-{1 + a:02d}", probability=1 + a % 5)
            for a in range(assessments)
        ]
        commands.append(
            command(f"milestone:KAK/M{n}", "MilestonePlanned", "2024-02-01", baseline_on="2024-06-01")
        )
    ledger.record_many(commands)


def _counts(models: ReadModels) -> dict[str, int]:
    return {
        table.name: models.fetch(f"SELECT COUNT(*) AS n FROM {{t}}{table.name}")[0]["n"] for table in TABLES
    }


def test_catching_up_applies_every_event_once(ledger: Ledger, models: ReadModels) -> None:
    _history(ledger)

    assert models.catch_up() == ledger.position()
    assert models.catch_up() == ledger.position()
    counts = _counts(models)
    assert counts["rm_risks"] == 30
    assert counts["rm_risk_facts"] == 30 * 6
    assert counts["rm_milestones"] == 30


def test_an_in_memory_sqlite_store_has_its_read_models_made_in_python() -> None:
    """The read models of an in-memory SQLite store live in a database of their own,
    which cannot select the events' rows: every event passes through the handlers."""
    ledger = Ledger("sqlite:///:memory:")
    models = ReadModels(ledger)
    try:
        _history(ledger, risks=3)
        assert models.catch_up() == ledger.position()
        counts = _counts(models)
        assert counts["rm_risks"] == 3
        assert counts["rm_risk_facts"] == 3 * 6
    finally:
        models.close()
        ledger.close()


def test_a_restarted_runner_resumes_from_its_tracked_position(
    ledger: Ledger, models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(ledger)
    monkeypatch.setattr(runner_module, "BATCH", 50)
    models.catch_up(until=100)
    assert models.applied == 100
    models.close()

    restarted = ReadModels(ledger)
    try:
        assert restarted.applied == 100
        assert restarted.catch_up() == ledger.position()
        assert _counts(restarted)["rm_risk_facts"] == 30 * 6
    finally:
        restarted.close()


def test_racing_runners_apply_each_event_once(
    ledger: Ledger, models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(ledger, risks=60)
    monkeypatch.setattr(runner_module, "BATCH", 37)
    others = [ReadModels(ledger) for _ in range(3)]
    try:
        threads = [threading.Thread(target=other.catch_up) for other in others]
        for thread in threads:
            thread.start()
        models.catch_up()
        for thread in threads:
            thread.join()
        assert _counts(models)["rm_risk_facts"] == 60 * 6
        assert {other.catch_up() for other in others} == {ledger.position()}
    finally:
        for other in others:
            other.close()


def test_runners_racing_while_the_log_grows_apply_each_event_once(ledger: Ledger, models: ReadModels) -> None:
    """Two runners that start from the same position read pages of different lengths
    when the log grows between their reads: only the first to commit may store its page."""
    _history(ledger, risks=4, assessments=0)
    runners = [models, *(ReadModels(ledger) for _ in range(3))]
    stop = threading.Event()

    def race(runner: ReadModels) -> None:
        apply = runner.view.apply

        def apply_a_little_later(*args: Any, **kwargs: Any) -> bool:
            time.sleep(random.uniform(0, 0.005))  # widen the window between reading and storing
            return apply(*args, **kwargs)

        runner.view.apply = apply_a_little_later  # type: ignore[method-assign]
        while not stop.is_set():
            runner.catch_up()

    threads = [threading.Thread(target=race, args=(runner,)) for runner in runners]
    try:
        for thread in threads:
            thread.start()
        for n in range(200):
            ledger.record(command(f"risk:R{n % 4}", "RiskAssessed", "2024-03-01", probability=1 + n % 5))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for runner in runners[1:]:
            runner.close()

    assert models.catch_up() == ledger.position()
    counts = _counts(models)
    assert counts["rm_risk_facts"] == 4 + 200
    assert counts["rm_risks"] == 4
    assert counts["rm_milestones"] == 4


def _catch_up_slowly(url: str, started: Any) -> None:
    ledger = Ledger(url)
    models = ReadModels(ledger)
    original = models.view.apply

    def slow_apply(*args: Any, **kwargs: Any) -> bool:
        started.set()
        time.sleep(0.05)
        return original(*args, **kwargs)

    models.view.apply = slow_apply  # type: ignore[method-assign]
    runner_module.BATCH = 20
    models.catch_up()


def test_a_runner_killed_in_the_middle_of_a_batch_loses_nothing_and_doubles_nothing(
    store_url: str, ledger: Ledger, models: ReadModels
) -> None:
    _history(ledger, risks=40)
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    process = context.Process(target=_catch_up_slowly, args=(store_url, started))
    process.start()
    assert started.wait(30)
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.join()

    partial = ReadModels(ledger)
    try:
        assert 0 <= partial.applied < ledger.position()
        partial.catch_up()
        assert _counts(partial)["rm_risk_facts"] == 40 * 6
    finally:
        partial.close()


def test_a_rebuild_drops_and_reapplies_and_resumes_when_interrupted(
    ledger: Ledger, models: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(ledger)
    models.catch_up()
    before = _counts(models)
    monkeypatch.setattr(runner_module, "BATCH", 40)

    def interrupt(position: int) -> None:
        if position >= 80:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        models.rebuild(progress=interrupt)
    assert models.view.state()[2], "the rebuild is marked as in progress"
    assert models.applied == 80

    seen: list[int] = []
    assert models.rebuild(progress=seen.append) == ledger.position()
    assert seen[0] == 120, "it resumed after the 80 events already rebuilt"
    assert _counts(models) == before
    assert not models.view.state()[2]


def test_a_read_past_what_the_read_models_can_apply_in_time_is_refused(
    ledger: Ledger, models: ReadModels
) -> None:
    _history(ledger, risks=2)
    with models._apply_lock, pytest.raises(ReadModelsBehind):  # another thread is (slowly) applying
        models.ensure(ledger.position(), timeout=0.2)
    models.ensure(ledger.position(), timeout=0.2)
    assert models.applied == ledger.position()


def test_a_store_with_another_layout_is_laid_out_anew_and_rebuilt(ledger: Ledger, models: ReadModels) -> None:
    _history(ledger, risks=3)
    models.catch_up()
    expected = _counts(models)
    with models.view.transaction() as curs:
        # What an older release left: another layout version, a table without a column.
        curs.execute(models.view.sql("UPDATE {t}rm_state SET version = 1"))
        curs.execute(models.view.sql("DROP TABLE {t}rm_mitigations"))
        curs.execute(models.view.sql("CREATE TABLE {t}rm_mitigations (subject TEXT)"))
    models.close()

    reopened = ReadModels(ledger)
    try:
        assert reopened.applied == 0
        assert reopened.catch_up() == ledger.position()
        assert _counts(reopened) == expected
        assert not reopened.view.relayout(ledger.name)  # once is enough
    finally:
        reopened.close()
