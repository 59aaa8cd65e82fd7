"""`governance report`: the tertial report as a self-contained file, in Markdown, and
compared with an earlier reading."""

from __future__ import annotations

from pathlib import Path

import orjson
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from governance import cli
from support.pages import english_enum_values_in, visible_text
from support.servers import demo_env


def _demo_store(tmp_path: Path) -> dict[str, str]:
    return demo_env(f"sqlite:///{tmp_path}/ledger.db")


def test_the_html_report_is_one_file_that_loads_nothing(tmp_path: Path) -> None:
    target = tmp_path / "t2.html"

    result = CliRunner().invoke(
        cli.app, ["report", "2025-T2", "--format", "html", "-o", str(target)], env=_demo_store(tmp_path)
    )

    assert result.exit_code == 0, result.output
    soup = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
    assert soup.select("link, script, img") == []
    assert len(soup.select("#risk-matrix [data-count]")) == 25
    assert soup.select_one("#filing")["data-head-hash"]
    assert english_enum_values_in(visible_text(str(soup))) == []


def test_compared_on_the_command_line_the_markdown_marks_what_changed(tmp_path: Path) -> None:
    env = _demo_store(tmp_path)

    result = CliRunner().invoke(cli.app, ["report", "2025-T2", "--compare-to", "2025-09-15"], env=env)

    assert result.exit_code == 0, result.output
    text = result.stdout.replace("\xa0", " ")
    assert "Sammenlignet med rapporten slik loggen var kjent 15.09.2025 kl. 23:59" in text
    assert "(før: 44,6 MNOK)" in text
    assert "## 7 Endringer siden lesningen" in text
    assert english_enum_values_in(text) == []


def test_compared_as_json_the_report_is_the_tertials_changes(tmp_path: Path) -> None:
    env = _demo_store(tmp_path)

    result = CliRunner().invoke(
        cli.app, ["report", "2025-T2", "--compare-to", "2025-09-15", "--format", "json"], env=env
    )

    answer = orjson.loads(result.stdout)
    assert answer["tertial"] == "2025-T2" and answer["changes"] and answer["events"]


def test_an_earlier_reading_after_the_later_one_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.app,
        ["report", "2025-T2", "--known-at", "2025-09-15", "--compare-to", "2025-12-31"],
        env=_demo_store(tmp_path),
    )

    assert result.exit_code == 2
