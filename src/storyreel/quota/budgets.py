"""Which budget a call draws from: its kind (Veo submit, Veo poll, image, TTS, OpenRouter)
and its model, looked up in the rate_limits settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from typing import Final

from storyreel.settings import Settings
from storyreel.settings_quota import ModelLimits, RateLimit

VIDEO_SUBMIT: Final = "video_submit"
VIDEO_POLL: Final = "video_poll"
IMAGE: Final = "image"
SPEECH: Final = "speech"
CHAT: Final = "openrouter"
# Not a request budget: the operations running at once (video.max_in_flight).
IN_FLIGHT: Final = "in_flight"

# What progress says while a call waits for its budget.
WAITING_FOR: Final[Mapping[str, str]] = {
    VIDEO_SUBMIT: "waiting for Veo quota",
    VIDEO_POLL: "waiting for Veo poll quota",
    IMAGE: "waiting for image quota",
    SPEECH: "waiting for TTS quota",
    CHAT: "waiting for OpenRouter quota",
    IN_FLIGHT: "waiting for a free Veo slot (video.max_in_flight)",
}

# The budgets a call must keep to: every pattern its model matches contributes one.
LimitLookup = Callable[[str, str], list[RateLimit]]


def no_limits(kind: str, model: str) -> list[RateLimit]:
    """The lookup of an unlimited limiter."""
    return []


def matching(limits: ModelLimits, model: str) -> list[RateLimit]:
    """The budgets of every pattern ``model`` matches (case-sensitive fnmatch); a pattern
    set to None imposes nothing, which is how a budget from the defaults is lifted."""
    return [
        limit
        for pattern, limit in limits.items()
        if limit is not None and fnmatchcase(model, pattern)
    ]


def settings_limits(settings: Settings) -> LimitLookup:
    """The budget of each kind of call and model, from ``google.rate_limits`` and
    ``openrouter.rate_limits``."""
    google = settings.google.rate_limits
    table: dict[str, ModelLimits] = {
        VIDEO_SUBMIT: google.video_submit,
        VIDEO_POLL: google.video_poll,
        IMAGE: google.image,
        SPEECH: google.speech,
        CHAT: settings.openrouter.rate_limits,
    }

    def lookup(kind: str, model: str) -> list[RateLimit]:
        return matching(table.get(kind, {}), model)

    return lookup


def bucket_name(kind: str, model: str) -> str:
    return f"{kind}/{model}"


__all__ = [
    "CHAT",
    "IMAGE",
    "IN_FLIGHT",
    "SPEECH",
    "VIDEO_POLL",
    "VIDEO_SUBMIT",
    "WAITING_FOR",
    "LimitLookup",
    "bucket_name",
    "matching",
    "no_limits",
    "settings_limits",
]
