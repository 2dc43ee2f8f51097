"""The browser session: a signed, expiring cookie given in exchange for the API token.

A browser cannot put a bearer token on ``<video src>`` or on an ``EventSource``; it sends a
cookie. The cookie holds only an expiry and a random nonce, signed with HMAC-SHA256 under a
key derived from the server secret and the API token, so that changing either ends every
session. The secret is ``api.session_secret`` (environment
``STORYREEL_API__SESSION_SECRET``), or else a random key made once and kept, readable by
its owner only, in the output folder, where restarts and other servers sharing the folder
find it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from storyreel.errors import ConfigError
from storyreel.settings import Settings

COOKIE_NAME = "storyreel_session"
CSRF_HEADER = "X-Storyreel-CSRF"
KEY_FILENAME = ".storyreel-session-key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_VERSION = "v1"


@functools.lru_cache(maxsize=32)
def _kept_secret(folder: Path) -> bytes:
    path = folder / KEY_FILENAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Created exclusively and owner-only; a server that loses the race reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(
            f"cannot keep the session key in {folder}: {exc.strerror}; "
            "set STORYREEL_API__SESSION_SECRET or make output_dir writable"
        ) from None
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    for _ in range(50):  # another process may be between creating and writing it
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the session key {path}: {exc.strerror}") from None
        if text:
            return text.encode()
        time.sleep(0.01)
    raise ConfigError(f"the session key {path} is empty: delete it and start again")


def session_key(settings: Settings) -> bytes:
    """The signing key of this server's session cookies."""
    secret = settings.api.session_secret
    if secret is not None and secret.get_secret_value():
        base = secret.get_secret_value().encode()
    else:
        base = _kept_secret(settings.output_dir.resolve())
    token = settings.api.token.get_secret_value().encode() if settings.api.token else b""
    return hmac.new(base, b"storyreel-session\x00" + token, hashlib.sha256).digest()


def _signature(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(key: bytes, max_age_s: int, *, now: float | None = None) -> str:
    """A new cookie value, valid for ``max_age_s`` seconds."""
    expires = int((time.time() if now is None else now) + max_age_s)
    body = f"{_VERSION}.{expires}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_signature(key, body)}"


def expiry(key: bytes, value: str, *, now: float | None = None) -> int | None:
    """When the cookie ``value`` expires (Unix time), or None when it is not one this key
    signed, or has expired."""
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != _VERSION or not parts[1].isdigit():
        return None
    body = ".".join(parts[:3])
    # Compared as bytes: a cookie may carry any Latin-1 character, and compare_digest
    # refuses str with non-ASCII ones.
    given = parts[3].encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(_signature(key, body).encode(), given):
        return None
    expires = int(parts[1])
    return expires if expires > (time.time() if now is None else now) else None


def max_age_s(settings: Settings) -> int:
    return max(1, int(settings.api.session_hours * 3600))


def session_expiry(request: Request, settings: Settings) -> int | None:
    """When the valid session cookie of ``request`` expires; None without one."""
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    return expiry(session_key(settings), value)


def set_session(response: Response, request: Request, settings: Settings) -> None:
    """Give the caller a new session cookie."""
    age = max_age_s(settings)
    response.set_cookie(
        COOKIE_NAME,
        issue(session_key(settings), age),
        max_age=age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


__all__ = [
    "COOKIE_NAME",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "clear_session",
    "expiry",
    "issue",
    "session_expiry",
    "session_key",
    "set_session",
]
