"""The FastAPI application: routers mounted in one place, errors mapped once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.access_log import AccessLog
from api.auth import TokenCache
from api.errors import install_error_handlers
from api.http_semantics import CsvIgnoresPaging, HeadAsGet
from api.limits import RequestLimits
from api.openapi import install_openapi, operation_id
from api.pages.site import install_pages
from api.responses import OrjsonResponse
from api.routes import exchange, health, lists, reads, registers, subjects, writes
from governance.application import Ledger
from governance.logs import configure_logging
from governance.projections.runner import ReadModels
from governance.settings import settings

DESCRIPTION = """
Risks, milestones, contract amendments and board decisions, recorded as immutable events.
Every read takes `as_of` (a date) and `known_at` (an instant): what was true on a day,
as it was known at a moment. Authenticate with `Authorization: Bearer <token>`
(tokens are made by `governance users add`). Errors are RFC 9457 problems.
"""


def create_app(ledger: Ledger | None = None) -> FastAPI:
    """The API on `ledger` (by default the store `GOVERNANCE_DATABASE_URL` names)."""
    owned = ledger is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.readmodels.start()
        yield
        app.state.health.close()
        app.state.readmodels.close()
        if owned:
            app.state.ledger.close()

    app = FastAPI(
        title="Governance ledger",
        version="0.1.0",
        description=DESCRIPTION,
        default_response_class=OrjsonResponse,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.ledger = ledger if ledger is not None else Ledger()
    app.state.readmodels = ReadModels(app.state.ledger)
    app.state.tokens = TokenCache()
    app.state.health = health.HeadProbe(app.state.ledger)
    app.add_middleware(RequestLimits)
    app.add_middleware(CsvIgnoresPaging)
    app.add_middleware(HeadAsGet)
    trusted_proxies = settings().forwarded_allow_ips.strip()
    if trusted_proxies:
        # The scheme (https: the session cookie is Secure) and client address a proxy
        # forwards are believed only from these addresses.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies)
    app.add_middleware(AccessLog)  # the outermost: it sees every answer, refusals included
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(writes.router)
    app.include_router(subjects.router)
    app.include_router(lists.router)
    app.include_router(reads.router)
    app.include_router(exchange.router)
    app.include_router(registers.router)
    install_pages(app)
    install_openapi(app)
    return app


def served_app() -> FastAPI:
    """The app `governance serve` runs, in each worker process: logging as the settings
    say, then the API on the configured store."""
    configure_logging(settings())
    return create_app()
