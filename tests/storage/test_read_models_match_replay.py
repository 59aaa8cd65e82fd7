"""Every read model answer equals the naive replay of the whole log: tertial snapshots and
their changes, status, subject lists and subject changes, reconstruction and its
corrections, and the audit trail, over generated histories with backdated and
late-recorded events, at random (`as_of`, `known_at`) probes, on every store."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from api.app import create_app
from governance.application import Command, Ledger
from governance.errors import LedgerError
from governance.keys import SubjectKey
from governance.timemodel import format_instant, parse_instant
from governance.users import Users
from support import VALID_FIELDS, FakeClock
from support import readmodel_oracle as oracle
from support.stores import POSTGRES_URL, STORES

FIRST_DAY = date(2024, 1, 1)
TERTIALS = [f"{year}-T{n}" for year in (2024, 2025) for n in (1, 2, 3)] + ["2026-T1"]
ORGANISATIONS = ("HDO", "SP")

PROJECTS = ["P1", "P2", "P3"]
RISKS = ["R1", "R2", "R3", "R4", "R5"]
MILESTONES = [f"{project}/M{n}" for project in PROJECTS[:2] for n in (1, 2, 3)]
CONTRACTS = ["C1", "C2"]
CASES = ["B/1-2024", "B/2-2024", "B-X/1"]
RATINGS = ["green", "yellow", "red"]


def _creations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every subject a history may speak of, created in a fixed order."""
    creations = []
    for n, key in enumerate(PROJECTS):
        creations.append((f"project:{key}", "ProjectRegistered", {"organisation": ORGANISATIONS[n % 2]}))
    for key in CASES:
        body, case_no = key.split("/")
        creations.append(
            (
                f"board-case:{key}",
                "BoardCaseRegistered",
                {"body": body, "case_no": case_no, "refs": ["project:P1"]},
            )
        )
    for n, key in enumerate(RISKS):
        creations.append(
            (
                f"risk:{key}",
                "RiskIdentified",
                {"organisation": ORGANISATIONS[n % 2], "project": PROJECTS[n % 3]},
            )
        )
    for key in MILESTONES:
        creations.append((f"milestone:{key}", "MilestonePlanned", {"baseline_on": "2024-06-30"}))
    for key in CONTRACTS:
        creations.append((f"contract:{key}", "ContractSigned", {"project": "P1"}))
    return creations


days = st.integers(0, 700).map(lambda n: (FIRST_DAY + timedelta(days=n)).isoformat())

EVENTS = st.one_of(
    st.tuples(
        st.sampled_from(PROJECTS).map("project:{}".format),
        st.just("ProjectStatusAssessed"),
        st.fixed_dictionaries({"overall": st.sampled_from(RATINGS), "time": st.sampled_from(RATINGS)}),
    ),
    st.tuples(
        st.sampled_from(PROJECTS).map("project:{}".format),
        st.just("ProjectFinancialsReported"),
        st.fixed_dictionaries({"actual": st.integers(0, 10**6)}),
    ),
    st.tuples(
        st.sampled_from(PROJECTS).map("project:{}".format),
        st.just("ProjectCostFrameChanged"),
        st.fixed_dictionaries({"cost_frame": st.integers(0, 10**7)}),
    ),
    st.tuples(
        st.sampled_from(PROJECTS).map("project:{}".format),
        st.just("ProjectPhaseChanged"),
        st.fixed_dictionaries({"phase": st.sampled_from(["planning", "execution", "closing"])}),
    ),
    st.tuples(st.sampled_from(PROJECTS).map("project:{}".format), st.just("ProjectClosed"), st.just({})),
    st.tuples(
        st.sampled_from(RISKS).map("risk:{}".format),
        st.just("RiskAssessed"),
        st.fixed_dictionaries({"probability": st.integers(1, 5), "consequence": st.integers(1, 5)}),
    ),
    st.tuples(st.sampled_from(RISKS).map("risk:{}".format), st.just("RiskClosed"), st.just({})),
    st.tuples(
        st.sampled_from(RISKS).map("risk:{}".format),
        st.just("MitigationAdded"),
        st.fixed_dictionaries({"mitigation_id": st.sampled_from(["T1", "T2", "T3"])}),
    ),
    st.tuples(
        st.sampled_from(RISKS).map("risk:{}".format),
        st.just("MitigationCompleted"),
        st.fixed_dictionaries({"mitigation_id": st.sampled_from(["T1", "T2", "T3"])}),
    ),
    st.tuples(st.sampled_from(RISKS).map("risk:{}".format), st.just("RiskReopened"), st.just({})),
    st.tuples(
        st.sampled_from(MILESTONES).map("milestone:{}".format),
        st.just("MilestoneForecastChanged"),
        st.fixed_dictionaries({"forecast_on": days}),
    ),
    st.tuples(
        st.sampled_from(MILESTONES).map("milestone:{}".format),
        st.just("MilestoneRebaselined"),
        st.fixed_dictionaries({"baseline_on": days, "decision_ref": st.sampled_from(CASES)}),
    ),
    st.tuples(
        st.sampled_from(MILESTONES).map("milestone:{}".format), st.just("MilestoneAchieved"), st.just({})
    ),
    st.tuples(
        st.sampled_from(MILESTONES).map("milestone:{}".format), st.just("MilestoneCancelled"), st.just({})
    ),
    st.tuples(
        st.sampled_from(CONTRACTS).map("contract:{}".format),
        st.just("ContractAmended"),
        st.fixed_dictionaries({"amendment_no": st.integers(1, 6)}),
    ),
    st.tuples(
        st.sampled_from(CASES).map("board-case:{}".format),
        st.just("BoardDecisionRecorded"),
        st.fixed_dictionaries(
            {
                "decided_on": days,
                "refs": st.lists(
                    st.sampled_from(["project:P2", "risk:R1", "board-case:B/1-2024"]), max_size=2
                ),
            }
        ),
    ),
    st.tuples(
        st.sampled_from(CASES).map("board-case:{}".format),
        st.just("BoardDecisionSuperseded"),
        st.fixed_dictionaries({"by": st.sampled_from(CASES)}),
    ),
)


