"""Bearer tokens and roles (DOMAIN.md §6).

`admin` also imports and manages users; `secretariat` writes every subject; a
`project_lead` writes its projects' events, their milestones, and the risks and
contracts whose `project` is one of them, but creates no project; `auditor` reads
everything, exports and verifies; `viewer` only reads. `/audit`, `/events.jsonl` and
`/verify` are for admin, secretariat and auditor.
"""

from __future__ import annotations

import time
from threading import Lock
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.applications import Starlette

from governance.application import Ledger
from governance.errors import SubjectNotFound
from governance.keys import SubjectKey
from governance.users import User, Users

CACHE_SECONDS = 5.0
"""How long a token is trusted without asking the store (a removed user's token stops
working within this time)."""

LOG_READERS = frozenset({"admin", "secretariat", "auditor"})

bearer = HTTPBearer(auto_error=False, description="A token made by `governance users add`")


class NotAuthenticated(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TokenCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, User | None]] = {}
        self._lock = Lock()

    def user(self, users: Users, token: str) -> User | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(token)
        if entry is not None and now - entry[0] < CACHE_SECONDS:
            return entry[1]
        user = users.authenticate(token)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (now, user)
        return user


def ledger_of(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(ledger_of)]


def token_user(app: Starlette, token: str) -> User | None:
    """The user a bearer token names, if any (cached for `CACHE_SECONDS`)."""
    tokens: TokenCache = app.state.tokens
    ledger: Ledger = app.state.ledger
    return tokens.user(Users(ledger.log), token)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> User:
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated()
    user = token_user(request.app, credentials.credentials)
    if user is None:
        raise NotAuthenticated()
    request.state.actor = user.name  # for the request's log line
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def log_reader(user: CurrentUser) -> User:
    if user.role not in LOG_READERS:
        raise Forbidden(f"the role {user.role} does not read the log; admin, secretariat and auditor do")
    return user


def admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden("only an admin may do this")
    return user


LogReader = Annotated[User, Depends(log_reader)]
Admin = Annotated[User, Depends(admin)]


def authorize_write(
    ledger: Ledger, user: User, subject: SubjectKey, event_type: str, fields: dict[str, Any]
) -> None:
    """Refuse a write outside the user's role or projects, before anything is checked."""
    if user.role in ("admin", "secretariat"):
        return
    if user.role != "project_lead":
        raise Forbidden(f"the role {user.role} does not write")
    if event_type == "ProjectRegistered":
        raise Forbidden("a project_lead creates no project")
    project = _project_of(ledger, subject, event_type, fields)
    if project is None or project not in user.projects:
        raise Forbidden(
            f"{user.name} writes only for the projects {', '.join(sorted(user.projects)) or '(none)'}"
        )


def _project_of(ledger: Ledger, subject: SubjectKey, event_type: str, fields: dict[str, Any]) -> str | None:
    if subject.kind == "project":
        return subject.key
    if subject.kind == "milestone":
        return subject.parts[0]
    if subject.kind not in ("risk", "contract"):
        return None
    if event_type in ("RiskIdentified", "ContractSigned"):
        project = fields.get("project")
        return project if isinstance(project, str) else None
    aggregate = ledger.aggregate(subject)
    if aggregate is None:
        raise SubjectNotFound(str(subject))
    project = getattr(aggregate.current(), "project", None)
    return project if isinstance(project, str) else None
