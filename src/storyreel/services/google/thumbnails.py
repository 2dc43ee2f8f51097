"""Thumbnails: one billed image from the image model, checked by its bytes and saved."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storyreel.errors import InputError, ProviderError
from storyreel.quota import IMAGE, Limiter
from storyreel.services.google import errors as gerr
from storyreel.services.google.files import (
    IMAGE_TYPES_BY_SUFFIX,
    converted_image,
    image_size,
    save_media,
)
from storyreel.services.google.models import ImageResult
from storyreel.services.google.paid_calls import MaybeBilled, PaidRetry, no_sdk_retries, send_paid
from storyreel.services.google.protocol import GenaiClient
from storyreel.services.google.results import image_payload
from storyreel.services.google.throttling import google_throttle

IMAGE_ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


async def make_thumbnail(
    client: GenaiClient,
    *,
    model: str,
    prompt: str,
    dest: Path,
    aspect_ratio: str,
    retry: PaidRetry,
    mime_type: str | None = None,
    limiter: Limiter | None = None,
) -> ImageResult:
    """Generate one image with ``model`` and write it to ``dest``: as the model made it (PNG
    or JPEG), or converted to ``mime_type`` (``image/png``, ``image/jpeg`` or ``image/webp``).

    Each image is billed: it is sent again only when Google certainly refused it. Each
    request waits for the image budget of ``limiter`` (none by default).
    """
    from google.genai import types

    if not prompt.strip():
        raise InputError("the thumbnail prompt is empty")
    if mime_type is not None and mime_type not in IMAGE_TYPES_BY_SUFFIX.values():
        raise InputError(f"cannot write a thumbnail as {mime_type}: use PNG, JPEG or WebP")
    if aspect_ratio not in IMAGE_ASPECT_RATIOS:
        choices = ", ".join(IMAGE_ASPECT_RATIOS)
        raise InputError(f"unsupported image aspect ratio {aspect_ratio!r}: use one of {choices}")
    config = types.GenerateContentConfig(
        response_modalities=["IMAGE"],
        image_config=types.ImageConfig(aspect_ratio=aspect_ratio),
        # The client's retry policy must not repeat a billed call blindly.
        http_options=no_sdk_retries(),
    )
    what = "the thumbnail"
    budget = limiter or Limiter.unlimited()
    try:
        response = await send_paid(
            lambda: budget.call(
                IMAGE,
                model,
                lambda: client.aio.models.generate_content(
                    model=model, contents=prompt.strip(), config=config
                ),
                throttled=google_throttle,
            ),
            retry=retry,
            what=f"making {what}",
            label=what,
        )
    except MaybeBilled as maybe:
        raise ProviderError(
            f"{maybe.error}. Google may have made (and billed) the image; it was not "
            "requested again",
            provider=gerr.PROVIDER,
            status=maybe.error.status if isinstance(maybe.error, ProviderError) else None,
            retryable=True,
        ) from maybe.__cause__
    payload = image_payload(response, what=what)
    try:
        width, height = image_size(payload.data)
    except ValueError as exc:
        raise ProviderError(
            f"the image for {what} could not be read ({exc}); nothing was saved",
            provider=gerr.PROVIDER,
        ) from exc
    data, written = payload.data, payload.mime_type
    if mime_type is not None and mime_type != written:
        data, written = await asyncio.to_thread(converted_image, data, mime_type), mime_type
    await save_media(dest, data, what=what)
    return ImageResult(path=dest, mime_type=written, width=width, height=height)


__all__ = ["IMAGE_ASPECT_RATIOS", "make_thumbnail"]
