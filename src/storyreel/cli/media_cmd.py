"""``storyreel video`` and ``storyreel thumbnail``: one Veo clip or one image, saved to a file."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.spending import YES_HELP, confirm_spending
from storyreel.cli.state import emit_json, run_then_close, state, stderr_console
from storyreel.files import prepare_output_file

if TYPE_CHECKING:
    from storyreel.services.google.media import ImageResult, MediaService, VideoRequest, VideoResult

_OUT_HELP = "File to write (default: <output_dir>/{kind}-<hash of the request>.{ext})."
_JSON_HELP = "Print one JSON document instead of the path."


def short_hash(*parts: str) -> str:
    """A short stable name for a request, so the same request lands in the same file."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def video(
    ctx: typer.Context,
    prompt: Annotated[
        str | None, typer.Argument(help="What the clip shows (not needed with --operation).")
    ] = None,
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
            metavar="NAME",
            help="Collect a clip submitted earlier (the name printed when it was submitted, "
            "projects/…/models/…/operations/ID) instead of submitting a new one: nothing is "
            "paid again.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=YES_HELP)] = False,
) -> None:
    """Make one Veo clip from PROMPT and save it as an MP4.

    The operation's name is printed on stderr as soon as Google accepts the clip; if the
    command is interrupted, `storyreel video --operation NAME` collects it later.
    """
    from storyreel.errors import InputError
    from storyreel.services.google.video_calls import check_operation_name

    if operation is not None:
        check_operation_name(operation)  # before anything is built or sent
    elif prompt is None:
        raise InputError(
            "storyreel video needs a PROMPT, or --operation NAME to collect a clip submitted "
            "earlier"
        )
    cli = state(ctx)
    cli.settings().require_credentials("google")
    container = cli.container()
    service: MediaService = container.media_service()
    request = (
        None
        if prompt is None
        else service.video_request(prompt, duration_seconds=duration, aspect_ratio=aspect_ratio)
    )
    if out is None:
        # Named by the request, so a re-run lands in the same file; by the operation without one.
        key = [str(operation)] if request is None else _request_key(request)
        out = cli.settings().output_dir / f"video-{short_hash(*key)}.mp4"
        out = prepare_output_file(out, parents=True)
    else:
        out = prepare_output_file(out)  # a folder, or a missing parent, before paying
    if operation is None and request is not None:  # collecting an operation pays nothing
        from storyreel.jobs.costs import cost_of

        estimate = cost_of(cli.settings(), request.duration_seconds)
        confirm_spending(estimate, cli.settings(), yes, what="the clip")
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


def _request_key(request: VideoRequest) -> list[str]:
    return [
        request.prompt,
        str(request.duration_seconds),
        request.aspect_ratio,
        request.resolution,
    ]


async def _make_video(
    service: MediaService,
    request: VideoRequest | None,
    dest: Path,
    operation: str | None,
) -> VideoResult:
    started = time.monotonic()
    label = "the clip"
    console = stderr_console()
    with console.status(f"submitting {label} to Veo…") as status:
        if operation is None:
            assert request is not None  # the command has a PROMPT when there is no --operation
            operation = await service.submit_video(request, label=label)
            # Printed at once: the only handle on a clip Google is now making (and billing).
            console.print(
                f"submitted as {operation}\n"
                f"if interrupted, collect it with: storyreel video --operation {operation}",
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
        typer.Option(
            "--out",
            "-o",
            help=_OUT_HELP.format(kind="thumbnail", ext="png")
            + " Its extension names the format: .png, .jpg/.jpeg or .webp.",
        ),
    ] = None,
    aspect_ratio: Annotated[
        str | None,
        typer.Option("--aspect-ratio", help="e.g. 9:16, 16:9, 1:1 (default: video.aspect_ratio)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Make one image from PROMPT with the image model and save it (PNG, JPEG or WebP)."""
    from storyreel.services.google.files import IMAGE_TYPES_BY_SUFFIX

    # The format follows --out's extension; any other is refused before anything is paid.
    wanted = None if out is None else IMAGE_TYPES_BY_SUFFIX.get(out.suffix.lower())
    if out is not None and wanted is None:
        from storyreel.errors import InputError

        raise InputError(
            f"cannot write a thumbnail as {out}: the extension names the format, one of .png, "
            ".jpg, .jpeg or .webp"
        )
    cli = state(ctx)
    settings = cli.settings()
    settings.require_credentials("google")
    container = cli.container()
    service: MediaService = container.media_service()
    ratio = aspect_ratio or settings.video.aspect_ratio
    if out is None:
        default = settings.output_dir / f"thumbnail-{short_hash(prompt.strip(), ratio)}.png"
        dest = prepare_output_file(default, parents=True)
    else:
        dest = prepare_output_file(out)  # a folder, or a missing parent, before paying
    result = run_then_close(
        container, lambda: _make_thumbnail(service, prompt, dest, ratio, wanted)
    )
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
    service: MediaService, prompt: str, dest: Path, ratio: str, mime_type: str | None
) -> ImageResult:
    with stderr_console().status("making the thumbnail…"):
        return await service.generate_thumbnail(
            prompt, dest, aspect_ratio=ratio, mime_type=mime_type
        )


def _renamed(result: ImageResult, path: Path) -> ImageResult:
    """The same image under a name whose extension matches its bytes."""
    import dataclasses
    import os

    os.replace(result.path, path)
    return dataclasses.replace(result, path=path)
