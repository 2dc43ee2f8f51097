"""Route classes that admit a request before its body is read, and answer every error with a
problem document.

Carried by storyreel's routers themselves, so that a host application that mounts them gets
the same token check, body limits and ``application/problem+json`` errors without installing
anything of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from storyreel.api.auth import authenticate
from storyreel.api.dependencies import app_container
from storyreel.api.problems import ApiProblem, problem_response, problem_responses
from storyreel.settings import Settings

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ProblemRoute(APIRoute):
    """An APIRoute whose errors (validation, auth, storyreel's own, unexpected) become
    RFC 9457 responses instead of propagating to the application."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(self.admit(request))
            except Exception as exc:  # every failure becomes a problem document
                return problem_response(exc, request)

        return handle

    def admit(self, request: Request) -> Request:
        """The request as the handler may read it; raise to refuse it unread."""
        return request


class GuardedRoute(ProblemRoute):
    """A :class:`ProblemRoute` that checks the token (or session cookie) before any of the
    body is read (FastAPI parses a body before it runs a route's dependencies) and refuses a
    body larger than ``api.max_body_kb``, declared or streamed in chunks, with 413."""

    def admit(self, request: Request) -> Request:
        settings: Settings = app_container(request).config()
        authenticate(request, settings)
        return capped(request, self.body_limit(settings))

    def body_limit(self, settings: Settings) -> tuple[int, str]:
        """The largest body accepted, in bytes, and the setting that says so."""
        return settings.api.max_body_kb * 1024, f"{settings.api.max_body_kb} kB (api.max_body_kb)"


def capped(request: Request, limit: tuple[int, str]) -> Request:
    """``request`` whose body may not exceed ``limit`` bytes: a larger declared length is
    refused at once, a longer stream as soon as it passes the limit."""
    most, named = limit

    def too_large() -> ApiProblem:
        return ApiProblem(413, f"the request body is larger than {named}")

    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > most:
        raise too_large()
    seen = 0
    receive = request.receive

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > most:
                raise too_large()
        return message

    return Request(request.scope, counting)


def problem_router(*statuses: int, **kwargs: Any) -> APIRouter:
    """An APIRouter of :class:`GuardedRoute` (unless ``route_class`` says otherwise) whose
    routes document ``statuses`` (plus 400, 415 and 422: a body that is not JSON, one sent
    under another content type, or values that are refused) as problems."""
    responses = problem_responses(400, 415, 422, *statuses)
    responses.update(kwargs.pop("responses", {}))
    kwargs.setdefault("route_class", GuardedRoute)
    return APIRouter(responses=responses, **kwargs)
