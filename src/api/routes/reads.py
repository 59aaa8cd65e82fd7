"""Reads from the read models (DOMAIN.md §6, §6a): status, tertial snapshots and what
changed in them, decision reconstruction, and the audit trail. Each answers at (`as_of`,
`known_at`) from the first P events, P being the number recorded at or before
`known_at`; a read the read models cannot serve yet waits briefly, then answers 503 with
Retry-After."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from api.auth import CurrentUser, LogReader
from api.bodies import Envelope
from api.changes import FromKnownAt, TertialChanges, ToKnownAt, readings
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.parameters import InvalidPathParameter, InvalidQuery
from api.problems import (
    LIST_PROBLEMS,
    READ_PROBLEMS,
    SUBJECT_KEY_REGEX,
    BodyInPath,
    CaseNoInPath,
    TertialInPath,
    day_query,
    instant_query,
    problems,
)
from api.reading import At, ModelsDep, day_param, single_valued
from api.responses import OrjsonResponse
from api.shapes import Reconstruction, StatusAnswer, TertialSnapshot
from api.writes import subject_in_path
from governance.csvformat import ENVELOPE_COLUMNS
from governance.errors import SubjectNotFound
from governance.events import EVENT_TYPES
from governance.keys import KeyFormatError, SubjectKey
from governance.projections.audit import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    AuditCursor,
    AuditFilter,
    BadCursor,
    audit_page,
    every_event,
)
from governance.projections.changes import tertial_changes
from governance.projections.reads import position_at, status_report, tertial_report
from governance.projections.reconstruction import reconstruction
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

router = APIRouter(tags=["reads"], dependencies=[Depends(single_valued)])

TERTIAL_PROBLEMS = problems(401, 403, 422, 503)
Organisation = Annotated[str | None, Query(description="Only this organisation's projects and risks")]


def tertial_in_path(tertial: str) -> Tertial:
    try:
        return Tertial.parse(tertial)
    except TimeFormatError as error:
        raise InvalidPathParameter("tertial", str(error)) from None


@router.get("/status", response_model=StatusAnswer, responses=LIST_PROBLEMS)
def get_status(models: ModelsDep, at: At, user: CurrentUser) -> OrjsonResponse:
    """Every project with its phase, status, financials, milestones and open risks; all
    open risks; contracts; the most recent decisions."""
    return OrjsonResponse(status_report(models, as_of=at.as_of, known_at=at.known_at))


@router.get("/tertials/{tertial}", response_model=TertialSnapshot, responses=TERTIAL_PROBLEMS)
def get_tertial(
    models: ModelsDep, tertial: TertialInPath, at: At, user: CurrentUser, organisation: Organisation = None
) -> OrjsonResponse:
    """The tertial snapshot: the state at the period's end as known at `known_at`."""
    period = tertial_in_path(tertial)
    return OrjsonResponse(tertial_report(models, period, known_at=at.known_at, organisation=organisation))


@router.get("/tertials/{tertial}/changes", response_model=TertialChanges, responses=TERTIAL_PROBLEMS)
def get_tertial_changes(
    models: ModelsDep,
    tertial: TertialInPath,
    user: CurrentUser,
    from_known_at: FromKnownAt,
    to_known_at: ToKnownAt = None,
    organisation: Organisation = None,
) -> dict[str, Any]:
    """What changed in the tertial snapshot between two readings of the log (A, B], and
    the events learnt between them that bear on the period."""
    period = tertial_in_path(tertial)
    start, end = readings(from_known_at, to_known_at, models.ledger.clock())
    return tertial_changes(models, period, from_known_at=start, to_known_at=end, organisation=organisation)


@router.get(
    "/board-cases/{body}/{case_no}/reconstruction", response_model=Reconstruction, responses=READ_PROBLEMS
)
def reconstruct_decision(
    models: ModelsDep, body: BodyInPath, case_no: CaseNoInPath, at: At, user: CurrentUser
) -> OrjsonResponse:
    """The case, what it referred to as the board could know it when it met, every event
    that cites it, and what has been corrected since in what it referred to."""
    case = subject_in_path("board-case", body, case_no)
    today = oslo_day(models.ledger.clock())
    answer = reconstruction(models, case, today=today, known_at=at.known_at)
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


