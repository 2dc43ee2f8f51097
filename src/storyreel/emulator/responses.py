"""Response helpers: compact JSON, both providers' error shapes, and dropped connections."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from storyreel.emulator.connections import ConnectionRegistry

logger = logging.getLogger(__name__)

_GOOGLE_STATUS: Final = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type="application/json")


def _retry_headers(retry_after_s: float | None) -> dict[str, str] | None:
    if retry_after_s is None:
        return None
    # HTTP specifies whole seconds; fractions keep fast tests fast, and the SDKs accept them.
    text = str(int(retry_after_s)) if retry_after_s == int(retry_after_s) else f"{retry_after_s:g}"
    return {"Retry-After": text}


def openai_error(
    status: int,
    message: str,
    *,
    retry_after_s: float | None = None,
    provider_name: str | None = None,
    raw: Any = None,
) -> Response:
    """An error in OpenRouter's shape, ``{"error": {"code", "message", "metadata"}}`` with the
    HTTP status as the numeric ``code``, which the OpenAI SDK parses into
    ``APIStatusError.body``. An error of the upstream provider names it in
    ``metadata.provider_name`` and carries its own body in ``metadata.raw``."""
    return json_response(
        {"error": error_object(status, message, provider_name=provider_name, raw=raw)},
        status,
        _retry_headers(retry_after_s),
    )


def error_object(
    code: int, message: str, *, provider_name: str | None = None, raw: Any = None
) -> dict[str, Any]:
    """OpenRouter's error object, as sent in an error response or inside a 200 reply."""
    error: dict[str, Any] = {"code": code, "message": message}
    if provider_name is not None:
        error["metadata"] = {"provider_name": provider_name, "raw": raw}
    return error


def google_error(status: int, message: str, *, retry_after_s: float | None = None) -> Response:
    """An error in Google's ``{"error": {"code", "message", "status"}}`` shape."""
    fallback = "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": _GOOGLE_STATUS.get(status, fallback),
        }
    }
    return json_response(body, status, _retry_headers(retry_after_s))


def malformed(truncate_from: Any | None = None) -> Response:
    """A 200 whose body does not parse: truncated JSON if given a document, else HTML."""
    if truncate_from is None:
        body = b"<html><body>upstream proxy error</body></html>"
    else:
        encoded = dumps(truncate_from)
        body = encoded[: max(1, len(encoded) // 2)]
    return Response(body, status_code=200, media_type="application/json")


class ConnectionDroppedError(RuntimeError):
    """Raised where the connection could not be closed from inside the app."""


class _Silence(Response):
    """Sends nothing: the connection is already closed."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


async def drop_connection(request: Request, registry: ConnectionRegistry) -> Response:
    """Close this request's connection without any response bytes.

    Under the emulator's own server the transport is closed directly; waiting
    for ``http.disconnect`` afterwards lets uvicorn see the closed connection
    before the app returns, so it does not try to send a 500. Elsewhere (an
    in-process ASGI transport, a foreign server) the best available is to fail
    the request with an exception.
    """
    if not registry.close(request.scope.get("client")):
        raise ConnectionDroppedError("dropped after accept (no transport hook on this server)")
    try:
        async with asyncio.timeout(2.0):
            while (await request.receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        logger.warning("connection closed but uvicorn reported no disconnect")
    return _Silence()
