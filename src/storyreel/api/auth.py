"""Bearer-token authentication of the API, and the loopback rule for serving without a token.

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

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from storyreel.api.dependencies import AppSettings
from storyreel.api.problems import ApiProblem
from storyreel.errors import ConfigError
from storyreel.settings import Settings

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="storyreelToken",
    description="The value of STORYREEL_API_TOKEN on the server.",
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


async def require_token(
    request: Request,
    settings: AppSettings,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> None:
    """FastAPI dependency guarding every protected route."""
    server = request.scope.get("server")
    server_host = str(server[0]) if server else None
    check_token(settings, credentials.credentials if credentials else None, server_host)


__all__ = ["bearer", "check_bind", "check_token", "has_token", "is_loopback_host", "require_token"]
