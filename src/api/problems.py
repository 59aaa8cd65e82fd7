"""What the OpenAPI schema declares beyond the routes' own models: the RFC 9457 problem
shape of every error, the response headers, and the patterns of keys, days, instants
and tertials."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path, Query
from pydantic import BaseModel, ConfigDict

from governance.keys import KEY_PATTERN

Responses = dict[int | str, dict[str, Any]]
"""The `responses` argument of a route."""

KEY_REGEX = f"^{KEY_PATTERN}$"
SUBJECT_KEY_REGEX = (
    f"^((project|risk|contract):{KEY_PATTERN}|(milestone|board-case):{KEY_PATTERN}/{KEY_PATTERN})$"
)
_YEAR = r"(000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})"
"""0001 to 9999: there is no year 0."""
_DAY = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)"
DAY_REGEX = f"^{_DAY}$"
INSTANT_REGEX = f"^{_DAY}{_TIME}$"
INSTANT_OR_DAY_REGEX = f"^{_DAY}({_TIME})?$"
KNOWN_AT_REGEX = f"^({_DAY}({_TIME})?)?$"
"""An RFC 3339 instant, or a date (the end of that day in Oslo); empty means now."""
READING_REGEX = f"^{_DAY}({_TIME})?$"
"""A reading that must be given: an RFC 3339 instant, or a date."""
RECORDED_AT_REGEX = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
TERTIAL_REGEX = f"^{_YEAR}-T[123]$"
HASH_REGEX = "^[0-9a-f]{64}$"
IDEMPOTENCY_KEY_REGEX = r"^[\x21-\x7e]{1,255}$"


def _key_in_path(description: str) -> Any:
    # A malformed key names no subject: 404, as for a key that does not exist, so the
    # pattern is declared for clients rather than checked here.
    return Path(description=description, json_schema_extra={"pattern": KEY_REGEX})


KeyInPath = Annotated[str, _key_in_path("The subject's key")]
ProjectInPath = Annotated[str, _key_in_path("The project's key")]
BodyInPath = Annotated[str, _key_in_path("The board's key (HDO)")]
CaseNoInPath = Annotated[str, _key_in_path("The case number (27-2025)")]
MitigationInPath = Annotated[str, _key_in_path("The mitigation's id")]
TertialInPath = Annotated[
    str,
    Path(
        description="YYYY-Tn: T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec",
        json_schema_extra={"pattern": TERTIAL_REGEX},
    ),
]


def key_query(description: str) -> Any:
    """A bare key in the query (checked by the route: a 422 naming the parameter)."""
    return Query(description=description, json_schema_extra={"pattern": KEY_REGEX})


def idempotency_key_header() -> Any:
    """The `Idempotency-Key` header a write takes (checked by the write: a 422 naming it)."""
    return Header(
        alias="Idempotency-Key",
        description="Retry safely: a repeated key answers the first response again",
        json_schema_extra={"pattern": IDEMPOTENCY_KEY_REGEX},
    )


def day_query(description: str) -> Any:
    """A date in the query (checked by the route: a 422 naming the parameter)."""
    return Query(description=description, json_schema_extra={"format": "date", "pattern": DAY_REGEX})


def instant_query(description: str) -> Any:
    """An RFC 3339 instant or a date in the query (checked by the route)."""
    return Query(description=description, json_schema_extra={"pattern": INSTANT_OR_DAY_REGEX})


class FieldProblem(BaseModel):
    loc: list[str | int]
    pointer: str
    field: str
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem; some carry more members (`subject`, `fault`, `line`, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    status: int
    title: str
    detail: str
    errors: list[FieldProblem] | None = None


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


ETAG = _header('The subject\'s version as a strong entity tag ("7")', pattern=r'^"\d+"$')
LOCATION = _header("The subject's path")
IDEMPOTENT_REPLAYED = _header("`true` when this answers a repeated Idempotency-Key again", enum=["true"])
RETRY_AFTER = _header("Seconds to wait before retrying", pattern=r"^\d+$")
WWW_AUTHENTICATE = _header("Bearer")


def _problem(description: str, **headers: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {"model": Problem, "description": description}
    if headers:
        answer["headers"] = {name.replace("_", "-"): header for name, header in headers.items()}
    return answer


PROBLEMS: Responses = {
    401: _problem("No valid bearer token", WWW_Authenticate=WWW_AUTHENTICATE),
    403: _problem("Outside the token's role or projects"),
    404: _problem("A subject in the path does not exist"),
    409: _problem("A lifecycle rule would be broken, or the subject exists already"),
    412: _problem("If-Match does not match the subject's version"),
    413: _problem("The body is over 1 MiB"),
    415: _problem("The body is not JSON"),
    422: _problem("Invalid fields, each named in `errors` by its path, or malformed JSON"),
    503: _problem(
        "The store is busy (an import runs, or writers raced; retry after `Retry-After` seconds), out of"
        " reach, or failing (`fault`: busy, unavailable, broken), or the read models are behind",
        Retry_After=RETRY_AFTER,
    ),
}


def problems(*codes: int) -> Responses:
    return {code: PROBLEMS[code] for code in codes}


READ_PROBLEMS = problems(401, 403, 404, 422, 503)
LIST_PROBLEMS = problems(401, 403, 422, 503)
WRITE_PROBLEMS = problems(401, 403, 404, 409, 412, 413, 415, 422, 503)


def with_headers(status: int, description: str, **headers: dict[str, Any]) -> Responses:
    """A success answer's description and the headers it carries."""
    return {
        status: {
            "description": description,
            "headers": {name.replace("_", "-"): header for name, header in headers.items()},
        }
    }
