"""The Typer application: global options, command registration, error handling."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand

from storyreel import __version__
from storyreel.cli.config_cmd import config_app
from storyreel.cli.db_cmd import db_app
from storyreel.cli.help_format import StoryreelCommand, StoryreelGroup
from storyreel.cli.state import CliState, state

app = typer.Typer(
    name="storyreel",
    help="Turn an idea into a short video: story, clips, thumbnail.",
    cls=StoryreelGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"storyreel {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Config file (default: $STORYREEL_CONFIG, ./config.yml)."
        ),
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="offline (built-in emulator) or live.")
    ] = None,
    output_dir: Annotated[
        Path | None, typer.Option("--output-dir", help="Where jobs and files are written.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Turn an idea into a short video: story, clips, thumbnail."""
    cli = state(ctx)
    cli.config_file = config
    cli.verbose = verbose
    if backend is not None:
        cli.overrides["backend"] = backend
    if output_dir is not None:
        cli.overrides["output_dir"] = str(output_dir)
    ctx.call_on_close(cli.close)


_registered: list[bool] = []


def _register() -> None:
    """Commands live in small modules; importing them must stay light (no SDKs)."""
    if _registered:
        return
    _registered.append(True)
    from storyreel.cli import emulator_cmd

    app.command("emulator")(emulator_cmd.emulator)

    from storyreel.cli import media_cmd

    app.command("video")(media_cmd.video)
    app.command("thumbnail")(media_cmd.thumbnail)

    from storyreel.cli import writing_cmd

    app.command("story")(writing_cmd.story)
    app.command("meme")(writing_cmd.meme)
    app.command("content")(writing_cmd.content)
    app.command("ideas")(writing_cmd.ideas)
    app.command("characters")(writing_cmd.characters)

    from storyreel.cli import jobs_cmd

    app.command("make")(jobs_cmd.make)
    app.command("jobs")(jobs_cmd.jobs)
    app.command("resume")(jobs_cmd.resume)

    from storyreel.cli import keyframes_cmd

    app.command("keyframes")(keyframes_cmd.keyframes)

    from storyreel.cli import reel_cmd

    app.command("assemble")(reel_cmd.assemble)
    app.command("reshoot")(reel_cmd.reshoot)

    from storyreel.cli import stats_cmd

    app.command("stats")(stats_cmd.stats)

    from storyreel.cli import serve_cmd

    app.command("serve")(serve_cmd.serve)

    from storyreel.cli import worker_cmd

    app.command("worker")(worker_cmd.worker)
    # Every command reads its usage and errors the same way (help_format); the order they
    # are listed in is help_format.COMMAND_ORDER, whatever the order of registration.
    for typer_app in (app, config_app, db_app):
        for info in typer_app.registered_commands:
            if info.cls in (None, TyperCommand):
                info.cls = StoryreelCommand


def _stop_like_ctrl_c() -> None:
    """Treat SIGTERM and SIGHUP (``kill``, ``timeout``, ``docker stop``, systemd, a closed
    terminal) as Ctrl-C: the command stops as it does on an interrupt, after paid submits
    already sent have answered (within ``jobs.stop_grace_s``) and been recorded, instead of
    dying with them unknown and paying again on resume."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        # Re-raised as SIGINT, so that asyncio's handler cancels the running command.
        signal.raise_signal(signal.SIGINT)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)
    # A process started in the background by a non-interactive shell inherits SIGINT
    # ignored, and asyncio then installs no handler of its own: the SIGINT raised above
    # would be lost, and a SIGTERM with it.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; a StoryreelError becomes one line on stderr and its exit code."""
    from storyreel.errors import StoryreelError

    _register()
    _stop_like_ctrl_c()
    try:
        # Messages quote commands as users type them, however Python was started.
        app(args=argv, obj=CliState(), standalone_mode=True, prog_name="storyreel")
    except StoryreelError as exc:
        from storyreel.cli.terminal import terminal_safe
        from storyreel.logs import redact

        first, *rest = terminal_safe(redact(str(exc))).splitlines() or [type(exc).__name__]
        sys.stderr.write(f"error: {first}\n" + "".join(f"{r}\n" for r in rest))
        sys.exit(exc.exit_code)


def main_and_exit(argv: list[str] | None = None) -> None:
    """Run the CLI, then leave without tearing the interpreter down.

    Every command has closed its clients, job store and files when it returns; what is left
    is the garbage collection of the SDKs' large type modules, a fifth of a second that a
    user of a short command would otherwise wait for. Streams and logs are flushed first.
    """
    code = 0
    try:
        run(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
