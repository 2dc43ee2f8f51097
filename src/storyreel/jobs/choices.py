"""What a job was asked to make of its clips: narration, a reel, music, gaps allowed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from storyreel.settings import Settings


class ReelChoices(BaseModel):
    """A job's own choices, fixed when it is created so that a resume keeps them.

    ``narration``: a voice reads each segment's narration; ``reel``: the clips are
    assembled into ``reel.mp4``; ``music``: an absolute path to background music;
    ``allow_gaps``: a segment without a clip becomes a title card instead of holding the
    reel back. ``keyframes``: each clip starts from a keyframe drawn with the character
    sheets (False in jobs created before keyframes existed: they stay text-to-video);
    ``chain_frames``: each clip also ends on the next keyframe; ``references``: the
    user's reference image (an absolute path) per character name, used as its sheet.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    narration: bool = True
    reel: bool = True
    music: str | None = None
    allow_gaps: bool = False
    keyframes: bool = False
    chain_frames: bool = False
    references: dict[str, str] = Field(default_factory=dict)

    @property
    def music_path(self) -> Path | None:
        return Path(self.music) if self.music else None


def reel_choices(
    settings: Settings,
    *,
    narration: bool | None = None,
    reel: bool | None = None,
    music: Path | str | None = None,
    allow_gaps: bool | None = None,
    references: Mapping[str, Path | str] | None = None,
) -> ReelChoices:
    """The settings' choices (``narration.enabled``, ``reel.enabled``, ``reel.music``,
    ``reel.allow_gaps``, ``video.keyframes``, ``video.chain_frames``), each replaced by the
    value given here when it is not None; ``references``: reference images by character."""
    chosen = music if music is not None else settings.reel.music
    return ReelChoices(
        narration=settings.narration.enabled if narration is None else narration,
        reel=settings.reel.enabled if reel is None else reel,
        music=str(Path(chosen).expanduser().resolve()) if chosen else None,
        allow_gaps=settings.reel.allow_gaps if allow_gaps is None else allow_gaps,
        keyframes=settings.video.keyframes,
        chain_frames=settings.video.keyframes and settings.video.chain_frames,
        references={
            name: str(Path(path).expanduser().resolve())
            for name, path in (references or {}).items()
        },
    )


def choices_of(choices: ReelChoices | None, settings: Settings) -> ReelChoices:
    """A job's choices; the settings' for a job created before jobs had their own (filmed
    text-to-video, as it was planned)."""
    if choices is not None:
        return choices
    return reel_choices(settings).model_copy(update={"keyframes": False, "chain_frames": False})


__all__ = ["ReelChoices", "choices_of", "reel_choices"]
