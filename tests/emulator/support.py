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
        assert self.http.post("/_emulator/config", json={"express_veo": False}).is_success


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


def project_client(url: str, api_version: str = "v1") -> Any:
    """A Vertex AI client on the project path (as Veo needs) against the emulator at ``url``."""
    from google import genai
    from google.genai import types

    return genai.Client(
        vertexai=True,
        project="p",
        location="us-central1",
        credentials=FixedToken(),
        http_options=types.HttpOptions(base_url=url + "/", api_version=api_version),
    )
