"""Signing in with a bearer token and out again (DOMAIN.md §9).

The token travels only in the body of a POST (the password field `token`), never in a
URL; the form carries an anti-forgery value that must match a cookie set with the form.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.pages.frame import page, page_headers
from api.pages.sessions import (
    HOME,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    Sessions,
    safe_next,
    set_cookie,
)

router = APIRouter(include_in_schema=False)


def _form(
    request: Request, *, next_path: str, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    value = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        None,
        "sign_in.html",
        title="Logg inn",
        status_code=status_code,
        csrf_value=value,
        next_path=next_path,
        error=error,
    )
    set_cookie(response, request, SIGN_IN_COOKIE, value)
    return response


@router.get("/ui/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _form(request, next_path=safe_next(next))


@router.post("/ui/sign-in")
def sign_in(
    request: Request,
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    target = safe_next(next)
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return _form(
            request,
            next_path=target,
            status_code=403,
            error="Skjemaet kunne ikke bekreftes (det var utløpt eller kom fra et annet sted). Prøv igjen.",
        )
    started = Sessions(request.app.state.ledger).start(token.strip()) if token.strip() else None
    if started is None:
        return _form(request, next_path=target, status_code=401, error="Nøkkelen er ikke gyldig.")
    session_id, _ = started
    response = RedirectResponse(target, status_code=303, headers=page_headers())
    set_cookie(response, request, SESSION_COOKIE, session_id)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


def _signed_out(request: Request) -> Response:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        Sessions(request.app.state.ledger).end(session_id)
    response = page(request, None, "signed_out.html", title="Logget ut")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.post("/ui/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    """Ends the session; the form carries the session's anti-forgery value."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        session = Sessions(request.app.state.ledger).find(session_id)
        if session is not None and not session.accepts(csrf):
            return page(
                request,
                session,
                "message.html",
                title="Ikke logget ut",
                status_code=403,
                message="Skjemaet kunne ikke bekreftes. Bruk knappen «Logg ut» øverst på siden.",
            )
    return _signed_out(request)


@router.get("/ui/sign-out")
def sign_out_link(request: Request) -> Response:
    """Following the address ends the session too: the session cookie is SameSite=Strict,
    so no other site can make a browser send it here."""
    return _signed_out(request)


def sign_in_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/ui/sign-in?next={quote(next_path, safe='/')}", status_code=303)
