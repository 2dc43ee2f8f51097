"""Uploads: the body size limit enforced while reading, and image checks before any upstream call.

The limit is ``api.max_upload_mb`` for the whole request body. A declared Content-Length
over it is refused before a byte is read; a chunked body is counted as it arrives and
refused as soon as it passes the limit. Unauthenticated uploads are refused before their
body is read at all.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fastapi import UploadFile

from storyreel.api.problems import ApiProblem
from storyreel.api.routing import GuardedRoute
from storyreel.files import sniff_image_type
from storyreel.services.openrouter.images import MAX_IMAGES
from storyreel.settings import Settings

_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


class UploadRoute(GuardedRoute):
    """A :class:`GuardedRoute` whose body limit is ``api.max_upload_mb``: the token and the
    size are checked before a form is parsed (FastAPI parses it before any dependency)."""

    def body_limit(self, settings: Settings) -> tuple[int, str]:
        megabytes = settings.api.max_upload_mb
        return int(megabytes * 1024 * 1024), f"{megabytes:g} MB (api.max_upload_mb)"


async def save_images(uploads: Sequence[UploadFile], folder: Path) -> list[Path]:
    """Check that each upload is a PNG, JPEG or WebP image (by its bytes, not its declared
    type) and write it under ``folder``; 415 for anything else, 422 for too many."""
    if len(uploads) > MAX_IMAGES:
        raise ApiProblem(422, f"give at most {MAX_IMAGES} images, got {len(uploads)}")
    paths = []
    for number, upload in enumerate(uploads, start=1):
        data = await upload.read()
        mime = sniff_image_type(data[:16])
        if mime is None:
            name = upload.filename or f"file {number}"
            raise ApiProblem(415, f"{name} is not a PNG, JPEG or WebP image")
        path = folder / f"image-{number:02d}{_SUFFIXES[mime]}"
        await asyncio.to_thread(path.write_bytes, data)
        paths.append(path)
    return paths


def upload_folder() -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder for one request's images (removed when closed)."""
    return tempfile.TemporaryDirectory(prefix="storyreel-upload-")
