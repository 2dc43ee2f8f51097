"""The soak's constants, and the options it is run with."""

from __future__ import annotations

from dataclasses import dataclass

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
# The seeded disruptions of the server, in order, and the wave each belongs to: SIGKILLs,
# a SIGTERM while a paid submit is held, a SIGSTOP past the job lease (a replacement takes over).
EVENTS = ("SIGKILL", "SIGSTOP", "SIGTERM", "SIGKILL")
EVENT_WAVES = (0, 0, 1, 1)
WAVES = 3
# The server's job lease, short enough for a SIGSTOP to outlast it.
LEASE_S = 6.0
HEARTBEAT_S = 1.0
STOP_GRACE_S = 10.0
# The emulator holds the answer of one accepted submit this long before a SIGTERM.
HELD_SUBMIT_S = 1.5
HELD_SUBMIT_WAIT_S = 15.0
RECOLLECT_TIMEOUT_S = 60.0
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
# Workers mode (--workers N): the disruptions of each wave, in order. A worker SIGKILLed
# mid-job (a replacement started, so that N stay up) at least once per wave, the API server
# SIGKILLed and restarted once; each ``after_s`` into its wave, drawn from the seed.
WORKER_EVENTS = ("WORKER", "WORKER", "SIGKILL", "WORKER", "WORKER")
WORKER_EVENT_WAVES = (0, 0, 1, 1, 2)
# Jobs each `storyreel worker` runs at once (its --concurrency).
WORKER_CONCURRENCY = 3
# How long a kill waits for a worker to hold a running job before it gives up for the wave.
WORKER_VICTIM_WAIT_S = 20.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Options:
    jobs: int
    segments: int
    seed: int
    json: bool
    max_seconds: float
    keep: bool
    # None: today's inline mode (jobs run in `storyreel serve`); N: N `storyreel worker`s on
    # PostgreSQL and Redis, killed at random.
    workers: int | None = None
