"""Fixtures of the worker tests: an offline container with its in-process emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storyreel.containers import Container, aclose_container, create_container
from storyreel.settings import Settings


@pytest.fixture
async def container(offline_settings: Settings) -> AsyncIterator[Container]:
    built = create_container(offline_settings)
    yield built
    await aclose_container(built)
