"""``storyreel serve``: the HTTP API with uvicorn, in the foreground."""

from __future__ import annotations

import socket
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.ports import bound_port, listening_socket
from storyreel.cli.state import CliState, state

if TYPE_CHECKING:
    from storyreel.containers import Container
    from storyreel.settings import Settings


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

    cli = state(ctx)
    settings = cli.settings()
    bind_host = host or settings.api.host
    bind_port = settings.api.port if port is None else port
    # Refuse before anything is built or printed: no token, no public bind, no port in use.
    check_bind(bind_host, settings)
    sock = listening_socket(bind_host, bind_port, choose="--port (or api.port)")
    try:
        _serve_on(cli, sock, bind_host)
    finally:
        sock.close()


def _serve_on(cli: CliState, sock: socket.socket, host: str) -> None:
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from storyreel.api import create_app
    from storyreel.api.routes_events import close_event_streams
    from storyreel.logs import configure_logging

    settings = cli.settings()
    container = cli.container()
    _check_services(settings, container)
    configure_logging(settings.log_level)
    app = create_app(container)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            # uvicorn waits for open responses before it stops; a job's event stream
            # would keep it waiting until the job ends. Its clients reconnect and resume.
            close_event_streams(app)

    config = uvicorn.Config(
        app,
        host=host,
        port=bound_port(sock),
        log_level=settings.log_level.lower(),
        access_log=settings.log_level == "DEBUG",
        # Long enough for paid submits in flight to answer and be recorded (jobs.stop_grace_s).
        timeout_graceful_shutdown=int(settings.jobs.stop_grace_s) + 10,
    )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"storyreel API on http://{shown}:{bound_port(sock)} (docs at /docs; Ctrl-C to stop)",
        err=True,
    )
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        return  # stopped as asked, after a graceful shutdown
    except SystemExit as exc:
        if exc.code != STARTUP_FAILURE:
            raise
        # uvicorn's own status for an application that did not start is 3, which storyreel
        # gives a partial job; uvicorn has logged why.
        raise typer.Exit(1) from None


def _check_services(settings: Settings, container: Container) -> None:
    """Refuse to start, in one line naming the server without its password, when the job
    store cannot be opened (an unreachable database, a wrong password, a schema not
    upgraded), when the broker of ``jobs.queue: celery`` cannot be reached, or when jobs
    run past one process with an output folder the others do not reach: a server started
    anyway would accept jobs it cannot record or hand out."""
    from storyreel.jobs.placement import check_placement

    check_placement(settings)
    container.job_store().check()
    if settings.jobs.queue == "celery":
        from storyreel.workers.broker import broker_url, check_broker

        check_broker(broker_url(settings))
