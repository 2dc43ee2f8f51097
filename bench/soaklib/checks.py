"""Checks on what is left at the end: each job's artifacts against its manifest, the paid
submissions against what the emulator accepted, and which faults fired."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from PIL import Image

from .settings import DURATION_TOLERANCE_S, PNG_MAGIC, REFUSED_SUBMIT_STATUSES


def check_clip(path: Path, seconds: float) -> str | None:
    """Why ``path`` is not an MP4 of ``seconds`` that PyAV can play, or None."""
    if not path.is_file():
        return "missing"
    try:
        with av.open(str(path)) as container:
            if "mp4" not in container.format.name or not container.streams.video:
                return f"not an MP4 video ({container.format.name})"
            duration = float(container.duration or 0) / av.time_base
            next(container.decode(video=0))
    except (av.FFmpegError, OSError, StopIteration) as exc:
        return f"PyAV cannot play it ({type(exc).__name__})"
    if abs(duration - seconds) > DURATION_TOLERANCE_S:
        return f"lasts {duration:.2f} s, the manifest says {seconds} s"
    return None


def check_png(path: Path) -> str | None:
    if not path.is_file():
        return "missing"
    if path.read_bytes()[:8] != PNG_MAGIC:
        return "not a PNG"
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, SyntaxError) as exc:
        return f"PIL cannot read it ({exc})"
    return None


def check_job_folder(folder: Path, detail: dict[str, Any], segments: int) -> list[str]:
    """Artifacts a final job's manifest promises that are missing or broken."""
    api_manifest = detail.get("manifest")
    path = folder / "manifest.json"
    if not path.is_file():
        return [f"{folder.name}: manifest.json is missing"]
    manifest = json.loads(path.read_text())
    problems = []
    if api_manifest is not None and api_manifest != manifest:
        problems.append(f"{folder.name}: manifest.json differs from the API's manifest")
    for clip in manifest["clips"]:
        if clip["path"]:
            why = check_clip(folder / clip["path"], clip["duration_seconds"])
            if why:
                problems.append(f"{folder.name}/{clip['path']}: {why}")
    if manifest.get("thumbnail"):
        why = check_png(folder / manifest["thumbnail"])
        if why:
            problems.append(f"{folder.name}/{manifest['thumbnail']}: {why}")
    if manifest.get("story") and not (folder / manifest["story"]).is_file():
        problems.append(f"{folder.name}/{manifest['story']}: missing")
    if manifest["status"] == "succeeded":
        problems += _succeeded_gaps(folder.name, manifest, segments)
    return problems


def _succeeded_gaps(name: str, manifest: dict[str, Any], segments: int) -> list[str]:
    made = [clip for clip in manifest["clips"] if clip["path"] and clip["status"] == "succeeded"]
    gaps = [f"{name}: succeeded with {len(made)} clips of {segments}"] * (segments - len(made))
    if not manifest.get("thumbnail"):
        gaps.append(f"{name}: succeeded without a thumbnail")
    return gaps


def failures_of(details: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    failures = []
    for job_id, detail in sorted(details.items()):
        manifest = detail.get("manifest") or {}
        for failure in manifest.get("failures", []):
            failures.append({"job": job_id, "reason": f"{failure['step']}: {failure['reason']}"})
    return failures


def submissions_of(detail: dict[str, Any]) -> int:
    """The manifest's count for a final job; its progress's for one that never finished
    (both as ``GET /v1/jobs/{id}`` shows them)."""
    manifest = detail.get("manifest")
    if manifest is not None:
        return int(manifest["video_submissions"])
    return int(detail["progress"]["video_submissions"])


@dataclass(frozen=True)
class Submissions:
    """Paid Veo submissions: what the emulator accepted against what the manifests record.

    The manifests count every submit that may have reached Google, so they also count a
    submit the emulator refused with an ambiguous 5xx (``ambiguous``), and may count one a
    SIGKILL cut off before the emulator accepted it (at most ``cut_by_kills``: the clips
    whose submit was under way at a kill).
    """

    emulator: int
    manifests: int
    ambiguous: int
    cut_by_kills: int

    @property
    def unaccounted(self) -> int:
        floor = self.emulator + self.ambiguous
        missing = max(0, floor - self.manifests)
        unexplained = max(0, self.manifests - floor - self.cut_by_kills)
        return missing + unexplained

    @property
    def overcounted_at_kills(self) -> int:
        """Submits recorded as possibly billed at a SIGKILL that the emulator never accepted."""
        return max(0, min(self.cut_by_kills, self.manifests - self.emulator - self.ambiguous))

    def text(self) -> str:
        return (
            f"manifests {self.manifests} = emulator accepted {self.emulator} + "
            f"{self.ambiguous} refused with an ambiguous 5xx + {self.overcounted_at_kills} "
            f"never accepted of {self.cut_by_kills} under way at a SIGKILL"
        )


def fault_name(rule: dict[str, Any]) -> str:
    status = f" {rule['status']}" if rule["kind"] == "status" else ""
    return f"{rule['route']} {rule['kind']}{status}"


def describe_rule(rule: dict[str, Any]) -> str:
    target = f" for {rule['match']}" if rule.get("match") else ""
    return f"{fault_name(rule)} x{rule['times']}{target}"


def consumed_faults(
    installed: Iterable[dict[str, Any]], left: Iterable[dict[str, Any]]
) -> Counter[str]:
    """How many times each kind of rule fired: installed ``times`` minus what is left."""
    fired: Counter[str] = Counter()
    for rule in installed:
        fired[fault_name(rule)] += int(rule["times"])
    for rule in left:
        fired[fault_name(rule)] -= int(rule["times"] or 0)
    return fired


def ambiguous_submit_refusals(fired: Counter[str]) -> int:
    """Submits the emulator refused with a 5xx that storyreel must count as possibly billed."""
    total = 0
    for name, count in fired.items():
        route, kind, *status = name.split()
        if route == "predictLongRunning" and kind == "status" and status:
            code = int(status[0])
            if code >= 500 and code not in REFUSED_SUBMIT_STATUSES:
                total += count
    return total
