"""Clips paid for more than once, against the provider-side reasons for a second submit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .checks import consumed_faults
from .client import Tracked
from .snapshots import StepKey, StepState

# Rules after which storyreel may rightly submit a clip again: the first submit was refused
# or ambiguous, or its operation failed. Delays (and held answers) are no reason.
RESUBMIT_ROUTES = frozenset({"predictLongRunning", "fetchPredictOperation"})
NO_REASON_KINDS = frozenset({"delay", "delay_after_accept"})


def resubmit_reasons(installed: Iterable[dict[str, Any]], left: Iterable[dict[str, Any]]) -> int:
    """How many times rules that excuse a second submit fired."""
    excusing = [rule for rule in installed if _excuses(rule)]
    fired = consumed_faults(excusing, [rule for rule in left if _excuses(rule)])
    return sum(max(0, count) for count in fired.values())


def _excuses(rule: dict[str, Any]) -> bool:
    return rule["route"] in RESUBMIT_ROUTES and rule["kind"] not in NO_REASON_KINDS


def repaid_clips(
    end: dict[StepKey, StepState],
    windows: list[dict[StepKey, StepState]],
    tracked: list[Tracked],
    installed: list[dict[str, Any]],
    left: list[dict[str, Any]],
) -> tuple[list[str], list[str]]:
    """Clips whose recorded submissions exceed one beyond the fault rules that fired for
    their job (rules matching its tag) and the untargeted ones (shared by all jobs). Returns
    (clips repaid without a reason, clips repaid that were mid-submit in a declared window:
    a SIGKILL, or a SIGSTOP past the lease)."""
    by_job: dict[str | None, int] = {}
    for job in tracked:
        tags = {rule["match"] for rule in job.plan.faults}
        mine = [rule for rule in left if rule.get("match") in tags]
        by_job[job.job_id] = resubmit_reasons(job.plan.faults, mine)
    shared = resubmit_reasons(
        [rule for rule in installed if not rule.get("match")],
        [rule for rule in left if not rule.get("match")],
    )
    in_window = {key for snapshot in windows for key, state in snapshot.items() if state.submitting}
    repaid: list[str] = []
    windowed: list[str] = []
    # Clips outside any window take the shared reasons first.
    for key, state in sorted(end.items(), key=lambda item: (item[0] in in_window, item[0])):
        extra = state.submissions - 1 if state.kind == "clip" else 0
        own = min(extra, by_job.get(key[0], 0))
        by_job[key[0]] = by_job.get(key[0], 0) - own
        common = min(extra - own, shared)
        shared -= common
        if extra - own - common > 0:
            (windowed if key in in_window else repaid).append(f"{key[0]}/{key[1]}")
    return repaid, windowed
