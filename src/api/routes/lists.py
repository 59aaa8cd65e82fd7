"""Lists of subjects (DOMAIN.md §6a): every subject of a kind that exists at (`as_of`,
`known_at`), filtered, sorted by key, paged by a cursor that pins the first page's
reading; as CSV with `Accept: text/csv`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from api.auth import CurrentUser
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.parameters import InvalidQuery
from api.problems import LIST_PROBLEMS, SUBJECT_KEY_REGEX, Responses, day_query, key_query
from api.reading import At, ModelsDep, day_param, single_valued
from api.responses import OrjsonResponse
from api.shapes import LogReading
from governance.answers import (
    ANSWERS,
    BoardCaseAnswer,
    ContractAnswer,
    MilestoneAnswer,
    ProjectAnswer,
    RiskAnswer,
)
from governance.csvformat import columns_of
from governance.keys import KeyFormatError, Kind, SubjectKey, check_key
from governance.projections.lists import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    BadCursor,
    Cursor,
    ListQuery,
    every_item,
    list_page,
)
from governance.projections.reads import position_at
from governance.values import Phase, Rating

router = APIRouter(tags=["lists"], dependencies=[Depends(single_valued)])

Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    next_cursor: str | None
    log: LogReading


Boolean = Literal["true", "false"]
Q = Annotated[str, Query(description="A substring of the key or the name/title, compared case-folded")]
ProjectFilter = Annotated[str | None, key_query("Only this project's (a bare key, KAK)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
CursorParam = Annotated[
    str | None, Query(description="`next_cursor` of the page before: continues its reading and filters")
]
LISTED: Responses = {**LIST_PROBLEMS, **CSV_RESPONSE}


def bare_key(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_key(value, name)
    except KeyFormatError as error:
        raise InvalidQuery(name, str(error)) from None


def _text(value: Any) -> bool:
    return isinstance(value, str) and "\x00" not in value


def _key(value: Any) -> bool:
    try:
        return _text(value) and check_key(value, "key") == value
    except KeyFormatError:
        return False


def _subject_key(value: Any) -> bool:
    try:
        return _text(value) and str(SubjectKey.parse(value)) == value
    except KeyFormatError:
        return False


def _day(value: Any) -> bool:
    try:
        return _text(value) and day_param("day", value) is not None
    except InvalidQuery:
        return False


def _one_of(*values: str) -> Callable[[Any], bool]:
    return lambda value: value in values


FILTERS: dict[Kind, dict[str, Callable[[Any], bool]]] = {
    "project": {
        "organisation": _text,
        "phase": _one_of(*get_args(Phase)),
        "overall": _one_of(*get_args(Rating)),
    },
    "milestone": {"project": _key, "state": _one_of("achieved", "cancelled", "overdue", "planned")},
    "risk": {
        "project": _key,
        "organisation": _text,
        "owner": _text,
        "level": _one_of("low", "medium", "high", "critical"),
        "open": lambda value: type(value) is bool,
    },
    "contract": {"project": _key, "supplier": _text},
    "board-case": {"body": _key, "meeting_from": _day, "meeting_to": _day, "refers_to": _subject_key},
}
"""What each list's filters may hold, as the routes validate them: a cursor brings its
filters back, and a cursor is only base64 of JSON that anyone can edit."""


def pinned_filters(kind: Kind, filters: dict[str, Any]) -> dict[str, Any]:
    allowed = FILTERS[kind]
    if any(name not in allowed or not allowed[name](value) for name, value in filters.items()):
        raise BadCursor("is not a cursor this ledger gave")
    return filters


def listed(
    request: Request,
    models: ModelsDep,
    at: At,
    kind: Kind,
    filters: dict[str, Any],
    q: str,
    limit: int,
    cursor: str | None,
) -> Any:
    """A page of the list (or, for `Accept: text/csv`, all of it as CSV)."""
    query = ListQuery(kind, {name: value for name, value in filters.items() if value is not None}, q)
    after = None
    if cursor is not None and not wants_csv(request):
        try:
            pinned = Cursor.decode(cursor)
            if query.filters or query.q:
                pinned.check(query)
            else:
                query = ListQuery(kind, pinned_filters(kind, pinned.query.filters), pinned.query.q)
                pinned.check(query)
            if "as_of" in request.query_params and pinned.as_of != at.as_of:
                raise BadCursor("was given with another as_of than the first page")
            if pinned.position > models.ledger.position():
                raise BadCursor("is not a cursor this ledger gave")
        except BadCursor as error:
            raise InvalidQuery("cursor", str(error)) from None
        as_of, position, after = pinned.as_of, pinned.position, pinned.after
        models.ensure(position)
    else:
        as_of, position = at.as_of, position_at(models, at.known_at)
    if wants_csv(request):
        every = every_item(models, query, as_of=as_of, position=position)
        return csv_response(columns_of(ANSWERS[kind]), every)
    items, next_page = list_page(models, query, as_of=as_of, position=position, limit=limit, after=after)
    # Written as the answers are (the `response_model` documents them; a test holds every
    # list's answers to it): checking a page of contracts field by field against the
    # model took longer than reading them, with their amendments in the tens of thousands.
    return OrjsonResponse(
        {
            "items": items,
            "next_cursor": next_page.encode() if next_page is not None else None,
            "log": {"position": position, "head_hash": models.ledger.head_hash(position)},
        }
    )


@router.get("/projects", response_model=Page[ProjectAnswer], responses=LISTED)
def list_projects(
    request: Request,
    models: ModelsDep,
    at: At,
    user: CurrentUser,
    organisation: str | None = None,
    phase: Phase | None = None,
    overall: Rating | None = None,
    q: Q = "",
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Any:
    """Every project that exists at (`as_of`, `known_at`), closed ones included."""
    filters = {"organisation": organisation, "phase": phase, "overall": overall}
    return listed(request, models, at, "project", filters, q, limit, cursor)


@router.get("/milestones", response_model=Page[MilestoneAnswer], responses=LISTED)
def list_milestones(
    request: Request,
    models: ModelsDep,
    at: At,
    user: CurrentUser,
    project: ProjectFilter = None,
    state: Literal["achieved", "cancelled", "overdue", "planned"] | None = None,
    q: Q = "",
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Any:
    """Every milestone that exists at (`as_of`, `known_at`); `state` as at `as_of`."""
    filters = {"project": bare_key("project", project), "state": state}
    return listed(request, models, at, "milestone", filters, q, limit, cursor)


@router.get("/risks", response_model=Page[RiskAnswer], responses=LISTED)
def list_risks(
    request: Request,
    models: ModelsDep,
    at: At,
    user: CurrentUser,
    project: ProjectFilter = None,
    organisation: str | None = None,
    owner: str | None = None,
    level: Literal["low", "medium", "high", "critical"] | None = None,
    open: Boolean | None = None,
    q: Q = "",
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Any:
    """Every risk that exists at (`as_of`, `known_at`), closed and merged ones included."""
    filters = {
        "project": bare_key("project", project),
        "organisation": organisation,
        "owner": owner,
        "level": level,
        "open": None if open is None else open == "true",
    }
    return listed(request, models, at, "risk", filters, q, limit, cursor)


@router.get("/contracts", response_model=Page[ContractAnswer], responses=LISTED)
def list_contracts(
    request: Request,
    models: ModelsDep,
    at: At,
    user: CurrentUser,
    project: ProjectFilter = None,
    supplier: str | None = None,
    q: Q = "",
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Any:
    """Every contract that exists at (`as_of`, `known_at`), terminated ones included."""
    filters = {"project": bare_key("project", project), "supplier": supplier}
    return listed(request, models, at, "contract", filters, q, limit, cursor)


@router.get("/board-cases", response_model=Page[BoardCaseAnswer], responses=LISTED)
def list_board_cases(
    request: Request,
    models: ModelsDep,
    at: At,
    user: CurrentUser,
    body: Annotated[str | None, key_query("Only this board's cases (a bare key, HDO)")] = None,
    meeting_from: Annotated[str | None, day_query("Met on or after this day")] = None,
    meeting_to: Annotated[str | None, day_query("Met on or before this day")] = None,
    refers_to: Annotated[
        str | None,
        Query(
            description="A full subject key (project:KAK) the case or one of its decisions refers to",
            json_schema_extra={"pattern": SUBJECT_KEY_REGEX},
        ),
    ] = None,
    q: Q = "",
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Any:
    """Every board case that exists at (`as_of`, `known_at`)."""
    if refers_to is not None:
        try:
            SubjectKey.parse(refers_to)
        except KeyFormatError as error:
            raise InvalidQuery("refers_to", str(error)) from None
    meeting_from_day, meeting_to_day = (
        day_param("meeting_from", meeting_from),
        day_param("meeting_to", meeting_to),
    )
    filters = {
        "body": bare_key("body", body),
        "meeting_from": meeting_from_day.isoformat() if meeting_from_day else None,
        "meeting_to": meeting_to_day.isoformat() if meeting_to_day else None,
        "refers_to": refers_to,
    }
    return listed(request, models, at, "board-case", filters, q, limit, cursor)
