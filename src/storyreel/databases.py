"""Reaching the servers of a setup past one machine (PostgreSQL, Redis): their URLs as they
may be shown, and PostgreSQL connections whose failures read as one line without a password.

psycopg is imported when a connection is first made, so that a setup that never names a
database never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from storyreel.errors import ConfigError, StoryreelError

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgresql", "postgres")
# How long a connection attempt may take before the server counts as unreachable.
CONNECT_TIMEOUT_S = 10


class DatabaseUnavailable(StoryreelError):
    """The database refused or could not be reached; the message names it without its
    password and says whether trying again may help."""

    exit_code = 69  # EX_UNAVAILABLE


def without_password(url: str) -> str:
    """``url`` as it may be shown: any password replaced by ``***`` (and nothing else
    changed), so that errors and logs name the server and the user but never the secret."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in POSTGRES_SCHEMES


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError(
            "jobs.store_url names a PostgreSQL database, and the psycopg package is not "
            "installed: pip install 'storyreel[workers]'"
        ) from None
    return psycopg


def connect_postgres(
    url: str, *, what: str = "the job store", **options: Any
) -> psycopg.Connection[Any]:
    """A new connection to ``url``; :class:`DatabaseUnavailable` (one line, no password)
    when the server cannot be reached or refuses the login."""
    driver = _psycopg()
    try:
        connection: psycopg.Connection[Any] = driver.connect(
            url, connect_timeout=CONNECT_TIMEOUT_S, **options
        )
    except driver.OperationalError as exc:
        raise DatabaseUnavailable(postgres_trouble(url, exc, what=what)) from None
    return connection


def postgres_trouble(url: str, exc: BaseException, *, what: str) -> str:
    """One line saying why ``what`` at ``url`` failed, without the password, the server's
    own words squeezed onto that line."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    secret = urlsplit(url).password if "://" in url else None
    if secret:
        detail = detail.replace(secret, "***")
    lowered = detail.lower()
    if "password authentication failed" in lowered or "authentication failed" in lowered:
        hint = "the user name or password is wrong; a retry will not help"
    elif "does not exist" in lowered:
        hint = "the database or user does not exist; a retry will not help"
    else:
        hint = "is the server running and reachable? a retry may help once it is"
    return f"cannot reach {what} at {without_password(url)}: {detail} ({hint})"


__all__ = [
    "CONNECT_TIMEOUT_S",
    "DatabaseUnavailable",
    "connect_postgres",
    "is_postgres_url",
    "postgres_trouble",
    "without_password",
]
