"""The one path every write takes: authorise, build the command, record, answer 201."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from api.auth import authorize_write
from api.parameters import InvalidHeader
from api.problems import IDEMPOTENCY_KEY_REGEX
from api.responses import OrjsonResponse
from governance.application import Command, Ledger, Recorded
from governance.chain import canonical_json
from governance.context import acting_as
from governance.errors import SubjectNotFound, VersionMismatch
from governance.keys import KeyFormatError, Kind, SubjectKey
from governance.store.log import IdempotencyRecord
from governance.users import User

_STRONG_TAG = re.compile(r'"(\d{1,18})"\Z')
IDEMPOTENCY_KEY_PATTERN = re.compile(IDEMPOTENCY_KEY_REGEX.removeprefix("^").removesuffix("$"))
"""The key as the schema declares it, matched whole (`fullmatch`)."""

PATHS = {
    "project": "/projects/{}",
    "milestone": "/milestones/{}",
    "risk": "/risks/{}",
    "contract": "/contracts/{}",
    "board-case": "/board-cases/{}",
}


def subject_in_path(kind: Kind, *parts: str) -> SubjectKey:
    """The subject a path names; a malformed key names no subject (404)."""
    try:
        return SubjectKey(kind, "/".join(parts))
    except KeyFormatError:
        raise SubjectNotFound(f"{kind}:{'/'.join(parts)}") from None


def subject_path(subject: SubjectKey) -> str:
    return PATHS[subject.kind].format(subject.key)


def expected_version(if_match: str | None, ledger: Ledger, subject: SubjectKey) -> int | None:
    """The version `If-Match` expects (strong comparison: a weak tag never matches)."""
    if if_match is None:
        return None
    tags = [tag.strip() for tag in if_match.split(",")]
    current = ledger.log.subject_version(str(subject))
    if "*" in tags:
        if current == 0:
            raise VersionMismatch(str(subject), "*", current)
        return current
    versions = [int(match[1]) for tag in tags if (match := _STRONG_TAG.match(tag))]
    if current in versions:
        return current
    raise VersionMismatch(str(subject), if_match, current)


def idempotency_record(request: Request, user: User, body: BaseModel) -> IdempotencyRecord | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise InvalidHeader("Idempotency-Key", "must be 1 to 255 printable ASCII characters")
    request_text = f"{request.method} {request.url.path}\n".encode() + canonical_json(
        body.model_dump(mode="json")
    )
    return IdempotencyRecord(user.name, key, hashlib.sha256(request_text).hexdigest())


def record_write(
    request: Request,
    ledger: Ledger,
    user: User,
    subject: SubjectKey,
    event_type: str,
    body: BaseModel,
    *,
    leave_out: tuple[str, ...] = ("key",),
    fields: dict[str, Any] | None = None,
    effective_on: date | None = None,
) -> OrjsonResponse:
    """Record the event a write's body describes; `fields` adds what the path names."""
    data = body.model_dump(mode="json", exclude_none=True, exclude={"effective_on", *leave_out})
    data |= fields or {}
    authorize_write(ledger, user, subject, event_type, data)
    idempotency = idempotency_record(request, user, body)
    if idempotency is not None and (replay := ledger.replay(idempotency)) is not None:
        # A retry answers as the first request did, whatever If-Match says: it names
        # the version the subject had before the first request was stored.
        return created(replay, subject)
    try:
        command = Command(
            subject,
            event_type,
            data,
            effective_on=effective_on if effective_on is not None else getattr(body, "effective_on", None),
            expected_version=expected_version(request.headers.get("if-match"), ledger, subject),
        )
        with acting_as(user.name):
            recorded = ledger.record(command, idempotency=idempotency)
    except VersionMismatch:
        # The first request may have been stored since the look-up above.
        if idempotency is not None and (replay := ledger.replay(idempotency)) is not None:
            return created(replay, subject)
        raise
    return created(recorded, subject)


def created(recorded: Recorded, subject: SubjectKey) -> OrjsonResponse:
    headers = {"ETag": f'"{recorded.version}"', "Location": subject_path(subject)}
    if recorded.replayed:
        headers["Idempotent-Replayed"] = "true"
    return OrjsonResponse(recorded.envelope, status_code=201, headers=headers)
