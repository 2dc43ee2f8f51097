"""Veo long-running operations: when each finishes and what it finishes with."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Final

import av

from storyreel.emulator.video import ClipSpec, make_mp4

logger = logging.getLogger(__name__)

RESPONSE_TYPE: Final = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
SAFETY_REASON: Final = (
    "Veo could not generate videos because the input prompt or the generated content "
    "violates Vertex AI's usage guidelines (emulated safety filter). Support codes: 58061214"
)
_MAX_KEPT: Final = 10_000


def project_number(seed: str) -> str:
    """A stable 12-digit number standing in for the project number Vertex puts in names."""
    digest = hashlib.sha256(seed.encode()).digest()
    return str(100_000_000_000 + int.from_bytes(digest[:8], "big") % 900_000_000_000)


@dataclass
class Operation:
    """One submitted generation; ``outcome`` is ``video``, ``safety`` or ``error``."""

    name: str
    clips: list[ClipSpec]
    latency_s: float
    storage_uri: str | None = None
    outcome: str = "video"
    submitted: float = field(default_factory=time.monotonic)
    encoding: asyncio.Task[list[str]] | None = None

    def is_done(self) -> bool:
        return time.monotonic() - self.submitted >= self.latency_s

    def start_encoding(self) -> None:
        """Encode in a worker thread now, so the bytes are ready when the latency has passed."""
        if self.encoding is None and self.storage_uri is None and self.outcome == "video":
            self.encoding = asyncio.create_task(asyncio.to_thread(_encode_all, self.clips))

    async def finished(self) -> dict[str, Any]:
        """The finished operation document, as ``fetchPredictOperation`` returns it."""
        if self.outcome == "error":
            return self._error("Video generation failed with an internal error (emulated).")
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

    def _error(self, message: str) -> dict[str, Any]:
        return {"name": self.name, "done": True, "error": {"code": 13, "message": message}}

    def cancel(self) -> None:
        if self.encoding is not None and not self.encoding.done():
            self.encoding.cancel()


def _encode_all(clips: list[ClipSpec]) -> list[str]:
    return [base64.b64encode(make_mp4(clip)).decode("ascii") for clip in clips]


class OperationStore:
    """Operations by name, oldest forgotten first beyond a bound so long runs stay small."""

    def __init__(self) -> None:
        self._operations: OrderedDict[str, Operation] = OrderedDict()
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._operations)

    def new_name(self, resource: str, body: bytes) -> str:
        """``{resource}/operations/{id}``: derived from the request, unique per submission."""
        digest = hashlib.sha256(body + f"#{next(self._sequence)}".encode()).hexdigest()
        op_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return f"{resource}/operations/{op_id}"

    def add(self, operation: Operation) -> None:
        self._operations[operation.name] = operation
        while len(self._operations) > _MAX_KEPT:
            _, oldest = self._operations.popitem(last=False)
            oldest.cancel()

    def get(self, name: str) -> Operation | None:
        return self._operations.get(name)

    def clear(self) -> None:
        for operation in self._operations.values():
            operation.cancel()
        self._operations.clear()
