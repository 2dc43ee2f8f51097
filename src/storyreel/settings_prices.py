"""Veo list prices in the settings: per model, with and without audio, per resolution."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class PriceAt(BaseModel):
    """USD per second of video at one resolution; ``with_audio`` None: the model makes none
    (or costs the same with it)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    without_audio: float = Field(ge=0)
    with_audio: float | None = Field(default=None, ge=0)

    def per_second(self, audio: bool) -> float:
        return self.with_audio if audio and self.with_audio is not None else self.without_audio


class VideoPrice(PriceAt):
    """A model's price; ``resolutions`` holds the resolutions whose price differs."""

    resolutions: dict[str, PriceAt] = Field(default_factory=dict)

    def at(self, resolution: str, audio: bool) -> float:
        """USD per second at ``resolution``, with or without audio."""
        return self.resolutions.get(resolution, self).per_second(audio)


# A plain number (the older form) is one price, with or without audio.
PriceEntry = float | VideoPrice

# Vertex AI list prices (USD per second of generated video), as published on
# cloud.google.com/vertex-ai/generative-ai/pricing in October 2025; 720p and 1080p cost the
# same for these models. config.yml repeats them with that date.
DEFAULT_VIDEO_PRICES: dict[str, PriceEntry] = {
    "veo-3.1-generate-001": VideoPrice(without_audio=0.20, with_audio=0.40),
    "veo-3.1-fast-generate-001": VideoPrice(without_audio=0.10, with_audio=0.15),
    "veo-3.0-generate-001": VideoPrice(without_audio=0.20, with_audio=0.40),
    "veo-3.0-fast-generate-001": VideoPrice(without_audio=0.10, with_audio=0.15),
    "veo-2.0-generate-001": VideoPrice(without_audio=0.50),
}


def video_price(
    prices: Mapping[str, PriceEntry], model: str, *, audio: bool, resolution: str
) -> float | None:
    """USD per second of ``model``'s video; None when its price is not configured."""
    entry = prices.get(model)
    if entry is None:
        return None
    if isinstance(entry, VideoPrice):
        return entry.at(resolution, audio)
    return float(entry)


__all__ = ["DEFAULT_VIDEO_PRICES", "PriceAt", "PriceEntry", "VideoPrice", "video_price"]
