"""Background music for a video job: uploaded once, checked as audio, kept in the output
folder under a name from its content, then named by ``POST /v1/videos`` (``music``)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import File, UploadFile
from pydantic import BaseModel
from starlette.requests import Request

from storyreel.api.dependencies import AppSettings, app_container
from storyreel.api.fields import MusicName
from storyreel.api.problems import ApiProblem, problem_responses
from storyreel.api.routing import problem_router
from storyreel.api.uploads import UploadRoute
from storyreel.errors import InputError
from storyreel.files import write_atomic
from storyreel.jobs.choices import ReelChoices, reel_choices
from storyreel.settings import Settings

music_router = problem_router(400, 401, 413, tags=["media"], route_class=UploadRoute)

MUSIC_FOLDER = "music"
_SUFFIXES = {".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac", ".webm"}


class MusicUpload(BaseModel):
    """An uploaded piece of music: pass ``music`` to ``POST /v1/videos``."""

    music: MusicName
    duration_seconds: float


def music_path(settings: Settings, name: str) -> Path:
    """Where the uploaded piece ``name`` is kept."""
    return settings.output_dir / MUSIC_FOLDER / name


def chosen_reel(settings: Settings, music: str | None) -> ReelChoices | None:
    """The reel choices of a job given uploaded ``music``; None (the settings') without."""
    if music is None:
        return None
    return reel_choices(settings, music=music_path(settings, music))


def _keep(request: Request, settings: Settings, data: bytes, filename: str) -> MusicUpload:
    # The decoder goes by the bytes; the suffix only names the kept file.
    suffix = PurePath(filename).suffix.lower()
    suffix = suffix if suffix in _SUFFIXES else ".audio"
    name = hashlib.sha256(data).hexdigest()[:24] + suffix
    path = music_path(settings, name)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    try:
        seconds = app_container(request).reel_assembler().check_music(path)
    except InputError:
        # The checker's message names the server's file and asks for a path: say it for an
        # upload instead.
        path.unlink(missing_ok=True)
        raise ApiProblem(
            422,
            f"{filename or 'the upload'} is not audio storyreel can decode: upload an MP3, "
            "M4A/AAC, WAV, FLAC, Ogg or Opus file",
        ) from None
    return MusicUpload(music=name, duration_seconds=round(seconds, 3))


@music_router.post(
    "/music",
    response_model=MusicUpload,
    summary="Upload background music",
    responses=problem_responses(413),
)
async def post_music(
    request: Request,
    settings: AppSettings,
    music: Annotated[UploadFile, File(description="One audio file (MP3, M4A, WAV, OGG, ...).")],
) -> MusicUpload:
    """Keep an audio file for the reels of later jobs (looped or trimmed to the reel's
    length, ducked under the voice). The size (``api.max_upload_mb``) is checked while it
    arrives; 422 when it cannot be decoded as audio."""
    data = await music.read()
    return await asyncio.to_thread(_keep, request, settings, data, music.filename or "")


__all__ = ["MusicUpload", "chosen_reel", "music_path", "music_router"]
