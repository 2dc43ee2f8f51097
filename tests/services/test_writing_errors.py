"""How the writing service reports provider failures, refusals and unusable replies."""

from __future__ import annotations

import pytest
from chat_fakes import completion, connection_error, status_error, writing

from storyreel.containers import Container
from storyreel.errors import ContentBlockedError, ProviderError, StructuredOutputError
from storyreel.settings import Settings

KEY = "sk-or-v1-0123456789abcdef-writing-test-key"


async def test_writing_not_json_twice_is_a_structured_output_error(
    container: Container, offline_settings: Settings
) -> None:
    first = "<html>bad gateway</html>"
    second = "I think the story is: " + "words " * 100
    service, fake = writing(container, completion(first), completion(second))
    with pytest.raises(StructuredOutputError) as caught:
        await service.story("idea", segments=2)
    assert len(fake.calls) == 2
    error = caught.value
    assert error.model == offline_settings.openrouter.model
    assert error.excerpt.startswith("I think the story is: words")
    assert len(error.excerpt) <= 200
    assert offline_settings.openrouter.model in str(error)
    assert "not valid JSON" in str(error)
    assert "\n" not in str(error)
    assert first in fake.calls[1]["messages"][-2]["content"]


async def test_writing_refusal_is_content_blocked(container: Container) -> None:
    service, fake = writing(container, completion(None, refusal="I can't write that."))
    with pytest.raises(ContentBlockedError) as caught:
        await service.meme("something awful")
    assert caught.value.reasons == ["I can't write that."]
    assert caught.value.provider == "openrouter"
    assert len(fake.calls) == 1  # a refusal is not repaired


async def test_writing_content_filter_finish_is_content_blocked(container: Container) -> None:
    service, _ = writing(container, completion(None, finish_reason="content_filter"))
    with pytest.raises(ContentBlockedError, match="declined"):
        await service.trending_ideas("niche", count=1)


async def test_writing_refusal_on_the_repair_is_content_blocked(container: Container) -> None:
    service, fake = writing(container, completion("nope"), completion(None, refusal="No."))
    with pytest.raises(ContentBlockedError):
        await service.meme("topic")
    assert len(fake.calls) == 2


async def test_writing_401_names_the_variable_and_never_the_key(container: Container) -> None:
    service, _ = writing(container, status_error(401, f"Incorrect API key provided: {KEY}"))
    with pytest.raises(ProviderError) as caught:
        await service.story("idea", segments=1)
    error = caught.value
    assert "OPENAI_API_KEY" in str(error)
    assert KEY not in str(error)
    assert KEY[-8:] not in str(error)
    assert (error.status, error.retryable, error.provider) == (401, False, "openrouter")


async def test_writing_402_is_not_retryable(container: Container) -> None:
    service, _ = writing(container, status_error(402, "Insufficient credits"))
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    assert (caught.value.status, caught.value.retryable) == (402, False)
    assert "credits" in str(caught.value)


async def test_writing_429_is_retryable_with_retry_after(container: Container) -> None:
    service, _ = writing(container, status_error(429, "slow down", headers={"retry-after": "7"}))
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    error = caught.value
    assert (error.status, error.retryable, error.retry_after_s) == (429, True, 7.0)
    assert "retry after 7 s" in str(error)


async def test_writing_429_without_header_has_no_retry_after(container: Container) -> None:
    service, _ = writing(container, status_error(429))
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    assert caught.value.retryable is True
    assert caught.value.retry_after_s is None


async def test_writing_403_moderation_is_content_blocked(container: Container) -> None:
    service, _ = writing(container, status_error(403, "Input was flagged by moderation"))
    with pytest.raises(ContentBlockedError, match="moderation"):
        await service.meme("topic")


async def test_writing_403_otherwise_is_a_provider_error(container: Container) -> None:
    service, _ = writing(container, status_error(403, "Model not allowed for this key"))
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    assert not isinstance(caught.value, ContentBlockedError)
    assert (caught.value.status, caught.value.retryable) == (403, False)


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (404, False), (500, True), (503, True)]
)
async def test_writing_other_statuses(container: Container, status: int, retryable: bool) -> None:
    service, _ = writing(container, status_error(status))
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    assert (caught.value.status, caught.value.retryable) == (status, retryable)


@pytest.mark.parametrize("timeout", [False, True])
async def test_writing_connection_errors_are_retryable(container: Container, timeout: bool) -> None:
    service, fake = writing(container, connection_error(timeout=timeout))
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    assert caught.value.retryable is True
    assert caught.value.status is None
    assert len(fake.calls) == 1  # the SDK owns retries; the service adds none
