"""Settings: config.yml + environment + .env; secrets only from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from storyreel.config_sources import (
    SECRET_PATHS,
    LoadContext,
    current_context,
    describe_validation_error,
    loading,
)
from storyreel.errors import ConfigError

# Published list prices (USD per second of generated video with audio) for Veo on Vertex AI.
DEFAULT_VIDEO_PRICES: dict[str, float] = {
    "veo-3.1-generate-001": 0.40,
    "veo-3.1-fast-generate-001": 0.15,
    "veo-3.0-generate-001": 0.40,
    "veo-3.0-fast-generate-001": 0.15,
    "veo-2.0-generate-001": 0.50,
}


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


class GoogleSettings(_Section):
    """Veo and the image model through google-genai (Vertex AI mode by default)."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    vertexai: bool = True
    project: str | None = None
    location: str = "us-central1"
    video_model: str = "veo-3.1-fast-generate-001"
    image_model: str = "gemini-2.5-flash-image"
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)


class VideoSettings(_Section):
    """How clips are requested, polled and priced."""

    aspect_ratio: Literal["9:16", "16:9"] = "9:16"
    duration_seconds: Literal[4, 6, 8] = 8
    resolution: Literal["720p", "1080p"] = "720p"
    negative_prompt: str | None = None
    generate_audio: bool = False
    output_gcs_uri: str | None = None
    concurrency: int = Field(default=8, ge=1, le=32)
    poll_initial_s: float = Field(default=2.0, gt=0)
    poll_max_s: float = Field(default=20.0, gt=0)
    timeout_s: float = Field(default=900.0, gt=0)
    resubmit_on_unknown: bool = True
    price_per_second_usd: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_VIDEO_PRICES)
    )
    confirm_above_usd: float = Field(default=5.0, ge=0)

    @field_validator("duration_seconds", mode="before")
    @classmethod
    def _number_from_text(cls, value: Any) -> Any:
        # Environment variables are text, and a Literal of ints does not coerce "8" by itself.
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value


class EmulatorSettings(_Section):
    """The offline backend: an in-process emulator, or the URL of a running one."""

    url: str | None = None
    video_latency_s: float = Field(default=2.0, ge=0)
    text_latency_s: float = Field(default=0.0, ge=0)
    image_latency_s: float = Field(default=0.0, ge=0)


class ApiSettings(_Section):
    """The HTTP API server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    token: SecretStr | None = None
    max_upload_mb: float = Field(default=20.0, gt=0)
    max_body_kb: int = Field(default=512, gt=0)

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # A short token is guessable, and too short to be masked in logs without also
        # masking ordinary words.
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(f"the API token must be at least {MIN_TOKEN_CHARS} characters long")
        return value


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_settings`.

    Precedence, highest first: explicit overrides, environment variables, ``.env``,
    the YAML file, defaults.
    """

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    backend: Literal["offline", "live"] = "offline"
    output_dir: Path = Path("output")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    openrouter: OpenRouterSettings = OpenRouterSettings()
    google: GoogleSettings = GoogleSettings()
    video: VideoSettings = VideoSettings()
    emulator: EmulatorSettings = EmulatorSettings()
    api: ApiSettings = ApiSettings()

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)
    _config_file: Path | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        ctx = current_context()
        return (init_settings, *ctx.sources(settings_cls))

    @property
    def sources(self) -> dict[str, str]:
        """Where each effective value came from, by dotted key."""
        return dict(self._sources)

    @property
    def config_file(self) -> Path | None:
        """The YAML file that was read, if any."""
        return self._config_file

    def secret_values(self) -> list[str]:
        """Every configured secret, for redaction. Empty strings are left out."""
        values = [self.openrouter.api_key, self.google.api_key, self.api.token]
        return [v.get_secret_value() for v in values if v and v.get_secret_value()]

    def missing_credentials(self) -> list[str]:
        """What live mode lacks, each naming the variable to set."""
        if self.backend != "live":
            return []
        missing = []
        if not self.openrouter.api_key:
            missing.append("set OPENAI_API_KEY to your OpenRouter API key")
        if not self.google.api_key and not (self.google.vertexai and self.google.project):
            missing.append(
                "set GOOGLE_STUDIO_API_KEY to your Google API key "
                "(or google.project for Application Default Credentials)"
            )
        return missing

    def require_credentials(self) -> None:
        """Raise ConfigError when live mode lacks a key; offline needs none."""
        missing = self.missing_credentials()
        if missing:
            raise ConfigError("backend is 'live': " + "; ".join(missing) + ".")


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    dotenv: str | Path | None = ".env",
) -> Settings:
    """Read the configuration from its sources and validate it.

    ``env`` defaults to ``os.environ``; pass a mapping to read nothing from the process.
    Errors are :class:`ConfigError` naming the file, the key and what was expected.
    """
    ctx = LoadContext.create(config_file=config_file, env=env, dotenv=dotenv)
    explicit = dict(overrides or {})
    with loading(ctx):
        try:
            settings = Settings(**explicit)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc, ctx, explicit)) from None
    settings._sources = ctx.provenance(settings.model_dump(), explicit)
    settings._config_file = ctx.yaml_path
    return settings


__all__ = [
    "SECRET_PATHS",
    "ApiSettings",
    "EmulatorSettings",
    "GoogleSettings",
    "OpenRouterSettings",
    "Settings",
    "VideoSettings",
    "load_settings",
]
