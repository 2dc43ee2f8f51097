"""``storyreel emulator``: serve the offline OpenAI/Google emulator in the foreground."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def emulator(
    host: Annotated[
        str, typer.Option(help="Address to bind; loopback unless --allow-remote.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port to listen on.")] = 8090,
    video_latency: Annotated[
        float, typer.Option(min=0.0, help="Seconds from a Veo submission until it is done.")
    ] = 2.0,
    text_latency: Annotated[
        float, typer.Option(min=0.0, help="Seconds added to every text reply.")
    ] = 0.0,
    image_latency: Annotated[
        float, typer.Option(min=0.0, help="Seconds added to every image reply.")
    ] = 0.0,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            help="Keep Veo operations in this folder, so that they survive a restart of the "
            "emulator (default: in memory only)."
        ),
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow binding a non-loopback address (exposes the emulator).")
    ] = False,
    express_veo: Annotated[
        bool,
        typer.Option(
            help="Serve Veo to an API key alone (Vertex AI express mode), which Vertex AI "
            "refuses with 400 INVALID_ARGUMENT, as the emulator does by default."
        ),
    ] = False,
) -> None:
    """Serve the offline emulator of OpenRouter and Vertex AI until interrupted."""
    from storyreel.cli.ports import bound_port, listening_socket
    from storyreel.emulator import EmulatorOptions, serve
    from storyreel.emulator.server import is_loopback
    from storyreel.errors import InputError

    if not allow_remote and not is_loopback(host):
        raise InputError(
            f"refusing to serve the emulator on non-loopback host {host!r}; "
            "use 127.0.0.1 or pass --allow-remote"
        )
    options = EmulatorOptions(
        video_latency_s=video_latency,
        text_latency_s=text_latency,
        image_latency_s=image_latency,
        state_dir=state_dir,
        express_veo=express_veo,
    )
    # Bound before anything is printed: a port in use is one line, not a false start.
    sock = listening_socket(host, port, choose="--port")
    try:
        shown = f"[{host}]" if ":" in host else host
        typer.echo(
            f"storyreel emulator on http://{shown}:{bound_port(sock)} (Ctrl-C to stop)", err=True
        )
        serve(host, bound_port(sock), options, allow_remote, sock=sock)
    finally:
        sock.close()
