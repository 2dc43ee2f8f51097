"""The error hierarchy mapped onto RFC 9457 problem documents."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest
from starlette.exceptions import HTTPException

from storyreel.api.problems import ApiProblem, is_timeout, problem_of, problem_response
from storyreel.errors import (
    ConfigError,
    ContentBlockedError,
    InputError,
    JobError,
    ProviderError,
    StoryreelError,
    StructuredOutputError,
)
from storyreel.logs import register_secrets


def body_of(exc: BaseException) -> tuple[int, dict[str, object], dict[str, str]]:
    response = problem_response(exc)
    assert response.media_type == "application/problem+json"
    return response.status_code, json.loads(bytes(response.body)), dict(response.headers)


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (InputError("the idea is empty"), 422, "invalid-input"),
        (
            ContentBlockedError("blocked", provider="google", reasons=["violence"]),
            422,
            "content-blocked",
        ),
        (ProviderError("boom", provider="google", status=500, retryable=True), 502, "provider"),
        (ProviderError("no key", provider="openrouter", status=401), 502, "provider"),
        (StructuredOutputError("not JSON twice", model="m", excerpt="{"), 502, "structured-output"),
        (ProviderError("slow", provider="google", status=504), 504, "provider-timeout"),
        (JobError("job 1 is running"), 409, "conflict"),
        (ConfigError("veo needs vertex"), 503, "configuration"),
        (StoryreelError("odd"), 500, "internal"),
        (HTTPException(405), 405, "method-not-allowed"),
    ],
)
def test_problems_status_for_each_error(error: Exception, status: int, kind: str) -> None:
    code, body, _ = body_of(error)
    assert (code, body["status"], body["type"]) == (status, status, f"urn:storyreel:problem:{kind}")
    assert body["title"]


def test_problems_rate_limit_is_429_with_retry_after() -> None:
    error = ProviderError(
        "rate limited", provider="openrouter", status=429, retryable=True, retry_after_s=2.2
    )
    code, body, headers = body_of(error)
    assert code == 429
    assert headers["retry-after"] == "3"
    assert body["retry_after_s"] == 2.2
    assert body["retryable"] is True
    assert body["provider"] == "openrouter"


def test_problems_rate_limit_without_retry_after_has_no_header() -> None:
    code, _, headers = body_of(ProviderError("rl", provider="google", status=429))
    assert code == 429
    assert "retry-after" not in headers


def test_problems_timeout_found_in_the_cause_chain() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    error = ProviderError("OpenRouter did not answer", provider="openrouter")
    error.__cause__ = openai.APITimeoutError(request=request)
    assert is_timeout(error)
    assert body_of(error)[0] == 504
    assert not is_timeout(ProviderError("refused", provider="google", status=400))


def test_problems_content_blocked_keeps_reasons() -> None:
    _, body, _ = body_of(ContentBlockedError("no", provider="google", reasons=["Violence"]))
    assert body["reasons"] == ["Violence"]


def test_problems_unexpected_error_says_nothing_of_it() -> None:
    code, body, _ = body_of(RuntimeError("/srv/secret/path exploded in frame 3"))
    assert code == 500
    assert "exploded" not in json.dumps(body)
    assert body["type"] == "urn:storyreel:problem:internal"


def test_problems_never_show_a_secret() -> None:
    secret = "sk-or-v1-problem-secret-9876543210"
    register_secrets([secret])
    for error in (
        InputError(f"bad {secret}"),
        ProviderError(f"upstream said {secret}", provider="openrouter", status=500),
        ContentBlockedError("no", provider="google", reasons=[f"reason {secret}"]),
        ApiProblem(409, f"conflict {secret}"),
        HTTPException(400, f"bad {secret}"),
    ):
        _, body, _ = body_of(error)
        text = json.dumps(body)
        assert secret not in text
        assert "[redacted]" in text


def test_problems_http_exception_caused_by_a_problem_is_that_problem() -> None:
    wrapped = HTTPException(400, "There was an error parsing the body")
    wrapped.__cause__ = ApiProblem(413, "too large")
    assert problem_of(wrapped).status == 413
