"""Fixtures of the service tests: a container whose LLM client a test replaces."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storyreel.containers import Container, close_container, create_container
from storyreel.settings import Settings


@pytest.fixture
def container(offline_settings: Settings) -> Iterator[Container]:
    built = create_container(offline_settings)
    yield built
    built.reset_override()
    close_container(built)
