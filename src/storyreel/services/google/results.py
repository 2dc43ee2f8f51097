"""Read Veo operations and image replies: the media, or a typed error saying why there is none."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storyreel.errors import ContentBlockedError, ProviderError
from storyreel.files import is_mp4, sniff_image_type
from storyreel.logs import redact
from storyreel.services.google.errors import PROVIDER

if TYPE_CHECKING:
    from google.genai import types

# Finish reasons that mean "refused on safety or policy grounds" rather than "failed".
BLOCKING_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "RECITATION",
        "MODEL_ARMOR",
    }
)
# A thumbnail is saved as it came; the job folder and the CLI name only these two types.
THUMBNAIL_TYPES = frozenset({"image/png", "image/jpeg"})
_EXCERPT = 200
_SUPPORT_CODES = re.compile(r"support codes?:\s*([\d,\s]+)", re.IGNORECASE)


class OperationFailed(ProviderError):
    """A Veo operation that finished without a usable clip. Final: polling it again gives
    the same answer, and submitting again would be a new, billed clip."""


def support_codes(message: str) -> list[str]:
    """The numbers after "Support codes:" in a Veo error message (none when absent)."""
    found = _SUPPORT_CODES.search(message)
    return re.findall(r"\d+", found.group(1)) if found else []


@dataclass(frozen=True)
class VideoPayload:
    """What a finished operation delivered: the MP4 bytes, or only a link to them."""

    data: bytes | None
    uri: str | None


def video_payload(operation: types.GenerateVideosOperation, *, label: str) -> VideoPayload:
    """The first video of a finished operation, verified to be an MP4 when it has bytes.

    Raises OperationFailed for an operation error or bytes that are not an MP4, and
    ContentBlockedError when the safety filters removed the video.
    """
    name = operation.name or "unknown operation"
    if operation.error:
        error = operation.error
        detail = redact(str(error.get("message") or error))
        code = error.get("code")
        codes = support_codes(detail)
        if codes:
            # Vertex also tells a blocked video this way; the codes name the filter that hit.
            raise ContentBlockedError(
                f"{label} was blocked by Google's safety filters: {detail}",
                provider=PROVIDER,
                reasons=[detail],
                codes=codes,
            )
        suffix = f" (code {code})" if code is not None else ""
        raise OperationFailed(
            f"Veo could not make {label}: {detail}{suffix}",
            provider=PROVIDER,
            status=None,
            retryable=False,
        )
    response = operation.response or operation.result
    videos = list(response.generated_videos or []) if response else []
    video = videos[0].video if videos else None
    if video is None or not (video.video_bytes or video.uri):
        reasons = list(response.rai_media_filtered_reasons or []) if response else []
        filtered = (response.rai_media_filtered_count or 0) if response else 0
        if reasons or filtered:
            shown = "; ".join(reasons) or f"{filtered} video(s) filtered, no reason given"
            raise ContentBlockedError(
                f"{label} was blocked by Google's safety filters: {shown}",
                provider=PROVIDER,
                reasons=reasons or [f"{filtered} video(s) filtered"],
            )
        raise OperationFailed(
            f"Veo finished {label} without a video ({name})",
            provider=PROVIDER,
            status=None,
            retryable=False,
        )
    data = video.video_bytes
    if data is not None and not is_mp4(data):
        raise OperationFailed(
            f"Veo returned bytes for {label} that are not an MP4 ({len(data)} bytes starting "
            f"{data[:8].hex()}); nothing was saved",
            provider=PROVIDER,
            status=None,
            retryable=False,
        )
    return VideoPayload(data=data or None, uri=video.uri)


@dataclass(frozen=True)
class ImagePayload:
    """The image bytes of a reply and their MIME type, read from the magic bytes."""

    data: bytes
    mime_type: str


def image_payload(response: types.GenerateContentResponse, *, what: str) -> ImagePayload:
    """The first image part of a reply (text and thought parts are skipped), verified.

    Raises ContentBlockedError when the prompt or the output was blocked, ProviderError
    when there is no image or it is neither a PNG nor a JPEG.
    """
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        reason = _enum_name(feedback.block_reason)
        reasons = [reason] + (
            [feedback.block_reason_message] if feedback.block_reason_message else []
        )
        raise ContentBlockedError(
            f"Google blocked the prompt for {what}: {'; '.join(reasons)}",
            provider=PROVIDER,
            reasons=reasons,
        )
    candidates = response.candidates or []
    candidate = candidates[0] if candidates else None
    texts: list[str] = []
    parts = candidate.content.parts if candidate and candidate.content else None
    for part in parts or []:
        if part.thought:
            continue
        if part.inline_data is not None and part.inline_data.data:
            data = part.inline_data.data
            mime = sniff_image_type(data)
            if mime is None or mime not in THUMBNAIL_TYPES:
                declared = part.inline_data.mime_type or "no type"
                raise ProviderError(
                    f"the image for {what} is neither a PNG nor a JPEG ({declared}, "
                    f"{len(data)} bytes starting {data[:8].hex()}); nothing was saved",
                    provider=PROVIDER,
                    status=None,
                    retryable=False,
                )
            return ImagePayload(data=data, mime_type=mime)
        if part.text:
            texts.append(part.text)
    finish = _enum_name(candidate.finish_reason) if candidate and candidate.finish_reason else None
    if finish in BLOCKING_FINISH_REASONS:
        message = candidate.finish_message if candidate else None
        reasons = [finish] + ([message] if message else [])
        raise ContentBlockedError(
            f"Google blocked the image for {what}: {'; '.join(reasons)}",
            provider=PROVIDER,
            reasons=reasons,
        )
    said = " ".join(texts).strip()
    excerpt = f"; the model said: {said[:_EXCERPT]!r}" if said else ""
    raise ProviderError(
        f"the image model returned no image for {what} (finish reason {finish or 'none'}){excerpt}",
        provider=PROVIDER,
        status=None,
        retryable=False,
    )


def _enum_name(value: object) -> str:
    # The SDK gives enum members for known values and plain strings for new ones.
    return str(getattr(value, "value", value))


__all__ = [
    "BLOCKING_FINISH_REASONS",
    "THUMBNAIL_TYPES",
    "ImagePayload",
    "VideoPayload",
    "image_payload",
    "support_codes",
    "video_payload",
]
