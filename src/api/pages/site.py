"""The pages mounted on the API app: their routes, their static files (package data), and
what a page answers when it cannot show what was asked — in words, as a page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from api.pages import docs, registers, signin, views
from api.pages.frame import BadPageParameter, page
from api.pages.sessions import SESSION_COOKIE, PageForbidden, SignInRequired
from governance.reports.rendering import static_dir


class StaticAssets(StaticFiles):
    """Static files with the headers every response of the pages carries."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticAssets(directory=static_dir()), name="static")
    app.mount(docs.ASSETS_PATH, StaticAssets(directory=docs.ASSETS_DIR), name="docs-assets")
    app.include_router(docs.router)
    app.include_router(signin.router)
    app.include_router(views.router)
    app.include_router(registers.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_: Request, error: SignInRequired) -> RedirectResponse:
        response = signin.sign_in_redirect(error.next_path)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, error: PageForbidden) -> HTMLResponse:
        return page(
            request,
            error.session,
            "message.html",
            title="Ikke tilgang",
            status_code=403,
            message=error.message,
        )

    @app.exception_handler(views.PageNotFound)
    async def _not_found(request: Request, error: views.PageNotFound) -> HTMLResponse:
        return page(
            request, None, "message.html", title="Finnes ikke", status_code=404, message=error.message
        )

    @app.exception_handler(BadPageParameter)
    async def _bad_parameter(request: Request, error: BadPageParameter) -> HTMLResponse:
        return page(
            request,
            None,
            "message.html",
            title="Ugyldig verdi",
            status_code=422,
            message=f"Feltet «{error.name}» {error.message}.",
        )
