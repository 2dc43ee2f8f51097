"""``storyreel keyframes JOB_ID``: a job's character sheets and keyframes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from storyreel.cli.state import emit_json, state, stdout_console

if TYPE_CHECKING:
    from storyreel.jobs.models import JobView


def keyframes(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="The job (see `storyreel jobs`).")],
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print {"job_id", "folder", "sheets": [{"character", "path", "source", '
            '"status", "error"}], "keyframes": [{"index", "path", "status", "error"}]}.',
        ),
    ] = False,
) -> None:
    """List a job's character sheets and keyframes: the pictures its clips start from.

    Paths are relative to the job folder (also under /v1/jobs/{id}/files/ of `storyreel
    serve`). A job made with video.keyframes false has none.
    """
    view = state(ctx).container().job_runner().get(job_id)
    document = frames_document(view)
    if json_output:
        emit_json(document)
    else:
        _show(document)


def frames_document(view: JobView) -> dict[str, Any]:
    """The job's sheets and keyframes as the ``--json`` output shows them."""
    from storyreel.jobs.frame_manifest import keyframe_entries, sheet_entries

    return {
        "job_id": view.job.id,
        "folder": view.job.out_dir,
        "sheets": [e.model_dump(mode="json") for e in sheet_entries(view.job.story, view.steps)],
        "keyframes": [e.model_dump(mode="json") for e in keyframe_entries(view.steps)],
    }


def _show(document: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = stdout_console()
    if not document["sheets"] and not document["keyframes"]:
        console.print(f"Job {document['job_id']} has no sheets or keyframes (video.keyframes off).")
        return
    console.print(f"in {escape(document['folder'])}")
    table = Table()
    table.add_column("image", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("file")
    for sheet in document["sheets"]:
        what = f"sheet of {sheet['character']}" + (
            " (reference)" if sheet["source"] == "reference" else ""
        )
        table.add_row(escape(what), sheet["status"], _file(sheet))
    for frame in document["keyframes"]:
        table.add_row(f"keyframe {frame['index']:02d}", frame["status"], _file(frame))
    console.print(table)


def _file(entry: dict[str, Any]) -> str:
    from rich.markup import escape

    return escape(str(entry["path"] or entry["error"] or "not made yet"))


__all__ = ["frames_document", "keyframes"]
