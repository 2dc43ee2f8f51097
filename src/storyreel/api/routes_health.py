"""``/healthz`` (the process answers) and ``/readyz`` (configuration valid, job store writable)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from typing import Literal

from fastapi import Depends
from pydantic import BaseModel
from starlette.responses import JSONResponse

from storyreel.api.auth import require_token
from storyreel.api.dependencies import AppJobStore, AppSettings
from storyreel.api.routing import ProblemRoute, problem_router
from storyreel.errors import ConfigError, StoryreelError
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

# /healthz answers without a token (a load balancer has none); everything else needs it.
health_router = problem_router(tags=["health"], route_class=ProblemRoute)
ready_router = problem_router(401, tags=["health"], dependencies=[Depends(require_token)])


class Health(BaseModel):
    """The process is up."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Each check is ``ok`` or says what is wrong."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str]


@health_router.get("/healthz", response_model=Health, summary="The process answers")
async def healthz() -> Health:
    """Always ``ok`` while the process serves requests; needs no token."""
    return Health()


@ready_router.get(
    "/readyz",
    response_model=Readiness,
    summary="Configuration valid, job store intact, output folder writable",
    responses={503: {"model": Readiness, "description": "Not ready"}},
)
async def readyz(
    settings: AppSettings,
    store: AppJobStore,
) -> JSONResponse:
    """``ready`` when the configuration is complete and the job store can be read and its
    folder written; otherwise 503 with the failing check."""
    checks = {
        "config": _config_check(settings),
        "job_store": await asyncio.to_thread(_store_check, store, settings),
    }
    ready = all(value == "ok" for value in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


def _config_check(settings: Settings) -> str:
    missing = settings.missing_credentials()
    return "ok" if not missing else "; ".join(missing)


def _store_check(store: Callable[[], JobStore], settings: Settings) -> str:
    try:
        store().check()
    except StoryreelError as exc:
        logger.warning("readiness: job store check failed: %s", exc)
        cannot_open = isinstance(exc, ConfigError)
        return f"not writable: {type(exc).__name__}" if cannot_open else f"failing: {exc}"
    try:
        settings.output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=settings.output_dir, prefix=".readyz-"):
            pass
    except OSError as exc:
        logger.warning("readiness: output folder check failed: %s", exc)
        return f"not writable: {type(exc).__name__}"
    return "ok"
