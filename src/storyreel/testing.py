"""pytest plugin for host applications: an offline storyreel container per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from storyreel.containers import Container


@pytest.fixture
def storyreel_container(tmp_path: Path) -> Iterator[Container]:
    """A fresh offline container (built-in emulator, output under ``tmp_path``).

    Clients are singletons of this container only; overrides and singletons are reset and
    the emulator stopped after the test, so nothing outlives the test's event loop.
    """
    from storyreel.containers import close_container, create_container
    from storyreel.settings import load_settings

    settings = load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_path / "storyreel-output"),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.25},
            "emulator": {"video_latency_s": 0.2},
        },
        env={},
        dotenv=None,
    )
    container = create_container(settings)
    try:
        yield container
    finally:
        container.reset_override()
        close_container(container)
        container.reset_singletons()
