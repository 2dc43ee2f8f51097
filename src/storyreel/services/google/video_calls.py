"""Veo requests: a clip's parameters checked against what Veo makes, and the SDK call built."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from storyreel.domain.text import MAX_VIDEO_PROMPT_CHARS, checked_text
from storyreel.domain.veo import VEO_3, VEO_ASPECT_RATIOS, clip_problem, frames_problem, veo_model
from storyreel.errors import InputError
from storyreel.services.google.models import InputImage, VideoRequest
from storyreel.services.google.paid_calls import no_sdk_retries
from storyreel.settings import VideoSettings

if TYPE_CHECKING:
    from google.genai import types

VIDEO_ASPECT_RATIOS = VEO_ASPECT_RATIOS
# Veo 3's lengths, the default model's; each model's own are in the Veo table.
VIDEO_DURATIONS = VEO_3.durations
MAX_VIDEO_SECONDS = 8

# A Veo operation on Vertex AI: the model's resource name, then /operations/ and an id. The
# SDK polls it at the model part of the name; without one it would post to a bare
# ":fetchPredictOperation" and Google would answer with a puzzling 404.
_OPERATION_NAME = re.compile(
    r"(projects/[^/\s]+/locations/[^/\s]+/)?publishers/[^/\s]+/models/[^/\s]+/operations/[^/\s]+"
)
OPERATION_NAME_SHAPE = (
    "projects/PROJECT/locations/LOCATION/publishers/google/models/MODEL/operations/ID"
)


def check_operation_name(name: str) -> str:
    """``name`` if it has the shape of a Veo operation name, else an InputError that shows
    the shape; nothing is sent to find out."""
    if _OPERATION_NAME.fullmatch(name):
        return name
    shown = name if len(name) <= 80 else name[:77] + "..."
    raise InputError(
        f"{shown!r} is not a Veo operation name: one looks like {OPERATION_NAME_SHAPE}, as "
        "printed after 'submitted as' when the clip was submitted"
    )


def video_request(
    video: VideoSettings,
    prompt: str,
    *,
    model: str,
    duration_seconds: int | None = None,
    aspect_ratio: str | None = None,
    first_frame: InputImage | None = None,
    last_frame: InputImage | None = None,
) -> VideoRequest:
    """A VideoRequest for ``prompt``, the rest from ``video``, starting from ``first_frame``
    and ending on ``last_frame`` when given; InputError for what ``model`` does not make or
    take (the Veo table, :mod:`storyreel.domain.veo`), before anything is sent."""
    prompt = checked_text(prompt, "the video prompt", MAX_VIDEO_PROMPT_CHARS)
    duration = video.duration_seconds if duration_seconds is None else duration_seconds
    ratio = aspect_ratio or video.aspect_ratio
    problem = clip_problem(
        model,
        duration=duration,
        resolution=video.resolution,
        aspect_ratio=ratio,
        audio=video.generate_audio,
    )
    if problem is None and not 1 <= duration <= MAX_VIDEO_SECONDS:
        problem = f"Veo makes clips of at most {MAX_VIDEO_SECONDS} seconds, not {duration}"
    if problem is None:
        problem = frames_problem(model, first=_shape(first_frame), last=_shape(last_frame))
    if problem is not None:
        raise InputError(problem)
    return VideoRequest(
        prompt=prompt,
        duration_seconds=duration,
        aspect_ratio=ratio,
        resolution=video.resolution,
        negative_prompt=video.negative_prompt,
        generate_audio=video.generate_audio,
        first_frame=first_frame.data if first_frame else None,
        first_frame_mime=first_frame.mime_type if first_frame else None,
        last_frame=last_frame.data if last_frame else None,
        last_frame_mime=last_frame.mime_type if last_frame else None,
    )


def _shape(image: InputImage | None) -> tuple[str, int] | None:
    return None if image is None else (image.mime_type, len(image.data))


def video_call(
    request: VideoRequest, *, model: str, output_gcs_uri: str | None
) -> tuple[types.GenerateVideosSource, types.GenerateVideosConfig]:
    """The source and config of ``generate_videos`` for one clip, with the SDK's retries off.
    Fields ``model`` refuses to see at all (Veo 2: resolution, audio) are left out."""
    from google.genai import types

    problem = frames_problem(
        model,
        first=_stored_shape(request.first_frame, request.first_frame_mime),
        last=_stored_shape(request.last_frame, request.last_frame_mime),
    )
    if problem is not None:
        # A request stored by an older run, or built by hand, is checked as strictly.
        raise InputError(problem)
    source = types.GenerateVideosSource(
        prompt=request.prompt, image=_image(request.first_frame, request.first_frame_mime)
    )
    family = veo_model(model)
    resolution = request.resolution if family is None or family.sends_resolution else None
    audio = request.generate_audio if family is None or family.sends_audio else None
    config = types.GenerateVideosConfig(
        aspect_ratio=request.aspect_ratio,
        duration_seconds=request.duration_seconds,
        resolution=resolution,
        negative_prompt=request.negative_prompt,
        generate_audio=audio,
        number_of_videos=1,
        output_gcs_uri=output_gcs_uri,
        last_frame=_image(request.last_frame, request.last_frame_mime),
        # A paid call: the client's retry policy must never repeat it blindly.
        http_options=no_sdk_retries(),
    )
    return source, config


def _stored_shape(data: bytes | None, mime_type: str | None) -> tuple[str, int] | None:
    return None if data is None else (mime_type or "image/png", len(data))


def _image(data: bytes | None, mime_type: str | None) -> types.Image | None:
    from google.genai import types

    if data is None:
        return None
    return types.Image(image_bytes=data, mime_type=mime_type or "image/png")


__all__ = [
    "OPERATION_NAME_SHAPE",
    "VIDEO_ASPECT_RATIOS",
    "VIDEO_DURATIONS",
    "check_operation_name",
    "video_call",
    "video_request",
]
