"""The HTTP side: a client that follows the server across restarts and scans every body it
reads, each job posted and polled to its end (resumed by hand if the server leaves it alone),
and at the end every job collected and every artifact downloaded."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .leaks import LeakLedger
from .plan import JobPlan
from .processes import Server
from .settings import FINAL, POLL_S, RESUME_GRACE_S
from .snapshots import StepKey, StepState


class SoakTimeout(Exception):
    """The soak's time ran out while waiting for the server."""


class Api:
    """Requests to the current server, following it across restarts; scans every body."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        server: Server,
        emulator_url: str,
        token: str,
        ledger: LeakLedger,
    ) -> None:
        self.http = http
        self.server = server
        self.emulator_url = emulator_url
        self._headers = {"Authorization": f"Bearer {token}"}
        self.ledger = ledger
        self.deadline = float("inf")
        self.anomalies: list[str] = []
        # Workers mode: jobs run in the workers, never "here"; the server resumes nothing.
        self.workers_mode = False

    async def wait_up(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise SoakTimeout
        try:
            await asyncio.wait_for(self.server.up.wait(), timeout=remaining)
        except TimeoutError:
            raise SoakTimeout from None

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One attempt at the current server."""
        await self.wait_up()
        url = self.server.url + path
        response = await self.http.request(method, url, headers=self._headers, **kwargs)
        self.ledger.scan("responses", response.content)
        if response.status_code >= 500:
            self.anomalies.append(f"{method} {path} answered {response.status_code}")
        return response

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Retried through connection failures (a killed server) until the deadline."""
        while True:
            try:
                return await self.send(method, path, **kwargs)
            except httpx.TransportError:
                await asyncio.sleep(0.2)

    async def emulator(self, method: str, path: str, **kwargs: Any) -> Any:
        """A control request to the emulator (it is never restarted)."""
        response = await self.http.request(method, self.emulator_url + path, **kwargs)
        self.ledger.scan("responses", response.content)
        response.raise_for_status()
        return response.json()


@dataclass
class Tracked:
    """One job as the soak sees it."""

    plan: JobPlan
    job_id: str | None = None
    status: str = "unsent"
    running_here: bool = False
    idle_since: float | None = None
    idle_incarnation: int = 0
    # Found by its idea after its POST's answer was lost (the server was killed meanwhile).
    adopted: bool = False

    @property
    def final(self) -> bool:
        return self.status in FINAL


@dataclass
class Notes:
    """What happened during the run, beyond the jobs' own records."""

    kills: list[dict[str, Any]] = field(default_factory=list)
    stops: list[dict[str, Any]] = field(default_factory=list)
    skipped_events: list[str] = field(default_factory=list)
    snapshots: list[dict[StepKey, StepState]] = field(default_factory=list)
    manual_resumes: list[dict[str, Any]] = field(default_factory=list)
    adopted_posts: list[str] = field(default_factory=list)
    faults_installed: list[dict[str, Any]] = field(default_factory=list)


async def create_job(api: Api, job: Tracked, notes: Notes) -> str:
    """POST the job; after a lost answer, look for it by its (unique) idea before posting again."""
    plan = job.plan
    body = {
        "idea": plan.idea,
        "style": plan.style,
        "segments": plan.segments,
        "duration_seconds": plan.duration_seconds,
    }
    while True:
        try:
            response = await api.send("POST", "/v1/videos", json=body)
        except httpx.TransportError:
            found = await find_by_idea(api, plan.idea)
            if found is not None:
                notes.adopted_posts.append(found)
                job.adopted = True
                return found
            continue
        if response.status_code == 202:
            return str(response.json()["id"])
        if response.status_code < 500:
            raise RuntimeError(f"POST /v1/videos answered {response.status_code}: {response.text}")
        await asyncio.sleep(1.0)


async def find_by_idea(api: Api, idea: str) -> str | None:
    listing = (await api.call("GET", "/v1/jobs")).json()
    return next((str(item["id"]) for item in listing if item["idea"] == idea), None)


