"""Verify, export and import (DOMAIN.md §6–§7): the integrity chain, the log streamed as
JSON lines, and a whole history brought in from another system."""

from __future__ import annotations

import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import Admin, LedgerDep, LogReader
from api.parameters import InvalidQuery
from api.problems import PROBLEMS, READ_PROBLEMS
from api.reading import single_valued
from api.responses import OrjsonResponse, ProblemResponse, field_error, problem
from governance.exchange import MEDIA_TYPE, ImportRefused, export_chunks, import_stream
from governance.integrity import verify
from governance.settings import settings

router = APIRouter(tags=["integrity and exchange"], dependencies=[Depends(single_valued)])


class VerifyAnswer(BaseModel):
    ok: bool
    checked: int
    head_hash: str
    broken_at: int | None
    reason: str | None


class ImportAnswer(BaseModel):
    imported: int
    position: int
    head_hash: str


SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""An import body up to this size is held in memory while it is checked, a larger one
in a temporary file: the append lock is never held while a client is still sending."""

IMPORT_EXAMPLE = (
    '{"subject":"risk:OR-631","type":"RiskIdentified","effective_on":"2025-03-03",'
    '"recorded_at":"2025-03-03T09:12:00+01:00","actor":"hdo-import","data":{"title":"Risiko for forsinkelser",'
    '"organisation":"HDO","owner":"Prosjektleder","probability":3,"consequence":4}}\n'
)


@router.get("/verify", response_model=VerifyAnswer, responses=READ_PROBLEMS)
def verify_chain(
    user: LogReader,
    ledger: LedgerDep,
    position: Annotated[
        int | None,
        Query(ge=0, description="Check only the first `position` events (a filed head's position)"),
    ] = None,
    hash: Annotated[
        str | None,
        Query(
            pattern="^[0-9a-fA-F]{64}$",
            description="The head hash the first `position` events must still end in",
        ),
    ] = None,
) -> OrjsonResponse:
    """Recompute the integrity chain: `{ok, checked, head_hash, broken_at, reason}`, where
    `broken_at` is the first bad `seq`. With `position` and `hash`, `ok` says whether the
    log's first `position` events still hash to `hash`."""
    if hash is not None and position is None:
        raise InvalidQuery("position", "is required with hash: the position the head hash was taken at")
    return OrjsonResponse(verify(ledger, position=position, expected_hash=hash).as_dict())


@router.get(
    "/events.jsonl",
    response_class=StreamingResponse,
    responses={
        **READ_PROBLEMS,
        200: {
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "One §7 event per line, in log order",
        },
    },
)
def export_events(user: LogReader, ledger: LedgerDep) -> StreamingResponse:
    """The whole log as it stands when the request arrives, one §7 event per line."""
    position = ledger.position()
    headers = {"Ledger-Position": str(position), "Ledger-Head-Hash": ledger.head_hash(position)}
    return StreamingResponse(export_chunks(ledger, until=position), media_type=MEDIA_TYPE, headers=headers)


@router.post(
    "/import",
    response_model=ImportAnswer,
    responses={
        **PROBLEMS,
        200: {"description": "Every line stored"},
        413: {
            **PROBLEMS[413],
            "description": "The body is over GOVERNANCE_IMPORT_MAX_BYTES; nothing was stored",
        },
        422: {**PROBLEMS[422], "description": "A refused line (`line`, `reason`); nothing was stored"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}, "example": IMPORT_EXAMPLE}
                for media in ("application/x-ndjson", "application/jsonl", "text/plain")
            },
        }
    },
)
async def import_events(request: Request, user: Admin, ledger: LedgerDep) -> Response:
    """Import a §7 file (admin): `{imported, position, head_hash}` once every line is
    stored, or a 422 problem naming the first bad `line` and its `reason`, with nothing
    stored. Other writes wait (or answer 503) while it is checked and stored. A body over
    `GOVERNANCE_IMPORT_MAX_BYTES` (by its `Content-Length`, or as it arrives when chunked)
    gets 413 and nothing is stored."""
    limit = settings().import_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return too_large(limit)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as body:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                return too_large(limit)
            body.write(chunk)
        body.seek(0)
        try:
            imported = await run_in_threadpool(import_stream, ledger, body)
        except ImportRefused as refusal:
            return refused(refusal)
    return OrjsonResponse(imported.as_dict())


def too_large(limit: int) -> ProblemResponse:
    return problem(
        413,
        "Content too large",
        f"an import body is at most {limit} bytes (GOVERNANCE_IMPORT_MAX_BYTES); nothing was stored",
    )


def refused(refusal: ImportRefused) -> ProblemResponse:
    """A refused file: `line` and `reason` at the top level and as `errors[0]`."""
    located: dict[str, Any] = field_error(
        ("body", f"line {refusal.line}", *refusal.loc), refusal.msg, refusal.type
    )
    located |= {"line": refusal.line, "reason": refusal.reason}
    return problem(
        422, refusal.title, refusal.detail, errors=[located], line=refusal.line, reason=refusal.reason
    )
