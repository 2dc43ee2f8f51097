"""Kite Studio: a host FastAPI application with storyreel's API mounted under ``/media``.

The host's container extends storyreel's, so that storyreel's routes and the host's own
routes resolve their dependencies from one object graph, and a test overrides one provider
(the video client) for both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dependency_injector import providers
from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

import storyreel.api
from storyreel.containers import Container as StoryreelContainer
from storyreel.containers import create_container
from storyreel.services.openrouter.screenwriter import Screenwriter
from storyreel.settings import Settings


class Greeter:
    """The host's own service."""

    def __init__(self, studio: str) -> None:
        self._studio = studio

    def greet(self, name: str) -> str:
        return f"Welcome to {self._studio}, {name}!"


class Container(StoryreelContainer):
    """storyreel's providers (clients, services, jobs) plus the host's."""

    greeter = providers.Factory(Greeter, studio="Kite Studio")


def build_container(settings: Settings | None = None) -> Container:
    """The host's container on ``settings`` (config.yml + environment by default)."""
    return create_container(settings, container_cls=Container)


class Pitch(BaseModel):
    greeting: str
    meme_caption: str


router = APIRouter()


@router.get("/pitch/{name}", response_model=Pitch)
@inject
async def pitch(
    name: str,
    greeter: Greeter = Depends(Provide["greeter"]),
    screenwriter: Screenwriter = Depends(Provide["screenwriter"]),
) -> Pitch:
    """A host route using the host's service and storyreel's Screenwriter side by side."""
    meme = await screenwriter.write_meme(f"{name} flies a kite")
    return Pitch(greeting=greeter.greet(name), meme_caption=meme.caption)


def create_app(container: Container | None = None) -> FastAPI:
    """The host application: its routes at ``/``, storyreel's under ``/media``."""
    container = container or build_container()
    container.wire(modules=[__name__])  # the host's own routes use dependency-injector's wiring

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Starts storyreel's clients, resumes interrupted video jobs; closes all at the end.
        async with storyreel.api.storyreel_lifespan(container):
            yield

    app = FastAPI(title="Kite Studio", lifespan=lifespan)
    storyreel.api.attach(app, container)  # storyreel's routes take their services from it
    app.include_router(router)
    app.include_router(storyreel.api.build_router(), prefix="/media")
    storyreel.api.install_problem_handlers(app)
    return app
