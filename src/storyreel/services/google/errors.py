"""Google failures: what an exception says about the request, and the storyreel error for it."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from storyreel.errors import ConfigError, ProviderError
from storyreel.logs import redact
from storyreel.services.retry_after import parse_retry_after

PROVIDER = "google"
# The server refused these before doing any work: asking again is safe even for a paid call.
REFUSED_STATUSES = frozenset({408, 429, 503})
_AUTH_HINT = (
    "check GOOGLE_STUDIO_API_KEY (or google.project and the Application Default "
    "Credentials) and that the project may use Vertex AI"
)


class Outcome(enum.Enum):
    """What a failed call tells about its request; each caller's policy builds on it."""

    REFUSED = "refused"
    """Certainly not accepted (429/503/408, or never sent): safe to send again, even if paid."""
    AMBIGUOUS = "ambiguous"
    """May have reached Google and been billed: a 5xx other than 503, a timeout or a dropped
    connection after sending, an answer that could not be read."""
    TRANSIENT = "transient"
    """An ambiguous failure of an idempotent call (a poll): another try costs nothing."""
    PERMANENT = "permanent"
    """Another try gets the same answer: 400/401/403/404, missing or refused credentials."""


def classify(exc: Exception, *, idempotent: bool = False) -> Outcome:
    """The :class:`Outcome` of a call that raised ``exc``; ``idempotent`` calls (polls) get
    TRANSIENT where a paid one gets AMBIGUOUS.

    Re-raises exceptions that are not about the call (programming errors).
    """
    outcome = _outcome(exc)
    if idempotent and outcome is Outcome.AMBIGUOUS:
        return Outcome.TRANSIENT
    return outcome


def _outcome(exc: Exception) -> Outcome:
    status = api_error_status(exc)
    if status is not None:
        if status in REFUSED_STATUSES:
            return Outcome.REFUSED
        return Outcome.AMBIGUOUS if status >= 500 else Outcome.PERMANENT
    if _request_not_sent(exc):
        return Outcome.REFUSED
    # ValueError: the SDK could not parse an answer, which comes after Google took the request.
    if _is_transport_error(exc) or isinstance(exc, ValueError):
        return Outcome.AMBIGUOUS
    if _is_credentials_error(exc):
        return Outcome.PERMANENT
    raise exc


def to_error(exc: Exception, *, what: str) -> ProviderError | ConfigError:
    """The error to raise for ``exc``, raised while doing ``what`` (e.g. "polling clip 3").

    A ProviderError with the status, ``retry_after_s`` and ``retryable`` (another try may
    succeed: anything but PERMANENT), or a ConfigError when there are no credentials.
    Re-raises exceptions that are not about the call (programming errors).
    """
    retryable = classify(exc) is not Outcome.PERMANENT
    status = api_error_status(exc)
    if status is not None:
        return _status_error(exc, status, what=what, retryable=retryable)
    if _is_transport_error(exc):
        detail = redact(str(exc) or type(exc).__name__)
        return ProviderError(
            f"could not reach Google while {what} ({type(exc).__name__}: {detail})",
            provider=PROVIDER,
            status=None,
            retryable=True,
        )
    if isinstance(exc, ValueError):
        message = f"Google's answer while {what} was unreadable ({type(exc).__name__})"
        return ProviderError(message, provider=PROVIDER, retryable=True)
    return _credentials_error(exc, what=what)


def api_error_status(exc: BaseException) -> int | None:
    """The HTTP status of a google-genai ``APIError``, or None for any other exception."""
    from google.genai import errors

    if isinstance(exc, errors.APIError):
        code = exc.code
        return code if isinstance(code, int) else None
    return None


def _status_error(exc: Exception, status: int, *, what: str, retryable: bool) -> ProviderError:
    detail = redact(str(getattr(exc, "message", None) or getattr(exc, "status", None) or exc))
    detail = detail.strip().rstrip(".")
    code = f"HTTP {status}"
    if status in (401, 403):
        message = f"Google rejected the credentials ({code}) while {what}: {detail}. {_AUTH_HINT}."
        return ProviderError(message, provider=PROVIDER, status=status, retryable=False)
    if status == 404:
        message = f"Google found nothing at the requested name ({code}) while {what}: {detail}"
        return ProviderError(message, provider=PROVIDER, status=status, retryable=False)
    retry_after = _retry_after_s(exc)
    if status == 429:
        wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
        message = f"Google's quota or rate limit was hit ({code}) while {what}: {detail}{wait}"
    else:
        message = f"Google answered {code} while {what}: {detail}"
    return ProviderError(
        message, provider=PROVIDER, status=status, retryable=retryable, retry_after_s=retry_after
    )


def _retry_after_s(exc: BaseException) -> float | None:
    # The SDK keeps the httpx response of an APIError; a fake may keep something else.
    headers = getattr(getattr(exc, "response", None), "headers", None)
    return parse_retry_after(headers) if isinstance(headers, Mapping) else None


def _request_not_sent(exc: BaseException) -> bool:
    # Connecting (and waiting for a pooled connection) happens before any byte of the request
    # leaves, so these are safe to repeat even for a paid submit; other transport failures not.
    import httpx2

    if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout):
        return True
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.ProxyError):
        return True
    from google.auth import exceptions as auth_exceptions

    # A credential refresh that could not reach the token server runs before the request.
    return isinstance(exc, auth_exceptions.TransportError)


def _is_transport_error(exc: BaseException) -> bool:
    # A network-level failure: no HTTP status came back.
    import httpx2

    return isinstance(exc, httpx2.TransportError) or _request_not_sent(exc)


def _is_credentials_error(exc: BaseException) -> bool:
    from google.auth import exceptions as auth_exceptions

    return isinstance(exc, auth_exceptions.DefaultCredentialsError | auth_exceptions.RefreshError)


def _credentials_error(exc: BaseException, *, what: str) -> ConfigError | ProviderError:
    from google.auth import exceptions as auth_exceptions

    if isinstance(exc, auth_exceptions.DefaultCredentialsError):
        return ConfigError(
            f"no Google credentials for {what}: set GOOGLE_STUDIO_API_KEY, or google.project "
            "and Application Default Credentials (gcloud auth application-default login)"
        )
    return ProviderError(
        f"Google credentials could not be refreshed while {what}: {redact(str(exc))}. "
        f"{_AUTH_HINT}.",
        provider=PROVIDER,
        status=None,
        retryable=False,
    )


__all__ = [
    "PROVIDER",
    "REFUSED_STATUSES",
    "Outcome",
    "api_error_status",
    "classify",
    "to_error",
]
