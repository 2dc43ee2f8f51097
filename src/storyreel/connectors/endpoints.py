"""Where the clients connect: OpenRouter and Google, or the offline emulator."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import SecretStr

from storyreel.settings import Settings

logger = logging.getLogger(__name__)

# The emulator checks that a key is sent, not which one.
OFFLINE_KEY = SecretStr("storyreel-offline")


@dataclass(frozen=True)
class Endpoints:
    """Base URLs and keys the connectors build clients with."""

    openrouter_url: str
    openrouter_key: SecretStr | None
    google_url: str | None
    google_key: SecretStr | None
    emulated: bool

    def __repr__(self) -> str:
        return (
            f"Endpoints(openrouter_url={self.openrouter_url!r}, google_url={self.google_url!r}, "
            f"emulated={self.emulated})"
        )


def _emulated(url: str) -> Endpoints:
    base = url.rstrip("/")
    return Endpoints(
        openrouter_url=f"{base}/v1",
        openrouter_key=OFFLINE_KEY,
        google_url=f"{base}/",
        google_key=OFFLINE_KEY,
        emulated=True,
    )


def live_endpoints(settings: Settings) -> Endpoints:
    """The configured providers. A missing key is not an error here: each client's
    connector names it when that client is built, so that a command never needs the key
    of a provider it does not call."""
    return Endpoints(
        openrouter_url=settings.openrouter.base_url,
        openrouter_key=settings.openrouter.api_key,
        google_url=settings.google.base_url,
        google_key=settings.google.api_key,
        emulated=False,
    )


def endpoints_resource(settings: Settings) -> Iterator[Endpoints]:
    """Container resource: start the in-process emulator when offline, stop it on shutdown."""
    if settings.backend == "live":
        yield live_endpoints(settings)
        return
    if settings.emulator.url:
        yield _emulated(settings.emulator.url)
        return
    from storyreel.emulator import STATE_FOLDER_NAME, EmulatorOptions, EmulatorServer

    server = EmulatorServer(
        EmulatorOptions(
            video_latency_s=settings.emulator.video_latency_s,
            text_latency_s=settings.emulator.text_latency_s,
            image_latency_s=settings.emulator.image_latency_s,
            express_veo=settings.emulator.express_veo,
            # Kept beside the jobs, so that a later process (a resume, a restarted server,
            # `storyreel video --operation`) polls the operations this one submitted.
            state_dir=settings.output_dir / STATE_FOLDER_NAME,
        )
    )
    server.start()
    logger.debug("offline emulator listening on %s", server.url)
    try:
        yield _emulated(server.url)
    finally:
        server.stop()
