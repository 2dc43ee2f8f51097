"""Which prebuilt voice a text-to-speech request names, checked as Gemini TTS checks it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

# The 30 prebuilt voices Google lists for Gemini TTS.
VOICES: Final = (
    "Zephyr",
    "Puck",
    "Charon",
    "Kore",
    "Fenrir",
    "Leda",
    "Orus",
    "Aoede",
    "Callirrhoe",
    "Autonoe",
    "Enceladus",
    "Iapetus",
    "Umbriel",
    "Algieba",
    "Despina",
    "Erinome",
    "Algenib",
    "Rasalgethi",
    "Laomedeia",
    "Achernar",
    "Alnilam",
    "Schedar",
    "Gacrux",
    "Pulcherrima",
    "Achird",
    "Zubenelgenubi",
    "Vindemiatrix",
    "Sadachbia",
    "Sadaltager",
    "Sulafat",
)
_KNOWN: Final = {voice.casefold(): voice for voice in VOICES}
# gemini-2.5 TTS models fall back to a voice of their own when none is named; later ones refuse.
_DEFAULT_VOICE: Final = "Zephyr"
_VERSION: Final = re.compile(r"gemini-(\d+)(?:\.(\d+))?")


class SpeechRefusal(Exception):
    """A request Vertex refuses: ``status`` and the message of its error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def model_version(model: str) -> tuple[int, int]:
    match = _VERSION.search(model)
    return (int(match[1]), int(match[2] or 0)) if match else (0, 0)


def field(node: Any, camel: str, snake: str) -> Any:
    # The SDK sends some nested configs with snake_case keys (prebuilt_voice_config's
    # voice_name); Vertex's JSON parser accepts both spellings.
    if not isinstance(node, Mapping):
        return None
    return node.get(camel, node.get(snake))


def _voice_of(voice_config: Any) -> str | None:
    prebuilt = field(voice_config, "prebuiltVoiceConfig", "prebuilt_voice_config")
    name = field(prebuilt, "voiceName", "voice_name") or field(voice_config, "voice", "voice")
    return name if isinstance(name, str) and name else None


def _known(voice: str) -> str:
    found = _KNOWN.get(voice.casefold())
    if found is None:
        raise SpeechRefusal(
            400, f"Voice name {voice!r} is not supported. Use one of: {', '.join(VOICES)}."
        )
    return found


def voice_for(model: str, config: Mapping[str, Any]) -> str:
    """The prebuilt voice ``config`` (a ``generationConfig``) names, spelled as Google spells it;
    with two speakers, the first one's."""
    speech = field(config, "speechConfig", "speech_config") or {}
    single = field(speech, "voiceConfig", "voice_config")
    multi = field(speech, "multiSpeakerVoiceConfig", "multi_speaker_voice_config")
    if single and multi:
        raise SpeechRefusal(400, "voice_config and multi_speaker_voice_config exclude each other.")
    if multi:
        speakers = field(multi, "speakerVoiceConfigs", "speaker_voice_configs") or []
        if not isinstance(speakers, list) or len(speakers) != 2:
            raise SpeechRefusal(400, "multi_speaker_voice_config needs exactly 2 speakers.")
        names = [_voice_of(field(s, "voiceConfig", "voice_config")) for s in speakers]
        if not all(names) or not all(isinstance(s, Mapping) and s.get("speaker") for s in speakers):
            raise SpeechRefusal(400, "Every speaker needs a speaker name and a voice.")
        return _known(str(names[0]))
    name = _voice_of(single)
    if name is None:
        if model_version(model) >= (3, 0):
            raise SpeechRefusal(400, "Request contains an invalid argument: no voice was named.")
        return _DEFAULT_VOICE
    return _known(name)
