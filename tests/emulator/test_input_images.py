"""Input images through the real SDK: an image request shows its inputs as insets, a clip starts
on its ``image`` and ends on its ``lastFrame``, the emulator records each input's digest, and it
refuses what Vertex AI refuses with 400 INVALID_ARGUMENT."""

from __future__ import annotations

import hashlib
import io
import time
from typing import Any

import pytest
from google import genai
from google.genai import errors, types
from PIL import Image, ImageOps

from storyreel.emulator.insets import inset_boxes
from storyreel.testing.samples import frame_difference, video_frames

from .support import Control

IMAGE_MODEL = "gemini-2.5-flash-image"
VEO_31 = "veo-3.1-fast-generate-001"
VEO_30 = "veo-3.0-generate-001"
VEO_2 = "veo-2.0-generate-001"
# Mean absolute difference (0-255, averaged over RGB) between a picture and the clip frame
# that should show it. Measured: 1.4-2.3 for a keyframe and its clip's first frame, 23-40
# between different keyframes; 8 keeps a wide margin on both sides.
SAME_PICTURE = 8.0


def _encoded(
    color: tuple[int, int, int], fmt: str = "PNG", size: tuple[int, int] = (64, 64)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _draw(client: genai.Client, prompt: str, *inputs: bytes, ratio: str = "9:16") -> bytes:
    parts = [types.Part.from_bytes(data=data, mime_type="image/png") for data in inputs]
    response = client.models.generate_content(
        model=IMAGE_MODEL,
        contents=[types.Content(role="user", parts=[*parts, types.Part.from_text(text=prompt)])],
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio=ratio)
        ),
    )
    assert response.candidates
    content = response.candidates[0].content
    assert content is not None
    found = [p.inline_data.data for p in content.parts or [] if p.inline_data]
    assert found
    assert found[0] is not None
    return found[0]


def _clip_frames(client: genai.Client, model: str = VEO_31, **frames: Any) -> list[Image.Image]:
    operation = client.models.generate_videos(
        model=model,
        source=types.GenerateVideosSource(prompt="she turns to the sea", image=frames.pop("image")),
        config=types.GenerateVideosConfig(duration_seconds=4, aspect_ratio="9:16", **frames),
    )
    deadline = time.monotonic() + 15
    while not operation.done:
        assert time.monotonic() < deadline, "operation never finished"
        time.sleep(0.05)
        operation = client.operations.get(operation)
    assert operation.response is not None
    assert operation.response.generated_videos
    video = operation.response.generated_videos[0].video
    assert video is not None
    assert video.video_bytes is not None
    return video_frames(video.video_bytes)


def _png_image(data: bytes) -> types.Image:
    return types.Image(image_bytes=data, mime_type="image/png")


# --- image requests --------------------------------------------------------------------------


def test_image_inputs_show_as_insets_and_are_recorded(
    veo_client: genai.Client, control: Control
) -> None:
    red, green = _encoded((230, 20, 20)), _encoded((20, 200, 40))

    drawn = _draw(veo_client, "Mara and Tomas at the harbour", red, green)

    with Image.open(io.BytesIO(drawn)) as opened:
        picture = opened.convert("RGB")
    boxes = inset_boxes(picture.size, 2)
    assert len(boxes) == 2
    for box, color in zip(boxes, [(230, 20, 20), (20, 200, 40)], strict=True):
        swatch = Image.new("RGB", (box[2] - box[0], box[3] - box[1]), color)
        assert frame_difference(picture.crop(box), swatch) < 2
    (request,) = control.image_requests()
    assert request["inputs"] == [_sha(red), _sha(green)]
    assert request["prompt"] == "Mara and Tomas at the harbour"


def test_image_without_inputs_is_the_plain_card_and_records_none(
    veo_client: genai.Client, control: Control
) -> None:
    plain = _draw(veo_client, "an empty harbour")
    again = _draw(veo_client, "an empty harbour", _encoded((230, 20, 20)))

    assert plain != again
    assert [r["inputs"] for r in control.image_requests()] == [[], [_sha(_encoded((230, 20, 20)))]]


