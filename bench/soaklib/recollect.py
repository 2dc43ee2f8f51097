"""After the jobs: one clip of a finished job deleted, ``POST /v1/jobs/{id}/resume``, and the
clip checked to be back, playable and listed, with no new paid submission at the emulator."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from .checks import check_clip
from .client import Api, Notes, Tracked, drive_job
from .plan import JobPlan
from .settings import FINAL, POLL_S, RECOLLECT_TIMEOUT_S


async def clean_job(api: Api, jobs: list[Tracked], notes: Notes) -> Tracked | None:
    """A succeeded job; without one (faults leave most jobs partial), one more job with no
    faults of its own, driven to its end (and tracked like the others)."""
    done = [job for job in jobs if job.status == "succeeded"]
    if done:
        return done[0]
    model = jobs[0].plan
    extra = JobPlan(
        index=len(jobs),
        wave=-1,
        delay_s=0.0,
        idea=f"{model.idea} (clip re-collection)",
        style=model.style.rsplit(",", 1)[0],
        segments=model.segments,
        duration_seconds=model.duration_seconds,
        faults=[],
    )
    job = Tracked(extra)
    jobs.append(job)
    await drive_job(api, job, notes)
    return job if job.status == "succeeded" else None


async def wait_final(api: Api, job_id: str) -> dict[str, Any]:
    deadline = min(api.deadline, time.monotonic() + RECOLLECT_TIMEOUT_S)
    while True:
        detail: dict[str, Any] = (await api.call("GET", f"/v1/jobs/{job_id}")).json()
        settled = detail["status"] in FINAL and not detail["running_here"]
        if settled or time.monotonic() > deadline:
            return detail
        await asyncio.sleep(POLL_S)


async def recollect_clip(
    api: Api, jobs: list[Tracked], notes: Notes, output: Path
) -> dict[str, Any]:
    """Delete a succeeded job's first clip, resume the job, and check what came back."""
    job = await clean_job(api, jobs, notes)
    if job is None or job.job_id is None:
        return {"problem": "no job succeeded to take a clip from"}
    before = (await api.call("GET", f"/v1/jobs/{job.job_id}")).json()["manifest"]
    clip = next(clip for clip in before["clips"] if clip["path"])
    path = output / job.job_id / clip["path"]
    path.unlink()
    paid = (await api.emulator("GET", "/_emulator/stats"))["video_submissions"]
    answer = (await api.call("POST", f"/v1/jobs/{job.job_id}/resume")).status_code
    detail = await wait_final(api, job.job_id)
    new_paid = (await api.emulator("GET", "/_emulator/stats"))["video_submissions"] - paid
    listed = any(c["path"] == clip["path"] for c in (detail.get("manifest") or {}).get("clips", []))
    why = check_clip(path, clip["duration_seconds"])
    problems = [f"the clip {why}"] if why else []
    problems += [] if listed else ["the manifest no longer lists the clip"]
    problems += [f"{new_paid} new paid submission(s)"] if new_paid else []
    problems += [] if detail["status"] == "succeeded" else [f"the job ended {detail['status']}"]
    return {
        "job": job.job_id,
        "clip": clip["path"],
        "resume_answer": answer,
        "status": detail["status"],
        "new_submissions": new_paid,
        "problem": "; ".join(problems) or None,
    }
