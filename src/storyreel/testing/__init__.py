"""pytest plugin for host applications: an offline storyreel container per test, and recording
fakes of the two SDK clients.

Registered through the ``pytest11`` entry point, so installing storyreel is enough::

    def test_story(storyreel_container, storyreel_fake_openai):
        storyreel_fake_openai.reply({"title": ...})        # or let it fill the JSON schema
        ...
        assert storyreel_fake_openai.calls[0]["model"] == "google/gemini-2.5-flash"

Fixtures: ``storyreel_settings`` (override it in a conftest to change settings),
``storyreel_container``, ``storyreel_fake_openai``, ``storyreel_fake_genai``.
Only pytest is imported here at module level; everything else loads when a fixture runs.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import asyncio

    from storyreel.containers import Container
    from storyreel.settings import Settings
    from storyreel.testing.fake_genai import RecordingGenai
    from storyreel.testing.fake_openai import RecordingOpenAI

__all__ = [
    "RecordingGenai",
    "RecordingOpenAI",
    "storyreel_container",
    "storyreel_fake_genai",
    "storyreel_fake_openai",
    "storyreel_settings",
]


def __getattr__(name: str) -> Any:
    # The fakes import the SDKs' types: load them only when a host asks for them.
    if name == "RecordingOpenAI":
        from storyreel.testing.fake_openai import RecordingOpenAI

        return RecordingOpenAI
    if name == "RecordingGenai":
        from storyreel.testing.fake_genai import RecordingGenai

        return RecordingGenai
    raise AttributeError(f"module 'storyreel.testing' has no attribute {name!r}")


@pytest.fixture
def storyreel_settings(tmp_path: Path) -> Settings:
    """Offline settings from defaults only (no file, no environment), output under
    ``tmp_path``, quick polling and a short emulated video latency."""
    from storyreel.settings import load_settings

    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_path / "storyreel-output"),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.25},
            "emulator": {"video_latency_s": 0.2},
        },
        env={},
        dotenv=None,
    )


@pytest.fixture
def storyreel_container(storyreel_settings: Settings) -> Iterator[Container]:
    """A fresh offline container (built-in emulator started on first client use).

    Its clients are singletons of this container only, so no client outlives the test or
    its event loop: after an async test they are closed in that test's loop, before
    pytest-asyncio closes it; then overrides are reset, the emulator is stopped and the
    singletons are forgotten.
    """
    from storyreel.containers import close_container, create_container

    container = create_container(storyreel_settings)
    try:
        yield container
    finally:
        container.reset_override()
        close_container(container)
        container.reset_singletons()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Close the clients of an async test's container while its event loop is still open.

    pytest-asyncio closes a test's loop before synchronous fixtures are torn down; an async
    client's connections belong to that loop and can only be closed through it.
    """
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    container = funcargs.get("storyreel_container")
    if container is None or not inspect.iscoroutinefunction(getattr(item, "obj", None)):
        return
    loop = _current_loop()
    if loop is not None:
        from storyreel.containers import aclose_container

        loop.run_until_complete(aclose_container(container))


def _current_loop() -> asyncio.AbstractEventLoop | None:
    """The loop the async test ran in (pytest-asyncio leaves it current until it closes it)."""
    import asyncio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            return None
    return None if loop.is_closed() or loop.is_running() else loop


@pytest.fixture
def storyreel_fake_openai(storyreel_container: Container) -> Iterator[RecordingOpenAI]:
    """A :class:`RecordingOpenAI` in place of the container's ``async_openai_client``."""
    from storyreel.testing.fake_openai import RecordingOpenAI

    fake = RecordingOpenAI()
    with storyreel_container.async_openai_client.override(fake):
        yield fake


@pytest.fixture
def storyreel_fake_genai(storyreel_container: Container) -> Iterator[RecordingGenai]:
    """A :class:`RecordingGenai` in place of the container's ``genai_client``."""
    from storyreel.testing.fake_genai import RecordingGenai

    fake = RecordingGenai()
    with storyreel_container.genai_client.override(fake):
        yield fake
