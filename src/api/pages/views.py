"""The pages of §9, each a few lines: read what the API reads, render it in Norwegian.

The pages only read. Every page takes `known_at` as the API does (and a picker's
`YYYY-MM-DDTHH:MM` as Oslo time); the overview and the subject pages take `as_of` too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from api.csv import csv_response
from api.pages.frame import (
    BadPageParameter,
    latest_tertial,
    page,
    page_frame,
    page_headers,
    read_instant,
    reading,
)
from api.pages.sessions import LogReaderSession, Session
from governance.application import Ledger
from governance.changes import split
from governance.csvformat import ENVELOPE_COLUMNS
from governance.integrity import verify
from governance.keys import KINDS, KeyFormatError, Kind, SubjectKey
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
from governance.projections.reads import position_at, status_report, subject_answer
from governance.projections.reconstruction import reconstruction
from governance.projections.runner import ReadModels
from governance.projections.subjects import Selection, answers
from governance.reports import formatting as fmt
from governance.reports import labels, subjects
from governance.reports.rendering import render_tertial_page, style_hash, tertial_body
from governance.reports.tertial import event_row, gather
from governance.timemodel import (
    Tertial,
    TimeFormatError,
    end_of_oslo_day,
    format_instant,
    oslo_day,
    parse_day,
    start_of_oslo_day,
)

router = APIRouter(include_in_schema=False)

BOM = "\ufeff"
SEARCH_LIMIT = 25
"""Search results shown per kind of subject."""


class PageNotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


def _models(request: Request) -> ReadModels:
    models: ReadModels = request.app.state.readmodels
    return models


def _subject(kind: Kind, *parts: str) -> SubjectKey:
    try:
        return SubjectKey(kind, "/".join(parts))
    except KeyFormatError:
        raise PageNotFound(f"Adressen navngir ingen {labels.label(kind, 'subject_kind')}.") from None


Text = Annotated[str | None, Query()]


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui")
def ui_root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/")
def overview(
    request: Request, session: Session, as_of: Text = None, known_at: Text = None, q: Text = None
) -> HTMLResponse:
    ledger, models = _ledger(request), _models(request)
    at = reading(ledger, as_of, known_at)
    status = status_report(models, as_of=at.as_of, known_at=at.known_at)
    results, truncated = _search(models, q or "", at.as_of, status["log"]["position"])
    projects = [
        {
            **project,
            "phase_word": labels.label(project["phase"], "phase"),
            "cells": subjects.status_cells(project["status"]),
            "overdue": sum(1 for m in project["milestones"] if m["state"] == "overdue"),
        }
        for project in status["projects"]
    ]
    risks = sorted(status["open_risks"], key=lambda risk: (-risk["score"], risk["key"]))
    by_level = {level: 0 for level in ("critical", "high", "medium", "low")}
    for risk in risks:
        by_level[risk["level"]] += 1
    return page(
        request,
        session,
        "overview.html",
        title="Oversikt",
        section="overview",
        at=at,
        picker_as_of=at.as_of.isoformat(),
        picker_known_at="" if at.is_now else fmt.picker_value(at.known_at),
        known_at_text=fmt.instant(status["known_at"]),
        projects=projects,
        risks=risks,
        by_level=by_level,
        contracts=status["contracts"],
        decisions=status["recent_decisions"],
        log=status["log"],
        tertials=_tertials(ledger),
        q=q or "",
        results=results,
        results_truncated=truncated,
        register_query=urlencode(
            {"as_of": at.as_of.isoformat()} | ({} if at.is_now else {"known_at": format_instant(at.known_at)})
        ),
        can_import_registers=session.user.role in ("admin", "secretariat"),
    )


def _search(
    models: ReadModels, q: str, as_of: date, position: int
) -> tuple[list[dict[str, str]] | None, bool]:
    """Subjects of every kind whose key, name or title holds `q` (§6a `q`), at most
    `SEARCH_LIMIT` of each kind; None when nothing was asked."""
    if not q.strip():
        return None, False
    found: list[dict[str, str]] = []
    truncated = False
    for kind in KINDS:
        items = answers(
            models, kind, as_of=as_of, position=position, selection=Selection(q=q, limit=SEARCH_LIMIT + 1)
        )
        truncated = truncated or len(items) > SEARCH_LIMIT
        found.extend(
            {
                "kind_word": labels.label(kind, "subject_kind"),
                "key": item["key"],
                "name": item.get("name") or item.get("title") or "",
                "path": subjects.page_of(kind, item["key"]),
            }
            for item in items[:SEARCH_LIMIT]
        )
    return found, truncated


def _tertials(ledger: Ledger) -> list[dict[str, str]]:
    """The tertials from the first effective day in the log to the last that has ended."""
    rows = ledger.log.fetch("SELECT MIN(effective_on) AS first FROM {log}")
    last = latest_tertial(ledger)
    first_day = rows[0]["first"] if rows and rows[0]["first"] else None
    if first_day is None:
        return [{"key": str(last), "name": fmt.tertial_name(str(last))}]
    tertial = Tertial.containing(fmt.as_day(first_day))
    found = []
    while tertial <= last:
        found.append({"key": str(tertial), "name": fmt.tertial_name(str(tertial))})
        tertial = Tertial(tertial.year + (tertial.number == 3), tertial.number % 3 + 1)
    return list(reversed(found))


@router.get("/ui/tertials")
def tertials(request: Request, session: Session) -> HTMLResponse:
    return page(
        request,
        session,
        "tertials.html",
        title="Tertialrapporter",
        section="tertial",
        tertials=_tertials(_ledger(request)),
    )


@router.get("/ui/tertials/{tertial}")
def tertial_page(
    request: Request,
    tertial: str,
    session: Session,
    known_at: Text = None,
    compare_to: Text = None,
    organisation: Text = None,
) -> HTMLResponse:
    ledger = _ledger(request)
    try:
        period = Tertial.parse(tertial)
    except TimeFormatError:
        raise PageNotFound("En tertial skrives ÅÅÅÅ-Tn, for eksempel 2025-T2.") from None
    at = reading(ledger, None, known_at)
    earlier = None
    if compare_to:
        earlier = reading(ledger, None, compare_to).known_at
        if earlier > at.known_at:
            raise BadPageParameter("compare_to", "må være en tidligere lesning enn «slik loggen var kjent»")
    models = _models(request)
    scope = organisation or None
    changes = None
    if earlier is not None:

        def changes() -> dict[str, Any]:
            return tertial_changes(
                models, period, from_known_at=earlier, to_known_at=at.known_at, organisation=scope
            )

    # The content depends only on the log positions read and the moments it names (to the
    # minute): rendered once, it is kept like the snapshots it shows.
    key = (
        "tertial-page",
        str(period),
        position_at(models, at.known_at),
        fmt.instant(at.known_at),
        scope,
        None if earlier is None else (position_at(models, earlier), fmt.instant(earlier)),
    )
    body = models.cached(
        key,
        lambda: tertial_body(
            gather(models, period, known_at=at.known_at, organisation=scope, changes=changes)
        ),
    )
    frame = page_frame(request, session, title="", section="tertial")
    frame |= {
        "picker_known_at": "" if at.is_now else fmt.picker_value(at.known_at),
        "picker_compare_to": fmt.picker_value(earlier) if earlier is not None else "",
    }
    html = render_tertial_page(body, frame)
    return HTMLResponse(html, headers=page_headers([style_hash(body.header_css)]))


HISTORY_SHOWN = 100
"""A subject page lists its latest events; `?history=all` lists every one."""


def _history(
    ledger: Ledger, subject: SubjectKey, position: int, *, everything: bool = True
) -> tuple[list[dict[str, Any]], int]:
    """The subject's events among the first `position` (the latest `HISTORY_SHOWN` unless
    `everything`), and how many there are in all."""
    total = ledger.log.subject_version(str(subject), position)
    after = 0
    if not everything and total > HISTORY_SHOWN:
        rows = ledger.log.fetch(
            "SELECT seq FROM {log} WHERE subject = ? AND seq <= ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
            (str(subject), position, HISTORY_SHOWN),
        )
        after = int(rows[0]["seq"])
    shown = []
    for envelope in ledger.envelopes(subject=str(subject), after=after, until=position):
        row = event_row(envelope)
        row["details"] = subjects.data_rows(subject.kind, envelope["data"])
        shown.append(row)
    return shown, total


def _subject_page(
    request: Request, session: Any, subject: SubjectKey, as_of: str | None, known_at: str | None
) -> HTMLResponse:
    ledger, models = _ledger(request), _models(request)
    at = reading(ledger, as_of, known_at)
    position = position_at(models, at.known_at)
    answer = subject_answer(models, subject, as_of=at.as_of, known_at=at.known_at)
    history, total = _history(
        ledger, subject, position, everything=request.query_params.get("history") == "all"
    )
    if answer is None and not history:
        raise PageNotFound(f"Det finnes ingen {subjects.subject_name(str(subject))} slik loggen er kjent.")
    kind_word = labels.label(subject.kind, "subject_kind")
    title = f"{kind_word.capitalize()} {subject.key}"
    name = None if answer is None else answer.get("name") or answer.get("title")
    return page(
        request,
        session,
        "subject.html",
        title=title,
        section="subject",
        kind=subject.kind,
        key=subject.key,
        name=name,
        answer=answer,
        rows=[] if answer is None else subjects.state_rows(subject.kind, answer),
        status_cells=subjects.status_cells(answer.get("status")) if answer else [],
        history=history,
        history_total=total,
        all_history_path=f"{request.url.path}?{request.url.query}{'&' if request.url.query else ''}history=all",
        at=at,
        picker_as_of=at.as_of.isoformat(),
        picker_known_at="" if at.is_now else fmt.picker_value(at.known_at),
        known_at_text=fmt.instant(at.known_at),
        subjects=subjects,
        path=request.url.path,
    )


@router.get("/ui/projects/{key}")
def project_page(
    request: Request, key: str, session: Session, as_of: Text = None, known_at: Text = None
) -> HTMLResponse:
    return _subject_page(request, session, _subject("project", key), as_of, known_at)


@router.get("/ui/milestones/{project}/{key}")
def milestone_page(
    request: Request, project: str, key: str, session: Session, as_of: Text = None, known_at: Text = None
) -> HTMLResponse:
    return _subject_page(request, session, _subject("milestone", project, key), as_of, known_at)


@router.get("/ui/risks/{key}")
def risk_page(
    request: Request, key: str, session: Session, as_of: Text = None, known_at: Text = None
) -> HTMLResponse:
    return _subject_page(request, session, _subject("risk", key), as_of, known_at)


@router.get("/ui/contracts/{key}")
def contract_page(
    request: Request, key: str, session: Session, as_of: Text = None, known_at: Text = None
) -> HTMLResponse:
    return _subject_page(request, session, _subject("contract", key), as_of, known_at)


@router.get("/ui/board-cases/{body}/{case_no}")
def board_case_page(
    request: Request, body: str, case_no: str, session: Session, known_at: Text = None
) -> HTMLResponse:
    ledger = _ledger(request)
    models = _models(request)
    case = _subject("board-case", body, case_no)
    at = reading(ledger, None, known_at)
    answer = reconstruction(models, case, today=oslo_day(ledger.clock()), known_at=at.known_at)
    if answer is None:
        raise PageNotFound(f"Det finnes ingen styresak {case.key} slik loggen er kjent.")
    found = answer["case"]
    basis = []
    for item in answer["referenced"]:
        kind = item["subject"].partition(":")[0]
        state = item["state"]
        basis.append(
            {
                "subject": item["subject"],
                "name": subjects.subject_name(item["subject"]),
                "path": subjects.page_of_subject(item["subject"]),
                "title": None if state is None else state.get("name") or state.get("title"),
                "state": state,
                "kind": kind,
                "rows": [] if state is None else subjects.state_rows(kind, state),
                "status_cells": subjects.status_cells(state.get("status")) if state else [],
            }
        )
    corrections = [
        {
            "subject": item["subject"],
            "name": subjects.subject_name(item["subject"]),
            "path": subjects.page_of_subject(item["subject"]),
            "changes": [_change_row(item["subject"], change) for change in item["changes"]],
            "events": [event_row(envelope) for envelope in item["events"]],
        }
        for item in answer["corrections"]
    ]
    return page(
        request,
        session,
        "board_case.html",
        title=f"Styresak {found['body']} {found['case_no']}",
        section="subject",
        case=found,
        refs=[
            {"name": subjects.subject_name(ref), "path": subjects.page_of_subject(ref)}
            for ref in found["refs"]
        ],
        decisions=[
            {
                **decision,
                "decided_text": fmt.day(decision["decided_on"]),
                "refs": [
                    {"name": subjects.subject_name(ref), "path": subjects.page_of_subject(ref)}
                    for ref in decision["refs"]
                ],
            }
            for decision in found["decisions"]
        ],
        basis=basis,
        corrections=corrections,
        citing=[event_row(envelope) for envelope in answer["citing_events"]],
        history=_history(ledger, case, position_at(models, at.known_at))[0],
        meeting_text=fmt.day(found["meeting_on"]),
        seen_then_text=fmt.instant(min(end_of_oslo_day(fmt.as_day(found["meeting_on"])), ledger.clock())),
        at=at,
        picker_known_at="" if at.is_now else fmt.picker_value(at.known_at),
        known_at_text=fmt.instant(at.known_at),
        subjects=subjects,
        path=request.url.path,
    )


def _change_row(subject: str, change: dict[str, Any]) -> dict[str, Any]:
    kind = subject.partition(":")[0]
    parts = split(change["path"])
    name = parts[-1] if parts else ""
    where = " › ".join(labels.FIELDS.get(part, part) for part in parts) or "hele saken"

    def shown(value: Any) -> str:
        if value is None:
            return "ingen" if parts else "fantes ikke"
        if isinstance(value, (dict, list)) and not (isinstance(value, list) and name in ("measures", "refs")):
            return f"{len(value)} felt" if isinstance(value, dict) else f"{len(value)} element"
        return subjects.value_text(name, value, kind=kind)

    return {"where": where, "before": shown(change["before"]), "after": shown(change["after"])}


AUDIT_FILTERS = (
    "known_at",
    "subject",
    "actor",
    "type",
    "recorded_from",
    "recorded_to",
    "effective_from",
    "effective_to",
    "backdated",
    "late",
)
YES_NO_FILTER = {"": None, "true": True, "false": False}


def _audit_filter(ledger: Ledger, given: dict[str, str]) -> AuditFilter:
    """The audit filter a page's fields give (empty fields filter nothing)."""
    now = ledger.clock()
    subject, kind = given["subject"], given["type"]
    if subject:
        try:
            SubjectKey.parse(subject)
        except KeyFormatError:
            raise BadPageParameter("subject", "må være en full nøkkel, for eksempel risk:OR-631") from None
    if kind and kind not in labels.EVENT_TYPES:
        raise BadPageParameter("type", "er ingen hendelsestype")
    for name in ("backdated", "late"):
        if given[name] not in YES_NO_FILTER:
            raise BadPageParameter(name, "må være ja eller nei")
    return AuditFilter(
        subject=subject or None,
        actor=given["actor"] or None,
        type=kind or None,
        recorded_from=_bound("recorded_from", given["recorded_from"], now, end=False),
        recorded_to=_bound("recorded_to", given["recorded_to"], now, end=True),
        effective_from=_day("effective_from", given["effective_from"]),
        effective_to=_day("effective_to", given["effective_to"]),
        backdated=YES_NO_FILTER[given["backdated"]],
        late=YES_NO_FILTER[given["late"]],
    )


