"""Veo long-running operations: when each finishes, what it finishes with, and where they are
kept (in memory, and in a state folder when one is given, for any later process to poll)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Final

import av

from storyreel.emulator.records import RecordFolder
from storyreel.emulator.video import ClipSpec, make_mp4

logger = logging.getLogger(__name__)

RESPONSE_TYPE: Final = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
SAFETY_REASON: Final = (
    "Veo could not generate videos because the input prompt or the generated content "
    "violates Vertex AI's usage guidelines (emulated safety filter). Support codes: 58061214"
)
# How Vertex also reports a blocked video: an operation error (3, INVALID_ARGUMENT) whose
# message carries the support codes.
SAFETY_ERROR: Final = (
    "The prompt could not be submitted. This prompt contains sensitive words that violate "
    "Google's Responsible AI practices. Try rephrasing the prompt. If you think this was an "
    "error, send feedback. Support codes: 17301594, 29310472"
)
_MAX_KEPT: Final = 10_000
# Stored operations nobody has touched for this long are forgotten, as Google forgets them.
RETENTION_S: Final = 30 * 24 * 3600.0


def project_number(seed: str) -> str:
    """A stable 12-digit number standing in for the project number Vertex puts in names."""
    digest = hashlib.sha256(seed.encode()).digest()
    return str(100_000_000_000 + int.from_bytes(digest[:8], "big") % 900_000_000_000)


@dataclass
class Operation:
    """One submitted generation; ``outcome`` is ``video``, ``safety`` or ``error``.

    ``done_at`` is wall-clock time (seconds since the epoch), so that it means the same in
    a later process that reads the operation back from the state folder.
    """

    name: str
    clips: list[ClipSpec]
    latency_s: float
    storage_uri: str | None = None
    outcome: str = "video"
    done_at: float = 0.0
    encoding: asyncio.Task[list[str]] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.done_at:
            self.done_at = time.time() + self.latency_s

    def is_done(self) -> bool:
        return time.time() >= self.done_at

    def start_encoding(self) -> None:
        """Encode in a worker thread now, so the bytes are ready when the latency has passed."""
        if self.encoding is None and self.storage_uri is None and self.outcome == "video":
            self.encoding = asyncio.create_task(asyncio.to_thread(_encode_all, self.clips))

    async def finished(self) -> dict[str, Any]:
        """The finished operation document, as ``fetchPredictOperation`` returns it."""
        if self.outcome == "error":
            return self._error("Video generation failed with an internal error (emulated).")
        if self.outcome == "safety_error":
            return self._error(SAFETY_ERROR, code=3)
        if self.outcome == "safety":
            response = {
                "@type": RESPONSE_TYPE,
                "raiMediaFilteredCount": len(self.clips),
                "raiMediaFilteredReasons": [SAFETY_REASON],
            }
            return {"name": self.name, "done": True, "response": response}
        if self.storage_uri is not None:
            base = self.storage_uri.rstrip("/")
            videos = [
                {"gcsUri": f"{base}/sample_{index}.mp4", "mimeType": "video/mp4"}
                for index in range(len(self.clips))
            ]
        else:
            self.start_encoding()
            assert self.encoding is not None
            try:
                encoded = await asyncio.shield(self.encoding)
            except (ValueError, OSError, av.FFmpegError) as exc:
                logger.exception("encoding failed for %s", self.name)
                return self._error(f"Video encoding failed: {exc}")
            videos = [{"bytesBase64Encoded": data, "mimeType": "video/mp4"} for data in encoded]
        return {
            "name": self.name,
            "done": True,
            "response": {"@type": RESPONSE_TYPE, "videos": videos},
        }

    def _error(self, message: str, *, code: int = 13) -> dict[str, Any]:
        return {"name": self.name, "done": True, "error": {"code": code, "message": message}}

    def cancel(self) -> None:
        if self.encoding is not None and not self.encoding.done():
            self.encoding.cancel()

    def to_record(self) -> dict[str, Any]:
        """What a later process needs to finish this operation exactly as this one would."""
        return {
            "name": self.name,
            "clips": [_clip_record(clip) for clip in self.clips],
            "latency_s": self.latency_s,
            "storage_uri": self.storage_uri,
            "outcome": self.outcome,
            "done_at": self.done_at,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Operation:
        return cls(
            name=str(record["name"]),
            clips=[_clip_from(item) for item in record["clips"]],
            latency_s=float(record["latency_s"]),
            storage_uri=record.get("storage_uri"),
            outcome=str(record.get("outcome", "video")),
            done_at=float(record["done_at"]),
        )


def _clip_record(clip: ClipSpec) -> dict[str, Any]:
    image = base64.b64encode(clip.image).decode("ascii") if clip.image is not None else None
    return {
        "prompt": clip.prompt,
        "ratio": list(clip.ratio),
        "seconds": clip.seconds,
        "sample": clip.sample,
        "image": image,
        "card": clip.card,
        "audio": clip.audio,
        "resolution": clip.resolution,
        "last_frame": base64.b64encode(clip.last_frame).decode() if clip.last_frame else None,
    }


def _clip_from(item: dict[str, Any]) -> ClipSpec:
    image = item.get("image")
    width, height = item["ratio"]
    return ClipSpec(
        prompt=str(item["prompt"]),
        ratio=(int(width), int(height)),
        seconds=int(item["seconds"]),
        sample=int(item["sample"]),
        image=base64.b64decode(image) if isinstance(image, str) else None,
        card=item.get("card"),
        audio=bool(item.get("audio", False)),
        resolution=str(item.get("resolution", "720p")),
        last_frame=base64.b64decode(item["last_frame"]) if item.get("last_frame") else None,
    )


def _encode_all(clips: list[ClipSpec]) -> list[str]:
    return [base64.b64encode(make_mp4(clip)).decode("ascii") for clip in clips]


class OperationStore:
    """Operations by name, oldest forgotten first beyond a bound so long runs stay small.

    With a ``folder``, every operation is also written there before its name is returned,
    and one this process does not hold is read from there: any process sharing the folder
    can poll it. Without one, operations end with the process.
    """

    def __init__(self, folder: RecordFolder | None = None) -> None:
        self._operations: OrderedDict[str, Operation] = OrderedDict()
        self._sequence = itertools.count()
        self._folder = folder
        if folder is not None:
            folder.prune(RETENTION_S)

    def __len__(self) -> int:
        if self._folder is not None:
            return max(self._folder.count(), len(self._operations))
        return len(self._operations)

    def new_name(self, resource: str, body: bytes) -> str:
        """``{resource}/operations/{id}``: derived from the request, unique per submission
        (and across processes: each sharing a folder counts from zero)."""
        salt = f"#{next(self._sequence)}#{secrets.token_hex(8)}".encode()
        digest = hashlib.sha256(body + salt).hexdigest()
        op_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return f"{resource}/operations/{op_id}"

    def add(self, operation: Operation) -> None:
        """Keep ``operation``; written to the folder (durably) before this returns.

        Raises OSError when the folder cannot be written: Google would not hand out a name
        it may forget, and neither does the emulator.
        """
        if self._folder is not None:
            self._folder.write(operation.name, operation.to_record())
        self._remember(operation)

    def save(self, operation: Operation) -> None:
        """Record a change to ``operation`` (its outcome, set by a fault rule)."""
        if self._folder is not None:
            try:
                self._folder.write(operation.name, operation.to_record())
            except OSError as exc:
                logger.warning("could not store the change to %s: %s", operation.name, exc)

    def get(self, name: str) -> Operation | None:
        operation = self._operations.get(name)
        if operation is not None or self._folder is None:
            return operation
        record = self._folder.read(name)
        if record is None:
            return None
        try:
            operation = Operation.from_record(record)
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("stored operation %s is unusable: %s", name, exc)
            return None
        self._remember(operation)
        return operation

    def clear(self) -> None:
        for operation in self._operations.values():
            operation.cancel()
        self._operations.clear()
        if self._folder is not None:
            self._folder.clear()

    def _remember(self, operation: Operation) -> None:
        self._operations[operation.name] = operation
        while len(self._operations) > _MAX_KEPT:
            _, oldest = self._operations.popitem(last=False)
            oldest.cancel()
