"""Driving a running emulator's ``/_emulator`` endpoints from tests."""

from __future__ import annotations

import time
from typing import Any

import httpx2

from storyreel.emulator import EmulatorServer


class EmulatorControl:
    """Fault rules, latencies, counters and resets of one running emulator."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self._http = httpx2.Client(base_url=server.url, timeout=10)

    @property
    def http(self) -> httpx2.Client:
        return self._http

    def faults(self, *rules: dict[str, Any]) -> None:
        response = self._http.post("/_emulator/faults", json=list(rules))
        assert response.status_code == 200, response.text

    def clear_faults(self) -> None:
        """Remove the rules but keep operations and counters (a reset forgets operations)."""
        self.server.state.faults.clear()

    def configure(self, **latencies: float) -> None:
        response = self._http.post("/_emulator/config", json=latencies)
        assert response.status_code == 200, response.text

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._http.get("/_emulator/stats").json()
        return stats

    def image_requests(self) -> list[dict[str, Any]]:
        """Each billed image request, oldest first: ``model``, ``prompt`` (its start) and
        ``inputs``, the SHA-256 hex digests of its inline images in the order sent."""
        return list(self.stats()["image_requests"])

    def veo_frames(self) -> list[dict[str, Any]]:
        """Each accepted Veo submission, oldest first: ``operation``, ``model``, and the
        SHA-256 hex digests of its ``image`` and ``last_frame`` (None when not sent)."""
        return list(self.stats()["veo_frames"])

    def submissions(self, expected: int, *, within_s: float = 3.0) -> int:
        """Paid submissions, waiting up to ``within_s`` for a late request to reach ``expected``
        (a submit that timed out at the client lands at the server afterwards)."""
        deadline = time.monotonic() + within_s
        count = int(self.stats()["video_submissions"])
        while count < expected and time.monotonic() < deadline:
            time.sleep(0.05)
            count = int(self.stats()["video_submissions"])
        return count

    def reset(self) -> None:
        assert self._http.post("/_emulator/reset").status_code == 200

    def close(self) -> None:
        self._http.close()
