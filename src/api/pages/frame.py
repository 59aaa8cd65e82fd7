"""What every page shares: the site's frame (who is signed in, the menu, the anti-forgery
value), the reading time its pickers give, and the headers that lock it down — a strict
Content-Security-Policy that allows the ledger's own script and stylesheet, and an inline
style only by its hash."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.pages.sessions import PageSession
from governance.application import Ledger
from governance.reports import formatting, labels
from governance.reports.rendering import render
from governance.timemodel import (
    OSLO,
    Tertial,
    TimeFormatError,
    oslo_day,
    parse_as_of,
    parse_known_at,
)

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_PICKER = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?\Z", re.ASCII)


def page_headers(style_hashes: Iterable[str] = ()) -> dict[str, str]:
    styles = "".join(f" {value}" for value in style_hashes)
    return {"Content-Security-Policy": PAGE_POLICY.format(styles=styles), **SECURITY_HEADERS}


class BadPageParameter(Exception):
    """A picker or filter whose value the page cannot read: the page says which, in words."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def read_instant(name: str, text: str | None, now: datetime) -> datetime:
    """`known_at` as a page takes it: a picker's `YYYY-MM-DDTHH:MM` in Oslo time, or any
    form the API takes (an RFC 3339 instant, or a day meaning its end); absent is now."""
    if text is not None and (match := _PICKER.match(text)):
        try:
            year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
            local = datetime(year, month, day, hour, minute, second, tzinfo=OSLO)
            return min(local.astimezone(now.tzinfo), now)
        except ValueError as error:
            raise BadPageParameter(name, f"er ikke et gyldig tidspunkt ({error})") from None
        except OverflowError:
            # Before the first hour of year 1 in UTC: before every event.
            return datetime.min.replace(tzinfo=now.tzinfo)
    try:
        return parse_known_at(text, now)
    except TimeFormatError:
        raise BadPageParameter(
            name, "må være et tidspunkt (ÅÅÅÅ-MM-DDTTT:MM, Oslo-tid) eller en dato (ÅÅÅÅ-MM-DD)"
        ) from None


def read_day(name: str, text: str | None, now: datetime) -> date:
    try:
        return parse_as_of(text, now)
    except TimeFormatError:
        raise BadPageParameter(name, "må være en dato (ÅÅÅÅ-MM-DD)") from None


@dataclass(frozen=True)
class Reading:
    """The reading a page shows: `as_of`, `known_at`, and whether `known_at` is now."""

    as_of: date
    known_at: datetime
    is_now: bool

    @property
    def cut(self) -> datetime | None:
        return None if self.is_now else self.known_at


def reading(ledger: Ledger, as_of: str | None, known_at: str | None) -> Reading:
    now = ledger.clock()
    moment = read_instant("known_at", known_at or None, now)
    return Reading(read_day("as_of", as_of or None, now), moment, moment >= now)


def latest_tertial(ledger: Ledger) -> Tertial:
    """The last tertial that has ended: the one a board reports on now."""
    current = Tertial.containing(oslo_day(ledger.clock()))
    return current.previous or current


def page(
    request: Request,
    session: PageSession | None,
    template: str,
    *,
    title: str,
    section: str = "",
    status_code: int = 200,
    style_hashes: Iterable[str] = (),
    **values: Any,
) -> HTMLResponse:
    """A page inside the site's frame, with its security headers."""
    frame: dict[str, Any] = {"title": title, "section": section}
    if session is not None:
        frame |= {
            "user_name": session.user.name,
            "role_word": labels.label(session.user.role, "role"),
            "csrf": session.csrf,
            "can_read_log": session.reads_log,
            "current_tertial": str(latest_tertial(request.app.state.ledger)),
        }
    html = render(template, layout="page.html", fmt=formatting, **frame, **values)
    return HTMLResponse(html, status_code=status_code, headers=page_headers(style_hashes))


def page_frame(request: Request, session: PageSession, *, title: str, section: str) -> dict[str, Any]:
    """The frame's values for a template rendered elsewhere (the tertial report)."""
    return {
        "title": title,
        "section": section,
        "user_name": session.user.name,
        "role_word": labels.label(session.user.role, "role"),
        "csrf": session.csrf,
        "can_read_log": session.reads_log,
        "current_tertial": str(latest_tertial(request.app.state.ledger)),
    }
