"""The OpenAPI document and its two viewers, Swagger UI and ReDoc, behind the API token.

FastAPI's own docs routes answer anyone; storyreel's application serves these instead, so that
with ``STORYREEL_API_TOKEN`` set every route but ``/healthz`` needs the token, the docs too.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from storyreel.api.routing import GuardedRoute

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"


def _openapi_url(request: Request) -> str:
    root_path = str(request.scope.get("root_path", ""))
    return root_path.rstrip("/") + OPENAPI_PATH


def build_docs_router() -> APIRouter:
    """``/openapi.json``, ``/docs`` and ``/redoc`` of the application that includes it, each
    checking the token like every other route (a new router each call)."""
    router = APIRouter(route_class=GuardedRoute, include_in_schema=False)

    @router.get(OPENAPI_PATH)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get(DOCS_PATH)
    async def swagger_ui(request: Request) -> HTMLResponse:
        title = f"{request.app.title} - Swagger UI"
        return get_swagger_ui_html(openapi_url=_openapi_url(request), title=title)

    @router.get(REDOC_PATH)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=_openapi_url(request), title=f"{request.app.title} - ReDoc"
        )

    return router


__all__ = ["DOCS_PATH", "OPENAPI_PATH", "REDOC_PATH", "build_docs_router"]
