"""Helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

from google.auth import credentials as auth_credentials

from emulator_control import EmulatorControl

VIDEO_LATENCY_S = 0.2


class Control(EmulatorControl):
    """An emulator control whose reset also restores the test latencies."""

    def reset(self) -> None:
        super().reset()
        self.configure(video_latency_s=VIDEO_LATENCY_S, text_latency_s=0, image_latency_s=0)


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
