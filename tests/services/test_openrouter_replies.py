"""OpenRouter as documented: errors inside a 200, its error shape, routing preferences and
cost. The SDK client is real; only its transport is replaced, answering canned bodies."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest
from chat_fakes import FakeAsyncOpenAI, completion, simple_story, status_error

from storyreel.containers import Container
from storyreel.errors import ProviderError, StructuredOutputError
from storyreel.logs import register_secrets
from storyreel.services.openrouter.errors import provider_error
from storyreel.services.openrouter.writing import WritingService

KEY = "sk-or-v1-" + "3f" * 32
PROVIDER_SAYS = "Resource has been exhausted (e.g. check quota)."


def chat_body(choice_extra: dict[str, Any] | None = None, **usage: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "finish_reason": "stop",
        "message": {"role": "assistant", "content": json.dumps(simple_story(1))},
        **(choice_extra or {}),
    }
    return {
        "id": "gen-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "google/gemini-2.5-flash",
        "choices": [choice],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30, **usage},
    }


def upstream_error(code: int = 502) -> dict[str, Any]:
    raw = json.dumps({"error": {"code": code, "message": PROVIDER_SAYS, "status": "UNAVAILABLE"}})
    return {
        "code": code,
        "message": "Provider returned error",
        "metadata": {"provider_name": "Google AI Studio", "raw": raw},
    }


class Replies:
    """A transport answering 200 with each body in turn, recording the requests' JSON."""

    def __init__(self, *bodies: dict[str, Any]) -> None:
        self.bodies = list(bodies)
        self.sent: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append(json.loads(request.content))
        if not self.bodies:
            raise AssertionError(f"unexpected request number {len(self.sent)}")
        return httpx2.Response(200, json=self.bodies.pop(0))


@pytest.fixture
def replies(container: Container) -> Replies:
    script = Replies()
    client = openai.AsyncOpenAI(
        api_key="k",
        base_url="http://127.0.0.1:9/api/v1",
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(transport=httpx2.MockTransport(script)),
    )
    container.async_openai_client.override(client)
    return script


async def test_error_body_in_a_200_is_a_retryable_provider_error_without_repair(
    container: Container, replies: Replies
) -> None:
    replies.bodies = [{"error": upstream_error(502)}, chat_body()]
    with pytest.raises(ProviderError) as raised:
        await container.writing_service().story("a heron at dawn", segments=1)
    error = raised.value
    assert not isinstance(error, StructuredOutputError)
    assert (error.retryable, error.status, error.provider) == (True, 502, "openrouter")
    assert PROVIDER_SAYS in str(error)
    assert "Google AI Studio" in str(error)
    assert len(replies.sent) == 1  # no paid repair request


async def test_finish_reason_error_is_a_provider_error_without_repair(
    container: Container, replies: Replies
) -> None:
    broken = {"finish_reason": "error", "error": upstream_error(503)}
    replies.bodies = [chat_body(broken), chat_body()]
    with pytest.raises(ProviderError) as raised:
        await container.writing_service().story("a heron at dawn", segments=1)
    assert raised.value.retryable
    assert raised.value.status == 503
    assert PROVIDER_SAYS in str(raised.value)
    assert len(replies.sent) == 1


async def test_structured_calls_ask_for_providers_that_honour_every_parameter(
    container: Container, replies: Replies
) -> None:
    replies.bodies = [chat_body()]
    await container.writing_service().story("a heron at dawn", segments=1)
    assert replies.sent[0]["provider"] == {"require_parameters": True}
    assert replies.sent[0]["response_format"]["type"] == "json_schema"


async def test_require_parameters_off_sends_no_provider_preferences() -> None:
    fake = FakeAsyncOpenAI(completion(simple_story(1)))
    service = WritingService(fake, model="m", vision_model="v", require_parameters=False)
    await service.story("a heron at dawn", segments=1)
    assert fake.calls[0]["extra_body"] == {}


async def test_usage_cost_is_summed_over_the_repair(container: Container, replies: Replies) -> None:
    invalid = {"message": {"role": "assistant", "content": "not json"}}
    replies.bodies = [chat_body(invalid, cost=0.00125), chat_body(cost=0.0025)]
    story = await container.writing_service().story("a heron at dawn", segments=1)
    assert len(replies.sent) == 2
    assert story.usage.cost_usd == pytest.approx(0.00375)
    assert story.usage.prompt_tokens == 20


async def test_usage_without_cost_leaves_it_unknown(container: Container, replies: Replies) -> None:
    replies.bodies = [chat_body()]
    story = await container.writing_service().story("a heron at dawn", segments=1)
    assert story.usage.cost_usd is None


def test_status_error_names_the_provider_and_what_it_said_never_the_key() -> None:
    register_secrets([KEY])
    exc = status_error(502)
    body = upstream_error(502)
    body["metadata"]["raw"] = json.dumps({"error": {"message": f"bad key {KEY} for project"}})
    exc.body = body
    error = provider_error(exc, model="google/gemini-2.5-flash")
    text = str(error)
    assert "Google AI Studio" in text
    assert "bad key" in text
    assert KEY not in text
    assert error.retryable
    assert error.status == 502
