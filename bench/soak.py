"""Soak storyreel: concurrent video jobs over HTTP under seeded faults and server SIGKILLs.

    python bench/soak.py [--jobs M] [--segments N] [--seed S] [--json] [--max-seconds T] [--keep]

Starts the standalone emulator and ``storyreel serve`` on loopback, each in its own process
group, the server with recognisable fake secrets in its environment. M jobs of N segments go
in through ``POST /v1/videos`` in three waves and are polled through ``GET /v1/jobs/{id}``.
A schedule drawn from ``random.Random(S)`` installs every fault kind of the emulator on every
route it applies to, each rule bounded by ``times``: most aimed at one job through a tag in
its style (which reaches its story request, clip prompts and thumbnail prompt), the poll
faults and some extra throttling for whichever request comes next. After each of the first
two waves' start, at a seeded moment, the server is SIGKILLed while jobs are in flight and
restarted on a new port; the client follows it. A job that the restarted server leaves
alone is resumed through ``POST /v1/jobs/{id}/resume`` and reported.

At the end it checks every job's artifacts against its manifest (each clip an MP4 that PyAV
plays with the clip's length, the thumbnail a PNG, every clip of a succeeded job there, each
served byte for byte by the API), the paid submissions the emulator accepted against those
the manifests record, the jobs left in a non-final state, the server's peak RSS, and the
fake secrets in every log, response body, manifest, story and job-store row. Exit status 0
when lost artifacts, unaccounted submissions, stuck jobs and leaked secrets are all 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import httpx
from PIL import Image

FINAL = frozenset({"succeeded", "partial", "failed"})
ROUTES = ("chat.completions", "generateContent", "predictLongRunning", "fetchPredictOperation")
# Routes whose request bodies carry a job's style tag.
TAGGED_ROUTES = frozenset({"chat.completions", "generateContent", "predictLongRunning"})
ONE_REQUEST_ROUTES = frozenset({"chat.completions", "generateContent"})
# Faults after which no story is written: the job fails before filming anything.
STORY_KILLERS = frozenset({("chat.completions", "safety_block"), ("chat.completions", "malformed")})
# Statuses at which storyreel takes a submit as refused (not billed, not counted), as its
# google_errors classifies them; any other 5xx it counts as possibly billed.
REFUSED_SUBMIT_STATUSES = frozenset({408, 429, 503})
KILLS = 2
VIDEO_LATENCY_S = 1.5
WAVE_WINDOW_S = 4.0
FAULT_WINDOW_S = 1.5
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 30.0
POLL_S = 0.5
RSS_SAMPLE_S = 0.25
# A non-final job that the live server is not running for this long is resumed by hand.
RESUME_GRACE_S = 12.0
DURATION_TOLERANCE_S = 0.5
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STORE_FILENAME = "storyreel-jobs.sqlite3"
STYLES = ("paper-cut animation", "soft watercolour", "grainy 16 mm film", "bold comic inks")
THEMES = (
    "a lighthouse keeper befriends the storm",
    "a bakery that only opens at midnight",
    "two rival kites over a windy beach",
    "a robot learns to water a desert garden",
    "the last train before the snow closes the pass",
    "a cat who guards a library of maps",
    "ein Geiger spielt für die Möwen am Hafen",
    "une horloge qui avance quand on rit",
    "a street market on the back of a whale",
    "an old radio that catches tomorrow's weather",
)


@dataclass(frozen=True)
class Options:
    jobs: int
    segments: int
    seed: int
    json: bool
    max_seconds: float
    keep: bool


# The plan: everything random is drawn here, from the seed.


@dataclass(frozen=True)
class JobPlan:
    """One job. Its ``style`` carries a tag that ends up in its story request, every clip
    prompt and the thumbnail prompt, so that ``faults`` (rules matching the tag, installed
    just before the job is posted) hit this job and no other."""

    index: int
    wave: int
    delay_s: float
    idea: str
    style: str
    segments: int
    duration_seconds: int
    faults: list[dict[str, Any]]


@dataclass(frozen=True)
class FaultPlan:
    """A rule for whichever request comes next on its route, installed during a wave."""

    wave: int
    delay_s: float
    rule: dict[str, Any]


@dataclass(frozen=True)
class SoakPlan:
    jobs: list[JobPlan]
    faults: list[FaultPlan]
    kill_after_s: list[float]
    unscheduled: list[dict[str, Any]]


def required_faults(rng: random.Random) -> list[dict[str, Any]]:
    """Every fault kind on every route it applies to, each bounded by ``times``."""
    rules: list[dict[str, Any]] = []
    for route in ROUTES:
        retry_after = rng.choice([0.5, 1.0, 2.0])
        rules.append(_rule(route, "status", status=429, retry_after_s=retry_after))
        rules.append(_rule(route, "status", status=500))
        rules.append(_rule(route, "status", status=503, times=rng.randint(1, 2)))
        # A job makes one story and one thumbnail request: more delays there would go unused.
        times = rng.randint(1, 3) if route not in ONE_REQUEST_ROUTES else 1
        rules.append(_rule(route, "delay", delay_s=round(rng.uniform(0.5, 3.0), 2), times=times))
        rules.append(_rule(route, "drop_after_accept"))
        rules.append(_rule(route, "safety_block"))
        rules.append(_rule(route, "malformed"))
    rules.append(_rule("predictLongRunning", "drop_after_accept"))
    rules.append(_rule("predictLongRunning", "operation_error"))
    rules.append(_rule("fetchPredictOperation", "operation_error"))
    return rules


def extra_faults(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """More transient faults (throttling, 5xx, delays) on any route, for any job."""
    extras = []
    for _ in range(count):
        route = rng.choice(ROUTES)
        if rng.random() < 0.3:
            extras.append(_rule(route, "delay", delay_s=round(rng.uniform(0.3, 2.0), 2)))
        else:
            status = rng.choice([429, 500, 502, 503])
            retry_after = 1.0 if status == 429 else None
            extras.append(_rule(route, "status", status=status, retry_after_s=retry_after))
    return extras


def _rule(route: str, kind: str, *, times: int = 1, **fields: Any) -> dict[str, Any]:
    fields = {key: value for key, value in fields.items() if value is not None}
    return {"route": route, "kind": kind, "times": times, **fields}


def assign_faults(
    rules: list[dict[str, Any]], jobs: int, rng: random.Random
) -> tuple[dict[int, list[dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Share the rules out: to one job each (by its tag), or untargeted for a poll (its body
    names only the operation). A job takes at most one rule per route, so that one fault
    does not hide the next; a rule that fails the story goes to a job of its own, at most
    one job in four. Returns (rules by job index, untargeted rules, rules left out)."""
    order = list(range(jobs))
    rng.shuffle(order)
    victims = order[: jobs // 4]
    others = order[len(victims) :]
    by_job: dict[int, list[dict[str, Any]]] = {index: [] for index in range(jobs)}
    untargeted, unscheduled = [], []
    for rule in rules:
        if rule["route"] not in TAGGED_ROUTES:
            untargeted.append(rule)
            continue
        if (rule["route"], rule["kind"]) in STORY_KILLERS:
            free = [index for index in victims if not by_job[index]]
        else:
            free = [index for index in others if _route_free(by_job[index], rule)]
            # The next rule starts looking at the next job.
            others = others[1:] + others[:1]
        if free:
            by_job[free[0]].append(rule)
        else:
            unscheduled.append(rule)
    return by_job, untargeted, unscheduled


def _route_free(taken: list[dict[str, Any]], rule: dict[str, Any]) -> bool:
    return all(other["route"] != rule["route"] for other in taken)


def make_plan(options: Options, rng: random.Random) -> SoakPlan:
    waves = KILLS + 1
    rules = required_faults(rng)
    rng.shuffle(rules)
    by_job, untargeted, unscheduled = assign_faults(rules, options.jobs, rng)
    untargeted += extra_faults(rng, options.jobs // 2)
    order = list(range(options.jobs))
    rng.shuffle(order)
    jobs = []
    for position, index in enumerate(order):
        tag = f"s{options.seed}j{index + 1:03d}x"
        theme = THEMES[index % len(THEMES)]
        jobs.append(
            JobPlan(
                index=index,
                wave=position % waves,
                delay_s=round(rng.uniform(0.0, WAVE_WINDOW_S), 2),
                idea=f"{theme} (soak {options.seed}, job {index + 1})",
                style=f"{rng.choice(STYLES)}, tag {tag}",
                segments=options.segments,
                duration_seconds=rng.choice([4, 6, 8]),
                faults=[{**rule, "match": tag} for rule in by_job[index]],
            )
        )
    jobs.sort(key=lambda job: job.index)
    # Untargeted rules go in early in their wave, so that the wave's requests meet them.
    faults = [
        FaultPlan(rng.randrange(waves), round(rng.uniform(0.0, FAULT_WINDOW_S), 2), rule)
        for rule in untargeted
    ]
    kills = [round(rng.uniform(1.0, WAVE_WINDOW_S), 2) for _ in range(KILLS)]
    return SoakPlan(jobs=jobs, faults=faults, kill_after_s=kills, unscheduled=unscheduled)


# Secrets: fake values whose random part is searched for everywhere afterwards.


@dataclass(frozen=True)
class FakeSecret:
    env: str
    value: str
    needle: bytes


def make_secrets() -> list[FakeSecret]:
    made = []
    for env, prefix in (
        ("OPENAI_API_KEY", "sk-or-v1-SOAKFAKE"),
        ("GOOGLE_STUDIO_API_KEY", "AQ.SOAKFAKE"),
        ("STORYREEL_API_TOKEN", "soak-token-"),
    ):
        tail = secrets.token_hex(16)
        made.append(FakeSecret(env, prefix + tail, tail.encode()))
    return made


class LeakLedger:
    """Counts occurrences of each fake secret, by where they were found."""

    def __init__(self, fakes: list[FakeSecret]) -> None:
        self._fakes = fakes
        self.by_source: Counter[str] = Counter()
        self.by_secret: Counter[str] = Counter()
        self.scanned: Counter[str] = Counter()

    def scan(self, source: str, data: bytes | str) -> None:
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        self.scanned[source] += 1
        for fake in self._fakes:
            found = raw.count(fake.needle)
            if found:
                self.by_source[source] += found
                self.by_secret[fake.env] += found

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


# Processes.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def storyreel_command() -> list[str]:
    script = Path(sys.executable).with_name("storyreel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "storyreel.cli"]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything storyreel or the SDKs would read."""
    dropped = ("STORYREEL_", "OPENAI_", "OPENROUTER_", "GOOGLE_", "SCRIPT_MODEL")
    keep = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    return {**keep, **extra}


class Processes:
    """Every subprocess this soak started, each the leader of its own process group."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen[bytes]] = []

    def spawn(
        self, args: list[str], env: dict[str, str], cwd: Path, log: Path
    ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._started.append(process)
        return process

    @staticmethod
    def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def stop(self, process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM the group, then SIGKILL it if it is still there after ``timeout_s``."""
        if process.poll() is None:
            self.signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.signal_group(process, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self._started):
            self.stop(process, timeout_s=5.0)


async def wait_healthy(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    async with httpx.AsyncClient(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode} while starting")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} within {START_TIMEOUT_S:.0f} s")


class Server:
    """``storyreel serve``, killed and restarted on a new port; ``up`` while it answers."""

    def __init__(self, processes: Processes, env: dict[str, str], workdir: Path) -> None:
        self._processes = processes
        self._env = env
        self._workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.up = asyncio.Event()
        self.incarnation = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self) -> None:
        self.incarnation += 1
        port = free_port()
        args = [*storyreel_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        log = self._workdir / f"serve-{self.incarnation}.log"
        self.process = self._processes.spawn(args, self._env, self._workdir, log)
        self.url = f"http://127.0.0.1:{port}"
        await wait_healthy(f"{self.url}/healthz", self.process, "storyreel serve")
        self.up.set()

    def kill(self) -> None:
        """SIGKILL, and reap it: a zombie's pid still looks alive to the next server."""
        assert self.process is not None
        self.up.clear()
        Processes.signal_group(self.process, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int | None:
        if self.process is None:
            return None
        self.up.clear()
        self._processes.stop(self.process)
        return self.process.returncode


class RssSampler:
    """The highest VmHWM (or VmRSS) seen of the server's current process."""

    def __init__(self) -> None:
        self.peak_kb = 0

    def sample(self, pid: int | None) -> None:
        if pid is None:
            return
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    async def run(self, server: Server) -> None:
        while True:
            self.sample(server.pid)
            await asyncio.sleep(RSS_SAMPLE_S)


# The job store, read directly: what a SIGKILL left behind, and the end state.

StepKey = tuple[str, str]


@dataclass(frozen=True)
class StepState:
    kind: str
    status: str
    submissions: int
    job_status: str

    @property
    def submitting(self) -> bool:
        """A clip whose submit is under way (written ahead, no answer recorded yet)."""
        return self.status == "unknown" and self.job_status in ("queued", "running")


def read_steps(store: Path) -> dict[StepKey, StepState]:
    """Every step as the store holds it, by (job id, step key)."""
    if not store.exists():
        return {}
    query = (
        "SELECT s.job_id, s.key, s.kind, s.status, s.submissions, j.status "
        "FROM steps AS s JOIN jobs AS j ON j.id = s.job_id"
    )
    with contextlib.closing(sqlite3.connect(store, timeout=30)) as db:
        return {(job, key): StepState(*rest) for job, key, *rest in db.execute(query)}


def phase_of(job_id: str | None, snapshot: dict[StepKey, StepState]) -> str:
    """What a job was doing when the store was read."""
    steps = {key: state for (job, key), state in snapshot.items() if job == job_id}
    if not steps:
        return "posting"
    if "story" in steps and steps["story"].status != "succeeded":
        return "story"
    clips = {state.status for state in steps.values() if state.kind == "clip"}
    if clips & {"pending", "unknown"}:
        return "submitting"
    return "polling" if "submitted" in clips else "thumbnail"


def repaid_after_kills(
    snapshots: list[dict[StepKey, StepState]], end: dict[StepKey, StepState]
) -> int:
    """Clips that had an operation to poll when the server was killed, yet were paid for
    again afterwards: resuming must re-poll them, never submit them anew."""
    return sum(
        1
        for snapshot in snapshots
        for key, state in snapshot.items()
        if state.status == "submitted" and end[key].submissions > state.submissions
    )


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


# The HTTP side.


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

    @property
    def final(self) -> bool:
        return self.status in FINAL


@dataclass
class Notes:
    """What happened during the run, beyond the jobs' own records."""

    kills: list[dict[str, Any]] = field(default_factory=list)
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


async def resume_if_idle(api: Api, job: Tracked, notes: Notes) -> None:
    """Resume by hand a job that the live server has left alone for RESUME_GRACE_S."""
    server = api.server
    if job.final or job.running_here:
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


# The run.


async def install(api: Api, rules: list[dict[str, Any]], notes: Notes) -> None:
    if rules:
        await api.emulator("POST", "/_emulator/faults", json=rules)
        notes.faults_installed += rules


async def install_in_wave(api: Api, faults: list[FaultPlan], notes: Notes) -> None:
    """Install each untargeted rule at its moment of the wave."""
    waited = 0.0
    for fault in sorted(faults, key=lambda f: f.delay_s):
        await asyncio.sleep(fault.delay_s - waited)
        waited = fault.delay_s
        await install(api, [fault.rule], notes)


async def kill_and_restart(
    server: Server, jobs: list[Tracked], sampler: RssSampler, notes: Notes, store: Path
) -> None:
    """SIGKILL the server, note what it was doing (from the store as the kill left it), and
    start a new one."""
    working = in_flight(jobs)
    sampler.sample(server.pid)
    server.kill()
    killed_at = time.monotonic()
    snapshot = read_steps(store)
    notes.snapshots.append(snapshot)
    submitting = [f"{job}/{key}" for (job, key), state in snapshot.items() if state.submitting]
    notes.kills.append(
        {
            "server": server.incarnation,
            "in_flight": len(working),
            "phases": dict(Counter(phase_of(job.job_id, snapshot) for job in working)),
            "clips_submitting": len(submitting),
            "submitting": submitting,
            "clips_submitted": sum(state.status == "submitted" for state in snapshot.values()),
        }
    )
    await server.start()
    notes.kills[-1]["restart_s"] = round(time.monotonic() - killed_at, 1)


def in_flight(jobs: list[Tracked]) -> list[Tracked]:
    return [job for job in jobs if job.status != "unsent" and not job.final]


async def work_to_kill(jobs: list[Tracked], wave_jobs: list[Tracked]) -> bool:
    """Wait until some job is in flight (True), or until this wave's jobs are all final
    (False: the kill moves on to the next wave)."""
    while not in_flight(jobs):
        if all(job.final for job in wave_jobs):
            return False
        await asyncio.sleep(0.02)
    return True


async def run_waves(
    api: Api,
    plan: SoakPlan,
    jobs: list[Tracked],
    sampler: RssSampler,
    notes: Notes,
    store: Path,
) -> None:
    """Start each wave's jobs and faults; SIGKILL the server at the wave's seeded moment,
    or as soon as a job is in flight after it."""
    tasks: list[asyncio.Task[None]] = []
    kills = list(plan.kill_after_s)
    for wave in range(KILLS + 1):
        wave_jobs = [job for job in jobs if job.plan.wave == wave]
        tasks += [asyncio.create_task(drive_job(api, job, notes)) for job in wave_jobs]
        faults = [fault for fault in plan.faults if fault.wave == wave]
        tasks.append(asyncio.create_task(install_in_wave(api, faults, notes)))
        # One kill per wave; the last wave also takes the kills that found no work before.
        for _ in range(1 if wave < KILLS else len(kills)):
            if not kills:
                break
            await asyncio.sleep(kills[0])
            if not await work_to_kill(jobs, wave_jobs):
                break
            await kill_and_restart(api.server, jobs, sampler, notes, store)
            kills.pop(0)
    remaining = api.deadline - time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, remaining))
    for task in pending:
        task.cancel()
    for task in done:
        error = task.exception()
        if error is not None and not isinstance(error, SoakTimeout):
            api.anomalies.append(f"{type(error).__name__}: {error}")


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


# Checks on what is left on disk and in the emulator.


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


def scan_store(ledger: LeakLedger, path: Path) -> int:
    """Scan every row of every table as text; returns the number of rows."""
    rows = 0
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            quoted = table.replace('"', '""')
            for row in db.execute(f'SELECT * FROM "{quoted}"'):  # noqa: S608 - names from sqlite_master
                ledger.scan("job_store_rows", repr(row))
                rows += 1
    return rows


def scan_files(ledger: LeakLedger, workdir: Path) -> None:
    """Logs, manifests, stories, and (as ``other_files``) every other byte on disk."""
    for path in sorted(p for p in workdir.rglob("*") if p.is_file()):
        name = path.name
        if name.endswith(".log"):
            source = "logs"
        elif name == "manifest.json":
            source = "manifests"
        elif name == "story.json":
            source = "stories"
        else:
            source = "other_files"
        ledger.scan(source, path.read_bytes())


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


# The result.


@dataclass
class SoakResult:
    jobs: int
    segments: int
    succeeded: int
    partial: int
    failed: int
    lost_artifacts: int
    unaccounted_submissions: int
    stuck_jobs: int
    leaked_secrets: int
    peak_rss_mb: float
    restarts: int
    failures: list[dict[str, str]]
    seconds: float
    seed: int
    submissions: dict[str, int] = field(default_factory=dict)
    submissions_text: str = ""
    overcounted_at_kills: int = 0
    repaid_after_restart: int = 0
    lost: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    leaks_by_source: dict[str, int] = field(default_factory=dict)
    leaks_by_secret: dict[str, int] = field(default_factory=dict)
    scanned: dict[str, int] = field(default_factory=dict)
    kills: list[dict[str, Any]] = field(default_factory=list)
    manual_resumes: list[dict[str, Any]] = field(default_factory=list)
    adopted_posts: int = 0
    extra_jobs: list[str] = field(default_factory=list)
    faults_fired: dict[str, int] = field(default_factory=dict)
    faults_installed: int = 0
    faults_unfired: list[str] = field(default_factory=list)
    faults_unscheduled: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    workdir: str | None = None

    @property
    def ok(self) -> bool:
        return not (
            self.lost_artifacts
            or self.unaccounted_submissions
            or self.stuck_jobs
            or self.leaked_secrets
        )

    def text(self) -> str:
        lines = [
            f"storyreel soak: {self.jobs} jobs x {self.segments} segments, seed {self.seed}, "
            f"{self.seconds:.1f} s",
            f"jobs                     {self.jobs} (succeeded {self.succeeded}, partial "
            f"{self.partial}, failed {self.failed})",
            f"restarts                 {self.restarts} (SIGKILL; in flight at each: "
            + "; ".join(f"{k['in_flight']} {k['phases']}" for k in self.kills)
            + ")",
            f"manual resumes           {len(self.manual_resumes)}",
            f"lost_artifacts           {self.lost_artifacts}",
            f"unaccounted_submissions  {self.unaccounted_submissions} ({self.submissions_text})",
            f"repaid after a restart   {self.repaid_after_restart} (clips with an operation to "
            "poll at a SIGKILL, submitted again afterwards)",
            f"stuck_jobs               {self.stuck_jobs}",
            f"leaked_secrets           {self.leaked_secrets} (scanned "
            + ", ".join(f"{n} {s}" for s, n in sorted(self.scanned.items()))
            + ")",
            f"peak_rss_mb              {self.peak_rss_mb:.1f}",
            f"faults                   {self.faults_installed} rules installed, "
            f"{sum(self.faults_fired.values())} fired",
        ]
        lines += [f"  {count:3d} x {name}" for name, count in sorted(self.faults_fired.items())]
        lines += ["failures:"] + [f"  {f['job']}: {f['reason']}" for f in self.failures]
        for title, items in (
            ("lost:", self.lost),
            ("stuck:", self.stuck),
            ("manual resumes:", [json.dumps(r) for r in self.manual_resumes]),
            ("extra jobs in the store:", self.extra_jobs),
            ("faults never met by a request:", self.faults_unfired),
            ("faults left out (too few jobs to take them):", self.faults_unscheduled),
            ("leaks by source:", [f"{s}: {n}" for s, n in self.leaks_by_source.items()]),
            ("leaks by secret:", [f"{s}: {n}" for s, n in self.leaks_by_secret.items()]),
            ("anomalies:", self.anomalies),
        ):
            if items:
                lines += [title] + [f"  {item}" for item in items]
        if self.workdir:
            lines.append(f"work folder kept: {self.workdir}")
        lines.append("OK" if self.ok else "FAILED")
        return "\n".join(lines)


def failures_of(details: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    failures = []
    for job_id, detail in sorted(details.items()):
        manifest = detail.get("manifest") or {}
        for failure in manifest.get("failures", []):
            failures.append({"job": job_id, "reason": f"{failure['step']}: {failure['reason']}"})
    return failures


def submissions_of(job_id: str, detail: dict[str, Any], end: dict[StepKey, StepState]) -> int:
    """The manifest's count for a final job; the store's for one that never finished."""
    manifest = detail.get("manifest")
    if manifest is not None:
        return int(manifest["video_submissions"])
    return sum(state.submissions for (job, _), state in end.items() if job == job_id)


# Putting it together.


def server_env(workdir: Path, emulator_url: str, fakes: list[FakeSecret]) -> dict[str, str]:
    return clean_env(
        STORYREEL_EMULATOR__URL=emulator_url,
        STORYREEL_OUTPUT_DIR=str(workdir / "output"),
        STORYREEL_VIDEO__POLL_INITIAL_S="0.2",
        STORYREEL_VIDEO__POLL_MAX_S="0.5",
        STORYREEL_LOG_LEVEL="INFO",
        **{fake.env: fake.value for fake in fakes},
    )


async def start_emulator(processes: Processes, workdir: Path) -> str:
    port = free_port()
    args = [*storyreel_command(), "emulator", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--video-latency", str(VIDEO_LATENCY_S)]
    process = processes.spawn(args, clean_env(), workdir, workdir / "emulator.log")
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(f"{url}/_emulator/stats", process, "storyreel emulator")
    return url


@dataclass
class Run:
    """One soak: its plan, its subprocesses, and what it has seen so far."""

    options: Options
    workdir: Path
    processes: Processes
    started: float = field(default_factory=time.monotonic)
    fakes: list[FakeSecret] = field(default_factory=make_secrets)
    notes: Notes = field(default_factory=Notes)
    sampler: RssSampler = field(default_factory=RssSampler)

    @property
    def output(self) -> Path:
        return self.workdir / "output"

    @property
    def store(self) -> Path:
        return self.output / STORE_FILENAME

    @property
    def token(self) -> str:
        return next(fake.value for fake in self.fakes if fake.env == "STORYREEL_API_TOKEN")


@dataclass
class Observed:
    """What the HTTP side saw at the end: every job, the downloads, the emulator's stats."""

    plan: SoakPlan
    tracked: list[Tracked]
    details: dict[str, dict[str, Any]]
    download_problems: list[str]
    stats: dict[str, Any]
    anomalies: list[str]


async def drive(run: Run, ledger: LeakLedger) -> Observed:
    """Run the waves against the servers, then collect every job and stop the server."""
    plan = make_plan(run.options, random.Random(run.options.seed))
    tracked = [Tracked(job) for job in plan.jobs]
    emulator_url = await start_emulator(run.processes, run.workdir)
    server = Server(run.processes, server_env(run.workdir, emulator_url, run.fakes), run.workdir)
    await server.start()
    sampling = asyncio.create_task(run.sampler.run(server))
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        api = Api(http, server, emulator_url, run.token, ledger)
        # Keep time for the checks and the shutdown at the end.
        reserve = min(45.0, max(15.0, run.options.max_seconds * 0.2))
        api.deadline = run.started + run.options.max_seconds - reserve
        await probe_error_paths(api)
        await run_waves(api, plan, tracked, run.sampler, run.notes, run.store)
        api.deadline = run.started + run.options.max_seconds - 5.0
        await probe_error_paths(api)
        details = await collect(api)
        problems = await download_mismatches(api, run.output, details)
        sampling.cancel()
        run.sampler.sample(server.pid)
        exit_code = server.stop()
        if exit_code not in (0, -signal.SIGTERM):
            api.anomalies.append(f"storyreel serve exited with {exit_code} on SIGTERM")
        stats = await api.emulator("GET", "/_emulator/stats")
    return Observed(plan, tracked, details, problems, stats, api.anomalies)


def evaluate(run: Run, seen: Observed, ledger: LeakLedger) -> SoakResult:
    """Check what is on disk, in the store and at the emulator against what the jobs say."""
    details, notes = seen.details, run.notes
    lost = list(seen.download_problems)
    for job_id, detail in details.items():
        if detail["status"] in FINAL:
            lost += check_job_folder(run.output / job_id, detail, run.options.segments)
    stuck = [
        f"{job_id}: {d['status']}" for job_id, d in details.items() if d["status"] not in FINAL
    ]
    stuck += [f"job {j.plan.index + 1}: never created" for j in seen.tracked if j.job_id is None]
    fired = consumed_faults(notes.faults_installed, seen.stats["faults"])
    end = read_steps(run.store)
    submissions = Submissions(
        emulator=int(seen.stats["video_submissions"]),
        manifests=sum(submissions_of(job, detail, end) for job, detail in details.items()),
        ambiguous=ambiguous_submit_refusals(fired),
        cut_by_kills=sum(kill["clips_submitting"] for kill in notes.kills),
    )
    scan_store(ledger, run.store)
    scan_files(ledger, run.workdir)
    statuses = Counter(str(detail["status"]) for detail in details.values())
    known = {job.job_id for job in seen.tracked}
    return SoakResult(
        jobs=len(seen.tracked),
        segments=run.options.segments,
        succeeded=statuses["succeeded"],
        partial=statuses["partial"],
        failed=statuses["failed"],
        lost_artifacts=len(lost),
        unaccounted_submissions=submissions.unaccounted,
        stuck_jobs=len(stuck),
        leaked_secrets=ledger.total,
        peak_rss_mb=round(run.sampler.peak_kb / 1024, 1),
        restarts=len(notes.kills),
        failures=failures_of(details),
        seconds=round(time.monotonic() - run.started, 1),
        seed=run.options.seed,
        submissions=dataclasses.asdict(submissions)
        | {"difference": abs(submissions.manifests - submissions.emulator)},
        overcounted_at_kills=submissions.overcounted_at_kills,
        submissions_text=submissions.text(),
        repaid_after_restart=repaid_after_kills(notes.snapshots, end),
        lost=lost,
        stuck=stuck,
        leaks_by_source=dict(ledger.by_source),
        leaks_by_secret=dict(ledger.by_secret),
        scanned=dict(ledger.scanned),
        kills=notes.kills,
        manual_resumes=notes.manual_resumes,
        adopted_posts=len(notes.adopted_posts),
        extra_jobs=[job_id for job_id in details if job_id not in known],
        faults_fired={name: count for name, count in sorted(fired.items()) if count},
        faults_installed=len(notes.faults_installed),
        faults_unfired=[describe_rule(rule) for rule in seen.stats["faults"]],
        faults_unscheduled=[describe_rule(rule) for rule in seen.plan.unscheduled],
        anomalies=seen.anomalies,
    )


async def soak(run: Run) -> SoakResult:
    ledger = LeakLedger(run.fakes)
    seen = await drive(run, ledger)
    return evaluate(run, seen, ledger)


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20, help="concurrent video jobs, >= 3 (20)")
    parser.add_argument("--segments", type=int, default=4, help="segments per job, 1-20 (4)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the fault schedule (7)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max-seconds", type=float, default=480.0, help="time bound (480)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    # Three jobs at least: each of the three waves needs work in flight for its kill.
    if args.jobs < 3 or not 1 <= args.segments <= 20 or args.max_seconds < 60:
        parser.error("need --jobs >= 3, --segments 1-20 and --max-seconds >= 60")
    return Options(args.jobs, args.segments, args.seed, args.json, args.max_seconds, args.keep)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="storyreel-soak-"))
    run = Run(options, workdir, Processes())
    try:
        result = asyncio.run(soak(run))
    except (SoakTimeout, RuntimeError, httpx.HTTPError) as exc:
        print(
            f"soak aborted ({type(exc).__name__}: {exc}); work folder kept: {workdir}",
            file=sys.stderr,
        )
        return 1
    finally:
        run.processes.stop_all()
    if options.keep or not result.ok:
        result.workdir = str(workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if options.json:
        print(json.dumps(dataclasses.asdict(result) | {"ok": result.ok}, indent=2))
    else:
        print(result.text())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
