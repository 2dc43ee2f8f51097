"""The slice of google-genai's async client that the media service uses: a seam for fakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from google.genai import types


class AsyncModels(Protocol):
    """The calls of ``client.aio.models`` the media service makes."""

    async def generate_videos(
        self, *, model: str, source: types.GenerateVideosSource, config: types.GenerateVideosConfig
    ) -> types.GenerateVideosOperation: ...

    async def generate_content(
        self,
        *,
        model: str,
        contents: str | list[types.Content],
        config: types.GenerateContentConfig,
    ) -> types.GenerateContentResponse: ...


class AsyncOperations(Protocol):
    """The call of ``client.aio.operations`` the media service makes."""

    async def get(
        self,
        operation: types.GenerateVideosOperation,
        *,
        config: types.GetOperationConfig | None = None,
    ) -> types.GenerateVideosOperation: ...


class AsyncGenai(Protocol):
    """``client.aio``."""

    @property
    def models(self) -> AsyncModels: ...

    @property
    def operations(self) -> AsyncOperations: ...


class GenaiClient(Protocol):
    """What the media service needs of ``google.genai.Client``: its async surface."""

    @property
    def aio(self) -> AsyncGenai: ...


__all__ = ["AsyncGenai", "AsyncModels", "AsyncOperations", "GenaiClient"]
