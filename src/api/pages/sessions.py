"""Sign-in sessions: rows in the store beside the users, so several API processes and
restarts keep them. A session ends at sign-out, eight hours after the last page it asked
for, or when its user is removed (or given a new token); its role is read again on every
request. Only hashes are stored: the cookie's value is the one copy of a session id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

import orjson
from fastapi import Depends, Request, Response

from governance.application import Ledger
from governance.timemodel import format_instant
from governance.users import ROLES, User, token_hash

SESSION_COOKIE = "governance_session"
SIGN_IN_COOKIE = "governance_sign_in"
"""The sign-in form's anti-forgery value, sent back in the form (double submit)."""
IDLE = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)
"""A session's last page is written at most this often (a page view is not a write)."""
LOG_READERS = frozenset({"admin", "secretariat", "auditor"})
HOME = "/ui/"


@dataclass(frozen=True)
class PageSession:
    user: User
    csrf: str
    """The anti-forgery value every state-changing form of this session carries."""

    @property
    def reads_log(self) -> bool:
        return self.user.role in LOG_READERS

    def accepts(self, csrf: str | None) -> bool:
        return csrf is not None and hmac.compare_digest(csrf.encode(), self.csrf.encode())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class Sessions:
    """The sessions of one store."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.log = ledger.log

    def _now(self) -> datetime:
        return self.ledger.clock()

    def start(self, token: str) -> tuple[str, PageSession] | None:
        """A new session for the user whose bearer token this is: (its id, the session)."""
        rows = self.log.fetch(
            "SELECT name, role, projects, token_hash FROM {users} WHERE token_hash = ?", (token_hash(token),)
        )
        if not rows:
            return None
        row = rows[0]
        now = self._now()
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        self.log.modify("DELETE FROM {sessions} WHERE last_seen < ?", (format_instant(now - IDLE),))
        self.log.modify(
            "INSERT INTO {sessions} (id_hash, user_name, token_hash, csrf, created_at, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                _hash(session_id),
                row["name"],
                row["token_hash"],
                csrf,
                format_instant(now),
                format_instant(now),
            ),
        )
        return session_id, PageSession(_user(row["name"], row["role"], row["projects"]), csrf)

    def find(self, session_id: str) -> PageSession | None:
        """The live session with this id, its user and role as the store has them now."""
        id_hash = _hash(session_id)
        rows = self.log.fetch(
            "SELECT s.csrf, s.last_seen, u.name, u.role, u.projects FROM {sessions} s"
            " JOIN {users} u ON u.name = s.user_name AND u.token_hash = s.token_hash"
            " WHERE s.id_hash = ?",
            (id_hash,),
        )
        if not rows:
            self.log.modify("DELETE FROM {sessions} WHERE id_hash = ?", (id_hash,))
            return None
        row = rows[0]
        now = self._now()
        if row["last_seen"] < format_instant(now - IDLE):
            self.end(session_id)
            return None
        if row["last_seen"] < format_instant(now - TOUCH_EVERY):
            self.log.modify(
                "UPDATE {sessions} SET last_seen = ? WHERE id_hash = ?", (format_instant(now), id_hash)
            )
        return PageSession(_user(row["name"], row["role"], row["projects"]), row["csrf"])

    def end(self, session_id: str) -> None:
        self.log.modify("DELETE FROM {sessions} WHERE id_hash = ?", (_hash(session_id),))


def _user(name: str, role: str, projects: str) -> User:
    chosen = next((known for known in ROLES if known == role), None)
    if chosen is None:
        raise ValueError(f"a session's user has the unknown role {role!r}")
    return User(name, chosen, frozenset(orjson.loads(projects)))


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path under `/ui/` of this site, else the overview."""
    if not value or not value.startswith(HOME) or "\\" in value or any(ord(c) < 32 for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "/../" in parts.path + "/" or "/./" in parts.path + "/":
        return HOME
    if parts.path in ("/ui/sign-in", "/ui/sign-out"):
        return HOME
    return value


class SignInRequired(Exception):
    """A page asked for without a live session: go and sign in, then come back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    def __init__(self, session: PageSession, message: str) -> None:
        super().__init__(message)
        self.session = session
        self.message = message


def is_https(request: Request) -> bool:
    """Whether the browser reached us over https (behind a trusted proxy, as it says)."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=is_https(request), path="/")


def page_session(request: Request) -> PageSession:
    session_id = request.cookies.get(SESSION_COOKIE)
    session = Sessions(request.app.state.ledger).find(session_id) if session_id else None
    if session is None:
        query = request.url.query
        raise SignInRequired(request.url.path + (f"?{query}" if query else ""))
    return session


def log_reader_session(session: Annotated[PageSession, Depends(page_session)]) -> PageSession:
    if not session.reads_log:
        raise PageForbidden(
            session,
            "Revisjonssporet og kontrollen av loggen er for administrator, styresekretariat og revisor.",
        )
    return session


Session = Annotated[PageSession, Depends(page_session)]
LogReaderSession = Annotated[PageSession, Depends(log_reader_session)]
