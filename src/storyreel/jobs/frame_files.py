"""The files of a job's still images: a reference image copied in as a sheet, a drawn image
kept as PNG, and an image read back to be sent again."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from storyreel.domain.veo import takes_last_frame
from storyreel.errors import InputError, StoryreelError
from storyreel.files import sniff_image_type, write_atomic
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.frame_steps import sheet_path
from storyreel.jobs.models import StepRecord, StepStatus
from storyreel.logs import redact
from storyreel.services.google.models import InputImage
from storyreel.services.google.reference_images import load_reference_image

logger = logging.getLogger(__name__)

_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


def copy_reference(
    step: StepRecord, source: Path, out_dir: Path, slug: str, name: str
) -> StepRecord:
    """The user's reference image of ``name`` as its sheet: checked again (it may have
    changed since the job was created) and copied into ``out_dir`` as it is; no image call.
    The step as it ends: succeeded with the copy as its artifact, or failed with why."""
    try:
        image = load_reference_image(source, what=f"the reference image of {name}")
        artifact = sheet_path(slug, _SUFFIXES[image.mime_type])
        write_atomic(out_dir / artifact, image.data)
    except (StoryreelError, OSError) as exc:
        return step.but(status=StepStatus.FAILED, error=redact(str(exc)))
    return step.but(status=StepStatus.SUCCEEDED, artifact=artifact, error=None)


def check_frames(choices: ReelChoices, video_model: str) -> None:
    """Refuse (InputError, one line) before anything is paid: a reference image that is
    unreadable, not an image, of a type or size Google does not take; frame chaining with a
    video model that takes no last frame."""
    for name, path in choices.references.items():
        load_reference_image(Path(path), what=f"the reference image of {name}")
    if choices.keyframes and choices.chain_frames and takes_last_frame(video_model) is False:
        raise InputError(
            f"video.chain_frames needs a video model that takes a last frame (Veo 3.1); "
            f"{video_model} does not: set video.chain_frames: false or use a Veo 3.1 model"
        )


def read_image(path: Path) -> InputImage | None:
    """The image in ``path`` to send as an input, or None when it is gone or not an image."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        logger.warning("cannot read %s: %s", path, exc)
        return None
    mime = sniff_image_type(data[:16])
    return InputImage(data=data, mime_type=mime) if mime else None


def to_png(path: Path) -> None:
    """Keep the folder's contract (``.png``) when the model answered with a JPEG."""
    from PIL import Image

    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
    write_atomic(path, buffer.getvalue())


__all__ = ["check_frames", "copy_reference", "read_image", "to_png"]
