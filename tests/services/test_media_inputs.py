"""Input images: a user's reference file checked before anything is paid, images drawn from
input images, and clips that start (and end) on given frames, against the recording fake."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from google.genai import types
from PIL import Image

from storyreel.domain.images import MAX_IMAGE_INPUT_BYTES, MAX_VEO_FRAME_BYTES
from storyreel.errors import InputError
from storyreel.services.google.media import InputImage, MediaService
from storyreel.services.google.reference_images import load_reference_image
from storyreel.settings import Settings, load_settings
from storyreel.testing import RecordingGenai

VEO_2 = "veo-2.0-generate-001"
VEO_30 = "veo-3.0-generate-001"
VEO_31 = "veo-3.1-fast-generate-001"


def _settings(tmp_path: Path, **google: object) -> Settings:
    return load_settings(
        {"backend": "offline", "output_dir": str(tmp_path), "google": google},
        config_file=None,
        env={},
        dotenv=None,
    )


def _encoded(
    color: tuple[int, int, int], fmt: str = "PNG", size: tuple[int, int] = (32, 18)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def _png(color: tuple[int, int, int] = (200, 40, 40)) -> InputImage:
    return InputImage(data=_encoded(color), mime_type="image/png")


def _media(tmp_path: Path, **google: object) -> tuple[MediaService, RecordingGenai]:
    client = RecordingGenai()
    return MediaService(client, _settings(tmp_path, **google)), client


# --- load_reference_image --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "suffix", "mime"),
    [("PNG", ".png", "image/png"), ("JPEG", ".jpg", "image/jpeg"), ("WEBP", ".webp", "image/webp")],
)
def test_load_reference_image_tells_the_type_by_decoding(
    tmp_path: Path, fmt: str, suffix: str, mime: str
) -> None:
    # The name says PNG whatever the content: the type comes from the bytes.
    path = tmp_path / "mara.png"
    data = _encoded((10, 120, 200), fmt)
    path.write_bytes(data)

    image = load_reference_image(path, what="the reference image of Mara")

    assert (image.data, image.mime_type) == (data, mime)


def test_load_reference_image_refuses_what_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "mara.png"
    path.write_text("a portrait of Mara, honestly")

    with pytest.raises(InputError, match=r"mara\.png is not an image .*PNG, JPEG or WebP"):
        load_reference_image(path, what="the reference image of Mara")


def test_load_reference_image_refuses_a_truncated_image(tmp_path: Path) -> None:
    path = tmp_path / "mara.png"
    path.write_bytes(_encoded((1, 2, 3), size=(300, 300))[:-40])

    with pytest.raises(InputError, match="is not an image"):
        load_reference_image(path, what="the reference image of Mara")


def test_load_reference_image_refuses_a_type_google_does_not_take(tmp_path: Path) -> None:
    path = tmp_path / "mara.gif"
    path.write_bytes(_encoded((1, 2, 3), "GIF"))

    with pytest.raises(InputError, match="is a GIF image; Google takes PNG, JPEG or WebP"):
        load_reference_image(path, what="the reference image of Mara")


def test_load_reference_image_refuses_an_image_over_the_limit_before_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as out:
        out.truncate(MAX_IMAGE_INPUT_BYTES + 1)

    with pytest.raises(InputError, match=r"huge\.png is 7\.0 MB; .* at most 7\.0 MB"):
        load_reference_image(path, what="the reference image of Mara")


@pytest.mark.parametrize("kind", ["missing", "directory", "unreadable"])
def test_load_reference_image_refuses_what_cannot_be_read(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "mara.png"
    if kind == "directory":
        path.mkdir()
    elif kind == "unreadable":
        path.write_bytes(_encoded((1, 2, 3)))
        path.chmod(0)
        try:
            path.read_bytes()
        except PermissionError:
            pass
        else:
            pytest.skip("running as a user who reads any file")

    with pytest.raises(InputError, match=r"mara\.png") as caught:
        load_reference_image(path, what="the reference image of Mara")
    assert "\n" not in str(caught.value)


# --- draw_image ------------------------------------------------------------------------------


def test_draw_image_sends_the_inputs_inline_before_the_prompt(tmp_path: Path) -> None:
    media, client = _media(tmp_path)
    sheets = [_png((200, 0, 0)), InputImage(_encoded((0, 0, 200), "JPEG"), "image/jpeg")]

    result = asyncio.run(
        media.draw_image(
            "Mara at the harbour",
            tmp_path / "k.png",
            inputs=sheets,
            aspect_ratio="9:16",
            what="keyframe 1",
        )
    )

    assert result.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (call,) = client.calls_of("generate_content")
    (turn,) = call.kwargs["contents"]
    assert isinstance(turn, types.Content)
    assert turn.role == "user"
    parts = turn.parts or []
    sent = [(p.inline_data.data, p.inline_data.mime_type) for p in parts[:2] if p.inline_data]
    assert sent == [(image.data, image.mime_type) for image in sheets]
    assert parts[2].text == "Mara at the harbour"
    config = call.kwargs["config"]
    assert config.image_config.aspect_ratio == "9:16"
    assert config.http_options.retry_options.attempts == 1


def test_draw_image_without_inputs_sends_the_prompt_alone(tmp_path: Path) -> None:
    media, client = _media(tmp_path)

    asyncio.run(media.generate_thumbnail("a cover", tmp_path / "t.png"))

    assert client.calls_of("generate_content")[0].kwargs["contents"] == "a cover"


@pytest.mark.parametrize(
    ("image", "fragment"),
    [
        (InputImage(b"GIF89a...", "image/gif"), "input image 1 of the sheet of Mara is image/gif"),
        (
            InputImage(b"\0" * (MAX_IMAGE_INPUT_BYTES + 1), "image/png"),
            "at most 7.0 MB",
        ),
    ],
)
def test_draw_image_refuses_inputs_google_refuses_before_sending(
    tmp_path: Path, image: InputImage, fragment: str
) -> None:
    media, client = _media(tmp_path)

    with pytest.raises(InputError, match=fragment):
        asyncio.run(
            media.draw_image("Mara", tmp_path / "s.png", inputs=[image], what="the sheet of Mara")
        )

    assert client.calls == []


# --- first and last frames -------------------------------------------------------------------


def test_submit_video_sends_first_frame_as_image_and_last_frame_in_config(tmp_path: Path) -> None:
    media, client = _media(tmp_path, video_model=VEO_31)
    first, last = _png((255, 0, 0)), InputImage(_encoded((0, 255, 0), "JPEG"), "image/jpeg")
    request = media.video_request("fox", first_frame=first, last_frame=last)

    asyncio.run(media.submit_video(request, label="clip 1"))

    (call,) = client.calls_of("generate_videos")
    image, config = call.kwargs["source"].image, call.kwargs["config"]
    assert (image.image_bytes, image.mime_type) == (first.data, "image/png")
    assert (config.last_frame.image_bytes, config.last_frame.mime_type) == (last.data, "image/jpeg")


def test_video_request_with_frames_round_trips_through_json(tmp_path: Path) -> None:
    media, _ = _media(tmp_path, video_model=VEO_31)
    request = media.video_request("fox", first_frame=_png(), last_frame=_png((0, 0, 9)))

    assert type(request).model_validate_json(request.model_dump_json()) == request


@pytest.mark.parametrize(
    ("model", "first", "last", "fragment"),
    [
        (VEO_31, None, _png(), "a last frame only together with a first frame"),
        (VEO_2, _png(), _png(), r"\(Veo 2\) does not take a last frame"),
        (VEO_30, _png(), _png(), r"\(Veo 3\) does not take a last frame"),
        (
            VEO_31,
            InputImage(_encoded((1, 1, 1), "WEBP"), "image/webp"),
            None,
            "PNG or JPEG, not image/webp",
        ),
        (VEO_31, _png(), InputImage(b"x", "image/gif"), "the last frame as PNG or JPEG"),
        (
            VEO_31,
            InputImage(b"\0" * (MAX_VEO_FRAME_BYTES + 1), "image/png"),
            None,
            r"at most 20\.0 MB",
        ),
    ],
)
def test_video_request_refuses_frames_the_model_refuses(
    tmp_path: Path, model: str, first: InputImage | None, last: InputImage | None, fragment: str
) -> None:
    media, client = _media(tmp_path, video_model=model)

    with pytest.raises(InputError, match=fragment):
        media.video_request("fox", duration_seconds=8, first_frame=first, last_frame=last)

    assert client.calls == []


def test_submit_video_refuses_a_stored_request_with_a_last_frame_alone(tmp_path: Path) -> None:
    media, client = _media(tmp_path, video_model=VEO_31)
    request = media.video_request("fox").model_copy(
        update={"last_frame": _png().data, "last_frame_mime": "image/png"}
    )

    with pytest.raises(InputError, match="together with a first frame"):
        asyncio.run(media.submit_video(request, label="clip 1"))

    assert client.calls == []


def test_veo_2_and_3_0_take_a_first_frame_alone(tmp_path: Path) -> None:
    for model, seconds in ((VEO_2, 8), (VEO_30, 8)):
        media, _ = _media(tmp_path, video_model=model)
        request = media.video_request("fox", duration_seconds=seconds, first_frame=_png())
        assert request.first_frame == _png().data
        assert request.last_frame is None
