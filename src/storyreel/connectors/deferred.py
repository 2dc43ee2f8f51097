"""SDK clients built when a service first calls them, not when the service is assembled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from storyreel.connectors.endpoints import Endpoints
from storyreel.connectors.google_modes import needs_video_client
from storyreel.settings import Settings

if TYPE_CHECKING:
    from google import genai
    from google.genai.client import AsyncClient
    from openai import AsyncOpenAI
    from openai.resources.chat import AsyncChat

T = TypeVar("T")


def _pinned(build: Callable[[], T]) -> Callable[[], T]:
    """``build``, or, when ``build`` is a provider overridden right now (a test's fake, a
    host's client), the overriding client itself: an override in force when a service is
    assembled stays with that service, as it would with a client passed in directly."""
    if getattr(build, "overridden", ()):
        client = build()
        return lambda: client
    return build


class DeferredGenai:
    """Stands for a ``genai.Client`` (the ``aio`` half the services call) and asks
    ``build`` for it on each use; ``build`` is the container's singleton provider, so the
    client is built once, on first use (an override in force when the service is assembled
    is used from then on).

    Assembling a job runner or a media service therefore needs no Google credential: a
    command or route that reads jobs never asks for one, and one that calls Google gets the
    connector's error naming the variable to set.
    """

    def __init__(self, build: Callable[[], genai.Client]) -> None:
        self._build = _pinned(build)

    @property
    def aio(self) -> AsyncClient:
        return self._build().aio


def deferred_video(
    shared: Callable[[], genai.Client],
    video: Callable[[], genai.Client],
    settings: Settings,
    endpoints: Endpoints,
) -> DeferredGenai:
    """Veo's client, deferred: ``video`` (the project path) when Veo goes another way than
    the other calls (a key and ``google.project`` both set), else ``shared``. An override of
    ``shared`` in force now (a test's fake, a host's client) stands for Veo's client too."""
    if getattr(shared, "overridden", ()) or not needs_video_client(settings, endpoints):
        return DeferredGenai(shared)
    return DeferredGenai(video)


class DeferredOpenAI:
    """Stands for an ``AsyncOpenAI`` client (its ``chat`` namespace) as
    :class:`DeferredGenai` does for Google."""

    def __init__(self, build: Callable[[], AsyncOpenAI]) -> None:
        self._build = _pinned(build)

    @property
    def chat(self) -> AsyncChat:
        return self._build().chat
