"""``storyreel stats``: the figures of ``GET /metrics`` for people without Prometheus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.state import emit_json, state

if TYPE_CHECKING:
    from storyreel.jobs.figures import Figures


def stats(
    ctx: typer.Context,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as one JSON document.")
    ] = False,
) -> None:
    """Show what the jobs of output_dir did: jobs by status, clips, provider calls and
    errors, quota waits, Veo operation times and polls (and the time learned per model that
    paces polling), reel assembly time and estimated spend. Read only; the same figures as
    GET /metrics."""
    from storyreel.jobs.figures import folder_figures

    figures = folder_figures(state(ctx).settings())
    if json_output:
        emit_json(figures.to_json())
    else:
        show_figures(figures)


def show_figures(figures: Figures) -> None:
    """The figures as a few small tables."""
    from rich.console import Console
    from rich.table import Table

    data = figures.to_json()
    console = Console()
    summary = Table("figure", "value", title="storyreel stats", title_justify="left")
    for status, count in data["jobs"].items():
        summary.add_row(f"jobs {status}", str(count))
    for outcome, count in data["clips"].items():
        summary.add_row(f"clips {outcome}", str(count))
    polls = data["polls"]
    per_op = polls["polls"] / polls["operations"] if polls["operations"] else 0.0
    summary.add_row("polls per operation", f"{per_op:.2f} ({polls['operations']} operations)")
    reel = data["reel_assembly"]
    mean = reel["seconds_sum"] / reel["count"] if reel["count"] else 0.0
    summary.add_row("reel assembly", f"{reel['count']} × {mean:.1f} s on average")
    summary.add_row("estimated spend", f"${data['estimated_spend_usd']:.2f}")
    console.print(summary)
    calls = Table("client", "kind", "calls", "errors", title="provider calls", title_justify="left")
    for client, kinds in data["provider_calls"].items():
        for kind, entry in kinds.items():
            errors = ", ".join(f"{name}: {n}" for name, n in entry["errors"].items()) or "-"
            calls.add_row(client, kind, str(entry["calls"]), errors)
    for kind, wait in data["quota_waits"].items():
        calls.add_row("quota", f"waits for {kind}", str(wait["waits"]), f"{wait['seconds']:.1f} s")
    console.print(calls)
    learned = Table(
        "model",
        "resolution",
        "length",
        "operation time",
        "from",
        title="learned per model",
        title_justify="left",
    )
    for item in data["learned_operation_s"]:
        learned.add_row(
            item["model"],
            item["resolution"],
            f"{item['duration_s']} s",
            f"{item['expected_s']:.1f} s",
            f"{item['samples']} clips",
        )
    console.print(learned)
