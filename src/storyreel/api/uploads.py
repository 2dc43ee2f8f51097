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
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from storyreel.api.auth import check_token
from storyreel.api.dependencies import app_container
from storyreel.api.problems import ApiProblem, problem_response
from storyreel.api.routing import Handler, ProblemRoute
from storyreel.files import sniff_image_type
from storyreel.services.openrouter.images import MAX_IMAGES
from storyreel.settings import Settings

_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
_CHUNK = 64 * 1024


def limit_bytes(settings: Settings) -> int:
    return int(settings.api.max_upload_mb * 1024 * 1024)


def too_large(settings: Settings) -> ApiProblem:
    return ApiProblem(
        413, f"the upload is larger than {settings.api.max_upload_mb:g} MB (api.max_upload_mb)"
    )


def _token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class UploadRoute(ProblemRoute):
    """A :class:`ProblemRoute` that checks the token and the body size before the body is
    parsed (FastAPI parses a form before it runs any dependency)."""

    def get_route_handler(self) -> Handler:
        parse_and_run = super().get_route_handler()

        async def handle(request: Request) -> Response:
            settings: Settings = app_container(request).config()
            server = request.scope.get("server")
            try:
                check_token(settings, _token(request), str(server[0]) if server else None)
                limited = _limited(request, settings)
            except Exception as exc:  # refused before the body is read
                return problem_response(exc, request)
            return await parse_and_run(limited)

        return handle


def _limited(request: Request, settings: Settings) -> Request:
    limit = limit_bytes(settings)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(settings)
    seen = 0
    receive = request.receive

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(settings)
        return message

    return Request(request.scope, counting)


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
