"""``storyreel serve``: the HTTP API with uvicorn, in the foreground."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(help="Address to bind (default api.host); any but loopback needs a token."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="TCP port (default api.port).")
    ] = None,
) -> None:
    """Serve the HTTP API until interrupted; jobs left running resume at the next start."""
    from storyreel.api.auth import check_bind
    from storyreel.cli.state import state

    cli = state(ctx)
    settings = cli.settings()
    bind_host = host or settings.api.host
    bind_port = settings.api.port if port is None else port
    # Refuse before anything is built: no token, no public bind.
    check_bind(bind_host, settings)

    import uvicorn

    from storyreel.api import create_app
    from storyreel.logs import configure_logging

    container = cli.container()
    configure_logging(settings.log_level)
    app = create_app(container)
    shown = f"[{bind_host}]" if ":" in bind_host else bind_host
    typer.echo(
        f"storyreel API on http://{shown}:{bind_port} (docs at /docs; Ctrl-C to stop)", err=True
    )
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        log_level=settings.log_level.lower(),
        access_log=settings.log_level == "DEBUG",
        # Long enough for paid submits in flight to answer and be recorded (jobs.stop_grace_s).
        timeout_graceful_shutdown=int(settings.jobs.stop_grace_s) + 10,
    )