@st.composite
def histories(draw: st.DrawFn) -> list[Command]:
    """Creations, then events recorded day after day through 2024–2025, a share of
    them backdated (recorded long after their effective day)."""
    commands = []
    recorded = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    for subject, type_, fields in _creations():
        commands.append(_command(subject, type_, fields, recorded, recorded.date()))
        recorded += timedelta(minutes=1)
    for _ in range(draw(st.integers(5, 60))):
        subject, type_, fields = draw(EVENTS)
        recorded += timedelta(days=draw(st.integers(0, 25)), seconds=draw(st.integers(1, 3600)))
        backdated = draw(st.sampled_from([0, 0, 0, 0, 3, 30, 120]))
        effective = max(FIRST_DAY, recorded.date() - timedelta(days=backdated))
        commands.append(_command(subject, type_, fields, recorded, effective))
    return commands


def _command(
    subject: str, type_: str, fields: dict[str, Any], recorded: datetime, effective: date
) -> Command:
    data = {**VALID_FIELDS[type_], **fields}
    if type_ == "MilestoneAchieved":
        data["achieved_on"] = effective.isoformat()
    return Command(
        SubjectKey.parse(subject),
        type_,
        data,
        effective_on=effective.isoformat(),
        recorded_at=format_instant(recorded),
        actor="kak-lead" if subject.startswith(("project", "milestone")) else "sekretariat",
    )


@contextmanager
def _fresh_store(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('replay')}/ledger.db"
        return
    schema = f"replay_{uuid.uuid4().hex[:12]}"
    yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=STORES)
def recorded_history(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[list[Command]], Any]:
    """Record a history in a store of its own; yields a client, a token and the log."""

    @contextmanager
    def record(commands: list[Command]) -> Iterator[tuple[TestClient, dict[str, str], Ledger]]:
        with _fresh_store(request.param, tmp_path_factory) as url:
            ledger = Ledger(url, clock=FakeClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC)))
            try:
                for command in commands:
                    try:
                        ledger.record(command)
                    except LedgerError:
                        pass
                token = Users(ledger.log).add("revisor", "auditor")
                with TestClient(create_app(ledger)) as client:
                    yield client, {"Authorization": f"Bearer {token}"}, ledger
            finally:
                ledger.close()

    return record


PROBES = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _known_ats(data: st.DataObject, envelopes: list[dict[str, Any]]) -> list[str | None]:
    instants = [e["recorded_at"] for e in envelopes]
    picks: list[str | None] = [None]
    for _ in range(3):
        instant = parse_instant(data.draw(st.sampled_from(instants)))
        picks.append(
            format_instant(instant + data.draw(st.sampled_from([timedelta(0), timedelta(microseconds=-1)])))
        )
    picks.append(data.draw(st.sampled_from(instants))[:10])  # a date: the end of that Oslo day
    return picks


def _canonical(known_at: str | None, answer: dict[str, Any]) -> str:
    return str(answer["known_at"]) if known_at is None or len(known_at) == 10 else known_at