async def drive_job(api: Api, job: Tracked, notes: Notes) -> None:
    await asyncio.sleep(job.plan.delay_s)
    await install(api, job.plan.faults, notes)
    job.status = "posting"
    job.job_id = await create_job(api, job, notes)
    job.status = "queued"
    while not job.final:
        response = await api.call("GET", f"/v1/jobs/{job.job_id}")
        if response.status_code == 200:
            detail = response.json()
            job.status, job.running_here = str(detail["status"]), bool(detail["running_here"])
            await resume_if_idle(api, job, notes)
        else:
            api.anomalies.append(f"GET job {job.job_id} answered {response.status_code}")
        await asyncio.sleep(POLL_S)


def left_to_workers(api: Api, job: Tracked) -> bool:
    """Whether, in workers mode, the job is the workers' to finish: all but one still queued
    after its POST's answer was lost, which the killed server may have saved without sending
    it to the workers (it then waits for a resume, as the API says). A job the workers leave
    unfinished is theirs to take over: resuming it by hand would hide that."""
    return api.workers_mode and not (job.adopted and job.status == "queued")


async def resume_if_idle(api: Api, job: Tracked, notes: Notes) -> None:
    """Resume by hand a job that the live server has left alone for RESUME_GRACE_S."""
    server = api.server
    if job.final or job.running_here or left_to_workers(api, job):
        job.idle_since = None
        return
    now = time.monotonic()
    if job.idle_since is None or job.idle_incarnation != server.incarnation:
        job.idle_since, job.idle_incarnation = now, server.incarnation
        return
    if now - job.idle_since < RESUME_GRACE_S:
        return
    response = await api.call("POST", f"/v1/jobs/{job.job_id}/resume")
    notes.manual_resumes.append(
        {
            "job": job.job_id,
            "status": job.status,
            "server": server.incarnation,
            "idle_s": round(now - job.idle_since, 1),
            "answer": response.status_code,
        }
    )
    job.idle_since = now


async def install(api: Api, rules: list[dict[str, Any]], notes: Notes) -> None:
    if rules:
        await api.emulator("POST", "/_emulator/faults", json=rules)
        notes.faults_installed += rules


async def collect(api: Api) -> dict[str, dict[str, Any]]:
    """Every job of the store, as ``GET /v1/jobs/{id}`` shows it now."""
    listing = (await api.call("GET", "/v1/jobs")).json()
    details = {}
    for item in listing:
        response = await api.call("GET", f"/v1/jobs/{item['id']}")
        details[str(item["id"])] = response.json()
    return details


async def download_mismatches(api: Api, output: Path, details: dict[str, Any]) -> list[str]:
    """Files the manifests list that the API does not serve byte for byte as on disk."""
    problems = []
    for job_id, detail in details.items():
        manifest = detail.get("manifest") or {}
        paths = [clip["path"] for clip in manifest.get("clips", []) if clip.get("path")]
        paths += [manifest["thumbnail"]] if manifest.get("thumbnail") else []
        for path in paths:
            on_disk = output / job_id / path
            response = await api.call("GET", f"/v1/jobs/{job_id}/files/{path}")
            if response.status_code != 200:
                problems.append(f"{job_id}/{path}: download answered {response.status_code}")
            elif on_disk.is_file() and _digest(response.content) != _digest(on_disk.read_bytes()):
                problems.append(f"{job_id}/{path}: the download differs from the file on disk")
    return problems


async def probe_error_paths(api: Api) -> None:
    """A few error answers, so that their bodies are scanned for secrets too."""
    with contextlib.suppress(httpx.TransportError):
        wrong = {"Authorization": "Bearer wrong"}
        response = await api.http.get(f"{api.server.url}/v1/jobs", headers=wrong)
        api.ledger.scan("responses", response.content)
        for method, path, kwargs in (
            ("GET", "/readyz", {}),
            ("GET", "/openapi.json", {}),
            ("GET", "/v1/jobs/no-such-job", {}),
            ("GET", "/v1/jobs/no-such-job/files/..%2F..%2Fetc%2Fpasswd", {}),
            ("POST", "/v1/videos", {"json": {"idea": "", "segments": 99}}),
            ("POST", "/v1/jobs/no-such-job/resume", {}),
        ):
            await api.send(method, path, **kwargs)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
