"""The RFC 9457 problem shape, for the OpenAPI schema of every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class FieldProblem(BaseModel):
    loc: list[str | int]
    pointer: str
    field: str
    msg: str
    type: str


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    status: int
    title: str
    detail: str
    errors: list[FieldProblem] | None = None


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {"application/problem+json": {}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem("No valid bearer token"),
    403: _problem("Outside the token's role or projects"),
    404: _problem("A subject in the path does not exist"),
    409: _problem("A lifecycle rule would be broken, or the subject exists already"),
    412: _problem("If-Match does not match the subject's version"),
    413: _problem("The body is over 1 MiB"),
    415: _problem("The body is not JSON"),
    422: _problem("Invalid fields, each named in `errors` by its path, or malformed JSON"),
    503: _problem(
        "The store is busy (an import runs, or writers raced; retry after `Retry-After` seconds), out of"
        " reach, or failing (`fault`: busy, unavailable, broken), or the read models are behind"
    ),
}

READ_PROBLEMS = {code: PROBLEMS[code] for code in (401, 403, 404, 422, 503)}
