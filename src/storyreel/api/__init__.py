"""storyreel's HTTP API: ``create_app(container)`` for an application of its own, or
``build_router()`` (with :func:`attach` and :func:`storyreel_lifespan`) to mount it in a host
app.

The names load on first use, so that importing ``storyreel.api`` does not import FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter

    from storyreel.api.app import (
        attach,
        create_app,
        install_problem_handlers,
        storyreel_lifespan,
    )

__all__ = ["attach", "build_router", "create_app", "install_problem_handlers", "storyreel_lifespan"]


def build_router() -> APIRouter:
    """storyreel's routes, a new router each call: health, writing, uploads, media, and the
    studio page at ``/studio/``."""
    from fastapi import APIRouter, Depends

    from storyreel.api.auth import require_token
    from storyreel.api.routes_estimates import estimate_router
    from storyreel.api.routes_events import events_router
    from storyreel.api.routes_health import health_router, ready_router
    from storyreel.api.routes_media import media_router
    from storyreel.api.routes_metrics import metrics_router
    from storyreel.api.routes_music import music_router
    from storyreel.api.routes_reel import reel_router
    from storyreel.api.routes_session import session_router
    from storyreel.api.routes_studio import build_studio_router
    from storyreel.api.routes_writing import upload_router, writing_router

    root = APIRouter()
    root.include_router(health_router)
    root.include_router(ready_router)
    root.include_router(metrics_router)
    # Open without the token: it is where a browser exchanges the token for a cookie.
    root.include_router(session_router, prefix="/v1")
    root.include_router(build_studio_router())
    for part in (
        writing_router,
        upload_router,
        media_router,
        reel_router,
        estimate_router,
        music_router,
        events_router,
    ):
        root.include_router(part, prefix="/v1", dependencies=[Depends(require_token)])
    return root


def __getattr__(name: str) -> Any:
    if name == "router":  # the name earlier releases documented; a new router each time
        return build_router()
    if name in __all__:
        from storyreel.api import app

        return getattr(app, name)
    raise AttributeError(f"module 'storyreel.api' has no attribute {name!r}")
