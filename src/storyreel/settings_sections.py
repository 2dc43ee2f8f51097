"""The sections of the settings: one model per part of storyreel that is configured."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from storyreel.settings_prices import DEFAULT_VIDEO_PRICES, PriceEntry
from storyreel.settings_quota import GoogleRateLimits, ModelLimits, openrouter_default_limits

MIN_TOKEN_CHARS = 16


class _Section(BaseModel):
    # Infinite or NaN timeouts, latencies and prices are never meant; refuse them here.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OpenRouterSettings(_Section):
    """The LLM connection: OpenRouter through the OpenAI SDK."""

    base_url: str = "https://openrouter.ai/api/v1"
    api_key: SecretStr | None = None
    model: str = "google/gemini-2.5-flash"
    vision_model: str = "google/gemini-2.5-flash"
    app_url: str | None = None
    app_title: str = "storyreel"
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    # Structured calls ask OpenRouter to route only to providers that honour every
    # parameter sent (the JSON schema above all), instead of one that silently ignores it.
    require_parameters: bool = True
    # Requests per minute (or {requests, per_s}) by model pattern, shared by every job using
    # the same output folder on this machine; the first matching pattern wins.
    rate_limits: ModelLimits = Field(default_factory=openrouter_default_limits)


class GoogleSettings(_Section):
    """Veo and the image model through google-genai (Vertex AI mode by default)."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    vertexai: bool = True
    project: str | None = None
    location: str = "us-central1"
    # The REST version of Vertex AI calls: v1, as Google's Veo reference uses (the SDK's own
    # default is v1beta1).
    api_version: str = Field(default="v1", pattern=r"^v\d+((alpha|beta)\d*)?$")
    video_model: str = "veo-3.1-fast-generate-001"
    image_model: str = "gemini-2.5-flash-image"
    # Gemini TTS is served from the global location (or the us/eu multi-regions), not Veo's.
    tts_model: str = "gemini-2.5-flash-tts"
    tts_location: str = "global"
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    # List prices for the cost estimate: one generated image; one second of generated speech.
    price_per_image_usd: float = Field(default=0.039, ge=0)
    price_per_speech_second_usd: float = Field(default=0.00025, ge=0)
    # Budgets of Veo submits and polls, image and TTS calls, by model pattern (see rate_limits
    # in config.yml), shared by every job using the same output folder on this machine.
    rate_limits: GoogleRateLimits = Field(default_factory=GoogleRateLimits)


class VideoSettings(_Section):
    """How clips are requested, polled and priced."""

    aspect_ratio: Literal["9:16", "16:9"] = "9:16"
    # Which lengths, resolutions and audio the video model takes: storyreel.domain.veo,
    # checked against google.video_model by Settings.
    duration_seconds: int = Field(default=8, ge=1, le=8)
    resolution: Literal["720p", "1080p"] = "720p"
    negative_prompt: str | None = None
    generate_audio: bool = False
    output_gcs_uri: str | None = None
    concurrency: int = Field(default=8, ge=1, le=32)
    poll_initial_s: float = Field(default=2.0, gt=0)
    poll_max_s: float = Field(default=20.0, gt=0)
    # Once an operation is due (its model's learned time), poll this often; never above poll_max_s.
    poll_fast_s: float = Field(default=3.0, gt=0)
    timeout_s: float = Field(default=900.0, gt=0)
    # Veo operations running at once across all jobs sharing the output folder; None: no cap.
    max_in_flight: int | None = Field(default=None, ge=1)
    resubmit_on_unknown: bool = True
    # Each clip starts from a keyframe drawn with the sheets of the characters it names
    # (image-to-video); chain_frames also ends it on the next segment's keyframe.
    keyframes: bool = True
    chain_frames: bool = False
    price_per_second_usd: dict[str, PriceEntry] = Field(
        default_factory=lambda: dict(DEFAULT_VIDEO_PRICES)
    )
    # Above the default job (5 clips of 8 s at the default model's price, $4 without audio
    # and $6 with it, plus the thumbnail and the narration), so that
    # the README's example goes through without a question, with or without a terminal.
    confirm_above_usd: float = Field(default=10.0, ge=0)

    @field_validator("duration_seconds", mode="before")
    @classmethod
    def _number_from_text(cls, value: Any) -> Any:
        # Environment variables are text, and a Literal of ints does not coerce "8" by itself.
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value


