"""Deterministic stand-in speech: one voiced burst per word, so timing code has real audio."""

from __future__ import annotations

import functools
import io
import math
import re
import sys
import wave
import zlib
from array import array
from typing import Final

SAMPLE_RATE: Final = 24_000
SECONDS_PER_WORD: Final = 0.4
PCM_MIME: Final = f"audio/L16;codec=pcm;rate={SAMPLE_RATE}"
WAV_MIME: Final = "audio/wav"

_SLOT: Final = round(SAMPLE_RATE * SECONDS_PER_WORD)
_MIN_GAP: Final = round(SAMPLE_RATE * 0.06)
_ATTACK: Final = round(SAMPLE_RATE * 0.012)
_RELEASE: Final = round(SAMPLE_RATE * 0.03)
_PEAK: Final = 0.4 * 32767
# A voiced tone: the fundamental and two harmonics, as in a vowel, at these weights.
_HARMONICS: Final = ((1, 0.62), (2, 0.26), (3, 0.12))
_WORD: Final = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def spoken_words(text: str) -> list[str]:
    """The words a reader would say: runs of letters and digits, apostrophes kept inside."""
    return _WORD.findall(text)


def _stable(text: str) -> int:
    # Python's hash() is salted per process; the emulator must answer the same every run.
    return zlib.crc32(text.encode("utf-8"))


@functools.lru_cache(maxsize=512)
def _burst(f0: int, length: int) -> bytes:
    """``length`` samples of a voiced tone at ``f0`` Hz with a soft start and end."""
    samples = array("h")
    step = 2 * math.pi * f0 / SAMPLE_RATE
    for k in range(length):
        envelope = 1.0
        if k < _ATTACK:
            envelope = 0.5 - 0.5 * math.cos(math.pi * k / _ATTACK)
        elif k >= length - _RELEASE:
            envelope = 0.5 - 0.5 * math.cos(math.pi * (length - k) / _RELEASE)
        # A slow swell across the word, like the stress of a syllable.
        envelope *= 0.75 + 0.25 * math.sin(math.pi * k / length)
        value = sum(weight * math.sin(step * k * n) for n, weight in _HARMONICS)
        samples.append(round(_PEAK * envelope * value))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def voice_pitch(voice: str) -> int:
    """Each prebuilt voice speaks at its own pitch, 95-235 Hz."""
    return 95 + _stable(voice.casefold()) % 141


def synthesize(words: list[str], voice: str) -> bytes:
    """16-bit little-endian mono PCM at 24 kHz: ``SECONDS_PER_WORD`` per word, each a burst
    whose length follows the word's and whose pitch varies around the voice's."""
    base = voice_pitch(voice)
    out = bytearray()
    for word in words:
        voiced = min(_SLOT - _MIN_GAP, round(_SLOT * (0.4 + 0.05 * min(len(word), 9))))
        bend = (_stable(word.casefold()) % 7 - 3) / 30
        out += _burst(round(base * (1 + bend)), voiced)
        out += bytes(2 * (_SLOT - voiced))
    return bytes(out)


def pause() -> bytes:
    """One word's length of silence."""
    return bytes(2 * _SLOT)


def as_wav(pcm: bytes) -> bytes:
    """The PCM in a WAV container, as the Gemini 3.8 TTS models answer a unary request."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
    return buffer.getvalue()
