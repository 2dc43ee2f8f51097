"""Read a text-to-speech reply: its audio as :class:`Speech`, or a typed error saying why not."""

from __future__ import annotations

import io
import wave
from typing import TYPE_CHECKING, Final

from storyreel.domain.reel import Speech
from storyreel.errors import ContentBlockedError, ProviderError
from storyreel.services.google.errors import PROVIDER
from storyreel.services.google.results import BLOCKING_FINISH_REASONS

if TYPE_CHECKING:
    from google.genai import types

# Raw 16-bit PCM (what Gemini TTS answers, ``audio/L16;codec=pcm;rate=24000``) and WAV (what
# the Gemini 3.8 TTS models answer a unary request with).
PCM_TYPES: Final = frozenset({"audio/l16", "audio/pcm"})
WAV_TYPES: Final = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
_RATES: Final = range(8_000, 192_001)
_EXCERPT: Final = 200


def _unreadable(what: str, declared: str, why: str) -> ProviderError:
    return ProviderError(
        f"Google returned the audio for {what} as {declared!r}, which storyreel cannot read "
        f"({why}): it reads 16-bit PCM (audio/L16;codec=pcm;rate=N) or a 16-bit WAV. "
        "Nothing was saved; choose another google.tts_model",
        provider=PROVIDER,
        retryable=False,
    )


def _parameters(mime_type: str) -> tuple[str, dict[str, str]]:
    media, *rest = (item.strip() for item in mime_type.split(";"))
    params: dict[str, str] = {}
    for item in rest:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return media.lower(), params


def decode_audio(data: bytes, mime_type: str, *, what: str) -> Speech:
    """The samples of ``data`` as its MIME type declares them; ProviderError for any other
    encoding, a rate that is missing or absurd, or bytes that are not whole samples."""
    media, params = _parameters(mime_type)
    if media in PCM_TYPES:
        if params.get("codec", "pcm").lower() != "pcm":
            raise _unreadable(what, mime_type, f"codec {params['codec']}")
        rate_text, channels_text = params.get("rate", ""), params.get("channels", "1")
        if not rate_text.isdigit() or int(rate_text) not in _RATES:
            raise _unreadable(what, mime_type, "no usable sample rate")
        if not channels_text.isdigit() or not 1 <= int(channels_text) <= 8:
            raise _unreadable(what, mime_type, "no usable channel count")
        channels = int(channels_text)
        if len(data) % (2 * channels):
            raise _unreadable(
                what, mime_type, f"{len(data)} bytes is not a whole number of samples"
            )
        # Gemini sends little-endian samples despite L16's network byte order (RFC 2586).
        return Speech(pcm=data, sample_rate=int(rate_text), channels=channels)
    if media in WAV_TYPES:
        try:
            with wave.open(io.BytesIO(data), "rb") as wav:
                if wav.getsampwidth() != 2:
                    raise _unreadable(what, mime_type, f"{8 * wav.getsampwidth()}-bit samples")
                pcm = wav.readframes(wav.getnframes())
                return Speech(pcm=pcm, sample_rate=wav.getframerate(), channels=wav.getnchannels())
        except (wave.Error, EOFError) as exc:
            raise _unreadable(what, mime_type, f"not a PCM WAV file: {exc}") from exc
    raise _unreadable(what, mime_type or "no type", "an encoding it does not decode")


def speech_payload(response: types.GenerateContentResponse, *, what: str) -> Speech:
    """The first audio part of a text-to-speech reply, decoded.

    Raises ContentBlockedError when the text or the audio was blocked, ProviderError when the
    reply holds no audio (retryable: the model sometimes answers with text instead) or audio
    in an encoding storyreel does not read.
    """
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        reasons = [_name(feedback.block_reason)]
        reasons += [feedback.block_reason_message] if feedback.block_reason_message else []
        raise ContentBlockedError(
            f"Google blocked the text of {what}: {'; '.join(reasons)}",
            provider=PROVIDER,
            reasons=reasons,
        )
    candidate = response.candidates[0] if response.candidates else None
    parts = candidate.content.parts if candidate and candidate.content else None
    texts: list[str] = []
    for part in parts or []:
        if part.thought:
            continue
        if part.inline_data is not None and part.inline_data.data:
            return decode_audio(part.inline_data.data, part.inline_data.mime_type or "", what=what)
        if part.text:
            texts.append(part.text)
    finish = _name(candidate.finish_reason) if candidate and candidate.finish_reason else None
    if finish in BLOCKING_FINISH_REASONS:
        message = candidate.finish_message if candidate else None
        reasons = [finish] + ([message] if message else [])
        raise ContentBlockedError(
            f"Google blocked the speech for {what}: {'; '.join(reasons)}",
            provider=PROVIDER,
            reasons=reasons,
        )
    said = " ".join(texts).strip()
    excerpt = f"; the model said: {said[:_EXCERPT]!r}" if said else ""
    raise ProviderError(
        f"the speech model returned no audio for {what} (finish reason {finish or 'none'})"
        f"{excerpt}",
        provider=PROVIDER,
        retryable=True,
    )


def _name(value: object) -> str:
    # The SDK gives enum members for known values and plain strings for new ones.
    return str(getattr(value, "value", value))


__all__ = ["PCM_TYPES", "WAV_TYPES", "decode_audio", "speech_payload"]
