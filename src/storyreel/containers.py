"""The composition root: every provider of storyreel, in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar, overload

from dependency_injector import containers, providers

from storyreel.connectors.deferred import DeferredGenai, DeferredOpenAI, deferred_video
from storyreel.connectors.endpoints import endpoints_resource
from storyreel.connectors.gemini import (
    build_genai_client,
    build_genai_tts_client,
    build_genai_video_client,
)
from storyreel.connectors.lifecycle import registry_resource
from storyreel.connectors.openrouter import build_async_openai_client, build_openai_client
from storyreel.jobs.activity import activity_resource
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.models import this_process
from storyreel.jobs.pacing import paced, timed
from storyreel.jobs.reel_jobs import ReelJobs
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.stores import job_listing, job_store_resource
from storyreel.jobs.tasks import JobTasks
from storyreel.logs import register_secrets
from storyreel.quota import limiter_resource
from storyreel.services.google.media import MediaService
from storyreel.services.google.speech import SpeechService
from storyreel.services.openrouter.screenwriter import Screenwriter
from storyreel.services.openrouter.writing import WritingService
from storyreel.settings import Settings, load_settings


def _tracked(registry: Any, build: Any, **kwargs: Any) -> Any:
    return registry.track(build(**kwargs))


def _reel_assembler() -> Any:
    # PyAV is imported with the assembler, on first use, not with the container.
    from storyreel.services.reel import ReelAssembler

    return ReelAssembler()


ENTRY_POINT_MODULES = (
    "storyreel.controllers.screenwriter",
    "storyreel.controllers.cinematographer",
    "storyreel.controllers.reel",
)


class Container(containers.DeclarativeContainer):
    """storyreel's object graph. Clients are singletons built on first use."""

    # The entry points host code calls; create_container() wires them (see wire_entry_points).
    wiring_config = containers.WiringConfiguration(
        modules=list(ENTRY_POINT_MODULES), auto_wire=False
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
    # Veo on the project path, used when a key (for the other calls) and a project are both set.
    genai_video_client = providers.Singleton(
        _tracked, client_registry, build_genai_video_client, settings=config, endpoints=endpoints
    )
    # Gemini TTS is served from google.tts_location (global), not from Veo's region.
    genai_tts_client = providers.Singleton(
        _tracked, client_registry, build_genai_tts_client, settings=config, endpoints=endpoints
    )

    # What jobs did (operation times, provider calls, waits), kept beside the job store.
    activity = providers.Resource(activity_resource, config)
    # Rate limits: budgets in the output folder, shared by every job and process using it
    # (in the job store's database, shared by every machine, when jobs.store_url is set).
    limiter = providers.Resource(limiter_resource, config, activity)

    # Services. They hold their client deferred: it is built (and its key required) when a
    # service first calls it, so that assembling a job runner needs no key.
    media_service = providers.Factory(
        MediaService,
        client=providers.Factory(DeferredGenai, genai_client.provider),
        video_client=providers.Factory(
            deferred_video, genai_client.provider, genai_video_client.provider, config, endpoints
        ),
        settings=config,
        limiter=limiter,
    )
    writing_service = providers.Factory(
        WritingService,
        client=providers.Factory(DeferredOpenAI, async_openai_client.provider),
        model=config.provided.openrouter.model,
        vision_model=config.provided.openrouter.vision_model,
        words_per_second=config.provided.narration.words_per_second,
        require_parameters=config.provided.openrouter.require_parameters,
        limiter=limiter,
    )
    # The narration voice (the job layer's Voice): Gemini TTS through the TTS client.
    voice = providers.Factory(
        SpeechService,
        client=providers.Factory(DeferredGenai, genai_tts_client.provider),
        settings=config,
        limiter=limiter,
    )

    # The reel assembler (the job layer's ReelAssembler port): a host may override it.
    reel_assembler = providers.Factory(_reel_assembler)

    # Controllers.
    screenwriter = providers.Factory(Screenwriter, writing=writing_service)
    cinematographer = providers.Factory(
        Cinematographer,
        media=providers.Factory(paced, media_service, activity, config),
        settings=config,
        voice=voice,
        assembler=providers.Factory(timed, reel_assembler, activity),
        limiter=limiter,
    )

    # Jobs: one store (jobs.store_url, else the output folder's), shared by every runner; jobs are
    # claimed in this process's name (the API asks for its server role per runner).
    job_store = providers.Resource(job_store_resource, config)
    job_listing = providers.Callable(job_listing, config)
    job_owner = providers.Callable(this_process)
    job_runner = providers.Factory(
        JobRunner,
        store=job_store,
        screenwriter=screenwriter,
        cinematographer=cinematographer,
        settings=config,
        owner=job_owner,
        heartbeat_s=config.provided.jobs.heartbeat_s,
        stale_after_s=config.provided.jobs.lease_s,
    )
    # Reshoots and re-assemblies of existing jobs, claimed like a resume.
    reel_jobs = providers.Factory(
        ReelJobs,
        store=job_store,
        screenwriter=screenwriter,
        cinematographer=cinematographer,
        settings=config,
        owner=job_owner,
        heartbeat_s=config.provided.jobs.heartbeat_s,
        stale_after_s=config.provided.jobs.lease_s,
    )
    # The job tasks a server process runs in the background.
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
    wire: bool = True,
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
    wire: bool = True,
    **overrides: Any,
) -> ContainerT: ...


def create_container(
    settings: Settings | None = None,
    *,
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    dotenv: str | Path | None = ".env",
    container_cls: type[Container] | None = None,
    wire: bool = True,
    **overrides: Any,
) -> Container:
    """Build a configured container. Reads configuration now; builds no client and opens
    no socket until a client is first used. In live mode a missing key is reported (a
    ConfigError naming the variable) when the client that needs it is first used, so that
    code calling only one provider needs only that provider's key.

    ``overrides`` are settings with the highest precedence, e.g.
    ``create_container(backend="offline", video={"concurrency": 2})``. A host application
    that extends :class:`Container` passes its subclass as ``container_cls``. The entry
    points (``storyreel.controllers``) are wired to the new container unless ``wire`` is
    false; like any module wiring, the last container wired wins.
    """
    if settings is None:
        settings = load_settings(overrides, config_file=config_file, env=env, dotenv=dotenv)
    elif overrides:
        settings = settings.model_validate(_merge(settings.model_dump(), overrides))
    register_secrets(settings.secret_values())
    cls = container_cls or Container
    container = cls(config=providers.Object(settings))
    if wire:
        container.wire()
    return container


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def close_container(container: Container) -> None:
    """Close clients and stop the emulator, from synchronous code."""
    container.shutdown_resources()


async def aclose_container(container: Container) -> None:
    """Close clients and stop the emulator, from async code (e.g. an ASGI lifespan)."""
    registry = container.client_registry()
    await registry.aclose()
    container.shutdown_resources()
