"""The one error hierarchy of storyreel: catch StoryreelError to catch them all."""

from __future__ import annotations


class StoryreelError(Exception):
    """Base class of every error storyreel raises on purpose.

    Messages say what happened and what to do next; they never contain a secret.
    ``exit_code`` is what the CLI exits with when this error reaches it.
    """

    exit_code = 1


class ConfigError(StoryreelError):
    """The configuration is invalid, incomplete or names something that does not exist."""

    exit_code = 78  # EX_CONFIG


class InputError(StoryreelError):
    """An argument given by the caller is invalid (empty idea, N out of range, bad image...)."""

    exit_code = 2


class ProviderError(StoryreelError):
    """A call to OpenRouter or Google failed.

    ``provider`` is ``"openrouter"`` or ``"google"``; ``status`` the HTTP status when there
    was one; ``retryable`` says whether trying again later may succeed; ``timeout`` that the
    provider did not answer in time.
    """

    exit_code = 69  # EX_UNAVAILABLE

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
        timeout: bool = False,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.timeout = timeout


class ContentBlockedError(ProviderError):
    """The provider refused or filtered the request or its output on safety grounds."""

    exit_code = 65  # EX_DATAERR

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        reasons: list[str] | None = None,
        codes: list[str] | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status=None, retryable=False)
        self.reasons = list(reasons or [])
        # Google's "support codes" for the filter that blocked it, when it gave any.
        self.codes = list(codes or [])


class StructuredOutputError(StoryreelError):
    """The model's reply could not be turned into the expected structure, even after a repair."""

    exit_code = 65

    def __init__(self, message: str, *, model: str, excerpt: str = "") -> None:
        super().__init__(message)
        self.model = model
        self.excerpt = excerpt


class JobError(StoryreelError):
    """A job cannot be found, resumed or completed."""

    exit_code = 75  # EX_TEMPFAIL


__all__ = [
    "ConfigError",
    "ContentBlockedError",
    "InputError",
    "JobError",
    "ProviderError",
    "StoryreelError",
    "StructuredOutputError",
]