@pytest.mark.parametrize(
    ("part", "fragment"),
    [
        (
            types.Part.from_bytes(data=_encoded((1, 2, 3), "GIF"), mime_type="image/gif"),
            "image/gif",
        ),
        (
            types.Part.from_bytes(data=b"not a picture", mime_type="image/png"),
            "could not be decoded",
        ),
        (
            types.Part.from_bytes(data=b"\0" * (7_000_001), mime_type="image/png"),
            "larger than the maximum of 7 MB",
        ),
    ],
    ids=["gif", "undecodable", "over-7-MB"],
)
def test_image_request_refuses_inputs_as_vertex_does(
    veo_client: genai.Client, control: Control, part: types.Part, fragment: str
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        veo_client.models.generate_content(
            model=IMAGE_MODEL,
            contents=[types.Content(role="user", parts=[part, types.Part.from_text(text="Mara")])],
            config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
        )

    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert fragment in str(caught.value.message)
    assert control.image_requests() == []


# --- Veo frames ------------------------------------------------------------------------------


def test_a_keyframe_is_the_clips_first_frame(veo_client: genai.Client, control: Control) -> None:
    control.configure(video_latency_s=0)
    keyframe = _draw(veo_client, "Mara walks along the harbour at dawn")
    other = _draw(veo_client, "Tomas repairs a clock in a dim workshop")

    frames = _clip_frames(veo_client, image=_png_image(keyframe))

    with Image.open(io.BytesIO(keyframe)) as own, Image.open(io.BytesIO(other)) as elsewhere:
        size = frames[0].size
        own_fit, other_fit = (
            ImageOps.fit(own.convert("RGB"), size),
            ImageOps.fit(elsewhere.convert("RGB"), size),
        )
    assert frame_difference(own_fit, frames[0]) < SAME_PICTURE
    assert frame_difference(other_fit, frames[0]) > 2 * SAME_PICTURE
    (submitted,) = control.veo_frames()
    assert (submitted["image"], submitted["last_frame"]) == (_sha(keyframe), None)


def test_a_last_frame_is_the_clips_final_frame(veo_client: genai.Client, control: Control) -> None:
    control.configure(video_latency_s=0)
    first, last = _encoded((20, 40, 220), size=(90, 160)), _encoded((240, 200, 20), size=(90, 160))

    frames = _clip_frames(veo_client, image=_png_image(first), last_frame=_png_image(last))

    size = frames[0].size
    blue, yellow = Image.new("RGB", size, (20, 40, 220)), Image.new("RGB", size, (240, 200, 20))
    assert frame_difference(frames[0], blue) < SAME_PICTURE
    assert frame_difference(frames[-1], yellow) < SAME_PICTURE
    # The fade: between the two, neither picture yet.
    assert frame_difference(frames[-3], yellow) > SAME_PICTURE
    (submitted,) = control.veo_frames()
    assert (submitted["image"], submitted["last_frame"]) == (_sha(first), _sha(last))


def _refusal(
    client: genai.Client, model: str, source: dict[str, Any], config: dict[str, Any]
) -> str:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_videos(
            model=model,
            source=types.GenerateVideosSource(prompt="she turns", **source),
            config=types.GenerateVideosConfig(duration_seconds=8, aspect_ratio="9:16", **config),
        )
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    return str(caught.value.message)


PNG = _encoded((10, 10, 10))


@pytest.mark.parametrize(
    ("model", "source", "config", "fragment"),
    [
        (VEO_31, {"image": types.Image(image_bytes=PNG, mime_type="image/webp")}, {}, "image/webp"),
        (VEO_31, {"image": _png_image(b"\x89PNG but not really")}, {}, "could not be decoded"),
        (
            VEO_31,
            {"image": _png_image(b"\0" * 20_000_001)},
            {},
            "larger than the maximum of 20 MB",
        ),
        (VEO_31, {}, {"last_frame": _png_image(PNG)}, "an input image must also be provided"),
        (
            VEO_31,
            {"image": _png_image(PNG)},
            {
                "reference_images": [
                    types.VideoGenerationReferenceImage(
                        image=_png_image(PNG), reference_type="asset"
                    )
                ]
            },
            "referenceImages is not supported together with image",
        ),
        (
            VEO_30,
            {"image": _png_image(PNG)},
            {"last_frame": _png_image(PNG)},
            "lastFrame is not supported by model",
        ),
        (
            VEO_2,
            {"image": _png_image(PNG)},
            {"last_frame": _png_image(PNG)},
            "lastFrame is not supported by model",
        ),
    ],
    ids=[
        "webp",
        "undecodable",
        "over-20-MB",
        "last-alone",
        "references-and-image",
        "veo-3.0",
        "veo-2",
    ],
)
def test_veo_refuses_frames_as_vertex_does(
    veo_client: genai.Client,
    control: Control,
    model: str,
    source: dict[str, Any],
    config: dict[str, Any],
    fragment: str,
) -> None:
    message = _refusal(veo_client, model, source, config)

    assert fragment in message
    assert control.stats()["video_submissions"] == 0
    assert control.veo_frames() == []
