"""Two rules of HTTP the routes do not see: HEAD is answered as GET without its body
(RFC 9110 §9.3.2), and a list or the audit trail asked for as CSV ignores `limit` and
`cursor` (DOMAIN.md §6a), so neither is even validated then."""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.csv import preferred_media_type

PAGED_PATHS = frozenset({"/projects", "/milestones", "/risks", "/contracts", "/board-cases", "/audit"})
PAGING = frozenset({"limit", "cursor"})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return ""


def _name(part: bytes) -> str:
    """A query string pair's name, as the routes will read it."""
    return unquote_plus(part.split(b"=", 1)[0].decode("latin-1"))


class HeadAsGet:
    """HEAD runs the GET route and sends its status and headers (Content-Length included)
    without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class CsvIgnoresPaging:
    """Drops `limit` and `cursor` from a CSV request for a list or `/audit`: the CSV
    answer is every item of the filter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and scope["path"] in PAGED_PATHS
            and preferred_media_type(_header(scope, b"accept")) == "text/csv"
        ):
            parts = scope.get("query_string", b"").split(b"&")
            kept = [part for part in parts if _name(part) not in PAGING]
            if len(kept) != len(parts):
                scope = {**scope, "query_string": b"&".join(kept)}
        await self.app(scope, receive, send)
