"""The studio: a static page (HTML, CSS, JavaScript modules shipped in the package, no build
step, nothing from another site) that makes and watches videos through the API.

The page itself holds no data and carries no secret, so it answers without the token: with
``STORYREEL_API_TOKEN`` set it shows a login form and everything it then reads goes through
the API's own checks. ``/studio/`` serves it wherever storyreel's router is mounted (a host's
``/media/studio/``), and storyreel's own application (``storyreel serve``) at ``/`` too.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from storyreel.api.problems import not_found
from storyreel.api.routing import ProblemRoute

STUDIO_PATH = "/studio/"
_ASSET_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Everything the page loads comes from this server; media and images from the API's routes.
_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
    "connect-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# The page's own files: a flat folder of lower-case names (never a path, never the page).
_ASSET_NAME = re.compile(r"[a-z][a-z0-9-]*\.(js|css|svg)")


@cache
def asset(name: str) -> bytes | None:
    """The bytes of one of the page's files, or None when there is no such file."""
    found = resources.files("storyreel.api").joinpath("studio", name)
    return found.read_bytes() if found.is_file() else None


def page(base: str) -> str:
    """The page, its links and the API's address rooted at ``base`` (where storyreel's
    routes are: ``""`` for ``storyreel serve``, ``/media`` under a host's prefix)."""
    text = (asset("index.html") or b"").decode("utf-8")
    return text.replace("{{base}}", html.escape(base, quote=True))


def _base_of(request: Request, suffix: str) -> str:
    # The path as requested ends with the route's own path; what comes before it is where
    # the router is mounted (the host's prefix and the application's root_path).
    path = request.url.path
    return path[: len(path) - len(suffix)] if path.endswith(suffix) else ""


def _page_response(request: Request, suffix: str) -> Response:
    headers = {**_HEADERS, "Content-Security-Policy": _POLICY}
    return Response(page(_base_of(request, suffix)), media_type="text/html", headers=headers)


def build_studio_router() -> APIRouter:
    """``/studio/`` and its files, wherever storyreel's router is mounted (a new router each
    call)."""
    router = APIRouter(route_class=ProblemRoute, include_in_schema=False)

    @router.get(STUDIO_PATH)
    async def studio(request: Request) -> Response:
        return _page_response(request, STUDIO_PATH)

    @router.get(STUDIO_PATH.rstrip("/"))
    async def studio_slash(request: Request) -> RedirectResponse:
        return RedirectResponse(request.url.path + "/", status_code=308)

    @router.get(STUDIO_PATH + "{name}")
    async def studio_file(name: str) -> Response:
        data = asset(name) if _ASSET_NAME.fullmatch(name) else None
        if data is None:
            raise not_found(f"the studio has no file {name!r}")
        kind = _ASSET_TYPES[name[name.rindex(".") :]]
        return Response(data, media_type=kind, headers=_HEADERS)

    return router


def build_home_router() -> APIRouter:
    """The page at ``/``, for an application of storyreel's own (a host keeps its ``/``)."""
    router = APIRouter(route_class=ProblemRoute, include_in_schema=False)

    @router.get("/")
    async def home(request: Request) -> Response:
        return _page_response(request, "/")

    return router


__all__ = ["STUDIO_PATH", "asset", "build_home_router", "build_studio_router", "page"]
