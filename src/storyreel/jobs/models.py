"""What the job store records: jobs, their steps, and the statuses both go through."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from storyreel.domain.story import Character, Story, Usage
from storyreel.domain.timestamps import iso_utc
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.machine import this_machine

STORY_STEP = "story"
THUMBNAIL_STEP = "thumbnail"


class JobStatus(StrEnum):
    """Where a job is. The last four are final; a final job that is not ``succeeded``
    can still be resumed. ``cancelled``: stopped on request before it was complete (stores
    written before it existed say ``failed`` with the reason ``job: cancelled``)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StepStatus(StrEnum):
    """Where one step is.

    ``submitted``: a Veo operation exists (its name is recorded) and has not been collected.
    ``unknown``: a submit may have reached Google but returned no operation name; it may
    have been billed.
    """

    PENDING = "pending"
    SUBMITTED = "submitted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class StepKind(StrEnum):
    STORY = "story"
    CLIP = "clip"
    THUMBNAIL = "thumbnail"
    VOICE = "voice"
    ASSEMBLE = "assemble"
    SHEET = "sheet"
    KEYFRAME = "keyframe"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_job_id() -> str:
    """Sortable by creation time, short enough to type: ``20261115-143012-3fa9c2``."""
    return f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


# Who runs a job: a role ("local" for the CLI or a script, "server" for the HTTP API) and a
# value drawn once per process, so that a new process with a recycled pid (PID 1 in a
# container, restarted) is not taken for the one that died. Drawn at import, never changed.
_PROCESS_NONCE = secrets.token_hex(4)
LOCAL_ROLE = "local"
SERVER_ROLE = "server"


def this_process(role: str = LOCAL_ROLE) -> str:
    """An owner string for this process in ``role``: ``host:pid:role-nonce``."""
    return f"{this_machine()}:{os.getpid()}:{role}-{_PROCESS_NONCE}"


def parse_owner(owner: str) -> tuple[str, int | None, str | None]:
    """``(host, pid, role)`` of an owner string (``host:pid`` from older stores too)."""
    host, _, rest = owner.partition(":")
    pid_text, _, tag = rest.partition(":")
    pid = int(pid_text) if pid_text.isdigit() else None
    role = tag.partition("-")[0] if tag else None
    return host, pid, role


def is_this_process(owner: str) -> bool:
    """Whether ``owner`` names this very process, in any role."""
    host, pid, _ = parse_owner(owner)
    return host == this_machine() and pid == os.getpid() and owner.endswith(f"-{_PROCESS_NONCE}")


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def clip_step_key(index: int) -> str:
    return f"clip-{index:02d}"


def clip_path(index: int) -> str:
    """A clip's path relative to the job folder (the output contract)."""
    return f"clips/segment-{index:02d}.mp4"


class JobInput(BaseModel):
    """What a job was asked to make: an idea and options, or a ready story."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    idea: str | None = None
    segments: int | None = None
    style: str | None = None
    characters: list[Character] = Field(default_factory=list)
    duration_seconds: int | None = None
    story: Story | None = None
    # None in jobs created before the reel existed: they follow the settings.
    reel: ReelChoices | None = None


class StepRecord(BaseModel):
    """One step of a job (the story, a clip, a sheet, a keyframe...). ``submissions`` counts
    Veo submits that may have reached Google (accepted or of unknown outcome); ``attempts``
    every try. ``artifact`` is relative to the job folder. ``operation``: a Veo operation
    name, or ``reference`` for a sheet copied from the user's image (no image call)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    kind: StepKind
    index: int | None = None
    status: StepStatus = StepStatus.PENDING
    operation: str | None = None
    artifact: str | None = None
    attempts: int = 0
    submissions: int = 0
    error: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)

    def but(self, **changes: Any) -> StepRecord:
        """A copy with ``changes`` applied and a fresh ``updated_at``."""
        return self.model_copy(update={**changes, "updated_at": utcnow()})


class JobRecord(BaseModel):
    """One job as the store holds it. ``out_dir`` is absolute; ``owner`` is ``host:pid`` of
    the process that created or last claimed it; ``heartbeat_at`` is refreshed while it runs;
    ``fence`` counts the claims, so that a process whose claim was superseded can tell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    status: JobStatus = JobStatus.QUEUED
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime | None = None
    input: JobInput
    out_dir: str
    owner: str | None = None
    fence: int = 0
    cancel_requested: bool = False
    story: Story | None = None
    usage: Usage = Field(default_factory=Usage)
    estimated_cost_usd: float | None = None
    reasons: list[str] = Field(default_factory=list)
    manifest: dict[str, Any] | None = None

    @property
    def idea(self) -> str:
        """The idea, or the title of the story the job was created from."""
        if self.input.idea:
            return self.input.idea
        return self.input.story.title if self.input.story else ""

    @property
    def final(self) -> bool:
        return self.status not in (JobStatus.QUEUED, JobStatus.RUNNING)

    def owner_alive(self, *, stale_after_s: float) -> bool:
        """Whether the process that owns this job still looks after it.

        On this machine: its process exists (and, while running, its heartbeat is fresh,
        which guards against a reused pid). Elsewhere: its heartbeat is fresh.
        """
        if not self.owner:
            return False
        if is_this_process(self.owner):
            return True
        host, pid, _ = parse_owner(self.owner)
        beat = self.heartbeat_at if self.status is JobStatus.RUNNING else self.updated_at
        fresh = beat is not None and (utcnow() - beat).total_seconds() < stale_after_s
        if host == this_machine() and pid is not None:
            if pid == os.getpid() or not pid_alive(pid):
                # Our own pid under another identity: the process that had it is gone.
                return False
            return fresh or self.status is not JobStatus.RUNNING
        return fresh

    def summary(self) -> dict[str, Any]:
        """The listing shape: ``id``, ``status``, ``created_at``, ``idea``."""
        return {
            "id": self.id,
            "status": self.status.value,
            "created_at": iso_utc(self.created_at),
            "idea": self.idea,
        }


class JobView(BaseModel):
    """A job with its steps, as an API shows it."""

    model_config = ConfigDict(frozen=True)

    job: JobRecord
    steps: list[StepRecord]

    @property
    def video_submissions(self) -> int:
        return sum(step.submissions for step in self.steps)

    def progress(self) -> dict[str, Any]:
        """Per-step status and counts, for a progress display or an HTTP response."""
        clips = [step for step in self.steps if step.kind is StepKind.CLIP]
        return {
            "steps": [
                {"key": s.key, "index": s.index, "status": s.status.value, "error": s.error}
                for s in self.steps
            ],
            "clips_total": len(clips),
            "clips_done": sum(step.status is StepStatus.SUCCEEDED for step in clips),
            "voices_total": len(voices := [s for s in self.steps if s.kind is StepKind.VOICE]),
            "voices_done": sum(step.status is StepStatus.SUCCEEDED for step in voices),
            "video_submissions": self.video_submissions,
        }
