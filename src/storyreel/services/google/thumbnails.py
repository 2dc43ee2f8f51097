"""Images from the image model (thumbnails, sheets, keyframes): one billed call each, with
any input images sent inline before the prompt, the answer checked by its bytes and saved."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from storyreel.domain.images import IMAGE_INPUT_TYPES, MAX_IMAGE_INPUT_BYTES, megabytes
from storyreel.errors import InputError, ProviderError
from storyreel.quota import IMAGE, Limiter
from storyreel.services.google import errors as gerr
from storyreel.services.google.files import (
    IMAGE_TYPES_BY_SUFFIX,
    converted_image,
    image_size,
    save_media,
)
from storyreel.services.google.models import ImageResult, InputImage
from storyreel.services.google.paid_calls import MaybeBilled, PaidRetry, no_sdk_retries, send_paid
from storyreel.services.google.protocol import GenaiClient
from storyreel.services.google.results import image_payload
from storyreel.services.google.throttling import google_throttle

if TYPE_CHECKING:
    from google.genai import types

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
    inputs: Sequence[InputImage] = (),
    what: str = "the thumbnail",
) -> ImageResult:
    """Generate one image with ``model`` and write it to ``dest``: as the model made it (PNG
    or JPEG), or converted to ``mime_type`` (``image/png``, ``image/jpeg`` or ``image/webp``).
    ``inputs`` go before the prompt as inline images; ``what`` names the image in errors.

    Each image is billed: it is sent again only when Google certainly refused it. Each
    request waits for the image budget of ``limiter`` (none by default).
    """
    from google.genai import types

    if not prompt.strip():
        raise InputError(f"the prompt for {what} is empty")
    for number, image in enumerate(inputs, start=1):
        _check_input(image, f"input image {number} of {what}")
    if mime_type is not None and mime_type not in IMAGE_TYPES_BY_SUFFIX.values():
        raise InputError(f"cannot write {what} as {mime_type}: use PNG, JPEG or WebP")
    if aspect_ratio not in IMAGE_ASPECT_RATIOS:
        choices = ", ".join(IMAGE_ASPECT_RATIOS)
        raise InputError(f"unsupported image aspect ratio {aspect_ratio!r}: use one of {choices}")
    config = types.GenerateContentConfig(
        response_modalities=["IMAGE"],
        image_config=types.ImageConfig(aspect_ratio=aspect_ratio),
        # The client's retry policy must not repeat a billed call blindly.
        http_options=no_sdk_retries(),
    )
    contents = _contents(prompt.strip(), inputs)
    budget = limiter or Limiter.unlimited()
    try:
        response = await send_paid(
            lambda: budget.call(
                IMAGE,
                model,
                lambda: client.aio.models.generate_content(
                    model=model, contents=contents, config=config
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


def _check_input(image: InputImage, what: str) -> None:
    # Google refuses these with a 400 after the call is made; saying so here costs nothing.
    if image.mime_type not in IMAGE_INPUT_TYPES:
        raise InputError(f"{what} is {image.mime_type}; Google takes PNG, JPEG or WebP")
    if len(image.data) > MAX_IMAGE_INPUT_BYTES:
        raise InputError(
            f"{what} is {megabytes(len(image.data))}; Google takes input images of at most "
            f"{megabytes(MAX_IMAGE_INPUT_BYTES)}"
        )


def _contents(prompt: str, inputs: Sequence[InputImage]) -> str | list[types.Content]:
    """The prompt alone, or one user turn of the input images followed by the prompt."""
    from google.genai import types

    if not inputs:
        return prompt
    parts = [types.Part.from_bytes(data=image.data, mime_type=image.mime_type) for image in inputs]
    return [types.Content(role="user", parts=[*parts, types.Part.from_text(text=prompt)])]


__all__ = ["IMAGE_ASPECT_RATIOS", "make_thumbnail"]
