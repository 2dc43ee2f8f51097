"""The values the media service takes and returns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class VideoRequest(BaseModel):
    """Everything one Veo clip is made from. Serializable (bytes as base64) for job stores."""

    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    prompt: str = Field(min_length=1)
    # Which lengths a model takes is the Veo table's call (storyreel.domain.veo).
    duration_seconds: int = Field(ge=1, le=8)
    aspect_ratio: str
    resolution: str
    negative_prompt: str | None = None
    generate_audio: bool = False
    first_frame: bytes | None = None
    first_frame_mime: str | None = None
    # Veo 3.1 only, and only together with a first frame (storyreel.domain.veo.frames_problem).
    last_frame: bytes | None = None
    last_frame_mime: str | None = None


@dataclass(frozen=True)
class InputImage:
    """An encoded image sent to Google as input: a sheet, a keyframe, a user's reference.

    ``mime_type`` is what the bytes are (``image/png``, ``image/jpeg`` or ``image/webp``).
    """

    data: bytes
    mime_type: str

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of ``data``: how logs and the emulator name an image."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class VideoResult:
    """A finished clip. With ``video.output_gcs_uri`` Google may return only ``uri``: then
    nothing is written, ``path`` does not exist and ``bytes`` is 0."""

    path: Path
    operation: str
    bytes: int
    duration_seconds: float | None
    uri: str | None


@dataclass(frozen=True)
class ImageResult:
    """A saved thumbnail."""

    path: Path
    mime_type: str
    width: int
    height: int


__all__ = ["ImageResult", "InputImage", "VideoRequest", "VideoResult"]
