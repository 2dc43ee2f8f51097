"""Counts TCP connections and lets a handler drop its own, through uvicorn's protocol class.

ASGI gives an application no way to close a connection without answering: an
exception before ``http.response.start`` makes uvicorn send a 500. The
emulator therefore runs uvicorn with a subclass of its HTTP protocol that
records every transport under the peer address uvicorn also puts in
``scope["client"]``; a handler looks its transport up and closes it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, ClassVar, cast

from uvicorn.protocols.utils import get_remote_addr

logger = logging.getLogger(__name__)

Peer = tuple[str, int]


class ConnectionRegistry:
    """Open transports by peer address, and counts of connections seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transports: dict[Peer, asyncio.Transport] = {}
        self._opened = 0
        self._peers_seen: set[Peer] = set()
        self.hooked = False

    def opened(self, peer: Peer | None, transport: asyncio.Transport) -> None:
        with self._lock:
            self._opened += 1
            if peer is not None:
                self._transports[peer] = transport

    def closed(self, peer: Peer | None, transport: asyncio.Transport) -> None:
        with self._lock:
            if peer is not None and self._transports.get(peer) is transport:
                del self._transports[peer]

    def saw_request(self, peer: Peer | None) -> None:
        """Fallback count for servers without the hooked protocol: one per distinct peer."""
        if self.hooked or peer is None:
            return
        with self._lock:
            self._peers_seen.add(peer)

    @property
    def connections_opened(self) -> int:
        with self._lock:
            return self._opened if self.hooked else len(self._peers_seen)

    @property
    def connections_open(self) -> int:
        with self._lock:
            return len(self._transports)

    def reset_counts(self) -> None:
        with self._lock:
            self._opened = 0
            self._peers_seen.clear()

    def close(self, peer: Peer | None) -> bool:
        """Close the connection of ``peer`` without a response; False if it is not known."""
        with self._lock:
            transport = None if peer is None else self._transports.get(peer)
        if transport is None:
            return False
        transport.close()
        return True


def _base_protocol() -> type[asyncio.Protocol]:
    # uvicorn's "auto" choice, resolved the same way, so that hooking changes nothing else.
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    return AutoHTTPProtocol


class _TrackingMixin:
    registry: ClassVar[ConnectionRegistry]
    _storyreel_peer: Peer | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        tcp = cast(asyncio.Transport, transport)
        self._storyreel_peer = get_remote_addr(tcp)
        self.registry.opened(self._storyreel_peer, tcp)
        super().connection_made(transport)  # type: ignore[misc]

    def connection_lost(self, exc: Exception | None) -> None:
        transport = cast(asyncio.Transport, getattr(self, "transport", None))
        self.registry.closed(self._storyreel_peer, transport)
        super().connection_lost(exc)  # type: ignore[misc]


def tracking_protocol(registry: ConnectionRegistry) -> type[asyncio.Protocol]:
    """A uvicorn HTTP protocol class that reports its connections to ``registry``."""
    registry.hooked = True
    namespace: dict[str, Any] = {"registry": registry}
    cls = type("StoryreelEmulatorProtocol", (_TrackingMixin, _base_protocol()), namespace)
    return cast(type[asyncio.Protocol], cls)
