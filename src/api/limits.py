"""Request limits checked before any route runs: 413 for a body over 1 MiB (except an
import or a register, which stream), 415 for a write that is not JSON (or, for a register,
neither a workbook nor CSV), 422 for a JSON body read
strictly (`strict_json`) and for U+0000 in any query parameter (no store keeps it).

They are checked in the order a client expects: a path no route takes is a 404 and a
method the path does not take a 405 (the app answers both, without reading the body),
and a write without a valid bearer token is a 401, before anything about its body."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import bearer_token, token_user
from api.responses import field_error, not_authenticated, problem
from governance.strict_json import BodyRefused, check_json_body

MAX_BODY = 1024 * 1024
IMPORT_PATH = "/import"
IMPORT_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "text/plain"})
REGISTER_PREFIX = "/registers/"
REGISTER_PATHS = frozenset({"/registers/risks", "/registers/mitigations", "/registers/milestones"})
REGISTER_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"})
REGISTER_PAGE_PATHS = frozenset({"/ui/registers/import", "/ui/registers/import/confirm"})
"""The import page's forms upload a file (multipart), as large as a register is."""
FORM_PREFIX = "/ui/"
FORM_TYPE = "application/x-www-form-urlencoded"
"""The pages' forms (sign-in, sign-out) post as browsers do."""


def media_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            text: str = value.decode("latin-1")
            return text.split(";", 1)[0].strip().lower()
    return ""


def _is_json(kind: str) -> bool:
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class RequestLimits:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b""):
            await _refuse_nul(scope, receive, send)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        if not _routed(scope):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(REGISTER_PREFIX) and scope["path"] not in REGISTER_PATHS:
            await self.app(scope, receive, send)  # no such register: the route answers 404
            return
        if not scope["path"].startswith(FORM_PREFIX) and not await _authenticated(scope):
            await not_authenticated()(scope, receive, send)
            return
        kind = media_type(scope)
        if scope["path"] == IMPORT_PATH:
            if kind not in IMPORT_TYPES:
                await self._refuse(
                    scope,
                    receive,
                    send,
                    415,
                    "Unsupported media type",
                    "an import is application/x-ndjson, application/jsonl or text/plain",
                )
                return
            await self.app(scope, receive, send)
            return
        if scope["path"] in REGISTER_PAGE_PATHS and kind == "multipart/form-data":
            await self.app(scope, receive, send)
            return
        if scope["path"] in REGISTER_PATHS:
            if kind not in REGISTER_TYPES:
                await self._refuse(
                    scope,
                    receive,
                    send,
                    415,
                    "Unsupported media type",
                    "a register is an .xlsx workbook"
                    " (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet) or text/csv",
                )
                return
            await self.app(scope, receive, send)
            return
        if not _is_json(kind) and not (scope["path"].startswith(FORM_PREFIX) and kind == FORM_TYPE):
            await self._refuse(
                scope, receive, send, 415, "Unsupported media type", "a write's body is application/json"
            )
            return
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        if _is_json(kind):
            try:
                check_json_body(bytes(body))
            except BodyRefused as refusal:
                await _refuse_body(refusal)(scope, receive, send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"a request body is at most {self.max_body} bytes"
        await self._refuse(scope, receive, send, 413, "Content too large", detail)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, title: str, detail: str
    ) -> None:
        await problem(status, title, detail)(scope, receive, send)


def _routed(scope: Scope) -> bool:
    """Whether a route takes this method at this path."""
    app: Starlette = scope["app"]
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


async def _authenticated(scope: Scope) -> bool:
    """Whether the request carries a valid bearer token."""
    authorization = next(
        (value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"authorization"),
        None,
    )
    token = bearer_token(authorization)
    if token is None:
        return False
    try:
        return await run_in_threadpool(token_user, scope["app"], token) is not None
    except Exception:  # noqa: BLE001 - the store cannot tell now: the route asks again, and answers 503
        return True


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as the app's first message; then the client's own."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _refuse_body(refusal: BodyRefused) -> Response:
    errors = [field_error(("body", *refusal.loc), refusal.msg, refusal.type)]
    if refusal.malformed:
        return problem(422, "Malformed JSON", f"the request body {refusal.msg}", errors=errors)
    where = errors[0]["field"] or "the body"
    return problem(422, "Invalid input", f"{where}: {refusal.msg}", errors=errors)


async def _refuse_nul(scope: Scope, receive: Receive, send: Send) -> None:
    pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    names = [name for name, value in pairs if "\x00" in name or "\x00" in value] or [""]
    msg = "must not contain the character U+0000"
    errors = [field_error(("query", name), msg, "value_error") for name in names]
    detail = "; ".join(f"{name}: {msg}" for name in names)
    await problem(422, "Invalid input", detail, errors=errors)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
