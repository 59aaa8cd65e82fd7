"""The registers in the pages: the risk register and the milestone plan as workbooks to
download (every role), and an import page for the secretariat — upload a file, see the
plan and its warnings, and store it only on a second, explicit confirmation.

The confirmation form carries the uploaded file back (base64) with the position the plan
was made at, so what is stored is what was shown: a log that moved in between stores
nothing and says so."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.pages.frame import BadPageParameter, page, reading
from api.pages.sessions import PageForbidden, PageSession, Session
from governance.projections.reads import position_at
from governance.projections.runner import ReadModels
from governance.registers.export import workbook_chunks
from governance.registers.importing import FileFormat, ImportAnswer, LogMoved, import_file
from governance.registers.reading import ZIP_MAGIC
from governance.registers.refusal import RegisterRefused
from governance.registers.sheets import REGISTER_KINDS, XLSX_MEDIA_TYPE, RegisterKind
from governance.reports import formatting, labels
from governance.timemodel import TimeFormatError, parse_day

router = APIRouter(include_in_schema=False)

IMPORT_PATH = "/ui/registers/import"
CONFIRM_PATH = "/ui/registers/import/confirm"
MAX_UPLOAD = 64 * 1024 * 1024
"""The largest register the page takes (the API takes any size)."""
WRITERS = frozenset({"admin", "secretariat"})
KIND_WORDS = {
    "risks": "Risikoregister (arkene Risikoer og Tiltak)",
    "mitigations": "Tiltak",
    "milestones": "Milepælsplan (arket Milepæler)",
}
DOWNLOAD_NAMES = {"risks": "risikoregister", "mitigations": "tiltak", "milestones": "milepaelsplan"}


def _models(request: Request) -> ReadModels:
    models: ReadModels = request.app.state.readmodels
    return models


def _writer(session: PageSession) -> PageSession:
    if session.user.role not in WRITERS:
        raise PageForbidden(session, "Import av registre er for styresekretariat og administrator.")
    return session


def _kind(text: str | None) -> RegisterKind:
    for kind in REGISTER_KINDS:
        if text == kind:
            return kind
    raise BadPageParameter("register", "må være risikoregisteret, tiltakene eller milepælsplanen")


@router.get("/ui/registers/{kind}.xlsx")
def download(
    request: Request, session: Session, kind: str, as_of: str | None = None, known_at: str | None = None
) -> Response:
    """A register as a workbook at the page's reading, for every role."""
    register = _kind(kind)
    models = _models(request)
    at = reading(models.ledger, as_of, known_at)
    position = position_at(models, at.known_at)
    chunks = workbook_chunks(models, register, as_of=at.as_of, position=position)
    name = f"{DOWNLOAD_NAMES[register]}-{at.as_of.isoformat()}.xlsx"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    return StreamingResponse(chunks, media_type=XLSX_MEDIA_TYPE, headers=headers)


