"""One log line per request: method, path, status, duration and the acting user (never
the token, nor the query string). The user is the one `current_user` found, kept in the
request's state."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("governance.http")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an error no handler answered

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            actor = scope.get("state", {}).get("actor")
            log.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "%s %s %s %.1f ms actor=%s",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                actor or "-",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": duration_ms,
                    "actor": actor,
                },
            )
