"""Turn google-genai and transport exceptions into storyreel's ProviderError family."""

from __future__ import annotations

import email.utils
import time
from typing import NamedTuple

from storyreel.errors import ConfigError, ProviderError
from storyreel.logs import redact

PROVIDER = "google"
# The server refused these before doing any work: asking again is safe even for a paid call.
REFUSED_STATUSES = frozenset({408, 429, 503})
# The server may have started the work (or a proxy lost the answer): only idempotent calls repeat.
AMBIGUOUS_STATUSES = frozenset({500, 502, 504})
RETRYABLE_STATUSES = REFUSED_STATUSES | AMBIGUOUS_STATUSES
_AUTH_HINT = (
    "check GOOGLE_STUDIO_API_KEY (or google.project and the Application Default "
    "Credentials) and that the project may use Vertex AI"
)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Returns None when the header is missing or unreadable; never a negative number.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def api_error_status(exc: BaseException) -> int | None:
    """The HTTP status of a google-genai ``APIError``, or None for any other exception."""
    from google.genai import errors

    if isinstance(exc, errors.APIError):
        code = exc.code
        return code if isinstance(code, int) else None
    return None


def retry_after_s(exc: BaseException) -> float | None:
    """The ``Retry-After`` of the response behind an ``APIError``, when the SDK kept it."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after")
    except (AttributeError, TypeError):
        return None
    return parse_retry_after(value if isinstance(value, str) else None)


def from_api_error(exc: BaseException, *, what: str) -> ProviderError:
    """A ProviderError for an ``APIError`` raised while doing ``what`` (e.g. "polling clip 3")."""
    status = api_error_status(exc)
    detail = redact(str(getattr(exc, "message", None) or getattr(exc, "status", None) or exc))
    detail = detail.strip().rstrip(".")
    code = f"HTTP {status}" if status is not None else "an error"
    retry_after = retry_after_s(exc)
    if status in (401, 403):
        message = f"Google rejected the credentials ({code}) while {what}: {detail}. {_AUTH_HINT}."
        return ProviderError(message, provider=PROVIDER, status=status, retryable=False)
    if status == 404:
        message = f"Google found nothing at the requested name ({code}) while {what}: {detail}"
        return ProviderError(message, provider=PROVIDER, status=status, retryable=False)
    if status == 429:
        wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
        message = f"Google's quota or rate limit was hit ({code}) while {what}: {detail}{wait}"
        return ProviderError(
            message, provider=PROVIDER, status=status, retryable=True, retry_after_s=retry_after
        )
    retryable = status in RETRYABLE_STATUSES or (status is not None and status >= 500)
    message = f"Google answered {code} while {what}: {detail}"
    return ProviderError(
        message, provider=PROVIDER, status=status, retryable=retryable, retry_after_s=retry_after
    )


def request_not_sent(exc: BaseException) -> bool:
    """Whether a transport failure happened before any byte of the request left.

    Connecting (and waiting for a pooled connection) happens before sending, so these
    are safe to repeat even for a paid submit; every other transport failure is not.
    """
    import httpx2

    if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout):
        return True
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.ProxyError):
        return True
    from google.auth import exceptions as auth_exceptions

    # A credential refresh that could not reach the token server runs before the request.
    return isinstance(exc, auth_exceptions.TransportError)


def is_transport_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a network-level failure (no HTTP status came back)."""
    import httpx2

    if isinstance(exc, httpx2.TransportError):
        return True
    return request_not_sent(exc)


def from_transport_error(exc: BaseException, *, what: str) -> ProviderError:
    """A retryable ProviderError for a network failure while doing ``what``."""
    detail = redact(str(exc) or type(exc).__name__)
    return ProviderError(
        f"could not reach Google while {what} ({type(exc).__name__}: {detail})",
        provider=PROVIDER,
        status=None,
        retryable=True,
    )


