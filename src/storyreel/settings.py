"""Settings: config.yml + environment + .env; secrets only from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from storyreel.config_sources import (
    SECRET_PATHS,
    LoadContext,
    current_context,
    describe_validation_error,
    loading,
)
from storyreel.databases import url_secrets
from storyreel.domain.veo import clip_problem
from storyreel.errors import ConfigError
from storyreel.settings_prices import PriceAt, VideoPrice, video_price
from storyreel.settings_sections import (
    ApiSettings,
    EmulatorSettings,
    GoogleSettings,
    JobSettings,
    NarrationSettings,
    OpenRouterSettings,
    ReelSettings,
    VideoSettings,
)

# The services storyreel holds credentials for.
Provider = Literal["openrouter", "google"]


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
    narration: NarrationSettings = NarrationSettings()
    reel: ReelSettings = ReelSettings()
    jobs: JobSettings = JobSettings()
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

    @model_validator(mode="after")
    def _video_model_makes_it(self) -> Settings:
        # Refused here, before any job is created or paid for, in the words the Veo table uses.
        video = self.video
        problem = clip_problem(
            self.google.video_model,
            duration=video.duration_seconds,
            resolution=video.resolution,
            aspect_ratio=video.aspect_ratio,
            audio=video.generate_audio,
        )
        if problem is not None:
            raise ValueError(
                "video.duration_seconds, resolution, aspect_ratio and generate_audio must fit "
                f"google.video_model: {problem}"
            )
        return self

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
        values = [
            self.openrouter.api_key,
            self.google.api_key,
            self.api.token,
            self.api.session_secret,
        ]
        found = [v.get_secret_value() for v in values if v and v.get_secret_value()]
        # Of a database or broker URL, only its password is secret: the rest names the server.
        for url in (self.jobs.store_url, self.jobs.broker_url):
            found += url_secrets(url.get_secret_value()) if url else []
        return found

    def missing_credentials(self, *uses: Provider) -> list[str]:
        """What live mode lacks to reach ``uses`` (every provider when none is named), each
        naming the variable to set. Offline needs nothing."""
        if self.backend != "live":
            return []
        wanted = set(uses or ("openrouter", "google"))
        missing = []
        if "openrouter" in wanted and not self.openrouter.api_key:
            missing.append("set OPENAI_API_KEY to your OpenRouter API key")
        has_google = self.google.api_key or (self.google.vertexai and self.google.project)
        if "google" in wanted and not has_google:
            missing.append(
                "set GOOGLE_STUDIO_API_KEY to your Google API key "
                "(or google.project for Application Default Credentials)"
            )
        return missing

    def require_credentials(self, *uses: Provider) -> None:
        """Raise ConfigError when live mode lacks a credential of ``uses`` (every provider
        when none is named). Each command asks only for what it calls: a key it never uses
        is never required."""
        missing = self.missing_credentials(*uses)
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
    "JobSettings",
    "NarrationSettings",
    "OpenRouterSettings",
    "PriceAt",
    "Provider",
    "ReelSettings",
    "Settings",
    "VideoPrice",
    "VideoSettings",
    "load_settings",
    "video_price",
]
