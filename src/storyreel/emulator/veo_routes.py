"""Veo: ``predictLongRunning`` submits a paid generation, ``fetchPredictOperation`` polls it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from storyreel.emulator.handling import begin
from storyreel.emulator.images import AspectRatioError, parse_ratio
from storyreel.emulator.operations import Operation, project_number
from storyreel.emulator.responses import google_error, json_response, malformed
from storyreel.emulator.state import EmulatorState
from storyreel.emulator.veo_models import (
    EXPRESS_REFUSAL,
    VeoParameterError,
    checked_frames,
    checked_video,
)
from storyreel.emulator.video import MAX_SECONDS, ClipSpec

_MAX_SAMPLES: Final = 4
_VEO_RATIOS: Final = ((16, 9), (9, 16))
_FAULT_OUTCOMES: Final = {
    "safety_block": "safety",
    "operation_error": "error",
    "safety_error": "safety_error",
}


class VeoRequestError(ValueError):
    """A submission Vertex would refuse with 400 INVALID_ARGUMENT."""


def _whole(parameters: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = parameters.get(key, default)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise VeoRequestError(f"parameters.{key} must be a whole number {low}-{high}")
    return value


def _flag(parameters: Mapping[str, Any], key: str) -> bool:
    value = parameters.get(key, False)
    if not isinstance(value, bool):
        raise VeoRequestError(f"parameters.{key} must be a boolean")
    return value


def clips_for(
    payload: Mapping[str, Any], card: str | None = None, *, model: str = ""
) -> tuple[list[ClipSpec], str | None]:
    """The clips a submission to ``model`` asks for, and where it wants them stored
    (``storageUri``); ``card`` is the narration their title cards show, when the emulator
    knows it."""
    instances = payload.get("instances")
    if not isinstance(instances, list) or not instances or not isinstance(instances[0], Mapping):
        raise VeoRequestError("instances must hold one object with a prompt")
    instance = instances[0]
    parameters = payload.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        raise VeoRequestError("parameters must be an object")
    prompt = instance.get("prompt", "")
    try:
        image, last_frame = checked_frames(model, instance)
    except VeoParameterError as exc:
        raise VeoRequestError(str(exc)) from exc
    if not isinstance(prompt, str) or not (prompt.strip() or image or instance.get("image")):
        raise VeoRequestError("instances[0] needs a non-empty prompt, an image, or both")
    try:
        ratio = parse_ratio(parameters.get("aspectRatio"), default="16:9")
    except AspectRatioError as exc:
        raise VeoRequestError(str(exc)) from exc
    if ratio not in _VEO_RATIOS:
        raise VeoRequestError(
            f"Unsupported aspect ratio {parameters.get('aspectRatio')!r}, supported aspect "
            "ratios are ['16:9', '9:16']."
        )
    seconds = _whole(parameters, "durationSeconds", 8, 1, MAX_SECONDS)
    samples = _whole(parameters, "sampleCount", 1, 1, _MAX_SAMPLES)
    storage = parameters.get("storageUri")
    if storage is not None and (not isinstance(storage, str) or not storage.startswith("gs://")):
        raise VeoRequestError("parameters.storageUri must be a gs:// URI")
    audio = _flag(parameters, "generateAudio")
    try:
        resolution = checked_video(model, parameters, seconds)
    except VeoParameterError as exc:
        raise VeoRequestError(str(exc)) from exc
    clips = [
        ClipSpec(prompt, ratio, seconds, sample, image, card, audio, resolution, last_frame)
        for sample in range(samples)
    ]
    return clips, storage


class VeoRoutes:
    """Endpoints bound to one emulator's state."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    async def predict(
        self, request: Request, model: str, project: str | None, location: str | None
    ) -> Response:
        started = await begin(request, self._state, "predictLongRunning", google_error)
        if isinstance(started, Response):
            return started
        call = started
        if project is None and not self._state.express_veo:
            return google_error(400, EXPRESS_REFUSAL)
        try:
            clips, storage = clips_for(call.payload, self._card(call.payload), model=model)
        except VeoRequestError as exc:
            return google_error(400, str(exc))
        # Express-mode calls have no project in the path; Vertex still names one in the operation.
        number = project_number(project or "express")
        resource = (
            f"projects/{number}/locations/{location or 'us-central1'}"
            f"/publishers/google/models/{model}"
        )
        operation = Operation(
            name=self._state.operations.new_name(resource, call.body),
            clips=clips,
            latency_s=self._state.latency.video_s,
            storage_uri=storage,
            outcome=_FAULT_OUTCOMES.get(call.fault or "", "video"),
        )
        try:
            self._state.operations.add(operation)
        except OSError as exc:
            # Nothing was accepted: a name that could be forgotten is never handed out.
            return google_error(503, f"The operation could not be stored ({exc}); try again.")
        self._state.count_submission()
        first = clips[0]
        self._state.inputs.submitted(operation.name, model, first.image, first.last_frame)
        operation.start_encoding()
        document = {"name": operation.name}
        await call.hold_after_accept()
        if call.fault == "drop_after_accept":
            return await call.drop()
        if call.fault == "malformed":
            return malformed(document)
        return json_response(document)

    def _card(self, payload: Mapping[str, Any]) -> str | None:
        instances = payload.get("instances")
        first = instances[0] if isinstance(instances, list) and instances else None
        prompt = first.get("prompt") if isinstance(first, Mapping) else None
        return self._state.narrations.narration_for(prompt) if isinstance(prompt, str) else None

    async def fetch(self, request: Request) -> Response:
        started = await begin(request, self._state, "fetchPredictOperation", google_error)
        if isinstance(started, Response):
            return started
        call = started
        name = call.payload.get("operationName")
        if not isinstance(name, str) or not name:
            return google_error(400, "operationName must be a non-empty string")
        operation = self._state.operations.get(name)
        if operation is None:
            return google_error(404, f"Operation {name} was not found.")
        outcome = _FAULT_OUTCOMES.get(call.fault or "")
        if outcome is not None:
            operation.outcome = outcome
            operation.cancel()
            self._state.operations.save(operation)
        # Logged on arrival: a ready clip's answer may wait for its encoding to finish.
        self._state.polls.saw(name, operation.done_at)
        document = await operation.finished() if operation.is_done() else {"name": name}
        if call.fault == "drop_after_accept":
            return await call.drop()
        if call.fault == "malformed":
            return malformed(document)
        return json_response(document)

    async def lookup(self, request: Request, name: str) -> Response:
        """The same document for a plain ``GET`` of the operation's name."""
        self._state.count("fetchPredictOperation", request.scope.get("client"))
        operation = self._state.operations.get(name)
        if operation is None:
            return google_error(404, f"Operation {name} was not found.")
        return json_response(await operation.finished() if operation.is_done() else {"name": name})
