"""Close the SDK clients a container built, on shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any, Protocol

logger = logging.getLogger(__name__)

CLIENT_PROVIDERS = ("openai_client", "async_openai_client", "genai_client", "genai_tts_client")


class _Resettable(Protocol):
    def reset(self) -> None: ...


class ClientRegistry:
    """The clients built so far, so that shutdown closes exactly those."""

    def __init__(self) -> None:
        self._clients: list[Any] = []

    def track(self, client: Any) -> Any:
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every client; async ones too when no event loop is running here."""
        clients, self._clients = self._clients, []
        pending = []
        for client in clients:
            if hasattr(client, "aio"):  # genai.Client: a sync half and an async half
                client.close()
                pending.append(client.aio.aclose())
            elif asyncio.iscoroutinefunction(client.close):
                pending.append(client.close())
            else:
                client.close()
        if not pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            asyncio.run(_gather(pending))
        else:
            # Called synchronously from inside a loop: the loop finishes the closing.
            task = loop.create_task(_gather(pending))
            _background.add(task)
            task.add_done_callback(_background.discard)

    async def aclose(self) -> None:
        """Close every client from async code (the right way inside an event loop)."""
        clients, self._clients = self._clients, []
        for client in clients:
            if hasattr(client, "aio"):
                client.close()
                await client.aio.aclose()
            elif asyncio.iscoroutinefunction(client.close):
                await client.close()
            else:
                client.close()


_background: set[asyncio.Task[None]] = set()


async def _gather(coros: list[Any]) -> None:
    for coro in coros:
        with contextlib.suppress(Exception):
            await coro


def registry_resource(container: Any) -> Iterator[ClientRegistry]:
    """Container resource: on shutdown close the clients and forget them, so the next
    resolution builds fresh ones instead of handing out a closed client."""
    registry = ClientRegistry()
    try:
        yield registry
    finally:
        registry.close()
        for name in CLIENT_PROVIDERS:
            provider: _Resettable = getattr(container, name)
            provider.reset()
