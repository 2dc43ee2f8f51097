"""The fault matrix: each emulator fault at each route, and what storyreel does about it.

This table is the single source of ``test_fault_matrix.py`` (one test per row) and of
``MATRIX.md`` (regenerate with ``python tests/faults/matrix.py > tests/faults/MATRIX.md``).

Every row runs with no client retries (``max_retries: 0``) unless its settings say
otherwise, client timeouts of 5 s, polling every 0.05-0.1 s and one clip at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Via = Literal["writing", "thumbnail", "video", "job", "make"]

VIA_TEXT: Mapping[str, str] = {
    "writing": "`Screenwriter.build_story`",
    "thumbnail": "`MediaService.generate_thumbnail`",
    "video": "`MediaService.submit_video` + `wait_video`",
    "job": "`JobRunner.run` (2 clips)",
    "make": "`storyreel make --segments 2`",
}


@dataclass(frozen=True)
class Expect:
    """What a row must show. ``error`` None means the call returns a result (or, for a job,
    the manifest has ``status``); the other fields are checked only when set."""

    error: str | None = None
    retryable: bool | None = None
    status: int | None = None
    retry_after_s: float | None = None
    says: str | None = None
    """A substring of the error message, a reason, or a manifest failure reason."""
    requests: int | None = None
    """Requests the emulator saw at the row's route."""
    submissions: int | None = None
    """Paid Veo submissions the emulator recorded."""
    job: str | None = None
    """The manifest's status (job and make rows)."""
    counted: int | None = None
    """``video_submissions`` in the manifest (job and make rows)."""
    exit_code: int | None = None
    resumed: str | None = None
    """After clearing the faults, ``resume`` ends with this status and submits nothing new."""
    within_s: float | None = None
    """The call ends in less than this (a generous bound, for "did not wait for X")."""


@dataclass(frozen=True)
class Row:
    """One cell of the matrix: a fault rule at a route, driven through ``via``."""

    route: str
    rule: Mapping[str, Any]
    via: Via
    outcome: str
    expect: Expect
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tag: str = ""
    """Tells apart rows with the same route, fault and ``via``."""

    @property
    def id(self) -> str:
        kind = self.rule["kind"]
        status = f"{self.rule['status']}" if kind == "status" else ""
        times = self.rule.get("times", 1)
        count = "always" if not times else f"x{times}"
        tag = f"-{self.tag}" if self.tag else ""
        return f"{self.route}-{kind}{status}-{count}-{self.via}{tag}"


def _status(code: int, times: int = 1, retry_after_s: float | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"kind": "status", "status": code, "times": times}
    if retry_after_s is not None:
        rule["retry_after_s"] = retry_after_s
    return rule


def _kind(kind: str, times: int = 1, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "times": times, **extra}


def _quota(requests: int, per_s: float) -> dict[str, Any]:
    # Not a fault rule: the emulator's quota for the route (POST /_emulator/config).
    return {"kind": "quota", "requests": requests, "per_s": per_s, "times": 0}


def _duration(seconds: int) -> dict[str, Any]:
    # Not a fault rule: the clip asks for ``seconds``, which the row's video model refuses.
    return {"kind": "duration", "seconds": seconds, "times": 0}


# Not a fault rule: the emulator refuses Veo in express mode by default, as Vertex does; the
# row runs live with an API key alone and the emulator as google.base_url.
EXPRESS = {"kind": "express", "times": 0}
# Rows whose "rule" is the emulator's configuration or the request, not an installed fault.
CONFIGURED_KINDS = frozenset({"quota", "express", "duration"})

ALWAYS = 0  # the emulator's "times: 0" means the rule never runs out
SLOW = _kind("delay", ALWAYS, delay_s=1.0)
SLOW_ONCE = _kind("delay", 1, delay_s=1.0)
OR_TIMEOUT = {"openrouter": {"timeout_s": 0.3}}
G_TIMEOUT = {"google": {"timeout_s": 0.3}}

CHAT = "chat.completions"
IMAGE = "generateContent"
SUBMIT = "predictLongRunning"
POLL = "fetchPredictOperation"

