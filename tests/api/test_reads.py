"""Subject reads at (`as_of`, `known_at`), exactly as DOMAIN.md §4 says, and their
histories; compared with the naive replay of the exported log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.examples import EXAMPLES
from governance.application import Ledger
from governance.timemodel import format_instant, parse_day, parse_instant
from support import FakeClock, replay_subject
from support.story import tell_story


@pytest.fixture
def kak(client: TestClient, as_: Any, clock: FakeClock) -> dict[str, Any]:
    """KAK with a risk assessed three times, one assessment backdated and recorded a day later."""
    headers = as_["secretariat"]
    post = lambda path, body: client.post(path, json=body, headers=headers).json()
    post("/projects", EXAMPLES["ProjectRegistered"])
    identified = post("/risks", {**EXAMPLES["RiskIdentified"], "effective_on": "2025-01-15"})
    march = post(
        "/risks/OR-821/assessments", {"probability": 2, "consequence": 4, "effective_on": "2025-03-01"}
    )
    clock.advance(timedelta(days=1))
    february = post(
        "/risks/OR-821/assessments", {"probability": 5, "consequence": 5, "effective_on": "2025-02-15"}
    )
    return {"identified": identified, "march": march, "february": february}


def test_a_subject_read_shows_every_field_of_its_answer(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    response = client.get("/risks/OR-821", headers=as_["viewer"])

    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'
    assert response.json() == {
        "key": "OR-821",
        "version": 3,
        "created_on": "2025-01-15",
        "title": EXAMPLES["RiskIdentified"]["title"],
        "description": EXAMPLES["RiskIdentified"]["description"],
        "organisation": "HDO",
        "project": "KAK",
        "owner": "Prosjektleder KAK",
        "probability": 2,
        "consequence": 4,
        "score": 8,
        "level": "high",
        "open": True,
        "closed_on": None,
        "merged_into": None,
        "mitigations": [],
    }


def test_a_backdated_assessment_shows_only_where_nothing_later_overrides_it(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    def scores(query: str) -> tuple[int, int]:
        answer = client.get(f"/risks/OR-821?{query}", headers=as_["viewer"]).json()
        return answer["probability"], answer["consequence"]

    assert scores("as_of=2025-02-20") == (5, 5)
    assert scores("as_of=2025-03-01") == (2, 4)
    assert scores("as_of=2025-02-14") == (3, 4)


def test_known_at_reads_what_was_recorded_up_to_that_instant(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    before_backdating = kak["march"]["recorded_at"]
    answer = client.get(f"/risks/OR-821?as_of=2025-02-20&known_at={before_backdating}", headers=as_["viewer"])

    assert answer.json()["version"] == 2
    assert (answer.json()["probability"], answer.json()["consequence"]) == (3, 4)
    assert answer.headers["etag"] == '"2"'


def test_known_at_is_inclusive_to_the_microsecond(client: TestClient, as_: Any, kak: dict[str, Any]) -> None:
    recorded = parse_instant(kak["identified"]["recorded_at"])
    at = client.get(f"/risks/OR-821?known_at={format_instant(recorded)}", headers=as_["viewer"])
    just_before = client.get(
        f"/risks/OR-821?known_at={format_instant(recorded - timedelta(microseconds=1))}",
        headers=as_["viewer"],
    )

    assert at.status_code == 200 and at.json()["version"] == 1
    assert just_before.status_code == 404


def test_a_date_as_known_at_means_the_end_of_that_day_in_oslo(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    recorded_on = kak["march"]["recorded_at"][:10]
    answer = client.get(f"/risks/OR-821?known_at={recorded_on}", headers=as_["viewer"]).json()

    assert answer["version"] == 2


def test_a_known_at_in_the_future_is_read_as_now(client: TestClient, as_: Any, kak: dict[str, Any]) -> None:
    answer = client.get("/risks/OR-821?known_at=2999-01-01T00:00:00Z", headers=as_["viewer"]).json()

    assert answer["version"] == 3


def test_a_known_at_with_an_offset_is_the_same_instant_in_utc(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    moment = parse_instant(kak["march"]["recorded_at"])
    local = moment.astimezone(parse_instant("2025-01-01T00:00:00+02:00").tzinfo).isoformat()
    answer = client.get("/risks/OR-821", params={"known_at": local}, headers=as_["viewer"]).json()

    assert answer["version"] == 2


def test_a_subject_does_not_exist_before_its_creation_day(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    response = client.get("/risks/OR-821?as_of=2025-01-14", headers=as_["viewer"])

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of=2025-02-30", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("known_at=2025-09-15T10:00", "known_at"),
        ("known_at=soon", "known_at"),
    ],
)
def test_a_malformed_time_is_a_422_naming_the_parameter(
    client: TestClient, as_: Any, kak: dict[str, Any], query: str, field: str
) -> None:
    response = client.get(f"/risks/OR-821?{query}", headers=as_["viewer"])

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", field]


def test_history_lists_the_events_in_log_order_as_known_at(
    client: TestClient, as_: Any, kak: dict[str, Any]
) -> None:
    everything = client.get("/risks/OR-821/history", headers=as_["viewer"]).json()
    then = client.get(
        f"/risks/OR-821/history?known_at={kak['march']['recorded_at']}", headers=as_["viewer"]
    ).json()

    assert everything == [kak["identified"], kak["march"], kak["february"]]
    assert then == [kak["identified"], kak["march"]]


def test_every_kind_of_subject_reads_as_the_naive_replay_says(
    client: TestClient, as_: Any, ledger: Ledger
) -> None:
    tell_story(client, as_["secretariat"])
    envelopes = list(ledger.envelopes())
    for envelope in envelopes:
        kind, _, key = envelope["subject"].partition(":")
        path = {
            "project": "projects",
            "milestone": "milestones",
            "risk": "risks",
            "contract": "contracts",
            "board-case": "board-cases",
        }[kind]
        for as_of in ("2025-06-30", "2025-12-31"):
            for known_at in {envelope["recorded_at"], envelopes[-1]["recorded_at"]}:
                response = client.get(
                    f"/{path}/{key}?as_of={as_of}&known_at={known_at}", headers=as_["viewer"]
                )
                expected = replay_subject(
                    envelopes, envelope["subject"], as_of=parse_day(as_of), known_at=known_at
                )
                if expected is None:
                    assert response.status_code == 404
                else:
                    assert response.json() == _json(expected)


def _json(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))