def _form_page(
    request: Request,
    session: PageSession,
    *,
    kind: RegisterKind = "risks",
    effective_on: date | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    today = request.app.state.ledger.today()
    return page(
        request,
        session,
        "registers_import.html",
        title="Importer register",
        section="registers",
        status_code=status_code,
        kinds=KIND_WORDS,
        chosen_kind=kind,
        effective_on=(effective_on or today).isoformat(),
        today=today.isoformat(),
        upload_path=IMPORT_PATH,
        confirm_path=CONFIRM_PATH,
        **values,
    )


@router.get(IMPORT_PATH)
def import_form(request: Request, session: Session) -> HTMLResponse:
    return _form_page(request, _writer(session))


async def _form(request: Request) -> Any:
    return await request.form(max_files=1, max_fields=16, max_part_size=MAX_UPLOAD * 2)


def _forged(request: Request, session: PageSession) -> HTMLResponse:
    return page(
        request,
        session,
        "message.html",
        title="Skjemaet kunne ikke bekreftes",
        status_code=403,
        message="Skjemaet var utløpt eller kom fra et annet sted. Last opp filen på nytt fra importsiden.",
    )


def _effective_on(request: Request, text: Any) -> date:
    today: date = request.app.state.ledger.today()
    try:
        day = parse_day(str(text)) if text else today
    except TimeFormatError:
        raise BadPageParameter("gjelder fra", "må være en dato (ÅÅÅÅ-MM-DD)") from None
    if day > today:
        raise BadPageParameter("gjelder fra", "kan ikke ligge i fremtiden")
    return day


def _format(content: bytes, filename: str) -> FileFormat:
    if filename.lower().endswith(".csv"):
        return "csv"
    return "xlsx" if filename.lower().endswith(".xlsx") or content.startswith(ZIP_MAGIC) else "csv"


def _plan(
    models: ReadModels,
    kind: RegisterKind,
    content: bytes,
    file_format: FileFormat,
    day: date,
    *,
    dry_run: bool,
    expected_position: int | None = None,
    actor: str | None = None,
) -> ImportAnswer:
    return import_file(
        models,
        kind,
        file_format,
        io.BytesIO(content),
        effective_on=day,
        dry_run=dry_run,
        expected_position=expected_position,
        actor=actor,
    )


def _value(name: str, value: Any) -> Any:
    """A planned event's field in words: enumerated values in Norwegian, days `15.09.2025`."""
    if name.endswith("_on") and isinstance(value, str):
        return formatting.day(value)
    return labels.field_value_label(name, value) or value


def _shown(answer: ImportAnswer) -> dict[str, Any]:
    """The plan and warnings as the page's tables show them, in words."""
    return {
        "plan": [
            {
                "sheet": event.sheet,
                "row": event.row,
                "column": event.column,
                "subject": str(event.subject),
                "subject_path": "/ui/"
                + {"risk": "risks", "milestone": "milestones"}[event.subject.kind]
                + "/"
                + event.subject.key,
                "type_word": labels.label(event.type, "event_type"),
                "effective_on": event.effective_on,
                "fields": [
                    (labels.FIELDS.get(name, name), _value(name, value)) for name, value in event.data.items()
                ],
            }
            for event in answer.plan
        ],
        "warnings": [warning.as_dict() for warning in answer.warnings],
        "position": answer.position,
        "head_hash": answer.head_hash,
    }


@router.post(IMPORT_PATH)
async def upload(request: Request, session: Session) -> HTMLResponse:
    """The plan of an uploaded register (a dry run: nothing is stored)."""
    _writer(session)
    form = await _form(request)
    if not session.accepts(str(form.get("csrf") or "")):
        return _forged(request, session)
    kind = _kind(str(form.get("kind") or ""))
    day = _effective_on(request, form.get("effective_on"))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _form_page(
            request, session, kind=kind, effective_on=day, status_code=422, error={"reason": "Velg en fil."}
        )
    content = await upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _form_page(
            request, session, kind=kind, effective_on=day, status_code=413,
            error={"reason": f"Filen er større enn {MAX_UPLOAD // (1024 * 1024)} MiB; importer den over API-et."},
        )  # fmt: skip
    file_format = _format(content, upload.filename)
    try:
        answer = await run_in_threadpool(
            _plan, _models(request), kind, content, file_format, day, dry_run=True
        )
    except RegisterRefused as refusal:
        return _form_page(
            request, session, kind=kind, effective_on=day, status_code=422, error=_refusal(refusal)
        )
    return _form_page(
        request,
        session,
        kind=kind,
        effective_on=day,
        filename=upload.filename,
        file_format=file_format,
        content=base64.b64encode(content).decode("ascii"),
        digest=hashlib.sha256(content).hexdigest(),
        **_shown(answer),
    )


@router.post(CONFIRM_PATH)
async def confirm(request: Request, session: Session) -> HTMLResponse:
    """Store the plan shown, if the log is still where it was when it was shown."""
    _writer(session)
    form = await _form(request)
    if not session.accepts(str(form.get("csrf") or "")):
        return _forged(request, session)
    kind = _kind(str(form.get("kind") or ""))
    day = _effective_on(request, form.get("effective_on"))
    try:
        content = base64.b64decode(str(form.get("content") or ""), validate=True)
        position = int(str(form.get("position") or ""))
    except (binascii.Error, ValueError):
        raise BadPageParameter(
            "bekreftelse", "mangler filen eller planens posisjon; last opp på nytt"
        ) from None
    if hashlib.sha256(content).hexdigest() != form.get("digest"):
        raise BadPageParameter("bekreftelse", "passer ikke til filen som ble vist; last opp på nytt")
    file_format: FileFormat = "csv" if form.get("file_format") == "csv" else "xlsx"
    try:
        answer = await run_in_threadpool(
            _plan, _models(request), kind, content, file_format, day,
            dry_run=False, expected_position=position, actor=session.user.name,
        )  # fmt: skip
    except LogMoved:
        return _form_page(
            request, session, kind=kind, effective_on=day, status_code=409,
            error={"reason": "Loggen er endret siden planen ble vist, så ingenting er lagret. Last opp filen"
                   " på nytt for å se planen slik loggen er nå."},
        )  # fmt: skip
    except RegisterRefused as refusal:
        return _form_page(
            request, session, kind=kind, effective_on=day, status_code=422, error=_refusal(refusal)
        )
    return _form_page(request, session, kind=kind, effective_on=day, stored=answer.stored, **_shown(answer))


def _refusal(refusal: RegisterRefused) -> dict[str, Any]:
    """A refusal as the page shows it: the place, then the reason without it."""
    return refusal.as_dict() | {"message": refusal.message}
