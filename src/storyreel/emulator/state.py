"""Everything one emulator instance remembers: latencies, faults, operations, the narrations of
the stories it wrote, and counters. Operations and narrations are also kept in the state folder
when the options name one, so that later processes sharing it see them."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from storyreel.emulator.connections import ConnectionRegistry
from storyreel.emulator.faults import FaultBook
from storyreel.emulator.input_log import INPUTS_FOLDER, InputLog
from storyreel.emulator.narrations import NarrationBook
from storyreel.emulator.operations import OperationStore
from storyreel.emulator.options import EmulatorOptions
from storyreel.emulator.poll_log import PollLog
from storyreel.emulator.quota import QuotaBook
from storyreel.emulator.records import RecordFolder
from storyreel.emulator.speech_log import SpeechLog

ROUTE_NAMES: Final = (
    "chat.completions",
    "models",
    "generateContent",
    "predictLongRunning",
    "fetchPredictOperation",
    "key",
    "models.get",
)
# How many chat requests' routing preferences the stats keep (the latest ones).
_ROUTING_KEPT: Final = 1000
# The in-process emulator's state folder, inside the output folder.
STATE_FOLDER_NAME: Final = ".storyreel-emulator"
# Sub-folders of the state folder.
OPERATIONS_FOLDER: Final = "operations"
NARRATIONS_FOLDER: Final = "narrations"
_LATENCY_KEYS: Final = {
    "video_latency_s": "video_s",
    "text_latency_s": "text_s",
    "image_latency_s": "image_s",
}


def stored_operations(state_dir: Path) -> list[str]:
    """The names of the Veo operations kept in ``state_dir``, oldest first: one for each
    submission the emulators sharing that folder accepted."""
    return RecordFolder(state_dir / OPERATIONS_FOLDER).keys()


@dataclass
class Latencies:
    """Current latencies; changed at run time through ``/_emulator/config``."""

    video_s: float
    text_s: float
    image_s: float

    def describe(self) -> dict[str, float]:
        return {key: getattr(self, attr) for key, attr in _LATENCY_KEYS.items()}

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply ``{"video_latency_s": 0.5, ...}``; all or nothing, ValueError naming the key."""
        unknown = sorted(set(changes) - set(_LATENCY_KEYS))
        if unknown:
            raise ValueError(f"unknown latency keys {unknown}; known: {sorted(_LATENCY_KEYS)}")
        for key, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key} must be a number of seconds, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{key} must be finite and >= 0, got {value!r}")
        for key, value in changes.items():
            setattr(self, _LATENCY_KEYS[key], float(value))


class EmulatorState:
    """Shared by every route of one app; counters are safe to read from another thread."""

    def __init__(self, options: EmulatorOptions) -> None:
        self.latency = Latencies(
            video_s=options.video_latency_s,
            text_s=options.text_latency_s,
            image_s=options.image_latency_s,
        )
        self.faults = FaultBook()
        self.quota = QuotaBook()
        # Whether Veo answers express-mode calls; changed through ``/_emulator/config``.
        self.express_veo = options.express_veo
        self.connections = ConnectionRegistry()
        folder = options.state_dir
        self.state_dir = folder
        self.operations = OperationStore(
            RecordFolder(folder / OPERATIONS_FOLDER) if folder is not None else None
        )
        self.narrations = NarrationBook(
            RecordFolder(folder / NARRATIONS_FOLDER) if folder is not None else None
        )
        self.speech = SpeechLog()
        # Which images reached the image model and Veo; on disk too, for later processes.
        self.inputs = InputLog(RecordFolder(folder / INPUTS_FOLDER) if folder is not None else None)
        self.polls = PollLog()
        self._lock = threading.Lock()
        self._requests: dict[str, int] = dict.fromkeys(ROUTE_NAMES, 0)
        self._video_submissions = 0
        self._routing: list[dict[str, Any] | None] = []

    def record_routing(self, provider: dict[str, Any] | None) -> None:
        """Keep a chat request's ``provider`` preferences (None: it sent none)."""
        with self._lock:
            self._routing = [*self._routing[-(_ROUTING_KEPT - 1) :], provider]

    def count(self, route: str, client: Any) -> None:
        self.connections.saw_request(client if isinstance(client, tuple) else None)
        with self._lock:
            self._requests[route] = self._requests.get(route, 0) + 1

    def count_submission(self) -> None:
        with self._lock:
            self._video_submissions += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            requests = dict(self._requests)
            submissions = self._video_submissions
            routing = list(self._routing)
        return {
            "requests": requests,
            "connections_opened": self.connections.connections_opened,
            "connections_open": self.connections.connections_open,
            "video_submissions": submissions,
            "chat_routing": routing,
            "operations": len(self.operations),
            "polls": self.polls.describe(),
            **self.speech.stats(),
            **self.inputs.stats(),
            "state_dir": str(self.state_dir) if self.state_dir is not None else None,
            "faults": self.faults.describe(),
            "quota": self.quota.describe(),
            "over_quota": self.quota.refused(),
            "latency": self.latency.describe(),
            "express_veo": self.express_veo,
        }

    def reset(self) -> None:
        """Forget faults, counters, operations and narrations (in the state folder too);
        latencies and quotas stay as configured."""
        self.faults.clear()
        self.quota.reset_counts()
        self.operations.clear()
        self.narrations.clear()
        self.speech.clear()
        self.inputs.clear()
        self.polls.clear()
        self.connections.reset_counts()
        with self._lock:
            self._requests = dict.fromkeys(ROUTE_NAMES, 0)
            self._video_submissions = 0
            self._routing = []
