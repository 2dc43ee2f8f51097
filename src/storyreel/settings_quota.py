"""Request budgets per client and model: the rate_limits settings and their defaults."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RateLimit(BaseModel):
    """At most ``requests`` calls in any ``per_s`` seconds. A bare number in the config file
    means that many requests a minute."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    requests: int = Field(ge=1)
    per_s: float = Field(default=60.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _per_minute(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if value != int(value):
                raise ValueError(f"a rate limit is a whole number of requests, got {value!r}")
            return {"requests": int(value)}
        if isinstance(value, str) and value.strip().isdigit():
            return {"requests": int(value)}
        return value


# Model name patterns (fnmatch) to a budget: every pattern a model matches applies, and null
# removes a pattern (the way to lift a default). A model that matches no pattern is not
# limited.
ModelLimits = dict[str, RateLimit | None]

# Vertex AI's published Veo 3.1 quotas (model page, checked 2026-12): 50 requests a minute per
# project for the GA -001 models, 10 for preview ones.
DEFAULT_VIDEO_SUBMIT_LIMITS: dict[str, int] = {"veo-3.1-*-001": 50, "veo-*preview*": 10}
# OpenRouter's published limit for free model variants (2026-12): 20 requests a minute; paid
# models have no fixed limit at OpenRouter (their upstreams throttle, answered with 429).
DEFAULT_OPENROUTER_LIMITS: dict[str, int] = {"*:free": 20}


def _limits(defaults: dict[str, int]) -> ModelLimits:
    return {pattern: RateLimit(requests=n) for pattern, n in defaults.items()}


class GoogleRateLimits(BaseModel):
    """Budgets of Google calls by kind, each by model pattern."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    video_submit: ModelLimits = Field(default_factory=lambda: _limits(DEFAULT_VIDEO_SUBMIT_LIMITS))
    video_poll: ModelLimits = Field(default_factory=dict)
    image: ModelLimits = Field(default_factory=dict)
    speech: ModelLimits = Field(default_factory=dict)


def openrouter_default_limits() -> ModelLimits:
    return _limits(DEFAULT_OPENROUTER_LIMITS)


__all__ = [
    "DEFAULT_OPENROUTER_LIMITS",
    "DEFAULT_VIDEO_SUBMIT_LIMITS",
    "GoogleRateLimits",
    "ModelLimits",
    "RateLimit",
    "openrouter_default_limits",
]
