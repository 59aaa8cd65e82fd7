"""HTTP load for the fault suite and `bench/faults.py`: client threads writing to one or
more servers, every answer remembered, and the checks made afterwards — every
acknowledged write is in the log as it was answered, and the read models equal the
naive replay."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from governance.application import Ledger
from governance.timemodel import Tertial, parse_day
from governance.users import Users
from support import readmodel_oracle as oracle

CASE = "HDO/1-2026"


def admin_token(url: str) -> str:
    """A token for a new admin of the store at `url`."""
    ledger = Ledger(url)
    try:
        return Users(ledger.log).add("admin", "admin")
    finally:
        ledger.close()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Wait until `condition` holds, for at most `timeout` seconds (a guard, not a measure)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.01)


@dataclass
class Answer:
    """One request: when it was sent (monotonic), how long it took, and its status (None
    when no answer came: refused connection, a client timeout)."""

    sent: float
    seconds: float
    status: int | None
    body: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class Load:
    bases: list[str]
    token: str
    clients: int = 4
    timeout: float = 30.0
    """The client's own bound on a request: a request that takes longer is a hang."""
    first: int = 0
    """The first client's number: a second load on the same store writes other risks."""
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def seed(self) -> None:
        """A project and a board case the load writes to."""
        with httpx.Client(base_url=self.bases[0], headers=self.headers, timeout=self.timeout) as http:
            project = {
                "key": "KAK",
                "name": "KAK",
                "organisation": "HDO",
                "phase": "execution",
                "owner": "Eier",
            }
            assert http.post("/projects", json=project).status_code == 201
            body, case_no = CASE.split("/")
            case = {
                "body": body,
                "case_no": case_no,
                "title": "Styremøte",
                "meeting_on": "2026-01-05",
                "refs": [],
            }
            assert http.post("/board-cases", json={**case, "effective_on": "2026-01-05"}).status_code == 201

    def start(self) -> None:
        for number in range(self.first, self.first + self.clients):
            thread = threading.Thread(target=self._client, args=(number,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def _client(self, number: int) -> None:
        clients = [
            httpx.Client(base_url=base, headers=self.headers, timeout=self.timeout) for base in self.bases
        ]
        try:
            sequence = 0
            while not self._stop.is_set():
                sequence += 1
                http = clients[(number + sequence) % len(clients)]
                path, body = self._write(number, sequence)
                sent = time.monotonic()
                try:
                    response = http.post(path, json=body)
                except httpx.HTTPError as error:
                    answer = Answer(
                        sent, time.monotonic() - sent, None, error=f"{type(error).__name__}: {error}"
                    )
                    time.sleep(0.01)
                else:
                    answer = Answer(sent, time.monotonic() - sent, response.status_code, response.json())
                with self._lock:
                    self.answers.append(answer)
        finally:
            for http in clients:
                http.close()

    @staticmethod
    def _write(number: int, sequence: int) -> tuple[str, dict[str, Any]]:
        """Client `number`'s `sequence`th write (from 1): a new risk, its assessment, a
        board decision, a project status, and again."""
        risk = f"R{number}-{(sequence - 1) // 4}"
        kind = (sequence - 1) % 4
        if kind == 0:
            identified = {"title": "Risiko", "organisation": "HDO", "project": "KAK", "owner": "Eier"}
            return "/risks", {"key": risk, **identified, "probability": 1 + number % 5, "consequence": 3}
        if kind == 1:
            return f"/risks/{risk}/assessments", {
                "probability": 1 + sequence % 5,
                "consequence": 1 + number % 5,
            }
        if kind == 2:
            decision = {
                "decided_on": "2026-01-05",
                "text": f"Vedtak {number}-{sequence}",
                "refs": ["project:KAK"],
            }
            return f"/board-cases/{CASE}/decision", decision
        ratings = ("green", "yellow", "red")
        status = {name: ratings[(number + sequence) % 3] for name in ("overall", "time", "cost", "scope")}
        others = {name: "green" for name in ("quality", "risk_exposure", "benefits")}
        return "/projects/KAK/status", {**status, **others, "measures": []}

    # What happened ----------------------------------------------------------------------

    def acknowledged(self) -> list[dict[str, Any]]:
        """The stored events of every write answered 201."""
        with self._lock:
            return [
                answer.body for answer in self.answers if answer.status == 201 and answer.body is not None
            ]

    def answered_after(self, moment: float) -> list[Answer]:
        with self._lock:
            return sorted(
                (a for a in self.answers if a.sent + a.seconds >= moment), key=lambda a: a.sent + a.seconds
            )


def wait_until_caught_up(base: str) -> None:
    """Until the server's read models have applied the whole log (as its /health says)."""
    wait_for(lambda: httpx.get(f"{base}/health", timeout=5).json()["read_models"]["lag"] == 0, "no lag")


def present(acknowledged: list[dict[str, Any]], envelopes: list[dict[str, Any]]) -> int:
    """How many acknowledged events the log holds exactly as they were answered."""
    by_seq = {envelope["seq"]: envelope for envelope in envelopes}
    return sum(1 for event in acknowledged if by_seq.get(event["seq"]) == event)


def log_of(base: str, token: str) -> list[dict[str, Any]]:
    """The whole log, as the server exports it."""
    response = httpx.get(f"{base}/events.jsonl", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert response.status_code == 200, response.text
    return [orjson.loads(line) for line in response.content.splitlines() if line.strip()]


def read_models_equal_the_oracle(base: str, token: str, envelopes: list[dict[str, Any]]) -> None:
    """`/status` and the current tertial from the server equal the naive replay of
    `envelopes` (the whole log), as known at the instant each answer states."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        status = http.get("/status")
        assert status.status_code == 200, status.text
        answer = status.json()
        expected = oracle.status(envelopes, as_of=answer["as_of"], known_at=answer["known_at"])
        assert {name: answer[name] for name in expected} == expected
        assert answer["log"]["position"] == len(envelopes)
        tertial = str(Tertial.containing(parse_day(answer["as_of"])))
        snapshot = http.get(f"/tertials/{tertial}")
        assert snapshot.status_code == 200, snapshot.text
        answer = snapshot.json()
        expected = oracle.tertial_snapshot(envelopes, tertial, known_at=answer["known_at"])
        assert {name: answer[name] for name in expected} == expected
