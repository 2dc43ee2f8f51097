"""Which input images reached the emulator: per image request, the SHA-256 of each inline
image; per Veo submission, those of ``image`` and ``lastFrame``. Kept in memory for the stats
and, with a state folder, on disk for any process sharing it (a job killed and resumed)."""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from storyreel.emulator.records import RecordFolder

logger = logging.getLogger(__name__)

_KEPT: Final = 1000
_PROMPT_CHARS: Final = 300
INPUTS_FOLDER: Final = "inputs"


def digest(data: bytes | None) -> str | None:
    """The hex SHA-256 of ``data``, or None."""
    return hashlib.sha256(data).hexdigest() if data is not None else None


@dataclass(frozen=True)
class ImageRequest:
    """One billed image request: its model, the start of its prompt, its inputs' digests."""

    model: str
    prompt: str
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class VeoFrames:
    """One accepted Veo submission and the digests of its first and last frames (None: none
    sent inline)."""

    operation: str
    model: str
    image: str | None
    last_frame: str | None


class InputLog:
    """Safe to write from the server thread and read from a test thread."""

    def __init__(self, folder: RecordFolder | None = None) -> None:
        self._lock = threading.Lock()
        self._images: deque[ImageRequest] = deque(maxlen=_KEPT)
        self._frames: deque[VeoFrames] = deque(maxlen=_KEPT)
        self._folder = folder
        self._sequence = itertools.count()

    def drew(self, model: str, prompt: str, inputs: Sequence[bytes]) -> None:
        """An image request answered with an image (billed)."""
        entry = ImageRequest(model, prompt[:_PROMPT_CHARS], tuple(map(_hex, inputs)))
        with self._lock:
            self._images.append(entry)
        self._store("image", asdict(entry))

    def submitted(
        self, operation: str, model: str, image: bytes | None, last: bytes | None
    ) -> None:
        """A Veo submission accepted as ``operation``."""
        entry = VeoFrames(operation, model, digest(image), digest(last))
        with self._lock:
            self._frames.append(entry)
        self._store("veo", asdict(entry))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "image_requests": [asdict(entry) for entry in self._images],
                "veo_frames": [asdict(entry) for entry in self._frames],
            }

    def clear(self) -> None:
        with self._lock:
            self._images.clear()
            self._frames.clear()
        if self._folder is not None:
            self._folder.clear()

    def _store(self, kind: str, record: dict[str, Any]) -> None:
        if self._folder is None:
            return
        key = f"{kind}:{time.time():.6f}:{next(self._sequence)}:{secrets.token_hex(4)}"
        try:
            self._folder.write(key, {"kind": kind, **record})
        except OSError as exc:
            # The reply is already made: losing a test record must not fail the request.
            logger.warning("could not record the input images of a request: %s", exc)


def stored_inputs(state_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """What the emulators sharing ``state_dir`` recorded, oldest first: ``image_requests``
    (model, prompt, inputs) and ``veo_frames`` (operation, model, image, last_frame)."""
    folder = RecordFolder(state_dir / INPUTS_FOLDER)
    found: dict[str, list[dict[str, Any]]] = {"image_requests": [], "veo_frames": []}
    stored = folder.keys()
    for key in stored:
        record = folder.read(key)
        if record is None:
            continue
        kind = record.pop("kind", None)
        if kind == "image":
            record["inputs"] = tuple(record.get("inputs", ()))
            found["image_requests"].append(record)
        elif kind == "veo":
            found["veo_frames"].append(record)
    return found


def _hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


__all__ = ["INPUTS_FOLDER", "ImageRequest", "InputLog", "VeoFrames", "digest", "stored_inputs"]
