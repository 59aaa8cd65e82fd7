"""`governance changes`: what changed in a tertial, for a person (Markdown) or a program (JSON)."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from governance import cli
from support.servers import demo_env


def _demo_store(tmp_path: Path) -> dict[str, str]:
    return demo_env(f"sqlite:///{tmp_path}/ledger.db")


def test_the_changes_since_the_board_met_read_as_one_line_each(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.app, ["changes", "2025-T2", "--from-known-at", "2025-09-15"], env=_demo_store(tmp_path)
    )

    assert result.exit_code == 0, result.output
    text = result.stdout.replace("\u00a0", " ")  # the report's non-breaking spaces
    assert "- `/projects/MEDIELOGG/status/quality` (Kvalitet): grønn → gul" in text
    assert "- `/projects/KAK/financials/actual` (Påløpt): 44,6 MNOK → 46,1 MNOK" in text
    assert (
        "22.09.2025 kl. 14:30, medielogg-prosjektleder: Status vurdert for prosjekt MEDIELOGG,"
        " gjelder fra 31.08.2025" in text
    )
    assert "15.09.2025 kl. 23:59" in text


def test_the_changes_as_json_are_the_api_answer(tmp_path: Path) -> None:
    env = _demo_store(tmp_path)
    result = CliRunner().invoke(
        cli.app,
        [
            "changes",
            "2025-T2",
            "--from-known-at",
            "2025-09-15",
            "--to-known-at",
            "2025-12-31",
            "--format",
            "json",
        ],
        env=env,
    )

    answer = orjson.loads(result.stdout)
    assert answer["tertial"] == "2025-T2"
    assert {"path": "/projects/MEDIELOGG/status/quality", "before": "green", "after": "yellow"} in answer[
        "changes"
    ]


def test_readings_in_the_wrong_order_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.app,
        ["changes", "2025-T2", "--from-known-at", "2025-12-01", "--to-known-at", "2025-09-01"],
        env=_demo_store(tmp_path),
    )
    assert result.exit_code == 1
