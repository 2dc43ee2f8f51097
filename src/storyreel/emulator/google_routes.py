"""Google routes, Vertex AI and Gemini Developer API alike: ``{version}/{resource}:{method}``."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from storyreel.emulator.gemini import (
    GeminiRequestError,
    blocked_reply,
    image_reply,
    read_request,
    text_reply,
)
from storyreel.emulator.handling import begin
from storyreel.emulator.lookups import MODEL_RESOURCE, publisher_model
from storyreel.emulator.responses import dumps, google_error, json_response, malformed
from storyreel.emulator.speech import SpeechCall, is_speech, speech_reply
from storyreel.emulator.speech_log import SpeechEntry
from storyreel.emulator.speech_voices import SpeechRefusal
from storyreel.emulator.state import EmulatorState
from storyreel.emulator.veo_routes import VeoRoutes

VERSIONS: Final = frozenset({"v1", "v1beta", "v1beta1", "v1alpha"})
_MODEL_CALL: Final = re.compile(
    r"^(?:projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/)?"
    r"(?P<publisher>publishers/[^/]+/)?models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$"
)


@dataclass(frozen=True)
class Target:
    """Where a call was addressed: the model resource and, for Vertex paths, its project."""

    model: str
    method: str
    project: str | None
    location: str | None
    vertex: bool

    @property
    def resource(self) -> str:
        base = f"publishers/google/models/{self.model}" if self.vertex else f"models/{self.model}"
        if self.project is None:
            return base
        return f"projects/{self.project}/locations/{self.location}/{base}"


def credential(request: Request) -> str | None:
    """The API key or bearer token the caller sent, if any."""
    key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class GoogleRoutes:
    """Endpoints bound to one emulator's state."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._veo = VeoRoutes(state)

    async def post(self, request: Request) -> Response:
        version = request.path_params["version"]
        resource = request.path_params["resource"]
        match = _MODEL_CALL.match(resource) if version in VERSIONS else None
        if match is None:
            return google_error(404, f"The requested URL /{version}/{resource} was not found.")
        target = Target(
            model=match["model"],
            method=match["method"],
            project=match["project"],
            location=match["location"],
            vertex=match["publisher"] is not None,
        )
        if credential(request) is None:
            # Vertex rejects anonymous calls as unauthenticated; the Developer API as forbidden.
            status = 401 if target.vertex else 403
            return google_error(status, "The request is missing a valid API key or access token.")
        if target.method in ("generateContent", "streamGenerateContent"):
            return await self._generate_content(request, target)
        if target.method == "predictLongRunning":
            return await self._veo.predict(request, target.model, target.project, target.location)
        if target.method == "fetchPredictOperation":
            return await self._veo.fetch(request)
        return google_error(404, f"Method {target.method} is not emulated.")

    async def get(self, request: Request) -> Response:
        """``GET {version}/{operation name}``: the plain operations.get some clients use."""
        resource = request.path_params["resource"]
        model = MODEL_RESOURCE.match(resource)
        looked_up = "/operations/" in resource or model is not None
        if request.path_params["version"] not in VERSIONS or not looked_up:
            return google_error(404, f"The requested URL {request.url.path} was not found.")
        if credential(request) is None:
            return google_error(401, "The request is missing a valid API key or access token.")
        if model is not None:
            return await publisher_model(request, self._state, model.group("model"))
        return await self._veo.lookup(request, resource)

    async def _generate_content(self, request: Request, target: Target) -> Response:
        started = await begin(request, self._state, "generateContent", google_error)
        if isinstance(started, Response):
            return started
        call = started
        response_id = hashlib.sha256(call.body).hexdigest()[:22]
        streamed = target.method == "streamGenerateContent"
        try:
            parsed = read_request(call.payload)
            speech = is_speech(target.model, target.resource, target.location, parsed.config)
            if call.fault == "safety_block":
                reply = blocked_reply(parsed, target.model, response_id)
                await call.settle(self._state.latency.text_s)
            elif speech:
                await call.settle(self._state.latency.text_s)
                spoken = SpeechCall(target.model, request.url.path, response_id, streamed)
                reply = await asyncio.to_thread(
                    speech_reply, call.payload, spoken, self._state.speech
                )
            elif parsed.wants_image:
                await call.settle(self._state.latency.image_s)
                reply = await asyncio.to_thread(image_reply, parsed, target.model, response_id)
                self._state.inputs.drew(target.model, parsed.prompt, parsed.inputs)
            else:
                await call.settle(self._state.latency.text_s)
                reply = text_reply(parsed, target.model, response_id)
        except GeminiRequestError as exc:
            return google_error(400, str(exc))
        except SpeechRefusal as exc:
            entry = SpeechEntry(request.url.path, target.model, exc.status)
            self._state.speech.refused(entry)
            return google_error(exc.status, exc.message)
        if call.fault == "drop_after_accept":
            return await call.drop()
        if call.fault == "malformed":
            return malformed(reply)
        if streamed:
            return StreamingResponse(_stream(reply), media_type="text/event-stream")
        return json_response(reply)


async def _stream(reply: dict[str, Any]) -> AsyncIterator[bytes]:
    """``alt=sse`` streaming: the reply's parts one event each, usage on the last."""
    candidates = reply.get("candidates") or []
    if not candidates:
        yield b"data: " + dumps(reply) + b"\r\n\r\n"
        return
    parts = candidates[0]["content"]["parts"]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        event: dict[str, Any] = {"candidates": [candidate], "modelVersion": reply["modelVersion"]}
        if last:
            candidate["finishReason"] = "STOP"
            event["usageMetadata"] = reply["usageMetadata"]
        yield b"data: " + dumps(event) + b"\r\n\r\n"
