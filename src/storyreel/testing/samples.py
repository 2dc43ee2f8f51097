"""Small, valid media for fakes: a playable H.264 MP4 and a PNG of a given aspect ratio."""

from __future__ import annotations

import functools
import io


@functools.cache
def tiny_mp4(seconds: int = 4, ratio: str = "9:16") -> bytes:
    """A small playable H.264 MP4 of ``seconds`` at 2 frames per second."""
    import av
    from PIL import Image

    width, height = (64, 112) if ratio == "9:16" else (112, 64)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=2)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(max(1, seconds * 2)):
            shade = 40 + index * 10 % 200
            frame = av.VideoFrame.from_image(  # type: ignore[no-untyped-call]
                Image.new("RGB", (width, height), (shade, 90, 160))
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


@functools.cache
def tiny_png(ratio: str = "1:1") -> bytes:
    """A small PNG with the proportions of ``ratio``."""
    from PIL import Image

    across, down = (int(part) for part in ratio.split(":"))
    scale = 64 / max(across, down)
    image = Image.new("RGB", (max(1, round(across * scale)), max(1, round(down * scale))))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


__all__ = ["tiny_mp4", "tiny_png"]