def _audit_fields(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in AUDIT_FILTERS}


@router.get("/ui/audit")
def audit(
    request: Request,
    session: LogReaderSession,
    cursor: Text = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> HTMLResponse:
    ledger, models = _ledger(request), _models(request)
    given = _audit_fields(request)
    at = reading(ledger, None, given["known_at"])
    audit_filter = _audit_filter(ledger, given)
    after = 0
    if cursor:
        try:
            pinned = AuditCursor.decode(cursor)
        except BadCursor:
            raise BadPageParameter("cursor", "er ikke en side denne loggen har gitt") from None
        if pinned.filter != audit_filter or pinned.position > ledger.position():
            raise BadPageParameter("cursor", "hører til andre filtre; begynn på første side")
        position, after = pinned.position, pinned.after
    else:
        position = position_at(models, at.known_at)
    items, next_page = audit_page(models, audit_filter, limit=limit, position=position, after=after)
    query = "&".join(f"{name}={_quote(value)}" for name, value in given.items() if value)
    rows = []
    for envelope in items:
        row = event_row(envelope)
        row["details"] = subjects.data_rows(row["kind"], envelope["data"])
        row["hash"] = envelope["hash"]
        rows.append(row)
    return page(
        request,
        session,
        "audit.html",
        title="Revisjonsspor",
        section="audit",
        filters=given,
        event_types=labels.EVENT_TYPES,
        rows=rows,
        position=position,
        next_path=(
            f"/ui/audit?{query}{'&' if query else ''}cursor={_quote(next_page.encode())}&limit={limit}"
            if next_page
            else None
        ),
        first_path=f"/ui/audit?{query}" if cursor else None,
        csv_path=f"/ui/audit.csv?{query}",
        known_at_text=fmt.instant(at.known_at),
    )


@router.get("/ui/audit.csv")
def audit_csv(request: Request, session: LogReaderSession) -> StreamingResponse:
    """The same CSV as `GET /audit` answers (§6a), with a byte-order mark for spreadsheet
    programs, every event the filters select."""
    ledger, models = _ledger(request), _models(request)
    given = _audit_fields(request)
    at = reading(ledger, None, given["known_at"])
    audit_filter = _audit_filter(ledger, given)
    position = position_at(models, at.known_at)
    response = csv_response(
        ENVELOPE_COLUMNS, every_event(models, audit_filter, position=position), prefix=BOM
    )
    response.headers["Content-Disposition"] = f'attachment; filename="revisjonsspor-{position}.csv"'
    response.headers.update(page_headers())
    return response


def _quote(value: str) -> str:
    return quote(value, safe="")


def _bound(name: str, text: str | None, now: datetime, *, end: bool) -> str | None:
    """An inclusive bound on `recorded_at`: a day (its start or end in Oslo) or an instant."""
    if not text:
        return None
    if len(text) == 10:
        try:
            day = parse_day(text)
        except TimeFormatError:
            raise BadPageParameter(name, "må være en dato eller et tidspunkt") from None
        return format_instant(end_of_oslo_day(day) if end else start_of_oslo_day(day))
    return format_instant(read_instant(name, text, now.replace(year=9999)))


def _day(name: str, text: str | None) -> str | None:
    if not text:
        return None
    try:
        return parse_day(text).isoformat()
    except TimeFormatError:
        raise BadPageParameter(name, "må være en dato (ÅÅÅÅ-MM-DD)") from None


@router.get("/ui/verify")
def verify_page(
    request: Request, session: LogReaderSession, position: Text = None, hash: Text = None
) -> HTMLResponse:
    ledger = _ledger(request)
    checked_position = None
    if position:
        if not position.isdigit():
            raise BadPageParameter("position", "må være et helt tall")
        checked_position = int(position)
    if hash and checked_position is None:
        raise BadPageParameter("hash", "krever en posisjon: hashen gjelder de første P hendelsene")
    result = verify(ledger, position=checked_position, expected_hash=hash or None)
    return page(
        request,
        session,
        "verify.html",
        title="Kontroll av loggen",
        section="verify",
        result=result,
        position=position or "",
        hash=hash or "",
        asked_hash=bool(hash),
    )