ROWS: tuple[Row, ...] = (
    # OpenRouter, through the OpenAI SDK: the SDK owns the retries of LLM calls.
    Row(
        CHAT,
        _status(429, 1, 0.2),
        "writing",
        "succeeds: the OpenAI SDK retries after the Retry-After",
        Expect(requests=2),
        {"openrouter": {"max_retries": 2}},
    ),
    Row(
        CHAT,
        _status(429, ALWAYS, 0.2),
        "writing",
        "`ProviderError` 429, retryable, `retry_after_s` from the header, after 1 SDK retry",
        Expect("ProviderError", True, 429, 0.2, "rate limit", requests=2),
        {"openrouter": {"max_retries": 1}},
    ),
    Row(
        CHAT,
        _status(500),
        "writing",
        "succeeds after the SDK's retry",
        Expect(requests=2),
        {"openrouter": {"max_retries": 1}},
    ),
    Row(
        CHAT,
        _status(500, ALWAYS),
        "writing",
        "`ProviderError` 500, retryable",
        Expect("ProviderError", True, 500, says="HTTP 500", requests=1),
    ),
    Row(
        CHAT,
        _status(503, ALWAYS),
        "writing",
        "`ProviderError` 503, retryable",
        Expect("ProviderError", True, 503, says="HTTP 503", requests=1),
    ),
    Row(
        CHAT,
        SLOW,
        "writing",
        "`ProviderError` retryable: did not answer in time",
        Expect("ProviderError", True, says="did not answer in time", requests=1),
        OR_TIMEOUT,
    ),
    Row(
        CHAT,
        _kind("drop_after_accept"),
        "writing",
        "succeeds after the SDK's retry",
        Expect(requests=2),
        {"openrouter": {"max_retries": 1}},
    ),
    Row(
        CHAT,
        _kind("drop_after_accept", ALWAYS),
        "writing",
        "`ProviderError` retryable (worded as a failure to connect)",
        Expect("ProviderError", True, says="Could not connect", requests=1),
    ),
    Row(
        CHAT,
        _kind("malformed"),
        "writing",
        "succeeds: storyreel sends a request whose 200 reply could not be read once more "
        "(the SDK does not)",
        Expect(requests=2),
        {"openrouter": {"max_retries": 2}},
    ),
    Row(
        CHAT,
        _kind("malformed", ALWAYS),
        "writing",
        "`ProviderError` retryable: the reply could not be read, twice",
        Expect("ProviderError", True, says="could not be read", requests=2),
        {"openrouter": {"max_retries": 2}},
    ),
    # OpenRouter answers 200 once a provider has started; a provider failing after that comes
    # as an error object in the body, or as a choice with finish_reason "error".
    Row(
        CHAT,
        _kind("error_body"),
        "writing",
        "`ProviderError` 500, retryable, naming the upstream provider and its message; "
        "no repair request",
        Expect("ProviderError", True, 500, says="overloaded", requests=1),
    ),
    Row(
        CHAT,
        _kind("error_finish"),
        "writing",
        '`ProviderError` 500, retryable (`finish_reason: "error"`); no repair request',
        Expect("ProviderError", True, 500, says="Provider returned error", requests=1),
    ),
    Row(
        CHAT,
        _kind("safety_block"),
        "writing",
        "`ContentBlockedError` with the model's refusal as the reason; no repair request",
        Expect("ContentBlockedError", False, says="can't help", requests=1),
    ),
    Row(
        CHAT,
        _status(500, ALWAYS),
        "job",
        "job `failed`, the story step's reason names HTTP 500; nothing submitted",
        Expect(job="failed", says="HTTP 500", counted=0, submissions=0),
    ),
    # Google images (the thumbnail): billed per image, so sent like a Veo submit: the SDK's
    # retries are off, and storyreel sends it again only when Google certainly refused it.
    Row(
        IMAGE,
        _status(429, 1, 0.5),
        "thumbnail",
        "refused, so not billed: storyreel sends it again after Google's Retry-After",
        Expect(requests=2, within_s=10),
        {"google": {"max_retries": 1}},
    ),
    Row(
        IMAGE,
        _status(429, 1, 90),
        "thumbnail",
        "`ProviderError` 429 with `retry_after_s` 90: a wait over 60 s is left to the caller",
        Expect("ProviderError", True, 429, 90, "rate limit", requests=1),
        {"google": {"max_retries": 1}},
        tag="long-wait",
    ),
    Row(
        IMAGE,
        _status(429, ALWAYS, 0.2),
        "thumbnail",
        "`ProviderError` 429, retryable, `retry_after_s` from the header",
        Expect("ProviderError", True, 429, 0.2, "rate limit", requests=1),
    ),
    Row(
        IMAGE,
        _status(500, ALWAYS),
        "thumbnail",
        "`ProviderError` 500, retryable",
        Expect("ProviderError", True, 500, says="HTTP 500", requests=1),
    ),
    Row(
        IMAGE,
        _status(503, ALWAYS),
        "thumbnail",
        "`ProviderError` 503, retryable",
        Expect("ProviderError", True, 503, says="HTTP 503", requests=1),
    ),
    Row(
        IMAGE,
        SLOW,
        "thumbnail",
        "`ProviderError` retryable: could not reach Google (ReadTimeout)",
        Expect("ProviderError", True, says="ReadTimeout", requests=1),
        G_TIMEOUT,
    ),
    Row(
        IMAGE,
        _kind("drop_after_accept"),
        "thumbnail",
        "`ProviderError` retryable, not sent again: Google may have made (and billed) the image",
        Expect("ProviderError", True, says="may have made", requests=1),
        {"google": {"max_retries": 1}},
    ),
    Row(
        IMAGE,
        _kind("malformed"),
        "thumbnail",
        "`ProviderError` retryable: the answer was unreadable; not sent again (it may be billed)",
        Expect("ProviderError", True, says="unreadable", requests=1),
        {"google": {"max_retries": 1}},
    ),
    Row(
        IMAGE,
        _kind("safety_block"),
        "thumbnail",
        "`ContentBlockedError`, reasons `SAFETY` and Google's message",
        Expect("ContentBlockedError", False, says="SAFETY", requests=1),
    ),
    Row(
        IMAGE,
        _kind("safety_block"),
        "make",
        "exit 3, job `partial`: every clip, no thumbnail, reason `SAFETY`",
        Expect(job="partial", says="SAFETY", counted=2, submissions=2, exit_code=3),
    ),
    # Veo submissions: paid, never retried blind.
    Row(
        SUBMIT,
        _status(429, 1, 0.2),
        "video",
        "succeeds: storyreel resubmits after the Retry-After (refused, so not billed); "
        "1 submission",
        Expect(requests=2, submissions=1),
        {"google": {"max_retries": 1}},
    ),
    Row(
        SUBMIT,
        _status(429, ALWAYS, 0.2),
        "video",
        "`ProviderError` 429, retryable, `retry_after_s`, after 1 resubmit; nothing billed",
        Expect("ProviderError", True, 429, 0.2, "rate limit", requests=2, submissions=0),
        {"google": {"max_retries": 1}},
    ),
    Row(
        SUBMIT,
        _status(500),
        "video",
        "`SubmitOutcomeUnknown` (500), retryable; never resent, even with retries configured",
        Expect("SubmitOutcomeUnknown", True, 500, says="billing", requests=1, submissions=0),
        {"google": {"max_retries": 2}},
    ),
    Row(
        SUBMIT,
        _status(503, ALWAYS),
        "video",
        "`ProviderError` 503, retryable (refused: nothing billed)",
        Expect("ProviderError", True, 503, says="HTTP 503", requests=1, submissions=0),
    ),
    Row(
        SUBMIT,
        SLOW_ONCE,
        "video",
        "`SubmitOutcomeUnknown` after the timeout; the late request is billed once, never resent",
        Expect("SubmitOutcomeUnknown", True, says="ReadTimeout", requests=1, submissions=1),
        {"google": {"timeout_s": 0.3, "max_retries": 2}},
    ),
    Row(
        SUBMIT,
        _kind("drop_after_accept"),
        "video",
        "`SubmitOutcomeUnknown`, counted once: the SDK does not resend the paid call",
        Expect("SubmitOutcomeUnknown", True, says="billing", requests=1, submissions=1),
        {"google": {"max_retries": 2}},
    ),
    Row(
        SUBMIT,
        _kind("delay_after_accept", delay_s=1.0),
        "video",
        "`SubmitOutcomeUnknown` after the timeout: Google accepted (billed) the clip but the "
        "answer came too late; counted once, never resent",
        Expect("SubmitOutcomeUnknown", True, requests=1, submissions=1),
        {"google": {"timeout_s": 0.3, "max_retries": 2}},
    ),
    Row(
        SUBMIT,
        _kind("delay_after_accept", delay_s=0.2),
        "video",
        "a slow answer within the timeout: the clip is made, one submission",
        Expect(requests=1, submissions=1),
        tag="within-timeout",
    ),
    Row(
        SUBMIT,
        _kind("malformed"),
        "video",
        "`SubmitOutcomeUnknown` (unreadable answer), counted once",
        Expect("SubmitOutcomeUnknown", True, says="unreadable", requests=1, submissions=1),
        {"google": {"max_retries": 2}},
    ),
    Row(
        SUBMIT,
        _kind("safety_block"),
        "video",
        "submitted; polling ends in `ContentBlockedError` with Google's reason",
        Expect("ContentBlockedError", False, says="usage guidelines", submissions=1),
    ),
    Row(
        SUBMIT,
        _kind("operation_error"),
        "video",
        "submitted; polling ends in `OperationFailed` (a `ProviderError`), not retryable",
        Expect("OperationFailed", False, says="Veo could not make", submissions=1),
    ),
    Row(
        SUBMIT,
        _kind("safety_error"),
        "video",
        "submitted; polling ends in `ContentBlockedError` with Google's support codes "
        "(a blocked video told as an operation error)",
        Expect("ContentBlockedError", False, says="Support codes", submissions=1),
    ),
    # Veo as Vertex AI documents it: express mode refused, each model's lengths checked first.
    Row(
        SUBMIT,
        EXPRESS,
        "video",
        "`ConfigError`: set `google.project` and run `gcloud auth application-default login`",
        Expect("ConfigError", says="google.project", submissions=0, requests=1),
    ),
    Row(
        SUBMIT,
        _duration(5),
        "video",
        "`InputError` before anything is sent: Veo 3.x takes 4, 6 or 8 s",
        Expect("InputError", says="4, 6 or 8 seconds, not 5", submissions=0, requests=0),
        tag="veo-3",
    ),
    Row(
        SUBMIT,
        _duration(4),
        "video",
        "`InputError` before anything is sent: Veo 2 takes 5-8 s",
        Expect("InputError", says="5-8 seconds, not 4", submissions=0, requests=0),
        {"google": {"video_model": "veo-2.0-generate-001"}, "video": {"duration_seconds": 8}},
        tag="veo-2",
    ),
    Row(
        SUBMIT,
        _kind("drop_after_accept"),
        "job",
        "job `partial`: clip 1 left `unknown` (may have been billed), not resubmitted; "
        "both submits counted",
        Expect(job="partial", says="may have accepted it", counted=2, submissions=2),
        {"video": {"resubmit_on_unknown": False}},
        tag="kept",
    ),
    Row(
        SUBMIT,
        _kind("drop_after_accept"),
        "job",
        "job `succeeded` after one resubmit of clip 1; every submit counted (3 of 3)",
        Expect(job="succeeded", counted=3, submissions=3),
        tag="resubmitted",
    ),
    Row(
        SUBMIT,
        _status(500),
        "job",
        "job `succeeded` after one resubmit; the 500 is counted as possibly billed (3 for 2)",
        Expect(job="succeeded", counted=3, submissions=2),
    ),
    # Veo polls: idempotent, polled through until video.timeout_s.
    Row(
        POLL,
        _status(429, ALWAYS, 0.2),
        "video",
        "polled until `video.timeout_s`, then `ProviderError` retryable: the operation "
        "may still finish",
        Expect("ProviderError", True, says="may still finish", submissions=1),
        {"video": {"timeout_s": 1.0}},
    ),
    Row(
        POLL,
        _status(500, 2),
        "video",
        "succeeds: polled through; 1 submission",
        Expect(submissions=1),
    ),
    Row(
        POLL,
        _status(503, 2),
        "video",
        "succeeds: polled through; 1 submission",
        Expect(submissions=1),
    ),
    Row(
        POLL,
        SLOW_ONCE,
        "video",
        "succeeds: the timed-out poll is polled again",
        Expect(submissions=1),
        G_TIMEOUT,
    ),
    Row(
        POLL,
        _kind("drop_after_accept", 2),
        "video",
        "succeeds: polled through; 1 submission",
        Expect(submissions=1),
    ),
    Row(
        POLL,
        _kind("malformed"),
        "video",
        "succeeds: one unreadable poll is polled through",
        Expect(submissions=1),
    ),
    Row(
        POLL,
        _kind("malformed", ALWAYS),
        "video",
        "`ProviderError` retryable after 3 unreadable polls in a row (operation kept)",
        Expect("ProviderError", True, says="3 polls in a row", submissions=1),
    ),
    Row(
        POLL,
        _kind("safety_block"),
        "video",
        "`ContentBlockedError` with Google's reason",
        Expect("ContentBlockedError", False, says="usage guidelines", submissions=1),
    ),
    Row(
        POLL,
        _kind("operation_error"),
        "video",
        "`OperationFailed` (a `ProviderError`), not retryable: final, never re-polled",
        Expect("OperationFailed", False, says="Veo could not make", submissions=1),
    ),
    Row(
        POLL,
        _kind("safety_error"),
        "video",
        "`ContentBlockedError` with Google's support codes, never re-polled",
        Expect("ContentBlockedError", False, says="Support codes", submissions=1),
    ),
    Row(
        POLL,
        _kind("safety_block"),
        "job",
        "job `partial`: clip 1 failed with the safety reason; 2 submissions counted",
        Expect(job="partial", says="safety filters", counted=2, submissions=2),
    ),
    Row(
        POLL,
        _status(429, ALWAYS),
        "job",
        "job `failed`, clips left submitted; `resume` collects them without paying again",
        Expect(
            job="failed", says="may still finish", counted=2, submissions=2, resumed="succeeded"
        ),
        {"video": {"timeout_s": 1.0, "concurrency": 2}},
    ),
    # A Veo quota (Vertex answers 429 RESOURCE_EXHAUSTED over it), without and with a budget.
    Row(
        SUBMIT,
        _quota(1, 30),
        "job",
        "clip 2's submit refused 429 `RESOURCE_EXHAUSTED` (not billed): job `partial`, 1 "
        "submission counted",
        Expect(job="partial", says="quota", counted=1, submissions=1, requests=2),
        {"google": {"rate_limits": {"video_submit": {"veo-3.1-*-001": None}}}},
        tag="no-limiter",
    ),
    Row(
        SUBMIT,
        _quota(1, 0.5),
        "job",
        "the limiter spaces the submits to the budget: no 429, job `succeeded`",
        Expect(job="succeeded", counted=2, submissions=2, requests=2),
        {
            "google": {"rate_limits": {"video_submit": {"veo-*": {"requests": 1, "per_s": 0.5}}}},
            "video": {"concurrency": 2},
        },
        tag="limiter",
    ),
)


