"""What each Veo model accepts: one table, checked before anything is paid for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from storyreel.domain.images import MAX_VEO_FRAME_BYTES, VEO_FRAME_TYPES, megabytes

# Aspect ratios every Veo model makes.
VEO_ASPECT_RATIOS: Final = ("9:16", "16:9")
VEO_RESOLUTIONS: Final = ("720p", "1080p")


@dataclass(frozen=True)
class VeoModel:
    """A Veo family as Vertex AI documents it.

    ``sends_resolution`` and ``sends_audio``: whether a request to it may carry the
    ``resolution`` and ``generateAudio`` fields at all (Veo 2 refuses both).
    """

    family: str
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    sends_resolution: bool
    sends_audio: bool


VEO_3: Final = VeoModel(
    family="Veo 3",
    durations=(4, 6, 8),
    resolutions=VEO_RESOLUTIONS,
    sends_resolution=True,
    sends_audio=True,
)
VEO_2: Final = VeoModel(
    family="Veo 2",
    durations=(5, 6, 7, 8),
    resolutions=("720p",),
    sends_resolution=False,
    sends_audio=False,
)
# Model ids start with their family's prefix: veo-3.0-*, veo-3.1-*, veo-2.0-*.
_FAMILIES: Final = (("veo-3.", VEO_3), ("veo-2.", VEO_2))
# Vertex AI's model pages list "from first and last frame" for Veo 3.1 only; Veo 2 and
# Veo 3.0 animate a first frame but refuse a last one.
_LAST_FRAME_PREFIXES: Final = ("veo-3.1-",)


def veo_model(model: str) -> VeoModel | None:
    """The family of ``model`` (an id or a resource name ending in one); None when the
    table does not know it, and Google alone decides what it takes."""
    name = model.rsplit("/", 1)[-1]
    for prefix, family in _FAMILIES:
        if name.startswith(prefix):
            return family
    return None


def _seconds(durations: tuple[int, ...]) -> str:
    if durations == tuple(range(durations[0], durations[-1] + 1)):
        return f"{durations[0]}-{durations[-1]} seconds"
    return f"{', '.join(map(str, durations[:-1]))} or {durations[-1]} seconds"


def clip_problem(
    model: str, *, duration: int, resolution: str, aspect_ratio: str, audio: bool
) -> str | None:
    """What ``model`` would refuse in a clip of these parameters, as one sentence; None when
    the request is one it accepts (or a model the table does not know)."""
    if aspect_ratio not in VEO_ASPECT_RATIOS:
        return f"Veo makes clips in {' or '.join(VEO_ASPECT_RATIOS)}, not {aspect_ratio!r}"
    family = veo_model(model)
    if family is None:
        return None
    if duration not in family.durations:
        return (
            f"{model} ({family.family}) makes clips of {_seconds(family.durations)}, not {duration}"
        )
    if resolution not in family.resolutions:
        made = " or ".join(family.resolutions)
        return f"{model} ({family.family}) makes {made} clips, not {resolution}"
    if audio and not family.sends_audio:
        return f"{model} ({family.family}) makes no audio: set video.generate_audio: false"
    return None


def takes_last_frame(model: str) -> bool | None:
    """Whether ``model`` takes a last frame; None when the table does not know the model."""
    name = model.rsplit("/", 1)[-1]
    if name.startswith(_LAST_FRAME_PREFIXES):
        return True
    return None if veo_model(model) is None else False


def frame_problem(what: str, mime_type: str, size: int) -> str | None:
    """What Veo would refuse in one frame image (``what``: "the first frame"), or None."""
    if mime_type not in VEO_FRAME_TYPES:
        return f"Veo takes {what} as PNG or JPEG, not {mime_type}"
    if size > MAX_VEO_FRAME_BYTES:
        limit = megabytes(MAX_VEO_FRAME_BYTES)
        return f"{what} is {megabytes(size)}; Veo takes images of at most {limit}"
    return None


def frames_problem(
    model: str, *, first: tuple[str, int] | None, last: tuple[str, int] | None
) -> str | None:
    """What ``model`` would refuse in a clip's first and last frames, each given as (MIME type,
    size in bytes), as one sentence; None when Veo takes them."""
    if last is not None and first is None:
        return "Veo takes a last frame only together with a first frame"
    if last is not None and takes_last_frame(model) is False:
        family = veo_model(model)
        named = f" ({family.family})" if family else ""
        return f"{model}{named} does not take a last frame: use a Veo 3.1 model or no last frame"
    for what, frame in (("the first frame", first), ("the last frame", last)):
        if frame is not None and (problem := frame_problem(what, *frame)) is not None:
            return problem
    return None


__all__ = [
    "VEO_2",
    "VEO_3",
    "VEO_ASPECT_RATIOS",
    "VeoModel",
    "clip_problem",
    "frame_problem",
    "frames_problem",
    "takes_last_frame",
    "veo_model",
]
