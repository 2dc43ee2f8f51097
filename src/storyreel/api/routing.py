"""A route class that turns every error of a request into a problem document.

Carried by storyreel's routers themselves, so that a host application that mounts them gets
the same ``application/problem+json`` errors without installing any handler of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from storyreel.api.problems import problem_response, problem_responses

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ProblemRoute(APIRoute):
    """An APIRoute whose errors (validation, auth, storyreel's own, unexpected) become
    RFC 9457 responses instead of propagating to the application."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every failure becomes a problem document
                return problem_response(exc, request)

        return handle


def problem_router(*statuses: int, **kwargs: Any) -> APIRouter:
    """An APIRouter using :class:`ProblemRoute` whose routes document ``statuses`` (plus
    400 and 422: a body that cannot be read, or values that are refused) as problems."""
    responses = problem_responses(400, 422, *statuses)
    responses.update(kwargs.pop("responses", {}))
    kwargs.setdefault("route_class", ProblemRoute)
    return APIRouter(responses=responses, **kwargs)
