"""Reads from the read models (DOMAIN.md §6): status, tertial snapshots, decision
reconstruction, and the audit trail. Each answers at (`as_of`, `known_at`) from the
first P events, P being the number recorded at or before `known_at`; a read the read
models cannot serve yet waits briefly, then answers 503 with Retry-After."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.auth import CurrentUser, LedgerDep, LogReader
from api.bodies import Envelope
from api.parameters import InvalidQuery
from api.problems import READ_PROBLEMS
from api.reading import At
from api.responses import OrjsonResponse
from api.writes import subject_in_path
from governance.application import Ledger
from governance.errors import SubjectNotFound
from governance.projections.audit import DEFAULT_LIMIT, MAX_LIMIT, AuditFilter, BadCursor, audit_page
from governance.projections.reads import status_report, tertial_report
from governance.projections.reconstruction import reconstruction
from governance.projections.runner import ReadModels
from governance.timemodel import (
    Tertial,
    TimeFormatError,
    end_of_oslo_day,
    format_instant,
    oslo_day,
    parse_day,
    parse_instant,
    start_of_oslo_day,
)

router = APIRouter(tags=["reads"])


def read_models(request: Request) -> ReadModels:
    models: ReadModels = request.app.state.readmodels
    return models


def position_for(ledger: Ledger, models: ReadModels, at: At) -> int:
    """P for this read, once the read models have applied it."""
    position = ledger.position(at.cut)
    models.ensure(position)
    return position


@router.get("/status", responses=READ_PROBLEMS)
def read_status(request: Request, at: At, user: CurrentUser) -> OrjsonResponse:
    """Every project with its phase, status, financials, milestones and open risks; all
    open risks; contracts; the most recent decisions."""
    return OrjsonResponse(status_report(read_models(request), as_of=at.as_of, known_at=at.known_at))


@router.get("/tertials/{tertial}", responses=READ_PROBLEMS)
def read_tertial(
    request: Request,
    tertial: str,
    at: At,
    user: CurrentUser,
    organisation: Annotated[
        str | None, Query(description="Only this organisation's projects and risks")
    ] = None,
) -> OrjsonResponse:
    """The tertial snapshot: the state at the period's end as known at `known_at`."""
    try:
        period = Tertial.parse(tertial)
    except TimeFormatError as error:
        raise InvalidQuery("tertial", str(error)) from None
    return OrjsonResponse(
        tertial_report(read_models(request), period, known_at=at.known_at, organisation=organisation)
    )


@router.get("/board-cases/{body}/{case_no}/reconstruction", responses=READ_PROBLEMS)
def reconstruct_decision(
    request: Request, body: str, case_no: str, at: At, user: CurrentUser, ledger: LedgerDep
) -> OrjsonResponse:
    """The case, what it referred to as the board could know it when it met, and every
    event that cites it."""
    case = subject_in_path("board-case", body, case_no)
    models = read_models(request)
    position = position_for(ledger, models, at)
    answer = reconstruction(
        ledger, models, case, today=oslo_day(ledger.clock()), known_at=at.cut, position=position
    )
    if answer is None:
        raise SubjectNotFound(str(case))
    return OrjsonResponse(answer)


class AuditPage(BaseModel):
    items: list[Envelope]
    next_cursor: str | None


def _instant(name: str, text: str | None, *, end_of_day: bool) -> str | None:
    """An inclusive bound: an RFC 3339 instant, or a date meaning the start (or the end)
    of that day in Oslo."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = parse_day(text)
            return format_instant(end_of_oslo_day(day) if end_of_day else start_of_oslo_day(day))
        return format_instant(parse_instant(text))
    except TimeFormatError as error:
        raise InvalidQuery(name, str(error)) from None


def _day(name: str, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return parse_day(text).isoformat()
    except TimeFormatError as error:
        raise InvalidQuery(name, str(error)) from None


@router.get("/audit", response_model=AuditPage, responses=READ_PROBLEMS)
def read_audit(
    at: At,
    user: LogReader,
    ledger: LedgerDep,
    subject: str | None = None,
    actor: str | None = None,
    type: str | None = None,
    recorded_from: str | None = None,
    recorded_to: str | None = None,
    effective_from: str | None = None,
    effective_to: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> OrjsonResponse:
    """The log in recorded order as §7 envelopes, filtered, `limit` at a time; pass
    `next_cursor` back as `cursor` for the next page (null on the last)."""
    audit_filter = AuditFilter(
        subject=subject,
        actor=actor,
        type=type,
        recorded_from=_instant("recorded_from", recorded_from, end_of_day=False),
        recorded_to=_instant("recorded_to", recorded_to, end_of_day=True),
        effective_from=_day("effective_from", effective_from),
        effective_to=_day("effective_to", effective_to),
    )
    try:
        page = audit_page(ledger, audit_filter, limit=limit, cursor=cursor, position=ledger.position(at.cut))
    except BadCursor as error:
        raise InvalidQuery("cursor", str(error)) from None
    return OrjsonResponse(page)
