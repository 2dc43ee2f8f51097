"""PNG and MP4 makers and the prose generator, without a server."""

from __future__ import annotations

import io

import av
import pytest
from PIL import Image

from storyreel.emulator.images import AspectRatioError, make_png, parse_ratio
from storyreel.emulator.text import Prose, estimate_tokens, keywords
from storyreel.emulator.video import ClipSpec, make_mp4


def test_png_sizes_follow_the_ratio() -> None:
    for ratio, size in [((9, 16), (576, 1024)), ((16, 9), (1024, 576)), ((1, 1), (1024, 1024))]:
        with Image.open(io.BytesIO(make_png("a red kite", ratio))) as image:
            assert image.size == size


def test_png_is_deterministic() -> None:
    # How fast it is belongs to bench/emulator.py, not to a timed test on a shared machine.
    prompt = "a quick brown fox jumps over the lazy dog at dawn"
    make_png.cache_clear()
    first = make_png(prompt, (9, 16))
    make_png.cache_clear()
    assert make_png(prompt, (9, 16)) == first
    assert make_png("another prompt", (9, 16)) != first


@pytest.mark.parametrize("text", ["16x9", "0:1", "1:9", "a:b"])
def test_bad_aspect_ratios_are_refused(text: str) -> None:
    with pytest.raises(AspectRatioError):
        parse_ratio(text)


def test_mp4_is_deterministic() -> None:
    spec = ClipSpec("a lighthouse in fog", (9, 16), 8)
    make_mp4.cache_clear()
    first = make_mp4(spec)
    make_mp4.cache_clear()
    assert make_mp4(spec) == first
    assert make_mp4(ClipSpec("a lighthouse in fog", (9, 16), 8, sample=1)) != first


def test_mp4_plays_with_the_requested_shape_and_duration() -> None:
    data = make_mp4(ClipSpec("a fox", (16, 9), 3))
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        # 720p at 16:9, as Veo makes it by default.
        assert (stream.width, stream.height) == (1280, 720)
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = [frame.to_image() for frame in container.decode(video=0)]
    assert len(frames) == 3 * 8
    assert frames[0].tobytes() != frames[-1].tobytes()


def test_mp4_at_1080p_is_1080_by_1920_and_its_progress_bar_moves() -> None:
    data = make_mp4(ClipSpec("a fox", (9, 16), 1, resolution="1080p"))
    with av.open(io.BytesIO(data)) as container:
        frames = [frame.to_image().convert("L") for frame in container.decode(video=0)]
    assert frames[0].size == (1080, 1920)
    # The bar along the bottom edge grows: more of that row differs from the first frame's.
    row = 1920 - 3
    first = [frames[0].getpixel((x, row)) for x in range(0, 1080, 40)]
    last = [frames[-1].getpixel((x, row)) for x in range(0, 1080, 40)]
    assert sum(abs(a - b) > 30 for a, b in zip(first, last, strict=True)) >= 10  # type: ignore[operator]


def test_mp4_uses_the_input_image_as_background() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (255, 0, 0)).save(buffer, format="PNG")
    data = make_mp4(ClipSpec("red", (16, 9), 1, image=buffer.getvalue()))
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(video=0)).to_image()
    red, green, blue = frame.getpixel((1200, 600))  # type: ignore[misc]
    assert red > 200
    assert green < 60
    assert blue < 60


def test_prose_is_about_the_prompt_and_stable() -> None:
    prompt = "A lighthouse keeper befriends a storm"
    assert keywords(prompt) == ["lighthouse", "keeper", "befriends", "storm"]
    assert Prose(prompt, "x").paragraph() == Prose(prompt, "x").paragraph()
    assert Prose(prompt, "x").paragraph() != Prose(prompt, "y").paragraph()
    sentence = Prose(prompt).visual().lower()
    assert any(word in sentence for word in keywords(prompt))
    assert estimate_tokens("one two three") == 4
