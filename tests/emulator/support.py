"""Helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx2
from google.auth import credentials as auth_credentials

from storyreel.emulator import EmulatorServer

VIDEO_LATENCY_S = 0.2


class Control:
    """Drives the ``/_emulator`` endpoints of one server."""

    def __init__(self, server: EmulatorServer) -> None:
        self._http = httpx2.Client(base_url=server.url, timeout=10)

    def faults(self, *rules: dict[str, Any]) -> None:
        response = self._http.post("/_emulator/faults", json=list(rules))
        assert response.status_code == 200, response.text

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._http.get("/_emulator/stats").json()
        return stats

    def configure(self, **latencies: float) -> None:
        response = self._http.post("/_emulator/config", json=latencies)
        assert response.status_code == 200, response.text

    def reset(self) -> None:
        assert self._http.post("/_emulator/reset").status_code == 200
        self.configure(video_latency_s=VIDEO_LATENCY_S, text_latency_s=0, image_latency_s=0)

    @property
    def http(self) -> httpx2.Client:
        return self._http

    def close(self) -> None:
        self._http.close()


class FixedToken(auth_credentials.Credentials):  # type: ignore[misc]
    """Credentials whose token never expires and never reaches a network."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "fixed-test-token"

    def refresh(self, request: Any) -> None:
        self.token = "fixed-test-token"

    @property
    def expired(self) -> bool:
        return False

    @property
    def valid(self) -> bool:
        return True