def _subject(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(SubjectKey.parse(text))
    except KeyFormatError as error:
        raise InvalidQuery("subject", str(error)) from None


def _type(text: str | None) -> str | None:
    if text is not None and text not in EVENT_TYPES:
        raise InvalidQuery("type", f"is not an event type; one of {', '.join(sorted(EVENT_TYPES))}")
    return text


def _iso(name: str, text: str | None) -> str | None:
    day = day_param(name, text)
    return None if day is None else day.isoformat()


def pinned_audit_filter(pinned: AuditFilter) -> AuditFilter:
    """A cursor's filter checked as the query's is (a cursor is only base64 of JSON that
    anyone can edit)."""
    texts = (pinned.subject, pinned.actor, pinned.type, pinned.recorded_from, pinned.recorded_to)
    days = (pinned.effective_from, pinned.effective_to)
    if any(
        value is not None and (not isinstance(value, str) or "\x00" in value) for value in texts + days
    ) or any(value is not None and type(value) is not bool for value in (pinned.backdated, pinned.late)):
        raise BadCursor("is not a cursor this ledger gave")
    try:
        checked = AuditFilter(
            subject=_subject(pinned.subject),
            actor=pinned.actor,
            type=_type(pinned.type),
            recorded_from=_instant("recorded_from", pinned.recorded_from, end_of_day=False),
            recorded_to=_instant("recorded_to", pinned.recorded_to, end_of_day=True),
            effective_from=_iso("effective_from", pinned.effective_from),
            effective_to=_iso("effective_to", pinned.effective_to),
            backdated=pinned.backdated,
            late=pinned.late,
        )
    except InvalidQuery:
        raise BadCursor("is not a cursor this ledger gave") from None
    if checked != pinned:
        raise BadCursor("is not a cursor this ledger gave")
    return checked


Boolean = Literal["true", "false"]


@router.get("/audit", response_model=AuditPage, responses={**LIST_PROBLEMS, **CSV_RESPONSE})
def get_audit(
    request: Request,
    at: At,
    user: LogReader,
    models: ModelsDep,
    subject: Annotated[
        str | None,
        Query(
            description="A full subject key, e.g. risk:OR-631",
            json_schema_extra={"pattern": SUBJECT_KEY_REGEX},
        ),
    ] = None,
    actor: str | None = None,
    type: Annotated[
        str | None,
        Query(
            description="An event type of §3, e.g. RiskAssessed",
            json_schema_extra={"enum": sorted(EVENT_TYPES)},
        ),
    ] = None,
    recorded_from: Annotated[
        str | None,
        instant_query("Recorded at or after this instant (a date: from the start of that day in Oslo)"),
    ] = None,
    recorded_to: Annotated[
        str | None,
        instant_query("Recorded at or before this instant (a date: to the end of that day in Oslo)"),
    ] = None,
    effective_from: Annotated[str | None, day_query("Effective on or after this day")] = None,
    effective_to: Annotated[str | None, day_query("Effective on or before this day")] = None,
    backdated: Annotated[
        Boolean | None, Query(description="Recorded on a later day (Oslo) than it is effective")
    ] = None,
    late: Annotated[
        Boolean | None, Query(description="Recorded after the last day of its effective day's tertial")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Any:
    """The log in recorded order as §7 envelopes, filtered, `limit` at a time; pass
    `next_cursor` back as `cursor` for the next page (null on the last). With
    `Accept: text/csv`, every matching event as CSV."""
    audit_filter = AuditFilter(
        subject=_subject(subject),
        actor=actor,
        type=_type(type),
        recorded_from=_instant("recorded_from", recorded_from, end_of_day=False),
        recorded_to=_instant("recorded_to", recorded_to, end_of_day=True),
        effective_from=_iso("effective_from", effective_from),
        effective_to=_iso("effective_to", effective_to),
        backdated=None if backdated is None else backdated == "true",
        late=None if late is None else late == "true",
    )
    after = 0
    if cursor is not None and not wants_csv(request):
        try:
            pinned = AuditCursor.decode(cursor)
            if audit_filter == AuditFilter():
                audit_filter = pinned_audit_filter(pinned.filter)
            elif pinned.filter != audit_filter:
                raise BadCursor("was given with other filters than the first page; start again without it")
            if pinned.position > models.ledger.position():
                raise BadCursor("is not a cursor this ledger gave")
        except BadCursor as error:
            raise InvalidQuery("cursor", str(error)) from None
        position, after = pinned.position, pinned.after
    else:
        position = position_at(models, at.known_at)
    if wants_csv(request):
        return csv_response(ENVELOPE_COLUMNS, every_event(models, audit_filter, position=position))
    items, next_page = audit_page(models, audit_filter, limit=limit, position=position, after=after)
    return {"items": items, "next_cursor": next_page.encode() if next_page else None}
