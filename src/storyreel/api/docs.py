"""The OpenAPI document and its two viewers, Swagger UI and ReDoc, behind the API token.

FastAPI's own docs routes answer anyone; storyreel's application serves these instead, so that
with ``STORYREEL_API_TOKEN`` set every route but ``/healthz`` needs the token, the docs too.
Their scripts, styles and icon come from the ``fastapi-offline`` package, served here under
``/docs/assets/``: the docs work with no network (FastAPI's defaults load them from a CDN).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse

from storyreel.api.problems import not_found
from storyreel.api.routing import GuardedRoute

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
# Swagger UI would otherwise send the document to validator.swagger.io for a badge.
_SWAGGER_PARAMETERS = {"validatorUrl": None}


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _openapi_url(request: Request) -> str:
    return _root(request) + OPENAPI_PATH


def _asset(request: Request, name: str) -> str:
    return f"{_root(request)}{ASSETS_PATH}/{name}"


def build_docs_router() -> APIRouter:
    """``/openapi.json``, ``/docs`` and ``/redoc`` of the application that includes it, each
    checking the token like every other route (a new router each call)."""
    router = APIRouter(route_class=GuardedRoute, include_in_schema=False)

    @router.get(OPENAPI_PATH)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get(DOCS_PATH)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=_openapi_url(request),
            title=f"{request.app.title} - Swagger UI",
            swagger_js_url=_asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=_asset(request, "swagger-ui.css"),
            swagger_favicon_url=_asset(request, "favicon.png"),
            swagger_ui_parameters=_SWAGGER_PARAMETERS,
        )

    @router.get(REDOC_PATH)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=_openapi_url(request),
            title=f"{request.app.title} - ReDoc",
            redoc_js_url=_asset(request, "redoc.standalone.js"),
            redoc_favicon_url=_asset(request, "favicon.png"),
            with_google_fonts=False,
        )

    @router.get(ASSETS_PATH + "/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise not_found(f"there is no docs asset {name!r}")
        return FileResponse(
            _ASSETS_DIR / name,
            media_type=ASSETS[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router


__all__ = ["ASSETS_PATH", "DOCS_PATH", "OPENAPI_PATH", "REDOC_PATH", "build_docs_router"]
