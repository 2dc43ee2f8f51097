"""The container: singletons, resets, overrides, shutdown, live-mode checks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openai import AsyncOpenAI, OpenAI

from storyreel import connectors
from storyreel.containers import Container, close_container, create_container
from storyreel.errors import ConfigError
from storyreel.settings import Settings, load_settings

# Nothing listens here; building a client opens no connection.
IDLE_URL = "http://127.0.0.1:9"


@pytest.fixture
def container(offline_settings: Settings) -> Container:
    c = create_container(offline_settings, emulator={"url": IDLE_URL})
    yield c
    close_container(c)


def test_container_client_is_singleton(container: Container) -> None:
    assert container.openai_client() is container.openai_client()
    assert container.async_openai_client() is container.async_openai_client()
    assert container.genai_client() is container.genai_client()
    assert isinstance(container.openai_client(), OpenAI)
    assert isinstance(container.async_openai_client(), AsyncOpenAI)


def test_container_reset_singletons_gives_new_instance(container: Container) -> None:
    first = container.openai_client()
    container.reset_singletons()
    assert container.openai_client() is not first


def test_container_override_swaps_client_until_context_ends(container: Container) -> None:
    real = container.openai_client()
    fake = object()
    with container.openai_client.override(fake):
        assert container.openai_client() is fake
    assert container.openai_client() is real


def test_container_shutdown_closes_clients_and_rebuilds_on_next_use(container: Container) -> None:
    sync_client = container.openai_client()
    async_client = container.async_openai_client()
    genai_client = container.genai_client()
    close_container(container)
    assert sync_client.is_closed()
    assert async_client.is_closed()
    assert genai_client._api_client._httpx_client.is_closed
    fresh = container.openai_client()
    assert fresh is not sync_client
    assert not fresh.is_closed()


async def test_container_async_close_inside_event_loop(container: Container) -> None:
    from storyreel.containers import aclose_container

    async_client = container.async_openai_client()
    await aclose_container(container)
    assert async_client.is_closed()


def test_facade_functions_use_default_container_and_reset(container: Container) -> None:
    connectors.set_default_container(container)
    try:
        first = connectors.get_openai_client()
        assert first is container.openai_client()
        assert connectors.get_genai_client() is container.genai_client()
        connectors.reset_openai_client()
        assert connectors.get_openai_client() is not first
        google = connectors.get_genai_client()
        connectors.reset_genai_client()
        assert connectors.get_genai_client() is not google
    finally:
        connectors.set_default_container(None)


def test_create_container_live_without_keys_names_each_variable_on_first_use() -> None:
    # Building the container, and services that hold clients, needs no key: each client
    # asks for its own when it is first used.
    container = create_container(backend="live", env={}, dotenv=None, config_file=None)
    container.job_runner()
    with pytest.raises(ConfigError) as openrouter:
        container.async_openai_client()
    with pytest.raises(ConfigError) as google:
        container.genai_client()
    assert "OPENAI_API_KEY" in str(openrouter.value)
    assert "GOOGLE_STUDIO_API_KEY" not in str(openrouter.value)
    assert "GOOGLE_STUDIO_API_KEY" in str(google.value)
    assert "OPENAI_API_KEY" not in str(google.value)
    close_container(container)


def test_create_container_explicit_overrides_win_over_settings(offline_settings: Settings) -> None:
    c = create_container(offline_settings, video={"concurrency": 9})
    assert c.config().video.concurrency == 9
    assert c.config().output_dir == offline_settings.output_dir


def test_container_building_and_resolving_config_opens_no_socket() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise SystemExit('socket opened')\n"
        "socket.socket.connect = refuse\n"
        "from storyreel.containers import create_container\n"
        "c = create_container(env={}, dotenv=None)\n"
        "c.config()\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_imports_do_not_load_the_sdks() -> None:
    code = (
        "import sys, storyreel, storyreel.settings, storyreel.containers, storyreel.connectors\n"
        "import storyreel.cli.app\n"
        "heavy = [m for m in ('openai', 'google.genai', 'httpx2') if m in sys.modules]\n"
        "print(','.join(heavy) or 'none')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


def test_load_settings_from_environment_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYREEL_VIDEO__CONCURRENCY", "3")
    assert load_settings(dotenv=None).video.concurrency == 3
    assert load_settings(env={}, dotenv=None).video.concurrency == 8
