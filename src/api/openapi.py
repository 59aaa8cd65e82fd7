"""The OpenAPI document, made for clients generated from it: every error answers the
problem schema as `application/problem+json` (and only that; a 503 of /health answers
the health report), parameters that may be
left out are not also `null`, and operations are named by their route functions
(`get_tertial`, `assess_risk`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def operation_id(route: APIRoute) -> str:
    return route.name


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` as X: a parameter that is absent is left out, never null."""
    variants = schema.get("anyOf")
    if not isinstance(variants, list):
        return schema
    kept = [variant for variant in variants if variant != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(variants):
        return schema
    rest = {name: value for name, value in schema.items() if name != "anyOf"}
    if rest.get("default", "") is None:
        del rest["default"]
    return {**kept[0], **rest}


def _operation(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        parameter["schema"] = _without_null(parameter["schema"])
    for status, response in operation.get("responses", {}).items():
        schemas = [media.get("schema") for media in response.get("content", {}).values()]
        if status[0] in "45" and all(schema in (None, {}, PROBLEM_REF) for schema in schemas):
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}


def install_openapi(app: FastAPI) -> None:
    """The app's `/openapi.json`, made once, as this module's docstring says."""

    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = made()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    _operation(operation)
        return app.openapi_schema or made()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema
