"""The README's settings table lists every setting, with its default, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg
import pytest

from governance.application import Ledger
from governance.settings import Settings
from governance.store.config import prepare_store, store_env

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(GOVERNANCE_[A-Z_]+)` \| ([^|]*) \|")


def readme_table() -> dict[str, str]:
    """Variable → default as the README's settings table shows it."""
    text = README.read_text(encoding="utf-8")
    table = text.split("### Settings", 1)[1].split("\n\n", 2)[1]
    rows: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        match = ROW.match(line)
        assert match is not None, f"not a settings row: {line!r}"
        variable, cell = match[1], match[2].strip()
        quoted = re.fullmatch(r"`([^`]*)`", cell)
        assert quoted is not None or cell.startswith("empty"), f"{variable}: default {cell!r}"
        rows[variable] = quoted[1] if quoted is not None else ""
    return rows


def shown(default: Any) -> str:
    return f"{default:g}" if isinstance(default, float) else str(default)


def test_the_readme_lists_every_setting_with_its_default() -> None:
    expected = {
        f"GOVERNANCE_{name.upper()}": shown(field.default) for name, field in Settings.model_fields.items()
    }

    assert readme_table() == expected


def test_the_defaults_are_what_an_empty_environment_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in readme_table():
        monkeypatch.delenv(variable, raising=False)

    assert {name: shown(value) for name, value in Settings().model_dump().items()} == {
        name: shown(field.default) for name, field in Settings.model_fields.items()
    }


def test_the_store_and_the_ledger_follow_the_settings(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("GOVERNANCE_AGGREGATE_CACHE_SIZE", "7")
    monkeypatch.setenv("GOVERNANCE_DB_IDLE_IN_TRANSACTION_TIMEOUT", "90")
    monkeypatch.setenv("GOVERNANCE_IMPORT_WAIT", "0.25")

    env = store_env("postgresql://ledger@db.example/governance")
    ledger = Ledger(sqlite_url)
    try:
        assert env["AGGREGATE_CACHE_MAXSIZE"] == "7"
        assert env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] == "90"
        assert ledger.write_wait == 0.25
        assert ledger.repository.cache is not None and ledger.repository.cache.maxsize == 7
    finally:
        ledger.close()


def test_a_store_opened_to_create_nothing_does_not_create_its_schema_either() -> None:
    env = store_env("postgresql://ledger@127.0.0.1:1/governance?schema=ledger")  # nothing listens there

    prepare_store(env | {"CREATE_TABLE": "false"})  # connects to nothing
    with pytest.raises(psycopg.OperationalError):
        prepare_store(env | {"CREATE_TABLE": "yes"})
