"""Frames painted straight into YUV planes: a title card converted once, then only the few
moving boxes drawn per frame, so that a 720p or 1080p clip costs little more than its
encoding."""

from __future__ import annotations

from collections.abc import Sequence

import av
from PIL import Image

Box = tuple[int, int, int, int]


def _yuv(color: tuple[int, ...]) -> tuple[int, int, int]:
    # The converter's own answer for this colour, so that boxes match what it would draw.
    frame = av.VideoFrame.from_image(Image.new("RGB", (2, 2), color[:3]))  # type: ignore[no-untyped-call]
    planes = frame.reformat(format="yuv420p").planes
    return bytes(planes[0])[0], bytes(planes[1])[0], bytes(planes[2])[0]


def _blend(first: bytes, second: bytes, stride: int, weight: float) -> bytes:
    # A plane as a grey image, so that Pillow's C code does the arithmetic.
    size = (stride, len(first) // stride)
    mixed = Image.blend(
        Image.frombytes("L", size, first), Image.frombytes("L", size, second), weight
    )
    return mixed.tobytes()


class PlaneCanvas:
    """A still picture in yuv420p, from which frames with boxes drawn on it are made."""

    def __init__(self, base: Image.Image, color: tuple[int, ...]) -> None:
        self.width, self.height = base.size
        # PyAV ships this constructor without annotations.
        frame = av.VideoFrame.from_image(base.convert("RGB"))  # type: ignore[no-untyped-call]
        planes = frame.reformat(format="yuv420p").planes
        self._planes = [bytes(plane) for plane in planes]
        self._strides = [plane.line_size for plane in planes]
        self._values = _yuv(color)

    def mixed(self, other: PlaneCanvas, weight: float) -> PlaneCanvas:
        """A canvas ``weight`` (0-1) of the way from this picture to ``other``, of the same
        size: blended plane by plane in YUV, without converting from RGB again."""
        mix = PlaneCanvas.__new__(PlaneCanvas)
        mix.width, mix.height, mix._strides, mix._values = (
            self.width,
            self.height,
            self._strides,
            self._values,
        )
        mix._planes = [
            _blend(mine, theirs, stride, weight)
            for mine, theirs, stride in zip(self._planes, other._planes, self._strides, strict=True)
        ]
        return mix

    def frame(self, boxes: Sequence[Box]) -> av.VideoFrame:
        """The picture with ``boxes`` (left, top, right, bottom; right and bottom excluded)
        filled with the canvas colour."""
        buffers = [bytearray(plane) for plane in self._planes]
        for left, top, right, bottom in boxes:
            left, top = max(0, left), max(0, top)
            right, bottom = min(self.width, right), min(self.height, bottom)
            for index, (buffer, stride, value) in enumerate(
                zip(buffers, self._strides, self._values, strict=True)
            ):
                # Chroma planes are half the size both ways.
                shift = 0 if index == 0 else 1
                x0, x1 = left >> shift, (right + shift) >> shift
                fill = bytes([value]) * (x1 - x0)
                for row in range(top >> shift, (bottom + shift) >> shift):
                    start = row * stride + x0
                    buffer[start : start + len(fill)] = fill
        out = av.VideoFrame(self.width, self.height, "yuv420p")
        for plane, buffer in zip(out.planes, buffers, strict=True):
            plane.update(bytes(buffer))
        return out
