"""CSV answers (DOMAIN.md §6a): chosen by the `Accept` header, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from governance.csvformat import Column, lines

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "A page; with `Accept: text/csv`, every item of the filter as CSV (RFC 4180), streamed",
    }
}


def preferred_media_type(accept: str) -> str | None:
    """The media type an `Accept` header prefers most (the first of the highest q)."""
    best: tuple[float, str] | None = None
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, media.lower())
    return best[1] if best else None


def wants_csv(request: Request) -> bool:
    return preferred_media_type(request.headers.get("accept", "")) == "text/csv"


def csv_response(
    columns: Sequence[Column], items: Iterable[dict[str, Any]], *, prefix: str = ""
) -> StreamingResponse:
    """Every item as a CSV row, streamed; `prefix` goes first (a page download's byte-order mark)."""

    def chunks() -> Iterable[bytes]:
        if prefix:
            yield prefix.encode("utf-8")
        for text in lines(columns, items):
            yield text.encode("utf-8")

    return StreamingResponse(chunks(), media_type=CSV_MEDIA_TYPE)
