"""Mapping google-genai failures to ProviderError, and reading Retry-After."""

from __future__ import annotations

import email.utils

import httpx2
import pytest
from google.genai import errors

from storyreel.services.google.errors import (
    from_api_error,
    parse_retry_after,
    request_not_sent,
    submit_failure,
)


def _error(code: int, headers: dict[str, str] | None = None) -> errors.APIError:
    body = {"error": {"code": code, "message": "went wrong.", "status": "X"}}
    cls = errors.ClientError if code < 500 else errors.ServerError
    return cls(code, body, httpx2.Response(code, headers=headers or {}))


def test_parse_retry_after_seconds_fractions_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(30.0)


def test_from_api_error_429_carries_retry_after() -> None:
    error = from_api_error(_error(429, {"Retry-After": "12"}), what="polling c1")

    assert (error.status, error.retryable, error.retry_after_s) == (429, True, 12.0)
    assert "polling c1" in str(error)
    assert ".." not in str(error)


@pytest.mark.parametrize(("code", "retryable"), [(400, False), (404, False), (500, True)])
def test_from_api_error_retryable_by_status(code: int, retryable: bool) -> None:
    assert from_api_error(_error(code), what="x").retryable is retryable


def test_request_not_sent_only_for_failures_before_sending() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/")
    assert request_not_sent(httpx2.ConnectError("no", request=request))
    assert request_not_sent(httpx2.PoolTimeout("busy", request=request))
    assert not request_not_sent(httpx2.ReadTimeout("slow", request=request))
    assert not request_not_sent(httpx2.RemoteProtocolError("gone", request=request))


@pytest.mark.parametrize(
    ("code", "refused", "unknown"),
    [
        (408, True, False),
        (429, True, False),
        (503, True, False),
        (500, False, True),
        (504, False, True),
        (403, False, False),
    ],
)
def test_submit_failure_classifies_statuses(code: int, refused: bool, unknown: bool) -> None:
    failure = submit_failure(_error(code), what="submitting c1")

    assert (failure.refused, failure.unknown) == (refused, unknown)


def test_submit_failure_reraises_programming_errors() -> None:
    with pytest.raises(KeyError):
        submit_failure(KeyError("bug"), what="x")
