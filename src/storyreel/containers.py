"""The composition root: every provider of storyreel, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar, overload

from dependency_injector import containers, providers

from storyreel.api.tasks import JobTasks
from storyreel.connectors.endpoints import endpoints_resource
from storyreel.connectors.gemini import build_genai_client
from storyreel.connectors.lifecycle import CLIENT_PROVIDERS, registry_resource
from storyreel.connectors.openrouter import build_async_openai_client, build_openai_client
from storyreel.controllers.cinematographer import Cinematographer
from storyreel.controllers.screenwriter import Screenwriter
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.logs import register_secrets
from storyreel.services.media import MediaService
from storyreel.services.writing import WritingService
from storyreel.settings import Settings, load_settings


def _tracked(registry: Any, build: Any, **kwargs: Any) -> Any:
    return registry.track(build(**kwargs))


def _job_store(output_dir: Path) -> Iterator[SqliteJobStore]:
    store = SqliteJobStore.in_output_dir(output_dir)
    try:
        yield store
    finally:
        store.close()


class Container(containers.DeclarativeContainer):
    """storyreel's object graph. Clients are singletons built on first use."""

    wiring_config = containers.WiringConfiguration(
        modules=["storyreel.controllers.screenwriter", "storyreel.controllers.cinematographer"]
    )

    __self__ = providers.Self()

    # Configuration: a validated Settings object (see create_container).
    config = providers.Singleton(load_settings)

    # Where clients connect; offline this starts the emulator on first use.
    endpoints = providers.Resource(endpoints_resource, settings=config)
    client_registry = providers.Resource(registry_resource, container=__self__)

    # SDK clients.
    openai_client = providers.Singleton(
        _tracked, client_registry, build_openai_client, settings=config, endpoints=endpoints
    )
    async_openai_client = providers.Singleton(
        _tracked, client_registry, build_async_openai_client, settings=config, endpoints=endpoints
    )
    genai_client = providers.Singleton(
        _tracked, client_registry, build_genai_client, settings=config, endpoints=endpoints
    )

    # Services.
    media_service = providers.Factory(MediaService, client=genai_client, settings=config)
    writing_service = providers.Factory(
        WritingService,
        client=async_openai_client,
        model=config.provided.openrouter.model,
        vision_model=config.provided.openrouter.vision_model,
    )

    # Controllers.
    screenwriter = providers.Factory(Screenwriter, writing=writing_service)
    cinematographer = providers.Factory(Cinematographer, media=media_service, settings=config)

    # Jobs: one store per output folder, shared by every runner of the container.
    job_store = providers.Resource(_job_store, config.provided.output_dir)
    job_runner = providers.Factory(
        JobRunner,
        store=job_store,
        screenwriter=screenwriter,
        cinematographer=cinematographer,
        settings=config,
    )

    # API: the job tasks a server process runs in the background.
    job_tasks = providers.Singleton(JobTasks)


ContainerT = TypeVar("ContainerT", bound=Container)


@overload
def create_container(
    settings: Settings | None = None,
    *,
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    dotenv: str | Path | None = ".env",
    container_cls: None = None,
    **overrides: Any,
) -> Container: ...


@overload
def create_container(
    settings: Settings | None = None,
    *,
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    dotenv: str | Path | None = ".env",
    container_cls: type[ContainerT],
    **overrides: Any,
) -> ContainerT: ...


def create_container(
    settings: Settings | None = None,
    *,
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    dotenv: str | Path | None = ".env",
    container_cls: type[Container] | None = None,
    **overrides: Any,
) -> Container:
    """Build a configured container. Reads configuration now; builds no client and opens
    no socket until a client is first resolved.

    ``overrides`` are settings with the highest precedence, e.g.
    ``create_container(backend="offline", video={"concurrency": 2})``. A host application
    that extends :class:`Container` passes its subclass as ``container_cls``.
    """
    if settings is None:
        settings = load_settings(overrides, config_file=config_file, env=env, dotenv=dotenv)
    elif overrides:
        settings = settings.model_validate(_merge(settings.model_dump(), overrides))
    register_secrets(settings.secret_values())
    settings.require_credentials()
    cls = container_cls or Container
    return cls(config=providers.Object(settings))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def reset_clients(container: Container) -> None:
    """Forget built clients without closing them (the next resolution builds new ones)."""
    for name in CLIENT_PROVIDERS:
        getattr(container, name).reset()


def close_container(container: Container) -> None:
    """Close clients and stop the emulator, from synchronous code."""
    container.shutdown_resources()


async def aclose_container(container: Container) -> None:
    """Close clients and stop the emulator, from async code (e.g. an ASGI lifespan)."""
    registry = container.client_registry()
    await registry.aclose()
    container.shutdown_resources()
