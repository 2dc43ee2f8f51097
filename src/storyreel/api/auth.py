"""Bearer-token (or session-cookie) authentication of the API, and the loopback rule for
serving without a token.

The token is ``api.token`` (environment ``STORYREEL_API_TOKEN``). When one is configured it
is required on every route but ``/healthz`` (the OpenAPI document, ``/docs`` and ``/redoc``
included), compared in constant time. Without one the API
answers only on loopback: ``storyreel serve`` refuses another bind address, and a request
that arrived on a non-loopback interface is refused as well (a host application may bind
wherever it likes).
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from storyreel.api.dependencies import AppSettings
from storyreel.api.problems import ApiProblem
from storyreel.api.session_cookie import COOKIE_NAME, CSRF_HEADER, SAFE_METHODS, session_expiry
from storyreel.errors import ConfigError
from storyreel.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="storyreelToken",
    description="The value of STORYREEL_API_TOKEN on the server.",
)
# Documents the browser session; the cookie itself is checked by authenticate().
session_cookie = APIKeyCookie(
    name=COOKIE_NAME,
    auto_error=False,
    scheme_name="storyreelSession",
    description="The session cookie POST /v1/session gives for the token (browsers). "
    f"POST, PUT, PATCH and DELETE made with it must send the header {CSRF_HEADER}: 1.",
)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_remote_address(host: str) -> bool:
    # Only an IP literal is judged; a test transport's made-up name ("testserver") is not.
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to serve on a non-loopback ``host`` without a token (ConfigError)."""
    if is_loopback_host(host) or has_token(settings):
        return
    raise ConfigError(
        f"refusing to serve on {host} without a token: set STORYREEL_API_TOKEN (or bind 127.0.0.1)"
    )


def has_token(settings: Settings) -> bool:
    token = settings.api.token
    return token is not None and bool(token.get_secret_value())


def check_token(settings: Settings, given: str | None, server_host: str | None) -> None:
    """Raise a 401 problem unless the request may pass."""
    if not has_token(settings):
        if server_host is not None and _is_remote_address(server_host):
            raise ApiProblem(
                401,
                "this server has no STORYREEL_API_TOKEN and answers only on loopback",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return
    expected = settings.api.token.get_secret_value().encode() if settings.api.token else b""
    if given is None or not hmac.compare_digest(given.encode(), expected):
        raise ApiProblem(
            401,
            "missing or wrong bearer token: send Authorization: Bearer <STORYREEL_API_TOKEN>",
            headers={"WWW-Authenticate": "Bearer"},
        )


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(request: Request, settings: Settings) -> None:
    """Let ``request`` pass with the bearer token, or with a valid session cookie (then a
    state-changing method also needs the header ``X-Storyreel-CSRF: 1``, which a cross-site
    form cannot send); raise a 401 or 403 problem otherwise."""
    if request.method not in SAFE_METHODS:
        refuse_cross_site(request)
    given = bearer_token(request)
    if given is None and has_token(settings) and session_expiry(request, settings) is not None:
        if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
            raise ApiProblem(
                403,
                f"a {request.method} made with the session cookie must send the header "
                f"{CSRF_HEADER}: 1",
            )
        return
    server = request.scope.get("server")
    check_token(settings, given, str(server[0]) if server else None)


def refuse_cross_site(request: Request) -> None:
    """A 403 problem for a state-changing request a browser sent from another site.

    Without a token the API trusts loopback, and any page a local browser opens could post
    to it (a form or ``fetch`` needs no CORS answer to be sent); with the session cookie the
    custom header guards the same door. Browsers say where a request comes from
    (``Sec-Fetch-Site``, ``Origin``); programs such as curl or the SDKs send neither."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    foreign = site in ("cross-site", "same-site")
    if origin is not None and not foreign:
        foreign = origin == "null" or urlsplit(origin).netloc.lower() != (host or "").lower()
    if foreign:
        raise ApiProblem(403, f"a {request.method} from another site is refused")


async def require_token(
    request: Request,
    settings: AppSettings,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    cookie: str | None = Depends(session_cookie),
) -> None:
    """FastAPI dependency guarding every protected route (the token or the session cookie)."""
    authenticate(request, settings)


__all__ = [
    "authenticate",
    "bearer",
    "bearer_token",
    "check_bind",
    "check_token",
    "has_token",
    "is_loopback_host",
    "refuse_cross_site",
    "require_token",
    "session_cookie",
]