class NarrationSettings(_Section):
    """The voice that reads each segment's narration (Gemini text-to-speech)."""

    enabled: bool = True
    voice: str = Field(default="Kore", min_length=1)
    style: str | None = "warm, unhurried storyteller"
    # A segment's narration is written to at most this many spoken words per clip second.
    words_per_second: float = Field(default=2.5, gt=0, le=6)


class ReelSettings(_Section):
    """How the finished reel is assembled from the clips, the voice and the captions."""

    enabled: bool = True
    transition_s: float = Field(default=0.0, ge=0, le=2)
    music: str | None = None
    music_volume_db: float = Field(default=-18.0, le=0)
    loudness_lufs: float = Field(default=-14.0, ge=-40, le=-5)
    true_peak_db: float = Field(default=-1.0, ge=-9, le=0)
    burn_captions: bool = True
    allow_gaps: bool = False


def _scheme(url: SecretStr) -> str:
    """The scheme of a server's URL; a ValueError (never showing the URL) when its port is
    not a number."""
    parts = urlsplit(url.get_secret_value())
    try:
        parts.port  # noqa: B018 (reading it is the check)
    except ValueError:
        raise ValueError("has a port that is not a number from 0 to 65535") from None
    return parts.scheme


class JobSettings(_Section):
    """How a process holds the jobs it runs."""

    # A job's owner renews its lease every heartbeat_s; another process takes the job over
    # only once the lease is older than lease_s, and the owner then stops without submitting.
    lease_s: float = Field(default=60.0, ge=2)
    heartbeat_s: float = Field(default=5.0, gt=0)
    # On SIGTERM/SIGHUP (as on Ctrl-C), how long paid submits already sent may take to answer.
    stop_grace_s: float = Field(default=30.0, ge=0)
    # Where jobs are recorded: None is the SQLite file in output_dir (one machine); a
    # postgresql:// URL is one database that every server and worker shares. Secret: it may
    # carry a password, so it is read from the environment (STORYREEL_JOBS__STORE_URL).
    store_url: SecretStr | None = None
    # Who runs the jobs: inline (the process that accepted them) or celery (worker processes,
    # `storyreel worker`, fed through the broker at broker_url).
    queue: Literal["inline", "celery"] = "inline"
    broker_url: SecretStr | None = None
    # Jobs one `storyreel worker` runs at once (its --concurrency).
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    # A job queued this long with no worker taking it is sent again (its message may be lost).
    resend_after_s: float = Field(default=600.0, ge=1)
    # Whether output_dir is storage that every worker machine shares (NFS, a mounted
    # bucket...). Stated, for a folder `storyreel config check` cannot recognise as shared.
    shared_output: bool = False

    @field_validator("store_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and _scheme(value) not in ("postgresql", "postgres"):
            raise ValueError("must be a postgresql:// URL (or null for the SQLite file)")
        return value

    @field_validator("broker_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and _scheme(value) not in ("redis", "rediss"):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @model_validator(mode="after")
    def _broker_for_celery(self) -> JobSettings:
        if self.queue == "celery" and self.broker_url is None:
            raise ValueError(
                "queue is celery, and no broker is set: set STORYREEL_JOBS__BROKER_URL to the "
                "Redis broker's URL (redis://host:6379/0)"
            )
        return self

    @model_validator(mode="after")
    def _renewed_in_time(self) -> JobSettings:
        if self.heartbeat_s * 3 > self.lease_s:
            raise ValueError(
                f"heartbeat_s ({self.heartbeat_s:g}) must be at most a third of lease_s "
                f"({self.lease_s:g}), so that a live owner never loses its lease"
            )
        return self


class EmulatorSettings(_Section):
    """The offline backend: an in-process emulator, or the URL of a running one."""

    url: str | None = None
    video_latency_s: float = Field(default=2.0, ge=0)
    text_latency_s: float = Field(default=0.0, ge=0)
    image_latency_s: float = Field(default=0.0, ge=0)
    # Serve Veo in express mode (an API key alone), which Vertex AI refuses; the offline
    # backend's own clients take the project path and never need it.
    express_veo: bool = False


class ApiSettings(_Section):
    """The HTTP API server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    token: SecretStr | None = None
    max_upload_mb: float = Field(default=20.0, gt=0)
    max_body_kb: int = Field(default=512, gt=0)
    # Signs the browser session cookie; unset, a key is made once and kept in the output
    # folder (.storyreel-session-key), so that restarts and servers sharing it agree.
    session_secret: SecretStr | None = None
    session_hours: float = Field(default=12.0, gt=0)

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # A short token is guessable, and too short to be masked in logs without also
        # masking ordinary words.
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(f"the API token must be at least {MIN_TOKEN_CHARS} characters long")
        return value
