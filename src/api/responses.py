"""Responses serialised with orjson: JSON bodies and RFC 9457 problems."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from governance.projections.schema import to_json


class OrjsonResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return to_json(content)


class ProblemResponse(OrjsonResponse):
    media_type = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    """An RFC 9457 problem: `type` is about:blank, so `title` is the status's meaning."""
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def field_error(loc: tuple[str | int, ...] | list[str | int], msg: str, type_: str) -> dict[str, Any]:
    """One invalid field, named by its path: `loc` as FastAPI writes it (``["body",
    "probability"]``), `pointer` as a JSON Pointer into the request part it names."""
    path = (
        [str(part) for part in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header")
        else [str(part) for part in loc]
    )
    return {
        "loc": list(loc),
        "pointer": "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)
        if path
        else "",
        "field": ".".join(path),
        "msg": msg,
        "type": type_,
    }


def not_authenticated() -> ProblemResponse:
    return problem(
        401,
        "Not authenticated",
        "a valid bearer token is required (Authorization: Bearer <token>)",
        headers={"WWW-Authenticate": "Bearer"},
    )
