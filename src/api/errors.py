"""Every error as an RFC 9457 problem, mapped once from the ledger's own errors."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.auth import Forbidden, NotAuthenticated
from api.parameters import InvalidParameter
from api.responses import ProblemResponse, field_error, not_authenticated, problem
from governance.errors import (
    ConcurrentAppend,
    IdempotencyConflict,
    InvalidInput,
    LedgerError,
    LifecycleViolation,
    SubjectAlreadyExists,
    SubjectNotFound,
    VersionMismatch,
)
from governance.projections.runner import ReadModelsBehind
from governance.store.faults import Fault, classify

log = logging.getLogger("governance.api")

STATUS_OF: list[tuple[type[LedgerError], int]] = [
    (InvalidInput, 422),
    (IdempotencyConflict, 422),
    (SubjectNotFound, 404),
    (SubjectAlreadyExists, 409),
    (LifecycleViolation, 409),
    (VersionMismatch, 412),
    (ConcurrentAppend, 503),
]


def ledger_problem(error: LedgerError, *, location: str = "body") -> ProblemResponse:
    status = next((code for kind, code in STATUS_OF if isinstance(error, kind)), 400)
    extra: dict[str, Any] = {}
    headers = None
    if isinstance(error, InvalidInput):
        extra["errors"] = [field_error((location, *e.loc), e.msg, e.type) for e in error.errors]
    elif isinstance(error, IdempotencyConflict):
        extra["errors"] = [field_error(("header", "Idempotency-Key"), error.detail, "idempotency_conflict")]
    elif isinstance(error, ConcurrentAppend):
        log.warning("%s", error.detail)
        headers = {"Retry-After": "1"}
    elif isinstance(error, (LifecycleViolation, SubjectNotFound, SubjectAlreadyExists)):
        extra["subject"] = error.subject
    return problem(status, error.title, error.detail, headers=headers, **extra)


STORE_PROBLEMS = {
    "busy": ("Store busy", "the store is busy: {reason}; nothing was changed, retry shortly", "2"),
    "unavailable": (
        "Store unavailable",
        (
            "the store cannot be reached: {reason}; a write may or may not have been stored:"
            " retry it with the same Idempotency-Key"
        ),
        "5",
    ),
    "broken": (
        "Store failing",
        (
            "the store failed: {reason}; nothing was changed, and retrying will not help until"
            " an operator has looked at the server's log"
        ),
        None,
    ),
}


def store_problem(fault: Fault) -> ProblemResponse:
    """A 503 that tells busy (retry shortly) from out of reach and from broken."""
    title, detail, retry_after = STORE_PROBLEMS[fault.kind]
    headers = {"Retry-After": retry_after} if retry_after else None
    return problem(503, title, detail.format(reason=fault.reason), headers=headers, fault=fault.kind)


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (Starlette names only the first
    route's), HEAD wherever GET is."""
    routes = request.app.router.routes
    methods = {
        method
        for method in METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    }
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def _ledger_error(_: Request, error: LedgerError) -> ProblemResponse:
        return ledger_problem(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, error: RequestValidationError) -> ProblemResponse:
        errors = [
            field_error(tuple(item["loc"]), str(item["msg"]).removeprefix("Value error, "), item["type"])
            for item in error.errors()
        ]
        if any(item["type"] == "json_invalid" for item in error.errors()):
            return problem(422, "Malformed JSON", "the request body is not valid JSON", errors=errors)
        detail = "; ".join(f"{e['field'] or e['loc'][0]}: {e['msg']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(InvalidParameter)
    async def _invalid_parameter(_: Request, error: InvalidParameter) -> ProblemResponse:
        errors = [field_error((error.location, error.name), error.msg, "value_error")]
        return problem(422, "Invalid input", str(error), errors=errors)

    @app.exception_handler(NotAuthenticated)
    async def _not_authenticated(_: Request, __: NotAuthenticated) -> ProblemResponse:
        return not_authenticated()

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, error: Forbidden) -> ProblemResponse:
        return problem(403, "Forbidden", error.detail)

    @app.exception_handler(ReadModelsBehind)
    async def _read_models_behind(_: Request, error: ReadModelsBehind) -> ProblemResponse:
        log.warning("%s", error)
        if error.failing is not None:
            return problem(
                503, "Read models failing", f"{error}; the error is logged", headers={"Retry-After": "5"}
            )
        return problem(
            503, "Read models catching up", f"{error}; retry shortly", headers={"Retry-After": "1"}
        )

    @app.exception_handler(OperationalError)
    async def _store_fault(_: Request, error: OperationalError) -> ProblemResponse:
        fault = classify(error)
        if fault.kind == "busy":
            log.warning("store busy: %s", fault.reason)
        else:
            log.error("store %s: %s", fault.kind, fault.reason, exc_info=error)
        return store_problem(fault)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> ProblemResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Content too large"}
        headers = getattr(error, "headers", None)
        if error.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem(
            error.status_code, titles.get(error.status_code, "Error"), str(error.detail), headers=headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> ProblemResponse:
        log.exception("unexpected error", exc_info=error)
        return problem(500, "Internal server error", "the server could not answer; the error is logged")
