"""The pages of §9, each a few lines: read what the API reads, render it in Norwegian.

The pages only read. Every page takes `known_at` as the API does (and a picker's
`YYYY-MM-DDTHH:MM` as Oslo time); the overview and the subject pages take `as_of` too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

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
from governance.integrity import verify
from governance.keys import KeyFormatError, SubjectKey
from governance.projections.audit import DEFAULT_LIMIT, AuditFilter, BadCursor, audit_page
from governance.projections.reads import status_report
from governance.projections.reconstruction import reconstruction
from governance.projections.runner import ReadModels
from governance.reports import formatting as fmt
from governance.reports import labels, subjects
from governance.reports.rendering import render_tertial, running_header_css, style_hash
from governance.reports.tertial import changes_since, context, event_row, gather
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


def _subject(kind: str, *parts: str) -> SubjectKey:
    try:
        return SubjectKey(kind, "/".join(parts))  # type: ignore[arg-type]
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
    ledger = _ledger(request)
    at = reading(ledger, as_of, known_at)
    status = status_report(_models(request), as_of=at.as_of, known_at=at.known_at)
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
        results=None,
    )


def _tertials(ledger: Ledger) -> list[dict[str, str]]:
    """The tertials from the first effective day in the log to the last that has ended."""
    rows = ledger.log.fetch("SELECT MIN(effective_on) AS first FROM {log}")
    last = latest_tertial(ledger)
    first_day = rows[0]["first"] if rows and rows[0]["first"] else None
    if first_day is None:
        return [{"key": str(last), "name": fmt.tertial_name(str(last))}]
    tertial = Tertial.containing(fmt._as_day(first_day))
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
    changes = None
    if earlier is not None:

        def changes() -> dict[str, Any]:
            return changes_since(
                models,
                period,
                from_known_at=earlier,
                to_known_at=at.known_at,
                organisation=organisation or None,
            )

    report = gather(models, period, known_at=at.known_at, organisation=organisation or None, changes=changes)
    frame = page_frame(request, session, title="", section="tertial")
    frame |= {
        "picker_known_at": "" if at.is_now else fmt.picker_value(at.known_at),
        "picker_compare_to": fmt.picker_value(earlier) if earlier is not None else "",
    }
    html = render_tertial(report, "html", page=frame)
    header = running_header_css(context(report))
    return HTMLResponse(html, headers=page_headers([style_hash(header)]))


def _history(ledger: Ledger, subject: SubjectKey, at: Any) -> list[dict[str, Any]]:
    rows = []
    for envelope in ledger.history(subject, known_at=at.cut):
        row = event_row(envelope)
        row["details"] = subjects.data_rows(subject.kind, envelope["data"])
        rows.append(row)
    return rows


def _subject_page(
    request: Request, session: Any, subject: SubjectKey, as_of: str | None, known_at: str | None
) -> HTMLResponse:
    ledger = _ledger(request)
    at = reading(ledger, as_of, known_at)
    answer = ledger.subject(subject, as_of=at.as_of, known_at=at.cut)
    history = _history(ledger, subject, at)
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
    position = ledger.position(at.cut)
    models.ensure(position)
    answer = reconstruction(
        ledger, models, case, today=oslo_day(ledger.clock()), known_at=at.cut, position=position
    )
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
        for item in answer.get("corrections", [])
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
        corrections_known=("corrections" in answer),
        citing=[event_row(envelope) for envelope in answer["citing_events"]],
        history=_history(ledger, case, at),
        meeting_text=fmt.day(found["meeting_on"]),
        seen_then_text=fmt.instant(min(end_of_oslo_day(found["meeting_on"]), ledger.clock())),
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


@router.get("/ui/audit")
def audit(
    request: Request,
    session: LogReaderSession,
    known_at: Text = None,
    subject: Text = None,
    actor: Text = None,
    type: Text = None,
    recorded_from: Text = None,
    recorded_to: Text = None,
    effective_from: Text = None,
    effective_to: Text = None,
    cursor: Text = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = DEFAULT_LIMIT,
) -> HTMLResponse:
    ledger = _ledger(request)
    at = reading(ledger, None, known_at)
    now = ledger.clock()
    if subject:
        try:
            SubjectKey.parse(subject)
        except KeyFormatError:
            raise BadPageParameter("subject", "må være en full nøkkel, for eksempel risk:OR-631") from None
    if type and type not in labels.EVENT_TYPES:
        raise BadPageParameter("type", "er ingen hendelsestype")
    audit_filter = AuditFilter(
        subject=subject or None,
        actor=actor or None,
        type=type or None,
        recorded_from=_bound("recorded_from", recorded_from, now, end=False),
        recorded_to=_bound("recorded_to", recorded_to, now, end=True),
        effective_from=_day("effective_from", effective_from),
        effective_to=_day("effective_to", effective_to),
    )
    try:
        found = audit_page(
            ledger, audit_filter, limit=limit, cursor=cursor or None, position=ledger.position(at.cut)
        )
    except BadCursor:
        raise BadPageParameter("cursor", "er ikke en side denne loggen har gitt") from None
    filters = {
        "known_at": known_at or "",
        "subject": subject or "",
        "actor": actor or "",
        "type": type or "",
        "recorded_from": recorded_from or "",
        "recorded_to": recorded_to or "",
        "effective_from": effective_from or "",
        "effective_to": effective_to or "",
    }
    query = "&".join(f"{name}={_quote(value)}" for name, value in filters.items() if value)
    rows = []
    for envelope in found["items"]:
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
        filters=filters,
        event_types=labels.EVENT_TYPES,
        rows=rows,
        next_path=(
            f"/ui/audit?{query}{'&' if query else ''}cursor={_quote(found['next_cursor'])}&limit={limit}"
            if found["next_cursor"]
            else None
        ),
        first_path=f"/ui/audit?{query}" if cursor else None,
        csv_path=f"/ui/audit.csv?{query}",
        known_at_text=fmt.instant(at.known_at),
    )


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