def _subset(answer: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The contract's fields of an answer (the product may add fields beside them)."""
    return {name: answer[name] for name in expected}


@PROBES
@given(history=histories(), data=st.data())
def test_tertial_snapshots_equal_the_naive_replay(
    recorded_history: Any, history: list[Command], data: st.DataObject
) -> None:
    with recorded_history(history) as (client, headers, ledger):
        envelopes = list(ledger.envelopes())
        for known_at in _known_ats(data, envelopes):
            tertial = data.draw(st.sampled_from(TERTIALS))
            organisation = data.draw(st.sampled_from([None, *ORGANISATIONS]))
            params = {
                k: v for k, v in {"known_at": known_at, "organisation": organisation}.items() if v is not None
            }
            response = client.get(f"/tertials/{tertial}", params=params, headers=headers)
            assert response.status_code == 200, response.json()
            answer = response.json()
            expected = oracle.tertial_snapshot(
                envelopes, tertial, known_at=_canonical(known_at, answer), organisation=organisation
            )
            assert _subset(answer, expected) == expected


@PROBES
@given(history=histories(), data=st.data())
def test_status_equals_the_naive_replay(
    recorded_history: Any, history: list[Command], data: st.DataObject
) -> None:
    with recorded_history(history) as (client, headers, ledger):
        envelopes = list(ledger.envelopes())
        for known_at in _known_ats(data, envelopes):
            as_of = data.draw(days)
            params = {"as_of": as_of, **({"known_at": known_at} if known_at else {})}
            response = client.get("/status", params=params, headers=headers)
            assert response.status_code == 200, response.json()
            answer = response.json()
            expected = oracle.status(envelopes, as_of=as_of, known_at=_canonical(known_at, answer))
            assert _subset(answer, expected) == expected


@PROBES
@given(history=histories(), data=st.data())
def test_reconstructions_equal_the_naive_replay(
    recorded_history: Any, history: list[Command], data: st.DataObject
) -> None:
    with recorded_history(history) as (client, headers, ledger):
        envelopes = list(ledger.envelopes())
        today = ledger.today().isoformat()
        for known_at in _known_ats(data, envelopes):
            case = data.draw(st.sampled_from(CASES))
            params = {"known_at": known_at} if known_at else {}
            response = client.get(f"/board-cases/{case}/reconstruction", params=params, headers=headers)
            canonical = known_at if known_at and len(known_at) > 10 else None
            if canonical is None:
                moment = ledger.clock() if known_at is None else None
                canonical = format_instant(moment) if moment else _end_of_day(known_at)
            expected = oracle.reconstruction(envelopes, case, known_at=canonical, today=today)
            if expected is None:
                assert response.status_code == 404
            else:
                assert response.json() == expected


def _end_of_day(day: str | None) -> str:
    from governance.timemodel import end_of_oslo_day, parse_day

    assert day is not None
    return format_instant(end_of_oslo_day(parse_day(day)))


@PROBES
@given(history=histories(), data=st.data())
def test_audit_pages_equal_the_filtered_log(
    recorded_history: Any, history: list[Command], data: st.DataObject
) -> None:
    with recorded_history(history) as (client, headers, ledger):
        envelopes = list(ledger.envelopes())
        instants = [e["recorded_at"] for e in envelopes]
        filters = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "subject": st.sampled_from(sorted({e["subject"] for e in envelopes})),
                    "actor": st.sampled_from(["kak-lead", "sekretariat"]),
                    "type": st.sampled_from(sorted({e["type"] for e in envelopes})),
                    "recorded_from": st.sampled_from(instants),
                    "recorded_to": st.sampled_from(instants),
                    "effective_from": days,
                    "effective_to": days,
                    "backdated": st.sampled_from(["true", "false"]),
                    "late": st.sampled_from(["true", "false"]),
                },
            )
        )
        limit = data.draw(st.integers(1, 7))
        items, cursor = [], None
        for _ in range(len(envelopes) + 2):
            params = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
            response = client.get("/audit", params=params, headers=headers)
            assert response.status_code == 200, response.json()
            page = response.json()
            assert len(page["items"]) <= limit
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        flags = {name: filters.pop(name) == "true" for name in ("backdated", "late") if name in filters}
        assert items == oracle.audit(envelopes, **filters, **flags)


