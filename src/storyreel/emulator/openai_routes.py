"""OpenAI-compatible (OpenRouter) routes: chat completions, plain and streamed, and models."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from storyreel.emulator.chat import (
    REFUSAL,
    ChatRequestError,
    Conversation,
    json_reply,
    plain_reply,
    read_messages,
)
from storyreel.emulator.handling import Call, begin
from storyreel.emulator.openrouter_rules import (
    cost_usd,
    fail_choices,
    failed_reply,
    read_provider,
    schema_refusal,
    upstream_error,
)
from storyreel.emulator.responses import dumps, json_response, malformed, openai_error
from storyreel.emulator.state import EmulatorState
from storyreel.emulator.text import estimate_tokens

MODELS: Final = (
    ("openai/gpt-4o-mini", "openai"),
    ("openai/gpt-4.1", "openai"),
    ("anthropic/claude-sonnet-4.5", "anthropic"),
    ("google/gemini-2.5-flash", "google"),
    ("meta-llama/llama-3.3-70b-instruct", "meta-llama"),
)
_MAX_CHOICES: Final = 8
_CHUNK_WORDS: Final = 4


def _authorized(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _unauthorized() -> Response:
    return openai_error(401, "No auth credentials found")


class OpenAIRoutes:
    """Endpoints bound to one emulator's state."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._ids = itertools.count(1)

    async def models(self, request: Request) -> Response:
        if not _authorized(request):
            return _unauthorized()
        self._state.count("models", request.scope.get("client"))
        data = [
            {"id": model, "object": "model", "created": 1_735_689_600, "owned_by": owner}
            for model, owner in MODELS
        ]
        return json_response({"object": "list", "data": data})

    async def chat_completions(self, request: Request) -> Response:
        if not _authorized(request):
            return _unauthorized()
        started = await begin(request, self._state, "chat.completions", upstream_error)
        if isinstance(started, Response):
            return started
        call = started
        payload = call.payload
        model = payload.get("model")
        if not isinstance(model, str) or not model:
            return openai_error(400, "'model' must be a non-empty string")
        try:
            self._state.record_routing(read_provider(payload))
            conversation = read_messages(payload.get("messages"))
            refusal = schema_refusal(model, payload.get("response_format"))
            if refusal is not None:
                return refusal
            contents = self._contents(call, conversation)
        except ChatRequestError as exc:
            return openai_error(400, str(exc))
        await call.settle(self._state.latency.text_s)
        completion = self._completion(call.body, model, conversation, contents)
        if call.fault == "drop_after_accept":
            return await call.drop()
        if call.fault == "malformed":
            return malformed()
        rule = call.verdict.rule
        if rule is not None and call.fault == "error_body":
            return json_response(failed_reply(rule.status))
        if rule is not None and call.fault == "error_finish":
            fail_choices(completion, rule.status)
        if payload.get("stream"):
            options = payload.get("stream_options") or {}
            usage = isinstance(options, dict) and bool(options.get("include_usage"))
            return StreamingResponse(_chunks(completion, usage), media_type="text/event-stream")
        return json_response(completion)

    def _contents(self, call: Call, conversation: Conversation) -> list[str | None]:
        """One reply per requested choice; None marks a safety refusal."""
        count = call.payload.get("n", 1)
        if not isinstance(count, int) or not 1 <= count <= _MAX_CHOICES:
            raise ChatRequestError(f"'n' must be an integer from 1 to {_MAX_CHOICES}")
        if call.fault == "safety_block":
            return [None] * count
        replies: list[str | None] = []
        for index in range(count):
            salt = str(index) if index else ""
            text = json_reply(conversation, call.payload.get("response_format"), salt)
            if text is not None:
                # A story's clips are filmed later: their title cards show its narration.
                self._state.narrations.remember_reply(text)
            replies.append(text if text is not None else plain_reply(conversation, salt))
        return replies

    def _completion(
        self, body: bytes, model: str, conversation: Conversation, contents: list[str | None]
    ) -> dict[str, Any]:
        digest = hashlib.sha256(body).hexdigest()[:20]
        choices = []
        completion_tokens = 0
        for index, content in enumerate(contents):
            if content is None:
                message = {"role": "assistant", "content": None, "refusal": REFUSAL}
                finish = "content_filter"
                completion_tokens += estimate_tokens(REFUSAL)
            else:
                message = {"role": "assistant", "content": content, "refusal": None}
                finish = "stop"
                completion_tokens += estimate_tokens(content)
            choices.append(
                {"index": index, "message": message, "finish_reason": finish, "logprobs": None}
            )
        prompt_tokens = conversation.prompt_tokens
        cost = cost_usd(model, prompt_tokens, completion_tokens)
        return {
            "id": f"chatcmpl-{digest}{next(self._ids):06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                # OpenRouter reports every reply's cost, in USD, with its usage.
                "cost": cost,
            },
        }


def _event(data: dict[str, Any]) -> bytes:
    return b"data: " + dumps(data) + b"\n\n"


async def _chunks(completion: dict[str, Any], include_usage: bool) -> AsyncIterator[bytes]:
    """The completion re-cut as ``chat.completion.chunk`` events, a few words at a time."""
    head = {key: completion[key] for key in ("id", "created", "model")}
    head["object"] = "chat.completion.chunk"

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}
        return _event({**head, "choices": [choice]})

    for choice in completion["choices"]:
        index, message = choice["index"], choice["message"]
        yield chunk(index, {"role": "assistant", "content": ""})
        if message["content"] is None:
            yield chunk(index, {"refusal": message["refusal"]})
        else:
            words = message["content"].split(" ")
            for start in range(0, len(words), _CHUNK_WORDS):
                piece = " ".join(words[start : start + _CHUNK_WORDS])
                text = piece if start + _CHUNK_WORDS >= len(words) else f"{piece} "
                yield chunk(index, {"content": text})
                # Let other connections progress between pieces, as a real stream would.
                await asyncio.sleep(0)
        yield chunk(index, {}, choice["finish_reason"])
    if include_usage:
        yield _event({**head, "choices": [], "usage": completion["usage"]})
    yield b"data: [DONE]\n\n"
