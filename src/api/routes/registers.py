"""Registers (DOMAIN.md §10): the risk register and the milestone plan exported as a
workbook or CSV at any (`as_of`, `known_at`), and imported back as the events that make
the ledger agree with them — planned in a dry run first, then stored as one batch."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor

from api.auth import CurrentUser, Forbidden, LedgerDep
from api.limits import media_type
from api.parameters import InvalidHeader, InvalidQuery
from api.problems import PROBLEMS, READ_PROBLEMS, day_query, idempotency_key_header
from api.reading import At, ModelsDep, single_valued
from api.responses import OrjsonResponse, ProblemResponse, field_error, problem
from api.writes import IDEMPOTENCY_KEY_PATTERN
from governance.projections.reads import position_at
from governance.registers import importing
from governance.registers.export import csv_chunks, register_rows, workbook_chunks
from governance.registers.importing import (
    FileFormat,
    LogMoved,
    RegisterIdempotency,
)
from governance.registers.refusal import RegisterRefused
from governance.registers.sheets import (
    CSV_MEDIA_TYPE,
    SHEET_OF,
    XLSX_MEDIA_TYPE,
    RegisterKind,
)
from governance.timemodel import TimeFormatError, parse_day
from governance.users import User

router = APIRouter(tags=["registers"], dependencies=[Depends(single_valued)])

SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""A file up to this size is held in memory, a larger one in a temporary file."""
REGISTER_WRITERS = frozenset({"admin", "secretariat"})
_READ_PROBLEMS: dict[int | str, dict[str, Any]] = {code: answer for code, answer in READ_PROBLEMS.items()}


REGISTERS: dict[str, RegisterKind] = {
    "risks": "risks",
    "mitigations": "mitigations",
    "milestones": "milestones",
}


def register_kind(
    kind: Annotated[str, Path(description="The register", json_schema_extra={"enum": list(REGISTERS)})],
) -> RegisterKind:
    """The register a path names; any other is a 404."""
    register = REGISTERS.get(kind)
    if register is None:
        raise HTTPException(404, f"there is no register {kind!r}: risks, mitigations or milestones")
    return register


Register = Annotated[RegisterKind, Depends(register_kind)]


class RegisterConvertor(StringConvertor):
    """A register's name in a path: no `.`, so that a POST to an export's path
    (`/registers/risks.csv`) is a 405, as for any path that only takes GET."""

    regex = "[^/.]+"


register_url_convertor("register", RegisterConvertor())


class PlanItem(BaseModel):
    sheet: str
    row: int
    subject: str
    type: str
    effective_on: date
    data: dict[str, Any]
    column: str


class RegisterWarningItem(BaseModel):
    sheet: str
    row: int | None
    subject: str
    column: str | None
    message: str
    message_en: str


class RegisterImportAnswer(BaseModel):
    plan: list[PlanItem]
    warnings: list[RegisterWarningItem]
    stored: bool
    position: int
    head_hash: str


def register_writer(user: CurrentUser) -> User:
    if user.role not in REGISTER_WRITERS:
        raise Forbidden(f"the role {user.role} does not import registers; admin and secretariat do")
    return user


RegisterWriter = Annotated[User, Depends(register_writer)]


def _file_response(
    kind: RegisterKind, extension: str, media: str, body: Iterator[bytes], position: int, head: str
) -> StreamingResponse:
    headers = {
        "Content-Disposition": f'attachment; filename="{kind}.{extension}"',
        "Ledger-Position": str(position),
        "Ledger-Head-Hash": head,
    }
    return StreamingResponse(body, media_type=media, headers=headers)


@router.get(
    "/registers/{kind}.xlsx",
    response_class=StreamingResponse,
    responses=_READ_PROBLEMS
    | {
        200: {
            "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The register as a workbook: `risks` with the sheets Risikoer and Tiltak,"
            " `mitigations` with Tiltak, `milestones` with Milepæler",
        },
    },
)
def export_register_workbook(
    register: Register, user: CurrentUser, models: ModelsDep, at: At
) -> StreamingResponse:
    """The register at (`as_of`, `known_at`) as a workbook: one row per subject that exists
    then, sorted by key; the header row frozen and filtered, dates as date cells."""
    position = position_at(models, at.known_at)
    body = workbook_chunks(models, register, as_of=at.as_of, position=position)
    head = models.ledger.head_hash(position)
    return _file_response(register, "xlsx", XLSX_MEDIA_TYPE, body, position, head)


