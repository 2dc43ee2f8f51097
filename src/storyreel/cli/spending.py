"""Asking before money is spent: the estimate, and a question above the configured limit."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from storyreel.cli.state import stderr_console

if TYPE_CHECKING:
    from storyreel.jobs.costs import CostEstimate
    from storyreel.settings import Settings

YES_HELP = "Do not ask before spending more than video.confirm_above_usd."


def confirm_spending(estimate: CostEstimate, settings: Settings, yes: bool, *, what: str) -> None:
    """Print the estimate; above video.confirm_above_usd (or unknown) ask, unless --yes.

    Offline nothing is billed, so nothing is asked. Without a terminal to ask on, a cost
    above the limit is refused (InputError) rather than spent.
    """
    from storyreel.cli.jobs_views import show_estimate
    from storyreel.errors import InputError

    offline = settings.backend == "offline"
    show_estimate(estimate, offline=offline, what=what)
    limit = settings.video.confirm_above_usd
    if offline or yes or (estimate.usd is not None and estimate.usd <= limit):
        return
    amount = "an unknown amount" if estimate.usd is None else f"${estimate.usd:.2f}"
    if not sys.stdin.isatty():
        raise InputError(
            f"the estimated cost ({amount}) is above video.confirm_above_usd "
            f"(${limit:.2f}) and there is no terminal to ask: pass --yes to go ahead"
        )
    if not typer.confirm(f"Spend {amount} on video generation?", default=False, err=True):
        stderr_console().print("Nothing was submitted.")
        raise typer.Exit(1)
