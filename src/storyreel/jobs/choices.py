"""What a job was asked to make of its clips: narration, a reel, music, gaps allowed."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from storyreel.settings import Settings


class ReelChoices(BaseModel):
    """A job's own choices, fixed when it is created so that a resume keeps them.

    ``narration``: a voice reads each segment's narration; ``reel``: the clips are
    assembled into ``reel.mp4``; ``music``: an absolute path to background music;
    ``allow_gaps``: a segment without a clip becomes a title card instead of holding the
    reel back.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    narration: bool = True
    reel: bool = True
    music: str | None = None
    allow_gaps: bool = False

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
) -> ReelChoices:
    """The settings' choices (``narration.enabled``, ``reel.enabled``, ``reel.music``,
    ``reel.allow_gaps``), each replaced by the value given here when it is not None."""
    chosen = music if music is not None else settings.reel.music
    return ReelChoices(
        narration=settings.narration.enabled if narration is None else narration,
        reel=settings.reel.enabled if reel is None else reel,
        music=str(Path(chosen).expanduser().resolve()) if chosen else None,
        allow_gaps=settings.reel.allow_gaps if allow_gaps is None else allow_gaps,
    )


def choices_of(choices: ReelChoices | None, settings: Settings) -> ReelChoices:
    """A job's choices; the settings' for a job created before jobs had their own."""
    return choices if choices is not None else reel_choices(settings)


__all__ = ["ReelChoices", "choices_of", "reel_choices"]
