"""List prices of a job's billed calls: seconds of video, seconds of speech, images."""

from __future__ import annotations

from collections.abc import Iterable

from storyreel.domain.story import Segment
from storyreel.settings import Settings, video_price


def video_usd(settings: Settings, seconds: float) -> float | None:
    """Seconds of video at the configured model's list price, with or without audio and at
    the configured resolution; ``None`` when that model's price is not configured (no guess)."""
    video = settings.video
    price = video_price(
        video.price_per_second_usd,
        settings.google.video_model,
        audio=video.generate_audio,
        resolution=video.resolution,
    )
    if price is None:
        return None
    return round(seconds * price, 4)


def speech_seconds(settings: Settings, text: str) -> float:
    """How long ``text`` takes to read: its words at ``narration.words_per_second``, the
    pace the writer sizes narrations to."""
    return round(len(text.split()) / settings.narration.words_per_second, 2)


def narrated(segments: Iterable[Segment]) -> list[Segment]:
    """The segments that have something to read aloud."""
    return [segment for segment in segments if segment.narration.strip()]


def total_usd(
    settings: Settings, *, video_seconds: float, speech: float = 0.0, images: int = 0
) -> float | None:
    """Everything billed: video, speech and images. ``None`` when video is to be made and
    its model's price is not configured."""
    video = video_usd(settings, video_seconds) if video_seconds else 0.0
    if video is None:
        return None
    google = settings.google
    extra = speech * google.price_per_speech_second_usd + images * google.price_per_image_usd
    return round(video + extra, 4)


__all__ = ["narrated", "speech_seconds", "total_usd", "video_usd"]
