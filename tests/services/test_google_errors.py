"""Classifying google-genai failures (refused, ambiguous, transient, permanent) and the errors."""

from __future__ import annotations

import json

import httpx2
import pytest
from google.auth import exceptions as auth_exceptions
from google.genai import errors

from storyreel.errors import ConfigError, ProviderError
from storyreel.services.google.errors import Outcome, classify, to_error


def _error(code: int, headers: dict[str, str] | None = None) -> errors.APIError:
    body = {"error": {"code": code, "message": "went wrong.", "status": "X"}}
    cls = errors.ClientError if code < 500 else errors.ServerError
    return cls(code, body, httpx2.Response(code, headers=headers or {}))


def _transport(cls: type[Exception]) -> Exception:
    return cls("boom", request=httpx2.Request("POST", "http://127.0.0.1/"))


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (408, Outcome.REFUSED),
        (429, Outcome.REFUSED),
        (503, Outcome.REFUSED),
        (500, Outcome.AMBIGUOUS),
        (502, Outcome.AMBIGUOUS),
        (504, Outcome.AMBIGUOUS),
        (400, Outcome.PERMANENT),
        (401, Outcome.PERMANENT),
        (403, Outcome.PERMANENT),
        (404, Outcome.PERMANENT),
    ],
)
def test_classify_statuses(code: int, outcome: Outcome) -> None:
    assert classify(_error(code)) is outcome


@pytest.mark.parametrize(
    ("cls", "outcome"),
    [
        (httpx2.ConnectError, Outcome.REFUSED),
        (httpx2.ConnectTimeout, Outcome.REFUSED),
        (httpx2.PoolTimeout, Outcome.REFUSED),
        (httpx2.ReadTimeout, Outcome.AMBIGUOUS),
        (httpx2.WriteTimeout, Outcome.AMBIGUOUS),
        (httpx2.RemoteProtocolError, Outcome.AMBIGUOUS),
        (httpx2.ReadError, Outcome.AMBIGUOUS),
    ],
)
def test_classify_transport_failures_by_whether_anything_was_sent(
    cls: type[Exception], outcome: Outcome
) -> None:
    assert classify(_transport(cls)) is outcome


def test_classify_unreadable_answer_is_ambiguous() -> None:
    assert classify(json.JSONDecodeError("bad", "{", 0)) is Outcome.AMBIGUOUS


def test_classify_idempotent_call_turns_ambiguous_into_transient() -> None:
    assert classify(_error(500), idempotent=True) is Outcome.TRANSIENT
    assert classify(_transport(httpx2.ReadTimeout), idempotent=True) is Outcome.TRANSIENT
    assert classify(json.JSONDecodeError("bad", "{", 0), idempotent=True) is Outcome.TRANSIENT
    assert classify(_error(503), idempotent=True) is Outcome.REFUSED
    assert classify(_error(404), idempotent=True) is Outcome.PERMANENT


def test_classify_credentials() -> None:
    assert classify(auth_exceptions.TransportError("no token server")) is Outcome.REFUSED
    assert classify(auth_exceptions.RefreshError("revoked")) is Outcome.PERMANENT
    assert classify(auth_exceptions.DefaultCredentialsError("none")) is Outcome.PERMANENT


def test_classify_and_to_error_reraise_programming_errors() -> None:
    with pytest.raises(KeyError):
        classify(KeyError("bug"))
    with pytest.raises(KeyError):
        to_error(KeyError("bug"), what="x")


def test_to_error_429_carries_retry_after() -> None:
    error = to_error(_error(429, {"Retry-After": "12"}), what="polling c1")

    assert isinstance(error, ProviderError)
    assert (error.status, error.retryable, error.retry_after_s) == (429, True, 12.0)
    assert "polling c1" in str(error)
    assert ".." not in str(error)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"retry-after-ms": "1500", "retry-after": "9"}, 1.5), ({"retry-after": "-3"}, None)],
)
def test_to_error_reads_retry_after_like_openrouter(
    headers: dict[str, str], expected: float | None
) -> None:
    error = to_error(_error(429, headers), what="x")

    assert isinstance(error, ProviderError)
    assert error.retry_after_s == expected


@pytest.mark.parametrize(
    ("code", "retryable"), [(400, False), (404, False), (429, True), (500, True), (503, True)]
)
def test_to_error_retryable_by_status(code: int, retryable: bool) -> None:
    error = to_error(_error(code), what="x")

    assert isinstance(error, ProviderError)
    assert (error.provider, error.status, error.retryable) == ("google", code, retryable)


def test_to_error_transport_and_unreadable_are_retryable() -> None:
    dropped = to_error(_transport(httpx2.ReadTimeout), what="submitting c1")
    unreadable = to_error(json.JSONDecodeError("bad", "{", 0), what="submitting c1")

    assert isinstance(dropped, ProviderError)
    assert isinstance(unreadable, ProviderError)
    assert (dropped.status, dropped.retryable) == (None, True)
    assert "ReadTimeout" in str(dropped)
    assert unreadable.retryable is True
    assert "unreadable" in str(unreadable)


def test_to_error_credentials() -> None:
    missing = to_error(auth_exceptions.DefaultCredentialsError("none"), what="polling c1")
    refused = to_error(auth_exceptions.RefreshError("revoked"), what="polling c1")

    assert isinstance(missing, ConfigError)
    assert "GOOGLE_STUDIO_API_KEY" in str(missing)
    assert isinstance(refused, ProviderError)
    assert refused.retryable is False
