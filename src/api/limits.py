"""Request limits checked before any route runs: 413 for a body over 1 MiB (except an
import or a register, which stream), 415 for a write that is not JSON (or, for a register,
neither a workbook nor CSV)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import problem

MAX_BODY = 1024 * 1024
IMPORT_PATH = "/import"
IMPORT_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "text/plain"})
REGISTER_PATHS = frozenset({"/registers/risks", "/registers/mitigations", "/registers/milestones"})
REGISTER_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"})
REGISTER_PAGE_PATHS = frozenset({"/ui/registers/import", "/ui/registers/import/confirm"})
"""The import page's forms upload a file (multipart), as large as a register is."""
FORM_PREFIX = "/ui/"
FORM_TYPE = "application/x-www-form-urlencoded"
"""The pages' forms (sign-in, sign-out) post as browsers do."""


class BodyTooLarge(HTTPException):
    """Raised while a body streams in; an HTTP exception, so FastAPI passes it on as is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"a request body is at most {limit} bytes")


def media_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


def _is_json(kind: str) -> bool:
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class RequestLimits:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
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
            await self._refuse(
                scope,
                receive,
                send,
                413,
                "Content too large",
                f"a request body is at most {self.max_body} bytes",
            )
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, title: str, detail: str
    ) -> None:
        await problem(status, title, detail)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
