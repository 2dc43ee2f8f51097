"""The emulator plays OpenRouter as documented, through the real SDKs: errors inside a 200,
errors naming the upstream provider, routing preferences, Gemini's schema subset, cost, and
the lookups a key check makes."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors

from storyreel.emulator import EmulatorServer

from .support import Control

MESSAGES: list[Any] = [{"role": "user", "content": "a heron fishing at dawn"}]


def schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": "shot", "strict": True, "schema": schema},
    }


SHOT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["seconds"],
    "properties": {"seconds": {"type": "integer", "enum": [4, 6, 8]}},
}


def test_error_body_fault_is_a_200_holding_openrouters_error(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults({"route": "chat.completions", "kind": "error_body", "status": 502})
    reply = openai_client.chat.completions.create(model="m", messages=MESSAGES)
    error = (reply.model_extra or {})["error"]
    assert error["code"] == 502
    assert error["metadata"]["provider_name"]
    assert json.loads(error["metadata"]["raw"])["error"]["message"]


def test_error_finish_fault_ends_the_choice_with_an_error(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults({"route": "chat.completions", "kind": "error_finish", "status": 503})
    reply = openai_client.chat.completions.create(model="m", messages=MESSAGES)
    choice = reply.choices[0]
    assert choice.finish_reason == "error"
    assert (choice.model_extra or {})["error"]["code"] == 503


def test_error_kinds_apply_to_chat_only(control: Control) -> None:
    response = control.http.post(
        "/_emulator/faults", json={"route": "generateContent", "kind": "error_body"}
    )
    assert response.status_code == 400


def test_status_fault_names_the_upstream_provider(
    openai_client: openai.OpenAI, control: Control
) -> None:
    control.faults({"route": "chat.completions", "kind": "status", "status": 503})
    with pytest.raises(openai.InternalServerError) as raised:
        openai_client.chat.completions.create(model="m", messages=MESSAGES)
    body = raised.value.body
    assert isinstance(body, dict)
    assert body["code"] == 503
    assert body["metadata"]["provider_name"]


def test_gemini_backed_model_refuses_an_integer_enum_in_openrouters_shape(
    openai_client: openai.OpenAI, control: Control
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        openai_client.chat.completions.create(
            model="google/gemini-2.5-flash",
            messages=MESSAGES,
            response_format=schema_format(SHOT),  # type: ignore[arg-type]
        )
    body = raised.value.body
    assert isinstance(body, dict)
    assert body["code"] == 400
    assert body["metadata"]["provider_name"] == "Google AI Studio"
    assert "enum is only allowed for STRING type" in body["metadata"]["raw"]
    # Other providers take the same schema.
    other = openai_client.chat.completions.create(
        model="openai/gpt-4o-mini",
        messages=MESSAGES,
        response_format=schema_format(SHOT),  # type: ignore[arg-type]
    )
    assert json.loads(other.choices[0].message.content or "")["seconds"] in (4, 6, 8)


def test_gemini_backed_model_refuses_an_unsupported_format(openai_client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["contact"],
        "properties": {"contact": {"type": "string", "format": "email"}},
    }
    with pytest.raises(openai.BadRequestError):
        openai_client.chat.completions.create(
            model="google/gemini-2.5-flash",
            messages=MESSAGES,
            response_format=schema_format(schema),  # type: ignore[arg-type]
        )


def test_provider_preferences_are_checked_and_recorded(
    openai_client: openai.OpenAI, control: Control
) -> None:
    openai_client.chat.completions.create(
        model="m", messages=MESSAGES, extra_body={"provider": {"require_parameters": True}}
    )
    openai_client.chat.completions.create(model="m", messages=MESSAGES)
    assert control.stats()["chat_routing"] == [{"require_parameters": True}, None]
    with pytest.raises(openai.BadRequestError):
        openai_client.chat.completions.create(
            model="m", messages=MESSAGES, extra_body={"provider": {"require_parameters": "yes"}}
        )


def test_usage_reports_the_cost(openai_client: openai.OpenAI) -> None:
    reply = openai_client.chat.completions.create(
        model="google/gemini-2.5-flash", messages=MESSAGES
    )
    assert reply.usage is not None
    cost = (reply.usage.model_extra or {})["cost"]
    expected = (reply.usage.prompt_tokens * 0.30 + reply.usage.completion_tokens * 2.50) / 1e6
    assert cost == pytest.approx(expected)


def test_key_endpoint_answers_in_openrouters_shape(
    server: EmulatorServer, control: Control
) -> None:
    for path in ("/api/v1/key", "/v1/key"):
        response = httpx2.get(server.url + path, headers={"Authorization": "Bearer k"})
        assert response.status_code == 200
        data = response.json()["data"]
        assert {"label", "limit", "usage", "is_free_tier"} <= set(data)
    assert httpx2.get(server.url + "/api/v1/key").json()["error"]["code"] == 401
    control.faults({"route": "key", "kind": "status", "status": 401})
    refused = httpx2.get(server.url + "/api/v1/key", headers={"Authorization": "Bearer k"})
    assert refused.status_code == 401
    assert control.stats()["requests"]["key"] == 3


def test_model_lookup_through_genai(genai_client: genai.Client, control: Control) -> None:
    model = genai_client.models.get(model="veo-3.1-fast-generate-001")
    assert model.name == "publishers/google/models/veo-3.1-fast-generate-001"
    with pytest.raises(genai_errors.ClientError) as raised:
        genai_client.models.get(model="veo-9-nonsense")
    assert raised.value.code == 404
    control.faults({"route": "models.get", "kind": "status", "status": 403})
    with pytest.raises(genai_errors.ClientError) as refused:
        genai_client.models.get(model="gemini-2.5-flash-image")
    assert refused.value.code == 403
    assert control.stats()["requests"]["models.get"] == 3