def fault_text(rule: Mapping[str, Any]) -> str:
    """The rule in words: ``status 429 (Retry-After 0.2 s), always``."""
    kind = rule["kind"]
    if kind == "status":
        text = f"status {rule['status']}"
        if rule.get("retry_after_s") is not None:
            text += f" (Retry-After {rule['retry_after_s']:g} s)"
    elif kind == "delay":
        text = f"delay {rule['delay_s']:g} s"
    elif kind == "quota":
        return f"quota of {rule['requests']} request(s) per {rule['per_s']:g} s"
    elif kind == "express":
        return "Veo in express mode (API key alone): 400 `INVALID_ARGUMENT`, as Vertex answers"
    elif kind == "duration":
        return f"a {rule['seconds']} s clip asked of the video model"
    elif kind == "delay_after_accept":
        text = f"`delay_after_accept` {rule['delay_s']:g} s"
    else:
        text = f"`{kind}`"
    times = rule.get("times", 1)
    return f"{text}, {'always' if not times else 'once' if times == 1 else f'{times} times'}"


def settings_text(settings: Mapping[str, Mapping[str, Any]]) -> str:
    pairs = [
        f"`{section}.{key}: {str(value).lower() if isinstance(value, bool) else value}`"
        for section, values in settings.items()
        for key, value in values.items()
    ]
    return ", ".join(pairs)


