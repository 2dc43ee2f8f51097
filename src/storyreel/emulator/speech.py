"""Gemini text-to-speech as Vertex serves it: the model, location, modality and voice checked,
then word-like PCM whose length follows the words spoken (``speech_audio``)."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from storyreel.emulator.speech_audio import (
    PCM_MIME,
    SAMPLE_RATE,
    WAV_MIME,
    as_wav,
    pause,
    spoken_words,
    synthesize,
)
from storyreel.emulator.speech_log import SpeechEntry, SpeechLog
from storyreel.emulator.speech_voices import SpeechRefusal, field, model_version, voice_for

# Gemini TTS is served from the global endpoint and the us/eu multi-regions only.
TTS_LOCATIONS: Final = frozenset({"global", "us", "eu"})
_AUDIO_TOKENS_PER_S: Final = 25
_TTS_MODEL: Final = re.compile(r"(?:^|-)tts(?:-|$)")
# An earlier model's style direction: "Say cheerfully: ...", or a first line ending in a colon.
_DIRECTIVE: Final = re.compile(
    r"^\s*(?:say|read|speak|narrate|tell|whisper|shout|announce)\b[^:\n]{0,200}:\s*", re.I
)
_SAMPLING: Final = ("temperature", "topP", "topK")


def is_tts_model(model: str) -> bool:
    return _TTS_MODEL.search(model) is not None


def _modalities(config: Mapping[str, Any]) -> list[str]:
    return [str(item).upper() for item in config.get("responseModalities") or []]


def _combination(asked: list[str], model: str, accepted: list[str]) -> SpeechRefusal:
    shown = f" ({', '.join(asked)})" if asked else ""
    options = "".join(f"* {option}\n" for option in accepted)
    return SpeechRefusal(
        400,
        f"The requested combination of response modalities{shown} is not supported by the "
        f"model. models/{model} accepts the following combination of response modalities:\n"
        f"{options}",
    )


def is_speech(model: str, resource: str, location: str | None, config: Mapping[str, Any]) -> bool:
    """Whether this ``generateContent`` asks for speech; raises :class:`SpeechRefusal` where
    Vertex refuses the model at the location or the modalities for the model."""
    asked = _modalities(config)
    if not is_tts_model(model):
        if "AUDIO" in asked:
            accepted = ["TEXT", "IMAGE, TEXT"] if "image" in model else ["TEXT"]
            raise _combination(asked, model, accepted)
        return False
    # Express-mode paths carry no location: they reach the global endpoint.
    if location is not None and location not in TTS_LOCATIONS:
        raise SpeechRefusal(
            404,
            f"Publisher Model `{resource}` was not found or your project does not have access "
            "to it. Please ensure you are using a valid model version. For more information, "
            "see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
        )
    if asked != ["AUDIO"]:
        raise _combination(asked, model, ["AUDIO"])
    return True


def _transcript(payload: Mapping[str, Any]) -> tuple[str, str | None]:
    """The last user turn's text and its ``speechMetadata.style``, if any."""
    contents = payload.get("contents")
    turns = [contents] if isinstance(contents, Mapping) else contents or []
    text, style = "", None
    for turn in turns:
        if not isinstance(turn, Mapping) or turn.get("role", "user") != "user":
            continue
        parts = [p for p in turn.get("parts") or [] if isinstance(p, Mapping)]
        text = "\n".join(str(p["text"]) for p in parts if "text" in p)
        styles = [
            field(field(p, "speechMetadata", "speech_metadata"), "style", "style") for p in parts
        ]
        style = next((str(s) for s in styles if s), None)
    return text, style


def _direction(text: str) -> tuple[str, str | None]:
    """For models that take their style in the text: what is spoken, and the direction."""
    first, newline, rest = text.partition("\n")
    if newline and first.rstrip().endswith(":") and rest.strip():
        return rest.strip(), first.rstrip()[:-1].strip()
    match = _DIRECTIVE.match(text)
    if match and text[match.end() :].strip():
        return text[match.end() :].strip(), text[: match.end()].strip().rstrip(":").strip()
    return text.strip(), None


@dataclass(frozen=True)
class SpeechCall:
    """Where a text-to-speech request was addressed and how it is answered."""

    model: str
    path: str
    response_id: str
    stream: bool = False


def speech_reply(payload: Mapping[str, Any], call: SpeechCall, log: SpeechLog) -> dict[str, Any]:
    """The reply Gemini TTS gives: one candidate, one ``inlineData`` audio part, no text.

    Counts the call as billed in ``log``; call from a worker thread (synthesis takes ms).
    """
    config = payload.get("generationConfig") or {}
    verbatim = model_version(call.model) >= (3, 8)
    if verbatim and any(key in config for key in _SAMPLING):
        raise SpeechRefusal(400, f"temperature, topP and topK are not supported by {call.model}.")
    voice = voice_for(call.model, config)
    text, style = _transcript(payload)
    if not verbatim:
        text, direction = _direction(text)
        style = direction or style
    if not text.strip():
        raise SpeechRefusal(400, "The request has no text to speak.")
    words = spoken_words(text)
    # Text with nothing to pronounce (symbols, invisible marks) still gets audio: a pause.
    pcm = synthesize(words, voice) if words else pause()
    seconds = len(pcm) / (2 * SAMPLE_RATE)
    # The 3.8 models answer a unary request with a whole WAV file, a stream with raw PCM.
    data, mime = (as_wav(pcm), WAV_MIME) if verbatim and not call.stream else (pcm, PCM_MIME)
    log.billed(SpeechEntry(call.path, call.model, 200, voice, style, text, len(words), seconds))
    audio_tokens = math.ceil(seconds * _AUDIO_TOKENS_PER_S)
    prompt_tokens = max(1, len(text) // 4)
    inline = {"mimeType": mime, "data": base64.b64encode(data).decode("ascii")}
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"inlineData": inline}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": audio_tokens,
            "totalTokenCount": prompt_tokens + audio_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
            "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": audio_tokens}],
        },
        "modelVersion": call.model,
        "responseId": call.response_id,
    }
