"""``storyreel emulator``: serve the offline OpenAI/Google emulator in the foreground."""

from __future__ import annotations

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
    allow_remote: Annotated[
        bool, typer.Option(help="Allow binding a non-loopback address (exposes the emulator).")
    ] = False,
) -> None:
    """Serve the offline emulator of OpenRouter and Vertex AI until interrupted."""
    from storyreel.emulator import EmulatorOptions, serve
    from storyreel.emulator.server import is_loopback
    from storyreel.errors import InputError

    if not allow_remote and not is_loopback(host):
        raise InputError(
            f"refusing to serve the emulator on non-loopback host {host!r}; "
            "use 127.0.0.1 or pass --allow-remote"
        )
    options = EmulatorOptions(video_latency_s=video_latency, text_latency_s=text_latency)
    typer.echo(f"storyreel emulator on http://{host}:{port} (Ctrl-C to stop)", err=True)
    serve(host, port, options, allow_remote)
