"""`/docs` and `/redoc` without any other host: Swagger UI and ReDoc from the installed
`fastapi-offline` package, started by a script of our own (no inline script, so the pages
keep a strict Content-Security-Policy)."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.pages.frame import SECURITY_HEADERS

ASSETS_PATH = "/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; form-action 'self';"
    " base-uri 'none'; frame-ancestors 'none'"
)
"""ReDoc writes its styles into the page at run time, hence `'unsafe-inline'` for styles
(never for scripts)."""

router = APIRouter(include_in_schema=False)

SWAGGER = f"""<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Styringsloggen – API (Swagger UI)</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" href="{ASSETS_PATH}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""

REDOC = f"""<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Styringsloggen – API (ReDoc)</title>
<link rel="icon" href="{ASSETS_PATH}/favicon.png">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="{ASSETS_PATH}/redoc.standalone.js"></script>
</body>
</html>
"""


def _headers() -> dict[str, str]:
    return {"Content-Security-Policy": DOCS_POLICY, **SECURITY_HEADERS}


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(SWAGGER, headers=_headers())


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return HTMLResponse(REDOC, headers=_headers())
