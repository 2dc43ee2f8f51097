"""A finished Veo operation's clip: checked, written to disk and measured."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from storyreel.services.google import errors as gerr
from storyreel.services.google.files import mp4_duration, save_media
from storyreel.services.google.models import VideoResult
from storyreel.services.google.results import OperationFailed, video_payload

if TYPE_CHECKING:
    from google.genai import types

logger = logging.getLogger(__name__)


async def save_clip(
    finished: types.GenerateVideosOperation,
    operation: str,
    dest: Path,
    *,
    label: str,
    to_bucket: bool,
) -> VideoResult:
    """Write the clip of ``finished`` to ``dest``. With ``to_bucket`` (``video.output_gcs_uri``
    set) Google may answer with only a link: then nothing is written."""
    payload = video_payload(finished, label=label)
    if payload.data is None:
        if not to_bucket:
            raise OperationFailed(
                f"Veo returned only a link for {label} ({payload.uri}) and no bytes",
                provider=gerr.PROVIDER,
            )
        return VideoResult(dest, operation, 0, None, payload.uri)
    await save_media(dest, payload.data, what=label, operation=operation)
    duration = await asyncio.to_thread(mp4_duration, dest)
    logger.info("%s: saved %d bytes to %s", label, len(payload.data), dest)
    return VideoResult(dest, operation, len(payload.data), duration, payload.uri)


__all__ = ["save_clip"]