def credentials_error(exc: BaseException, *, what: str) -> ConfigError | ProviderError | None:
    """The error for a failed credential lookup or refresh, or None if ``exc`` is not one."""
    from google.auth import exceptions as auth_exceptions

    if isinstance(exc, auth_exceptions.DefaultCredentialsError):
        return ConfigError(
            f"no Google credentials for {what}: set GOOGLE_STUDIO_API_KEY, or google.project "
            "and Application Default Credentials (gcloud auth application-default login)"
        )
    if isinstance(exc, auth_exceptions.RefreshError):
        return ProviderError(
            f"Google credentials could not be refreshed while {what}: {redact(str(exc))}. "
            f"{_AUTH_HINT}.",
            provider=PROVIDER,
            status=None,
            retryable=False,
        )
    return None


class SubmitFailure(NamedTuple):
    """A failed paid submit: the error, and whether the request was refused or may be in work."""

    error: ProviderError | ConfigError
    refused: bool
    """Certainly not accepted (429/503/408, or never sent): sending it again is safe."""
    unknown: bool
    """May have been accepted (5xx other than 503, dropped after sending, unreadable answer)."""


def submit_failure(exc: Exception, *, what: str) -> SubmitFailure:
    """Classify an exception raised by a submit that must not be repeated blindly.

    Re-raises exceptions that are not about the call (programming errors).
    """
    status = api_error_status(exc)
    if status is not None:
        error = from_api_error(exc, what=what)
        if status in REFUSED_STATUSES:
            return SubmitFailure(error, refused=True, unknown=False)
        if status >= 500:
            return SubmitFailure(error, refused=False, unknown=True)
        return SubmitFailure(error, refused=False, unknown=False)
    if request_not_sent(exc):
        return SubmitFailure(from_transport_error(exc, what=what), refused=True, unknown=False)
    if is_transport_error(exc):
        error = from_transport_error(exc, what=what)
        return SubmitFailure(error, refused=False, unknown=True)
    if isinstance(exc, ValueError):
        # The SDK parses the answer after the server took the request.
        message = f"Google's answer while {what} was unreadable ({type(exc).__name__})"
        error = ProviderError(message, provider=PROVIDER, retryable=True)
        return SubmitFailure(error, refused=False, unknown=True)
    credentials = credentials_error(exc, what=what)
    if credentials is not None:
        return SubmitFailure(credentials, refused=False, unknown=False)
    raise exc


def call_error(exc: Exception, *, what: str) -> ProviderError | ConfigError:
    """The error for a failed idempotent call whose retries the client already spent.

    Re-raises exceptions that are not about the call (programming errors).
    """
    if api_error_status(exc) is not None:
        return from_api_error(exc, what=what)
    if is_transport_error(exc):
        return from_transport_error(exc, what=what)
    if isinstance(exc, ValueError):
        message = f"Google's answer while {what} was unreadable ({type(exc).__name__})"
        return ProviderError(message, provider=PROVIDER, retryable=True)
    credentials = credentials_error(exc, what=what)
    if credentials is not None:
        return credentials
    raise exc


def transient_poll_problem(exc: Exception, *, what: str) -> str:
    """Describe a poll failure worth polling through; raise the error for a permanent one.

    A poll is idempotent, so throttling, server errors, network failures and unreadable
    answers are all worth another try on the polling schedule.
    """
    status = api_error_status(exc)
    if status is not None:
        if status in RETRYABLE_STATUSES or status >= 500:
            return f"HTTP {status}"
        raise from_api_error(exc, what=what) from exc
    if is_transport_error(exc):
        return type(exc).__name__
    if isinstance(exc, ValueError):
        return f"an unreadable answer ({type(exc).__name__})"
    credentials = credentials_error(exc, what=what)
    if credentials is not None:
        raise credentials from exc
    raise exc


__all__ = [
    "AMBIGUOUS_STATUSES",
    "PROVIDER",
    "REFUSED_STATUSES",
    "RETRYABLE_STATUSES",
    "SubmitFailure",
    "api_error_status",
    "call_error",
    "credentials_error",
    "from_api_error",
    "from_transport_error",
    "is_transport_error",
    "parse_retry_after",
    "request_not_sent",
    "submit_failure",
    "transient_poll_problem",
]
