"""What every command shares: global options, the settings, the container, the consoles."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from storyreel.containers import Container
    from storyreel.settings import Settings

T = TypeVar("T")


@dataclass
class CliState:
    """Options given before the command, and what was built from them."""

    config_file: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    verbose: bool = False
    _settings: Settings | None = None
    _container: Container | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            from storyreel.settings import load_settings

            self._settings = load_settings(self.overrides, config_file=self.config_file)
        return self._settings

    def container(self) -> Container:
        """A configured, wired container; closed when the command ends."""
        if self._container is None:
            from storyreel.containers import create_container
            from storyreel.logs import configure_logging, quiet_logging

            settings = self.settings()
            if self.verbose:
                configure_logging(settings.log_level)
            else:
                # The CLI says what went wrong in its own words; log lines are for -v.
                quiet_logging()
            self._container = create_container(settings)
        return self._container

    def close(self) -> None:
        if self._container is not None:
            from storyreel.containers import close_container

            close_container(self._container)
            self._container = None


def run_then_close(container: Container, main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` on a fresh event loop, then close the container's async clients in
    that same loop, the one that opened their connections (this also closes the job store)."""
    import asyncio

    async def run() -> T:
        from storyreel.containers import aclose_container

        try:
            return await main()
        finally:
            await aclose_container(container)

    return asyncio.run(run())


def state(ctx: typer.Context) -> CliState:
    """The CliState of this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def stdout_console() -> Console:
    """The console for results: control characters from users, models or providers are
    shown escaped, never obeyed."""
    from storyreel.cli.terminal import safe_console

    return safe_console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    """The console for progress and messages, as safe as :func:`stdout_console`."""
    from storyreel.cli.terminal import safe_console

    return safe_console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
