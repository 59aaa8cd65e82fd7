"""Users and their bearer tokens. A token is shown once, when it is made; only its
SHA-256 is stored, so a stolen database holds no usable token."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import orjson

from governance import keys
from governance.errors import InvalidInput, LedgerError
from governance.store.log import LedgerLogRecorder, utc_now
from governance.timemodel import format_instant

Role = Literal["admin", "secretariat", "project_lead", "auditor", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}\Z")


class UserExists(LedgerError):
    title = "User already exists"


class UnknownUser(LedgerError):
    title = "Unknown user"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    projects: frozenset[str] = field(default_factory=frozenset)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Users:
    """The users of one store (the same database as the ledger)."""

    def __init__(self, log: LedgerLogRecorder) -> None:
        self.log = log

    def add(self, name: str, role: str, projects: list[str] | tuple[str, ...] = ()) -> str:
        """Create a user and return its new token (the only time it is shown)."""
        check_user(name, role, projects)
        if self.get(name) is not None:
            raise UserExists(f"user {name!r} already exists")
        token = "gl_" + secrets.token_urlsafe(32)
        self.log.modify(
            "INSERT INTO {users} (name, role, projects, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (
                name,
                role,
                orjson.dumps(sorted(set(projects))).decode(),
                token_hash(token),
                format_instant(utc_now()),
            ),
        )
        return token

    def rotate(self, name: str) -> str:
        """Replace a user's token with a new one, returned once."""
        token = "gl_" + secrets.token_urlsafe(32)
        if not self.log.modify("UPDATE {users} SET token_hash = ? WHERE name = ?", (token_hash(token), name)):
            raise UnknownUser(f"no user {name!r}")
        return token

    def remove(self, name: str) -> None:
        if not self.log.modify("DELETE FROM {users} WHERE name = ?", (name,)):
            raise UnknownUser(f"no user {name!r}")

    def get(self, name: str) -> User | None:
        rows = self.log.fetch("SELECT name, role, projects FROM {users} WHERE name = ?", (name,))
        return _user(rows[0]) if rows else None

    def authenticate(self, token: str) -> User | None:
        rows = self.log.fetch(
            "SELECT name, role, projects FROM {users} WHERE token_hash = ?", (token_hash(token),)
        )
        return _user(rows[0]) if rows else None

    def all(self) -> list[User]:
        return [
            _user(row) for row in self.log.fetch("SELECT name, role, projects FROM {users} ORDER BY name")
        ]


def check_user(name: str, role: str, projects: list[str] | tuple[str, ...]) -> None:
    if not _NAME.match(name):
        raise InvalidInput.single(
            ("name",), "must be letters, digits, '.', '_', '@' and '-', starting with one of the first two"
        )
    if role not in ROLES:
        raise InvalidInput.single(("role",), f"must be one of {', '.join(ROLES)}")
    for index, project in enumerate(projects):
        if not keys.is_key(project):
            raise InvalidInput.single(("projects", index), "must be a project key")
    if projects and role != "project_lead":
        raise InvalidInput.single(("projects",), "only a project_lead is limited to projects")


def _user(row: Mapping[str, Any]) -> User:
    return User(row["name"], row["role"], frozenset(orjson.loads(row["projects"])))