LIST_FILTERS: dict[str, dict[str, st.SearchStrategy[str]]] = {
    "projects": {
        "organisation": st.sampled_from(ORGANISATIONS),
        "phase": st.sampled_from(["planning", "execution", "closing"]),
        "overall": st.sampled_from(RATINGS),
    },
    "milestones": {
        "project": st.sampled_from(PROJECTS),
        "state": st.sampled_from(["achieved", "cancelled", "overdue", "planned"]),
    },
    "risks": {
        "project": st.sampled_from(PROJECTS),
        "organisation": st.sampled_from(ORGANISATIONS),
        "owner": st.sampled_from(["Prosjektleder", "Ingen"]),
        "level": st.sampled_from(["low", "medium", "high", "critical"]),
        "open": st.sampled_from(["true", "false"]),
    },
    "contracts": {
        "project": st.sampled_from(["P1", "P2"]),
        "supplier": st.sampled_from([VALID_FIELDS["ContractSigned"]["supplier"], "X"]),
    },
    "board-cases": {
        "body": st.sampled_from(["B", "B-X"]),
        "meeting_from": days,
        "meeting_to": days,
        "refers_to": st.sampled_from(["project:P1", "project:P2", "risk:R1", "board-case:B/1-2024"]),
    },
}
KIND_OF_LIST = {
    "projects": "project",
    "milestones": "milestone",
    "risks": "risk",
    "contracts": "contract",
    "board-cases": "board-case",
}


@PROBES
@given(history=histories(), data=st.data())
def test_lists_equal_the_naive_replay(
    recorded_history: Any, history: list[Command], data: st.DataObject
) -> None:
    with recorded_history(history) as (client, headers, ledger):
        envelopes = list(ledger.envelopes())
        for known_at in _known_ats(data, envelopes)[:3]:
            path = data.draw(st.sampled_from(sorted(LIST_FILTERS)))
            filters = data.draw(st.fixed_dictionaries({}, optional=LIST_FILTERS[path]))
            if data.draw(st.booleans()):
                filters["q"] = data.draw(st.sampled_from(["kak", "R1", "m2", "b/", "LØSNING", "risiko", ""]))
            as_of = data.draw(days)
            limit = data.draw(st.integers(1, 4))
            params = {
                **filters,
                "as_of": as_of,
                "limit": limit,
                **({"known_at": known_at} if known_at else {}),
            }
            items, cursor, log = [], None, None
            for _ in range(60):
                response = client.get(
                    f"/{path}", params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers
                )
                assert response.status_code == 200, response.json()
                page = response.json()
                assert len(page["items"]) <= limit
                assert log is None or page["log"] == log
                items, cursor, log = items + page["items"], page["next_cursor"], page["log"]
                if cursor is None:
                    break
            canonical = (
                known_at
                if known_at and len(known_at) > 10
                else (format_instant(ledger.clock()) if known_at is None else _end_of_day(known_at))
            )
            filters.pop("q", None) if filters.get("q") == "" else None
            expected = oracle.subject_list(
                envelopes, KIND_OF_LIST[path], as_of=as_of, known_at=canonical, filters=filters
            )
            assert items == expected
            assert log == oracle.log_position(oracle.known_events(envelopes, canonical), envelopes)


@PROBES
@given(history=histories(), data=st.data())
def test_changes_equal_the_naive_replay(
    recorded_history: Any, history: list[Command], data: st.DataObject
) -> None:
    with recorded_history(history) as (client, headers, ledger):
        envelopes = list(ledger.envelopes())
        instants = sorted(e["recorded_at"] for e in envelopes)
        for _ in range(3):
            start, end = sorted(data.draw(st.lists(st.sampled_from(instants), min_size=2, max_size=2)))
            tertial = data.draw(st.sampled_from(TERTIALS))
            organisation = data.draw(st.sampled_from([None, *ORGANISATIONS]))
            params = {
                "from_known_at": start,
                "to_known_at": end,
                **({"organisation": organisation} if organisation else {}),
            }
            response = client.get(f"/tertials/{tertial}/changes", params=params, headers=headers)
            assert response.status_code == 200, response.json()
            expected = oracle.tertial_changes(
                envelopes, tertial, from_known_at=start, to_known_at=end, organisation=organisation
            )
            assert response.json() == expected

            subject = data.draw(st.sampled_from(sorted({e["subject"] for e in envelopes})))
            kind, key = subject.split(":", 1)
            as_of = data.draw(days)
            path = {"board-case": "board-cases"}.get(kind, kind + "s")
            response = client.get(
                f"/{path}/{key}/changes",
                params={"as_of": as_of, "from_known_at": start, "to_known_at": end},
                headers=headers,
            )
            expected_subject = oracle.subject_changes(
                envelopes, subject, as_of=as_of, from_known_at=start, to_known_at=end
            )
            if expected_subject is None:
                assert response.status_code == 404, response.json()
            else:
                assert response.status_code == 200, response.json()
                assert response.json() == expected_subject