PROCESS_ROWS: tuple[tuple[str, str, str], ...] = (
    (
        "Ctrl-C, SIGTERM or SIGHUP while paid submits are in flight",
        "waits up to `jobs.stop_grace_s` for the answers, records them `submitted`, leaves the "
        "job `queued`; resume polls them: no clip paid twice",
        "tests/cli/test_jobs_crash.py::test_make_terminated_during_submits_records_them_and_"
        "never_pays_twice",
    ),
    (
        "SIGKILL while clips are polled",
        "everything recorded survives; resume (or the next server) polls the operations again",
        "tests/cli/test_jobs_crash.py::test_make_killed_while_polling_resumes_without_paying_twice",
    ),
    (
        "SIGKILL after Google accepted a submit, before the answer arrived",
        "the one window that can pay twice: the clip is `unknown`, counted as possibly billed, "
        "and resubmitted by resume only with `video.resubmit_on_unknown: true`",
        "bench/soak.py",
    ),
    (
        "a process suspended (SIGSTOP) past its lease, and a takeover",
        "the new owner continues; the woken process submits and writes nothing more and stops "
        "with a `JobError`",
        "tests/jobs/test_takeover.py::test_takeover_stale_owner_stops_without_paying_again",
    ),
    (
        "the job store locked by another process",
        "waited out within `lock_wait_s`, then a one-line store error (exit 74)",
        "tests/jobs/test_store_faults.py::test_store_fault_lock_held_for_a_while_is_waited_out",
    ),
    (
        "a damaged job store or a full disk",
        "a one-line error that names the file and the problem (exit 74); `/readyz` fails",
        "tests/jobs/test_store_faults.py",
    ),
    (
        "a clip or thumbnail deleted or emptied after the job succeeded",
        "`GET /v1/jobs/{id}` reads `partial` with `missing`; resume collects a clip again "
        "without paying, or reports what cannot be fetched",
        "tests/api/test_routes_media.py::test_routes_media_a_deleted_clip_is_reported_missing_"
        "and_resume_collects_it",
    ),
)


def render() -> str:
    """MATRIX.md: the table of ROWS, then what happens when storyreel's own process fails."""
    lines = [
        "# What storyreel does when a provider fails",
        "",
        "Each emulator fault at each route, through the real SDKs, as `tests/faults/"
        "test_fault_matrix.py` checks it. Unless a row's settings say otherwise: no client "
        "retries (`max_retries: 0`), 5 s client timeouts, quick polling, one clip at a time. "
        "Generated from `tests/faults/matrix.py`.",
        "",
        "| route | fault | through | settings | what storyreel does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in ROWS:
        cells = [
            f"`{row.route}`",
            fault_text(row.rule),
            VIA_TEXT[row.via],
            settings_text(row.settings),
            row.outcome,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## When storyreel's own process or disk fails",
        "",
        "| fault | what storyreel does | checked by |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {fault} | {does} | `{test}` |" for fault, does, test in PROCESS_ROWS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
