"""What the emulator heard of text-to-speech: billed calls counted, recent requests kept."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Final

_KEPT: Final = 200


@dataclass(frozen=True)
class SpeechEntry:
    """One text-to-speech request as the emulator saw it; ``status`` is what it answered."""

    path: str
    model: str
    status: int
    voice: str | None = None
    style: str | None = None
    text: str | None = None
    words: int = 0
    seconds: float = 0.0


class SpeechLog:
    """Safe to write from the server thread and read from a test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0
        self._entries: deque[SpeechEntry] = deque(maxlen=_KEPT)

    def billed(self, entry: SpeechEntry) -> None:
        """A request that produced audio: Google bills it even if the answer is then lost."""
        with self._lock:
            self._calls += 1
            self._entries.append(entry)

    def refused(self, entry: SpeechEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "speech_calls": self._calls,
                "speech_requests": [asdict(entry) for entry in self._entries],
            }

    def clear(self) -> None:
        with self._lock:
            self._calls = 0
            self._entries.clear()