@router.get(
    "/registers/{kind}.csv",
    response_class=StreamingResponse,
    responses=_READ_PROBLEMS
    | {
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One sheet of the register as CSV (comma, CRLF, no byte-order mark), streamed",
        },
    },
)
def export_register_csv(
    register: Register, user: CurrentUser, models: ModelsDep, at: At
) -> StreamingResponse:
    """One sheet of the register at (`as_of`, `known_at`) as CSV: `risks` the Risikoer
    sheet, `mitigations` Tiltak, `milestones` Milepæler."""
    position = position_at(models, at.known_at)
    sheet = SHEET_OF[register]
    rows = (row for _, row in register_rows(models, register, [sheet], as_of=at.as_of, position=position))
    body = (text.encode("utf-8") for text in csv_chunks(sheet, rows))
    head = models.ledger.head_hash(position)
    return _file_response(register, "csv", "text/csv; charset=utf-8", body, position, head)


def _effective_on(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        day = parse_day(text)
    except TimeFormatError as error:
        raise InvalidQuery("effective_on", str(error)) from None
    if day > today:
        raise InvalidQuery(
            "effective_on", f"lies in the future: facts are recorded when they have happened ({today})"
        )
    return day


@router.post(
    "/registers/{kind:register}",
    response_model=RegisterImportAnswer,
    responses={
        **PROBLEMS,
        200: {"description": "The plan and its warnings; `stored` says whether its events were appended"},
        412: {
            **PROBLEMS[412],
            "description": "The log has moved since `expected_position`; nothing was stored",
        },
        415: {**PROBLEMS[415], "description": "The body is neither an .xlsx workbook nor text/csv"},
        422: {
            **PROBLEMS[422],
            "description": "A refused file: `sheet`, `row`, `column` and `reason` (also as `errors[0]`);"
            " nothing was stored",
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                CSV_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_register(
    request: Request,
    register: Register,
    user: RegisterWriter,
    models: ModelsDep,
    ledger: LedgerDep,
    effective_on: Annotated[
        str | None, day_query("The day the register's changes take effect (YYYY-MM-DD; default today)")
    ] = None,
    dry_run: Annotated[
        Literal["true", "false"], Query(description="`true`: plan only, store nothing")
    ] = "false",
    expected_position: Annotated[
        int | None, Query(ge=0, description="Store only if the log is still at this position (a dry run's)")
    ] = None,
    idempotency_key: Annotated[str | None, idempotency_key_header()] = None,
) -> Response:
    """Import a register (secretariat and admin): `risks` takes a workbook (Risikoer and
    Tiltak) or the Risikoer sheet as CSV, `mitigations` and `milestones` their sheet.
    Each row is compared with its subject at `effective_on` as known now; the answer is
    the plan of events, the warnings for what no event expresses, and whether the plan
    was stored (never with `dry_run`)."""
    file_format: FileFormat = "xlsx" if media_type(request.scope) == XLSX_MEDIA_TYPE else "csv"
    day = _effective_on(effective_on, ledger.today())
    if idempotency_key is not None and not IDEMPOTENCY_KEY_PATTERN.fullmatch(idempotency_key):
        raise InvalidHeader("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
    digest = hashlib.sha256(f"POST /registers/{register}?effective_on={day}\n{file_format}\n".encode())
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as body:
        async for chunk in request.stream():
            body.write(chunk)
            digest.update(chunk)
        body.seek(0)
        idempotency = None
        if idempotency_key is not None:
            idempotency = RegisterIdempotency(user.name, idempotency_key, digest.hexdigest())
        try:
            answer = await run_in_threadpool(
                partial(
                    importing.import_file,
                    models,
                    register,
                    file_format,
                    body,
                    effective_on=day,
                    dry_run=dry_run == "true",
                    expected_position=expected_position,
                    actor=user.name,
                    idempotency=idempotency,
                )
            )
        except RegisterRefused as refusal:
            return refused(refusal)
        except LogMoved as moved:
            return problem(
                412, moved.title, moved.detail, expected_position=moved.expected, position=moved.actual
            )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return OrjsonResponse(answer.as_dict(), headers=headers)


def refused(refusal: RegisterRefused) -> ProblemResponse:
    """A refused file: `sheet`, `row`, `column` and `reason` at the top level and as
    `errors[0]`."""
    parts: tuple[str | int | None, ...] = (refusal.sheet, refusal.row, refusal.column)
    loc: list[str | int] = ["body", *(part for part in parts if part is not None)]
    located = field_error(loc, refusal.reason_en, refusal.type) | refusal.as_dict()
    return problem(422, refusal.title, refusal.detail, errors=[located], **refusal.as_dict())
