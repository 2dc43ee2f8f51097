"""The error hierarchy mapped onto RFC 9457 problem documents."""

from __future__ import annotations

import json

import httpx
import httpx2
import openai
import pytest
from fastapi import FastAPI
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

from .conftest import assert_problem


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


async def test_problems_a_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/stories", content=b'{"idea": "a kite",', headers={"content-type": "application/json"}
    )

    problem = assert_problem(response, 400)
    assert problem["type"] == "urn:storyreel:problem:bad-request"
    assert "not valid JSON" in problem["detail"]
    assert "errors" not in problem


@pytest.mark.parametrize("content_type", ["text/plain", None])
async def test_problems_a_json_body_sent_as_another_type_is_415(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/v1/videos", content=b'{"idea": "a kite"}', headers=headers)

    problem = assert_problem(response, 415)
    assert "Content-Type: application/json" in problem["detail"]
    assert (await client.get("/v1/jobs")).json() == []


async def test_problems_a_readable_body_with_refused_values_stays_422(
    client: httpx.AsyncClient,
) -> None:
    for body in (b"[1, 2]", b'{"idea": ""}', b'{"idea": "x", "nope": 1}'):
        response = await client.post(
            "/v1/stories", content=body, headers={"content-type": "application/json"}
        )
        assert assert_problem(response, 422)["errors"], body


def test_problems_openapi_documents_400_and_415_for_json_bodies(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in ("/v1/stories", "/v1/videos", "/v1/thumbnails"):
        responses = paths[path]["post"]["responses"]
        for status in ("400", "415", "422"):
            assert "application/problem+json" in responses[status]["content"], (path, status)
