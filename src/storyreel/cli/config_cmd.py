"""``storyreel config show`` and ``storyreel config check``."""

from __future__ import annotations

import json
from typing import Any

import typer

from storyreel.cli.help_format import StoryreelGroup
from storyreel.cli.state import state, stdout_console

config_app = typer.Typer(
    help="Inspect and validate the configuration.", cls=StoryreelGroup, no_args_is_help=True
)


def render_config(dumped: dict[str, Any], sources: dict[str, str], secrets: frozenset[str]) -> str:
    """The effective configuration as YAML, secrets as set/not set, each value's source."""
    lines: list[str] = []

    def line(indent: str, key: str, path: str, value: Any) -> None:
        if path in secrets:
            shown = "set" if value else "not set"
        else:
            shown = json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{indent}{key}: {shown}  # {sources.get(path, 'default')}")

    for key, value in dumped.items():
        if isinstance(value, dict) and key not in ("price_per_second_usd",):
            lines.append(f"{key}:")
            for sub, sub_value in value.items():
                line("  ", sub, f"{key}.{sub}", sub_value)
        else:
            line("", key, key, value)
    return "\n".join(lines) + "\n"


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective configuration as YAML, with where each value came from."""
    from storyreel.settings import SECRET_PATHS

    settings = state(ctx).settings()
    header = f"# config file: {settings.config_file or 'none'}\n"
    body = render_config(settings.model_dump(mode="json"), settings.sources, SECRET_PATHS)
    typer.echo(header + body, nl=False)


@config_app.command("check")
def check(
    ctx: typer.Context,
    online: bool = typer.Option(
        False,
        "--online",
        help="Also make one free call per provider (OpenRouter's key endpoint, a lookup of "
        "the video model) and report each as working, refused or unreachable. Offline, the "
        "emulator answers.",
    ),
    json_output: bool = typer.Option(
        False, "--json", help="With --online: print one JSON document of the checks."
    ),
) -> None:
    """Validate the configuration; in live mode, check that the keys are present. Say
    where jobs and their files are kept, and refuse a setup of several machines whose
    output folder only one of them reaches."""
    from storyreel.jobs.placement import check_placement

    settings = state(ctx).settings()
    settings.require_credentials()
    where = check_placement(settings)
    if not json_output:
        out = stdout_console()
        out.print(
            f"[green]configuration OK[/] — backend {settings.backend}, "
            f"file {settings.config_file or 'none'}"
        )
        from storyreel.connectors.google_modes import describe_modes

        for use, mode in describe_modes(settings).items():
            out.print(f"google {use}: {mode}", highlight=False, markup=False)
        for name, text in (
            ("job store", where.store),
            ("job queue", where.queue),
            ("clips", where.clips),
            ("other files", where.files),
        ):
            out.print(f"{name}: {text}", highlight=False, markup=False)
    if online:
        from storyreel.cli.online_check import check_online

        if not check_online(state(ctx), json_output=json_output):
            raise typer.Exit(code=1)
