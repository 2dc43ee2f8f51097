"""``storyreel video`` and ``storyreel thumbnail``: one Veo clip or one image, saved to a file."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.state import emit_json, run_then_close, state, stderr_console

if TYPE_CHECKING:
    from storyreel.services.google.media import ImageResult, MediaService, VideoRequest, VideoResult

_OUT_HELP = "File to write (default: <output_dir>/{kind}-<hash of the request>.{ext})."
_JSON_HELP = "Print one JSON document instead of the path."


def short_hash(*parts: str) -> str:
    """A short stable name for a request, so the same request lands in the same file."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def video(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What the clip shows.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help=_OUT_HELP.format(kind="video", ext="mp4"))
    ] = None,
    duration: Annotated[
        int | None,
        typer.Option("--duration", help="4, 6 or 8 seconds (default: video.duration_seconds)."),
    ] = None,
    aspect_ratio: Annotated[
        str | None,
        typer.Option("--aspect-ratio", help="9:16 or 16:9 (default: video.aspect_ratio)."),
    ] = None,
    operation: Annotated[
        str | None,
        typer.Option(
            "--operation",
            help="Collect a clip submitted earlier (the name printed when it was submitted) "
            "instead of submitting a new one: nothing is paid again.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Make one Veo clip from PROMPT and save it as an MP4.

    The operation's name is printed on stderr as soon as Google accepts the clip; if the
    command is interrupted, `storyreel video PROMPT --operation NAME` collects it later.
    """

    cli = state(ctx)
    container = cli.container()
    service: MediaService = container.media_service()
    request = service.video_request(prompt, duration_seconds=duration, aspect_ratio=aspect_ratio)
    if out is None:
        name = short_hash(
            request.prompt, str(request.duration_seconds), request.aspect_ratio, request.resolution
        )
        out = cli.settings().output_dir / f"video-{name}.mp4"
    try:
        result = run_then_close(container, lambda: _make_video(service, request, out, operation))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if json_output:
        emit_json(
            {
                "path": str(result.path),
                "operation": result.operation,
                "bytes": result.bytes,
                "duration_seconds": result.duration_seconds,
                "uri": result.uri,
            }
        )
    else:
        # Stored in Cloud Storage (video.output_gcs_uri): the link is the only place it is.
        typer.echo(str(result.path) if result.bytes else str(result.uri))


async def _make_video(
    service: MediaService,
    request: VideoRequest,
    dest: Path,
    operation: str | None,
) -> VideoResult:
    started = time.monotonic()
    label = "the clip"
    console = stderr_console()
    with console.status(f"submitting {label} to Veo…") as status:
        if operation is None:
            operation = await service.submit_video(request, label=label)
            # Printed at once: the only handle on a clip Google is now making (and billing).
            console.print(
                f"submitted as {operation}\n"
                f"if interrupted, collect it with: storyreel video ... --operation {operation}",
                highlight=False,
                soft_wrap=True,
            )

        def on_poll(polls: int) -> None:
            elapsed = time.monotonic() - started
            status.update(f"waiting for {label}: {elapsed:.0f} s, {polls} polls")

        status.update(f"waiting for {label}…")
        return await service.wait_video(operation, dest, label=label, on_poll=on_poll)


def thumbnail(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What the image shows.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help=_OUT_HELP.format(kind="thumbnail", ext="png")),
    ] = None,
    aspect_ratio: Annotated[
        str | None,
        typer.Option("--aspect-ratio", help="e.g. 9:16, 16:9, 1:1 (default: video.aspect_ratio)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Make one image from PROMPT with the image model and save it (PNG, or JPEG)."""

    cli = state(ctx)
    settings = cli.settings()
    container = cli.container()
    service: MediaService = container.media_service()
    ratio = aspect_ratio or settings.video.aspect_ratio
    dest = out or settings.output_dir / f"thumbnail-{short_hash(prompt.strip(), ratio)}.png"
    result = run_then_close(container, lambda: _make_thumbnail(service, prompt, dest, ratio))
    if out is None and result.mime_type == "image/jpeg":
        result = _renamed(result, dest.with_suffix(".jpg"))
    if json_output:
        emit_json(
            {
                "path": str(result.path),
                "mime_type": result.mime_type,
                "width": result.width,
                "height": result.height,
            }
        )
    else:
        typer.echo(str(result.path))


async def _make_thumbnail(
    service: MediaService, prompt: str, dest: Path, ratio: str
) -> ImageResult:
    with stderr_console().status("making the thumbnail…"):
        return await service.generate_thumbnail(prompt, dest, aspect_ratio=ratio)


def _renamed(result: ImageResult, path: Path) -> ImageResult:
    """The same image under a name whose extension matches its bytes."""
    import dataclasses
    import os

    os.replace(result.path, path)
    return dataclasses.replace(result, path=path)
