"""Reading text-to-speech replies, and shaping the request, without a server."""

from __future__ import annotations

import io
import wave

import pytest
from google.genai import types

from storyreel.errors import ContentBlockedError, ProviderError
from storyreel.services.google.audio import decode_audio, speech_payload
from storyreel.services.google.speech import direction, speech_contents, style_in_metadata

PCM = bytes(range(0, 200, 2)) * 48  # 4800 bytes: 2400 16-bit samples


def _wav(width: int = 2, rate: int = 24_000, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(PCM)
    return out.getvalue()


def _reply(parts: list[types.Part], finish: str = "STOP") -> types.GenerateContentResponse:
    return types.GenerateContentResponse(
        candidates=[
            types.Candidate(
                content=types.Content(role="model", parts=parts),
                finish_reason=types.FinishReason(finish),
            )
        ]
    )


@pytest.mark.parametrize(
    ("mime", "rate", "channels"),
    [
        ("audio/L16;codec=pcm;rate=24000", 24_000, 1),
        ("audio/l16; rate=16000", 16_000, 1),
        ("audio/pcm;rate=48000;channels=2", 48_000, 2),
    ],
)
def test_pcm_rate_and_channels_come_from_the_mime_type(mime: str, rate: int, channels: int) -> None:
    speech = decode_audio(PCM, mime, what="segment 1")
    assert (speech.sample_rate, speech.channels, speech.pcm) == (rate, channels, PCM)
    assert speech.duration_s == pytest.approx(len(PCM) / (2 * channels * rate))


def test_wav_is_read_as_its_header_says() -> None:
    speech = decode_audio(_wav(rate=22_050), "audio/wav", what="segment 1")
    assert (speech.sample_rate, speech.channels, speech.pcm) == (22_050, 1, PCM)


@pytest.mark.parametrize(
    ("data", "mime", "says"),
    [
        (PCM, "audio/mpeg", "encoding"),
        (PCM, "audio/L16;codec=mulaw;rate=8000", "codec mulaw"),
        (PCM, "audio/L16;codec=pcm", "sample rate"),
        (PCM, "audio/L16;rate=abc", "sample rate"),
        (PCM + b"\x00", "audio/L16;rate=24000", "whole number of samples"),
        (_wav(width=1), "audio/wav", "8-bit"),
        (b"RIFF-not-really", "audio/wav", "not a PCM WAV"),
        (PCM, "", "no type"),
    ],
)
def test_other_audio_is_refused_clearly(data: bytes, mime: str, says: str) -> None:
    with pytest.raises(ProviderError, match="segment 5") as caught:
        decode_audio(data, mime, what="segment 5")
    assert says in str(caught.value)
    assert caught.value.retryable is False


def test_reply_without_audio_says_what_the_model_said() -> None:
    reply = _reply([types.Part(text="I cannot speak that.")])
    with pytest.raises(ProviderError, match="no audio for segment 2") as caught:
        speech_payload(reply, what="segment 2")
    assert "I cannot speak that." in str(caught.value)
    assert caught.value.retryable is True


def test_safety_finish_is_content_blocked() -> None:
    with pytest.raises(ContentBlockedError, match="segment 2") as caught:
        speech_payload(_reply([], finish="PROHIBITED_CONTENT"), what="segment 2")
    assert caught.value.reasons == ["PROHIBITED_CONTENT"]


def test_audio_part_is_found_after_a_thought() -> None:
    blob = types.Blob(data=PCM, mime_type="audio/L16;codec=pcm;rate=24000")
    reply = _reply([types.Part(text="thinking", thought=True), types.Part(inline_data=blob)])
    assert speech_payload(reply, what="segment 1").pcm == PCM


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "warm, unhurried storyteller",
            "Read the following aloud in a warm, unhurried storyteller voice:",
        ),
        ("a calm tone", "Read the following aloud in a calm tone:"),
        ("whispering.", "Read the following aloud in a whispering voice:"),
    ],
)
def test_direction_reads_as_a_sentence(style: str, expected: str) -> None:
    assert direction(style) == expected


def test_contents_by_model_generation() -> None:
    assert speech_contents("Hello.", style=None, model="gemini-2.5-flash-tts") == "Hello."
    older = speech_contents("Hello.", style="calm", model="gemini-2.5-flash-tts")
    assert older == "Read the following aloud in a calm voice:\nHello."
    newer = speech_contents("Hello.", style="calm", model="gemini-3.8-flash-tts")
    assert isinstance(newer, types.Content)
    assert newer.parts is not None
    assert newer.parts[0].text == "Hello."
    assert newer.parts[0].speech_metadata == types.SpeechMetadata(style="calm")
    assert style_in_metadata("gemini-4.0-flash-tts")
    assert not style_in_metadata("gemini-3.1-flash-tts-preview")
