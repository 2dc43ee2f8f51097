"""Every fault kind, as the real SDKs see it.

What the SDKs raise (openai 3.57, google-genai 3.6.1, both on httpx2):
- malformed 200 body: ``json.JSONDecodeError`` from both SDKs (neither wraps it);
- dropped connection: ``openai.APIConnectionError`` (cause ``httpx2.RemoteProtocolError``)
  after its own retries; google-genai lets ``httpx2.RemoteProtocolError`` through;
- client timeout during a delay: ``openai.APITimeoutError``; google-genai ``httpx2.ReadTimeout``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2
import openai
import pytest
from google import genai
from google.genai import errors, types

from storyreel.emulator import EmulatorServer

from .support import Control

MESSAGES: Any = [{"role": "user", "content": "A lighthouse keeper befriends a storm"}]
VEO = "veo-3.1-fast-generate-001"


def _chat(client: openai.OpenAI, **options: Any) -> Any:
    return client.with_options(**options).chat.completions.create(model="m", messages=MESSAGES)


def _video(client: genai.Client, prompt: str = "a dog runs") -> types.GenerateVideosOperation:
    return client.models.generate_videos(
        model=VEO,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(duration_seconds=4),
    )


def _finish(
    client: genai.Client, operation: types.GenerateVideosOperation
) -> types.GenerateVideosOperation:
    deadline = time.monotonic() + 10
    while not operation.done:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        operation = client.operations.get(operation)
    return operation


def test_status_429_with_retry_after_is_retried_by_openai(
    server: EmulatorServer, control: Control
) -> None:
    control.faults(
        {
            "route": "chat.completions",
            "kind": "status",
            "status": 429,
            "retry_after_s": 0.2,
            "times": 2,
        }
    )
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=2)
    started = time.monotonic()
    completion = _chat(client)
    assert completion.choices[0].message.content
    # At least the server's two Retry-After waits (0.2 s each); the upper bound only catches
    # a client stuck on a long wait.
    assert 0.35 <= time.monotonic() - started < 10
    assert control.stats()["requests"]["chat.completions"] == 3


def test_status_429_body_has_openrouter_shape(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults(
        {"route": "chat.completions", "kind": "status", "status": 429, "retry_after_s": 7}
    )
    with pytest.raises(openai.RateLimitError) as caught:
        _chat(openai_client)
    assert caught.value.response.headers["retry-after"] == "7"
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["code"] == 429
    assert body["metadata"]["provider_name"]
    assert "RESOURCE_EXHAUSTED" in body["metadata"]["raw"]


def test_status_500_twice_then_success_with_genai_retry(
    server: EmulatorServer, control: Control
) -> None:
    control.faults({"route": "generateContent", "kind": "status", "status": 500, "times": 2})
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.05, max_delay=0.1)
    client = genai.Client(
        vertexai=True,
        api_key="k",
        http_options=types.HttpOptions(base_url=server.url + "/", retry_options=retry),
    )
    response = client.models.generate_content(model="gemini-2.5-flash", contents="retry me")
    assert response.text
    assert control.stats()["requests"]["generateContent"] == 3


def test_status_without_retry_is_a_server_error(
    genai_client: genai.Client, control: Control
) -> None:
    control.faults({"route": "generateContent", "kind": "status", "status": 503})
    with pytest.raises(errors.ServerError) as caught:
        genai_client.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert caught.value.code == 503
    assert caught.value.status == "UNAVAILABLE"


def test_malformed_chat_body_raises_json_decode_error(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults({"route": "chat.completions", "kind": "malformed"})
    with pytest.raises(json.JSONDecodeError):
        _chat(openai_client)
    assert _chat(openai_client).choices[0].message.content  # consumed: the next call is fine


def test_malformed_operation_poll_raises_json_decode_error(
    veo_client: genai.Client, control: Control
) -> None:
    operation = _video(veo_client)
    control.faults({"route": "fetchPredictOperation", "kind": "malformed"})
    with pytest.raises(json.JSONDecodeError):
        veo_client.operations.get(operation)
    assert _finish(veo_client, operation).response is not None


def test_drop_after_accept_on_submit_is_a_connection_error_but_billed(
    veo_client: genai.Client, control: Control
) -> None:
    control.faults({"route": "predictLongRunning", "kind": "drop_after_accept"})
    with pytest.raises(httpx2.RemoteProtocolError):
        _video(veo_client)
    stats = control.stats()
    assert stats["video_submissions"] == 1
    assert stats["operations"] == 1


def test_drop_after_accept_on_chat_is_an_openai_connection_error(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults({"route": "chat.completions", "kind": "drop_after_accept"})
    with pytest.raises(openai.APIConnectionError) as caught:
        _chat(openai_client)
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)
    assert control.stats()["requests"]["chat.completions"] == 1


def test_delay_beyond_client_timeout_times_out(
    openai_client: openai.OpenAI, genai_client: genai.Client, control: Control
) -> None:
    control.faults(
        {"route": "chat.completions", "kind": "delay", "delay_s": 1.0},
        {"route": "generateContent", "kind": "delay", "delay_s": 1.0},
    )
    with pytest.raises(openai.APITimeoutError):
        _chat(openai_client, timeout=0.2)
    with pytest.raises(httpx2.ReadTimeout):
        genai_client.models.generate_content(
            model="gemini-2.5-flash",
            contents="x",
            config=types.GenerateContentConfig(http_options=types.HttpOptions(timeout=200)),
        )


def test_delay_within_timeout_still_answers(openai_client: openai.OpenAI, control: Control) -> None:
    control.faults({"route": "chat.completions", "kind": "delay", "delay_s": 0.2})
    started = time.monotonic()
    assert _chat(openai_client).choices[0].message.content
    assert time.monotonic() - started >= 0.2


def test_safety_block_on_chat_is_a_refusal(openai_client: openai.OpenAI, control: Control) -> None:
    control.faults({"route": "chat.completions", "kind": "safety_block"})
    choice = _chat(openai_client).choices[0]
    assert choice.finish_reason == "content_filter"
    assert choice.message.content is None
    assert choice.message.refusal


def test_safety_block_on_generate_content(genai_client: genai.Client, control: Control) -> None:
    control.faults({"route": "generateContent", "kind": "safety_block"})
    response = genai_client.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert not response.candidates
    assert response.prompt_feedback is not None
    assert response.prompt_feedback.block_reason == types.BlockedReason.SAFETY


@pytest.mark.parametrize("route", ["predictLongRunning", "fetchPredictOperation"])
def test_safety_block_on_video_keeps_its_reasons(
    veo_client: genai.Client, control: Control, route: str
) -> None:
    control.faults({"route": route, "kind": "safety_block"})
    operation = _finish(veo_client, _video(veo_client))
    assert operation.error is None
    assert operation.response is not None
    assert operation.response.rai_media_filtered_count == 1
    assert operation.response.rai_media_filtered_reasons
    assert "58061214" in operation.response.rai_media_filtered_reasons[0]
    assert not operation.response.generated_videos


@pytest.mark.parametrize("route", ["predictLongRunning", "fetchPredictOperation"])
def test_operation_error_arrives_as_op_error(
    veo_client: genai.Client, control: Control, route: str
) -> None:
    control.faults({"route": route, "kind": "operation_error"})
    operation = _finish(veo_client, _video(veo_client))
    assert operation.error is not None
    assert operation.error["code"] == 13
    assert operation.error["message"]
    assert operation.response is None


def test_match_limits_a_rule_to_matching_bodies(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults({"route": "chat.completions", "kind": "safety_block", "match": "forbidden"})
    assert _chat(openai_client).choices[0].finish_reason == "stop"
    blocked = openai_client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "something forbidden"}]
    )
    assert blocked.choices[0].finish_reason == "content_filter"
    assert control.stats()["faults"] == []


def test_times_null_means_forever(openai_client: openai.OpenAI, control: Control) -> None:
    control.faults({"route": "chat.completions", "kind": "safety_block", "times": None})
    for _ in range(3):
        assert _chat(openai_client).choices[0].finish_reason == "content_filter"
    assert control.stats()["faults"][0]["times"] is None
    control.reset()
    assert _chat(openai_client).choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    "rule",
    [
        {"route": "nope", "kind": "status"},
        {"route": "chat.completions", "kind": "explode"},
        {"route": "chat.completions", "kind": "operation_error"},
        {"route": "chat.completions", "kind": "status", "status": 200},
        {"route": "chat.completions", "kind": "delay", "delay_s": -1},
        {"route": "chat.completions", "kind": "status", "times": -2},
    ],
)
def test_invalid_fault_rules_are_refused(control: Control, rule: dict[str, Any]) -> None:
    response = control.http.post("/_emulator/faults", json=[rule])
    assert response.status_code == 400
    assert response.json()["error"]
    assert control.stats()["faults"] == []
