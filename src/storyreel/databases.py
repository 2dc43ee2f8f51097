"""Reaching the servers of a setup past one machine (PostgreSQL, Redis): their URLs as they
may be shown, and PostgreSQL connections whose failures read as one line without a password.

psycopg is imported when a connection is first made, so that a setup that never names a
database never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


# Query parameters that libpq and redis-py read a password from.
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})


def url_secrets(url: str) -> list[str]:
    """The passwords ``url`` carries: in its user part, and in ``password=`` (or
    ``sslpassword=``) query parameters."""
    try:
        parts = urlsplit(url)
        found = [parts.password] if parts.password else []
    except ValueError:
        return []
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    return found + [value for key, value in pairs if key.lower() in _SECRET_PARAMETERS and value]


def without_password(url: str) -> str:
    """``url`` as it may be shown: any password (in the user part or a query parameter)
    replaced by ``***`` and nothing else changed, so that errors and logs name the server and
    the user but never the secret."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unreadable URL>"
    if not url_secrets(url) and password is None:
        return url  # unchanged, to the letter (urlunsplit would drop an empty host)
    if password is not None:
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{user}:***@{host}")
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        hidden = [(k, "***" if k.lower() in _SECRET_PARAMETERS else v) for k, v in pairs]
        parts = parts._replace(query=urlencode(hidden, safe="*"))
    return urlunsplit(parts)


def one_line(exc: BaseException, url: str) -> str:
    """What ``exc`` says, squeezed onto one line, with every password of ``url`` masked."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    for secret in url_secrets(url):
        detail = detail.replace(secret, "***")
    return detail


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
    detail = one_line(exc, url)
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
    "one_line",
    "postgres_trouble",
    "url_secrets",
    "without_password",
]
