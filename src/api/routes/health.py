"""Health: answers without a token, within a second whatever the store does, so load
balancers and operators can tell a working server from one whose store is busy, out of
reach or broken, or whose read models are behind or failing."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.reading import single_valued
from api.responses import OrjsonResponse
from governance.application import Ledger
from governance.projections.runner import ReadModels
from governance.store.faults import Fault, classify

router = APIRouter(tags=["health"], dependencies=[Depends(single_valued)])

PROBE_SECONDS = 0.5
"""How long /health waits for the store to say where the log's head is."""


class StoreHealth(BaseModel):
    ok: bool
    fault: str | None
    """busy, unavailable or broken, as for a 503 of any other route."""
    detail: str | None


class ReadModelsHealth(BaseModel):
    applied: int
    head: int | None
    lag: int | None
    failing: bool
    last_error: dict[str, str] | None


class Health(BaseModel):
    status: str
    """ok; degraded (the read models are failing); unavailable (the store does not
    answer as it should: the answer is a 503)."""
    position: int | None
    """The log's head: the number of events recorded."""
    store: StoreHealth
    read_models: ReadModelsHealth


class HeadProbe:
    """Asks the store for the log's head in a thread of its own, one question at a
    time: a store that hangs holds up that thread, never a request."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="health")
        self._asked: Future[int] | None = None
        self._lock = threading.Lock()

    async def head(self) -> int | Fault:
        with self._lock:
            if self._asked is None or self._asked.done():
                self._asked = self._thread.submit(self.ledger.position)
            asked = self._asked
        done, _ = await asyncio.wait([asyncio.wrap_future(asked)], timeout=PROBE_SECONDS)
        if not done:
            return Fault("unavailable", f"the store did not answer within {PROBE_SECONDS:g} s")
        error = asked.exception()
        if error is not None:
            return classify(error)
        return asked.result()

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request) -> OrjsonResponse:
    """The store's and the read models' state; 503 when the store does not answer."""
    probe: HeadProbe = request.app.state.health
    models: ReadModels = request.app.state.readmodels
    head = await probe.head()
    fault = head if isinstance(head, Fault) else None
    position = None if isinstance(head, Fault) else head
    failing = models.failing
    answer: dict[str, Any] = {
        "status": "unavailable" if fault is not None else "degraded" if failing else "ok",
        "position": position,
        "store": {
            "ok": fault is None,
            "fault": None if fault is None else fault.kind,
            "detail": None if fault is None else fault.reason,
        },
        "read_models": {
            "applied": models.applied,
            "head": position,
            "lag": None if position is None else max(0, position - models.applied),
            "failing": failing,
            "last_error": None if models.last_error is None else models.last_error.as_dict(),
        },
    }
    return OrjsonResponse(answer, status_code=503 if fault is not None else 200)
