"""What Vertex AI lets each Veo model be asked, and its refusals of the rest (400
INVALID_ARGUMENT), written from Google's model pages independently of storyreel's own table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from storyreel.emulator.input_images import InputImageError, veo_frame

# Express mode (an API key, no project in the path) is documented for text generation only;
# Veo submits made that way are reported to fail with this answer.
EXPRESS_REFUSAL: Final = "Invalid resource field value in the request."
RESOLUTIONS: Final = ("720p", "1080p")


class VeoParameterError(ValueError):
    """A parameter the model refuses; the message is Vertex's kind of explanation."""


@dataclass(frozen=True)
class ModelRules:
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    takes_resolution: bool
    takes_audio: bool
    # Google's model pages list "from first and last frame" for Veo 3.1 alone.
    takes_last_frame: bool = False


_VEO_31: Final = ModelRules(
    (4, 6, 8), RESOLUTIONS, takes_resolution=True, takes_audio=True, takes_last_frame=True
)
_VEO_3: Final = ModelRules((4, 6, 8), RESOLUTIONS, takes_resolution=True, takes_audio=True)
_VEO_2: Final = ModelRules((5, 6, 7, 8), ("720p",), takes_resolution=False, takes_audio=False)
# Models outside the known families (tests' own names) keep the emulator's older, looser rules.
_OTHER: Final = ModelRules(
    tuple(range(1, 31)), RESOLUTIONS, takes_resolution=True, takes_audio=True, takes_last_frame=True
)


def rules_for(model: str) -> ModelRules:
    if model.startswith("veo-3.1-"):
        return _VEO_31
    if model.startswith("veo-3."):
        return _VEO_3
    if model.startswith("veo-2."):
        return _VEO_2
    return _OTHER


def checked_video(model: str, parameters: Mapping[str, Any], seconds: int) -> str:
    """The resolution a submission to ``model`` gets; VeoParameterError for what it refuses."""
    rules = rules_for(model)
    if seconds not in rules.durations:
        allowed = ",".join(str(d) for d in rules.durations)
        raise VeoParameterError(
            f"Unsupported output video duration {seconds} seconds, supported durations are "
            f"[{allowed}] for model {model}."
        )
    if "generateAudio" in parameters and not rules.takes_audio:
        raise VeoParameterError(f"generateAudio is not supported by model {model}.")
    if "resolution" not in parameters:
        return rules.resolutions[0]
    if not rules.takes_resolution:
        raise VeoParameterError(f"resolution is not supported by model {model}.")
    resolution = parameters["resolution"]
    if resolution not in rules.resolutions:
        raise VeoParameterError(
            f"Unsupported resolution {resolution!r}, supported resolutions are "
            f"{list(rules.resolutions)} for model {model}."
        )
    return str(resolution)


def checked_frames(model: str, instance: Mapping[str, Any]) -> tuple[bytes | None, bytes | None]:
    """The first and last frame images of a submission to ``model`` (None when not sent
    inline); VeoParameterError for a combination or an image Vertex refuses."""
    if "lastFrame" in instance and "image" not in instance:
        raise VeoParameterError(
            "instances[0].lastFrame requires instances[0].image: an input image must also be "
            "provided."
        )
    if "referenceImages" in instance and any(k in instance for k in ("image", "lastFrame")):
        raise VeoParameterError(
            "instances[0].referenceImages is not supported together with image, video or lastFrame."
        )
    if "lastFrame" in instance and not rules_for(model).takes_last_frame:
        raise VeoParameterError(f"lastFrame is not supported by model {model}.")
    try:
        return veo_frame(instance, "image"), veo_frame(instance, "lastFrame")
    except InputImageError as exc:
        raise VeoParameterError(str(exc)) from exc
