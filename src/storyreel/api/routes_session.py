"""``/v1/session``: a browser exchanges the API token for a session cookie, and gives it back."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from storyreel.api.auth import bearer_token, check_token, has_token
from storyreel.api.dependencies import AppSettings, app_container
from storyreel.api.problems import ApiProblem, problem_responses
from storyreel.api.routing import GuardedRoute, capped, problem_router
from storyreel.api.session_cookie import (
    CSRF_HEADER,
    clear_session,
    session_expiry,
    set_session,
)
from storyreel.domain.timestamps import UtcTimestamp
from storyreel.settings import Settings


class SessionRoute(GuardedRoute):
    """Open without the token (logging in is how a browser gets a session), but still only
    on loopback when no token is configured, and with the JSON body limit."""

    def admit(self, request: Request) -> Request:
        settings: Settings = app_container(request).config()
        if not has_token(settings):
            server = request.scope.get("server")
            check_token(settings, None, str(server[0]) if server else None)
        return capped(request, self.body_limit(settings))


session_router = problem_router(401, 403, tags=["session"], route_class=SessionRoute)


class Login(BaseModel):
    """The API token, typed by the user once."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=1000)]


class SessionState(BaseModel):
    """Whether this server needs the token, and how (if at all) the caller is let in."""

    token_required: bool
    authenticated: bool
    via: Literal["bearer", "cookie", "loopback"] | None
    expires_at: UtcTimestamp | None = None


@session_router.get("/session", response_model=SessionState, summary="The caller's session")
def get_session(request: Request, settings: AppSettings) -> SessionState:
    """Whether a token is needed, and whether the caller has one (bearer or cookie)."""
    if not has_token(settings):
        return SessionState(token_required=False, authenticated=True, via="loopback")
    given = bearer_token(request)
    if given is not None:
        try:
            check_token(settings, given, None)
        except ApiProblem:
            return SessionState(token_required=True, authenticated=False, via=None)
        return SessionState(token_required=True, authenticated=True, via="bearer")
    expires = session_expiry(request, settings)
    if expires is None:
        return SessionState(token_required=True, authenticated=False, via=None)
    when = datetime.fromtimestamp(expires, UTC)
    return SessionState(token_required=True, authenticated=True, via="cookie", expires_at=when)


@session_router.post(
    "/session",
    status_code=204,
    response_class=Response,
    summary="Log a browser in",
    responses={204: {"description": "Logged in: the session cookie is set."}},
)
def post_session(body: Login, request: Request, settings: AppSettings) -> Response:
    """Exchange the token for an HttpOnly, SameSite=Strict session cookie that expires
    after ``api.session_hours``; 401 for a wrong token. Without a token configured there is
    nothing to log in to (loopback only) and no cookie is set."""
    response = Response(status_code=204)
    if not has_token(settings):
        return response
    expected = settings.api.token.get_secret_value() if settings.api.token else ""
    if not hmac.compare_digest(body.token.encode(), expected.encode()):
        raise ApiProblem(401, "wrong token: give the value of STORYREEL_API_TOKEN on the server")
    set_session(response, request, settings)
    return response


@session_router.delete(
    "/session",
    status_code=204,
    response_class=Response,
    summary="Log a browser out",
    responses={**problem_responses(403), 204: {"description": "The session cookie is cleared."}},
)
def delete_session(request: Request, settings: AppSettings) -> Response:
    """Clear the session cookie. With a valid cookie the request must send the header
    ``X-Storyreel-CSRF: 1``, as every state-changing request made with it."""
    live = has_token(settings) and session_expiry(request, settings) is not None
    if live and request.headers.get(CSRF_HEADER) != "1":
        raise ApiProblem(403, f"a DELETE made with the session cookie must send {CSRF_HEADER}: 1")
    response = Response(status_code=204)
    clear_session(response, request)
    return response


__all__ = ["Login", "SessionState", "session_router"]
