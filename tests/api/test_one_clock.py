"""One clock: "now" for reads is read from the store's clock, the one `recorded_at` is
read from (on PostgreSQL the database server's), so a host whose own clock is off
neither leaves out what was just recorded nor reports a `known_at` before it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.examples import EXAMPLES
from governance.application import Ledger
from governance.timemodel import Tertial, oslo_day
from governance.users import Users


def an_hour_slow() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def slow_host(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    """A ledger on a host whose clock is an hour behind (on SQLite, the host's clock is
    the store's: both move together)."""
    monkeypatch.setattr("governance.store.log.utc_now", an_hour_slow)
    monkeypatch.setattr("governance.application.utc_now", an_hour_slow, raising=False)
    ledger = Ledger(store_url)
    yield ledger
    ledger.close()


def test_a_read_as_known_now_includes_what_was_just_recorded_and_is_known_after_it(slow_host: Ledger) -> None:
    headers = {"Authorization": f"Bearer {Users(slow_host.log).add('admin', 'admin')}"}
    with TestClient(create_app(slow_host)) as client:
        recorded = client.post("/projects", json=EXAMPLES["ProjectRegistered"], headers=headers).json()
        tertial = Tertial.containing(oslo_day(datetime.fromisoformat(recorded["recorded_at"])))
        answers: list[dict[str, Any]] = [
            client.get("/status", headers=headers).json(),
            client.get(f"/tertials/{tertial}", headers=headers).json(),
        ]

    for answer in answers:
        assert answer["log"]["position"] == 1
        assert answer["known_at"] >= recorded["recorded_at"]
    assert [project["key"] for project in answers[0]["projects"]] == ["KAK"]
