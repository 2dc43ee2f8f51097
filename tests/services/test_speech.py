"""SpeechService through the real google-genai SDK against the emulator over loopback."""

from __future__ import annotations

import io
import math
import wave
from array import array
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from google.auth import credentials as auth_credentials

from emulator_control import EmulatorControl as Control
from storyreel.containers import Container, aclose_container, create_container
from storyreel.domain.reel import Speech
from storyreel.errors import ContentBlockedError, InputError, ProviderError
from storyreel.services.google.speech import SpeechService
from storyreel.settings import Settings, load_settings

TEXT = "The keeper climbed the stairs and lit the lamp before the storm arrived"
WORDS = len(TEXT.split())
# Offline, Google calls take the project path (as Veo needs), at google.api_version, and
# the voice's at google.tts_location.
OFFLINE_TTS_PATH = (
    "/v1/projects/storyreel-offline/locations/global/publishers/google/models/"
    "gemini-2.5-flash-tts:generateContent"
)


class FixedToken(auth_credentials.Credentials):  # type: ignore[misc]
    """Application Default Credentials that never reach a network."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "fixed-test-token"

    def refresh(self, request: Any) -> None:
        self.token = "fixed-test-token"

    @property
    def expired(self) -> bool:
        return False

    @property
    def valid(self) -> bool:
        return True


@pytest.fixture(scope="module")
def control(emulator: Any) -> Iterator[Control]:
    driver = Control(emulator)
    yield driver
    driver.close()


@pytest.fixture(autouse=True)
def _fresh_emulator(control: Control) -> Iterator[None]:
    control.reset()
    yield
    control.reset()


ContainerFactory = Callable[..., Container]


async def _no_wait(seconds: float) -> None:
    return None


@pytest.fixture
async def containers(emulator: Any, offline_settings: Settings) -> AsyncIterator[ContainerFactory]:
    """Containers on the shared emulator; ``backend="live"`` ones reach it as Google."""
    built: list[Container] = []

    def build(backend: str = "offline", **overrides: Any) -> Container:
        data = offline_settings.model_dump(mode="json")
        data["emulator"]["url"] = emulator.url
        data["backend"] = backend
        if backend == "live":
            data["google"]["base_url"] = emulator.url + "/"
        for section, values in overrides.items():
            data[section].update(values)
        container = create_container(load_settings(data, env={}, dotenv=None))
        built.append(container)
        return container

    yield build
    for container in built:
        await aclose_container(container)


def _voice(container: Container) -> SpeechService:
    settings: Settings = container.config()
    return SpeechService(container.genai_tts_client(), settings, sleep=_no_wait)


def _rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples))


async def test_speak_returns_pcm_as_long_as_its_words_and_audible(
    containers: ContainerFactory, control: Control
) -> None:
    voice: SpeechService = containers().voice()

    speech = await voice.speak(TEXT, label="segment 1")

    assert isinstance(speech, Speech)
    assert (speech.sample_rate, speech.channels) == (24_000, 1)
    assert speech.duration_s == pytest.approx(0.4 * WORDS, rel=0.05)
    assert _rms(speech.pcm) > 1000
    with wave.open(io.BytesIO(speech.to_wav())) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (24_000, 2, 1)
        assert wav.getnframes() / 24_000 == pytest.approx(speech.duration_s)
        assert wav.readframes(wav.getnframes()) == speech.pcm
    shorter = await voice.speak("The storm came.", label="segment 2")
    assert shorter.duration_s == pytest.approx(0.4 * 3, rel=0.05)
    assert (voice.calls_sent, voice.calls_refused) == (2, 0)
    assert control.stats()["speech_calls"] == 2


async def test_voice_style_and_model_reach_the_tts_client(
    containers: ContainerFactory, control: Control
) -> None:
    container = containers(narration={"voice": "Charon", "style": "hushed and slow"})
    assert container.genai_tts_client() is container.genai_tts_client()
    assert container.genai_tts_client() is not container.genai_client()

    await container.voice().speak(TEXT, label="segment 1")

    entry = control.stats()["speech_requests"][0]
    assert entry["path"] == OFFLINE_TTS_PATH
    assert entry["voice"] == "Charon"
    assert "hushed and slow" in entry["style"]
    assert entry["text"] == TEXT
    assert entry["model"] == "gemini-2.5-flash-tts"


async def test_project_mode_calls_the_tts_location_not_veos(
    containers: ContainerFactory, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("google.auth.default", lambda **_: (FixedToken(), "proj-1"))
    container = containers("live", google={"project": "proj-1", "location": "us-central1"})

    speech = await _voice(container).speak(TEXT, label="segment 1")

    assert speech.duration_s == pytest.approx(0.4 * WORDS, rel=0.05)
    path = control.stats()["speech_requests"][0]["path"]
    assert "/projects/proj-1/locations/global/publishers/google/models/" in path


async def test_tts_at_veos_location_is_refused_not_resent(
    containers: ContainerFactory, control: Control, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("google.auth.default", lambda **_: (FixedToken(), "proj-1"))
    container = containers("live", google={"project": "proj-1", "tts_location": "us-central1"})

    with pytest.raises(ProviderError, match="HTTP 404") as caught:
        await _voice(container).speak(TEXT, label="segment 1")

    assert caught.value.retryable is False
    assert control.stats()["requests"]["generateContent"] == 1


async def test_gemini_38_model_gets_style_as_metadata_and_wav_is_read(
    containers: ContainerFactory, control: Control
) -> None:
    container = containers(google={"tts_model": "gemini-3.8-flash-lite-tts"})

    speech = await container.voice().speak(TEXT, label="segment 1")

    assert speech.duration_s == pytest.approx(0.4 * WORDS, rel=0.05)
    entry = control.stats()["speech_requests"][0]
    assert entry["style"] == "warm, unhurried storyteller"
    assert entry["text"] == TEXT  # the style is not written into the spoken text


async def test_refused_429_is_resent_once_and_counted(
    containers: ContainerFactory, control: Control
) -> None:
    control.faults(
        {"route": "generateContent", "kind": "status", "status": 429, "retry_after_s": 0.05}
    )
    voice = _voice(containers())
    refusals: list[ProviderError] = []
    resends: list[int] = []

    speech = await voice.speak(
        TEXT,
        label="segment 1",
        on_refused=refusals.append,
        before_resend=lambda: resends.append(1),
    )

    assert speech.duration_s > 0
    stats = control.stats()
    assert stats["requests"]["generateContent"] == 2
    assert stats["speech_calls"] == 1
    assert (voice.calls_sent, voice.calls_refused) == (2, 1)
    assert [error.status for error in refusals] == [429]
    assert resends == [1]


async def test_answer_dropped_after_accept_is_not_resent(
    containers: ContainerFactory, control: Control
) -> None:
    control.faults({"route": "generateContent", "kind": "drop_after_accept"})
    voice = _voice(containers())

    with pytest.raises(ProviderError, match="may have read") as caught:
        await voice.speak(TEXT, label="segment 4")

    assert caught.value.retryable is True
    assert "segment 4" in str(caught.value)
    stats = control.stats()
    assert stats["requests"]["generateContent"] == 1
    assert stats["speech_calls"] == 1  # billed, and never asked again
    assert (voice.calls_sent, voice.calls_refused) == (1, 0)


async def test_server_error_is_not_resent_even_by_the_client_policy(
    containers: ContainerFactory, control: Control
) -> None:
    # The client's retry policy repeats 500 for idempotent calls; a billed call opts out.
    control.faults({"route": "generateContent", "kind": "status", "status": 500, "times": 3})

    with pytest.raises(ProviderError, match="HTTP 500"):
        await _voice(containers()).speak(TEXT, label="segment 1")

    assert control.stats()["requests"]["generateContent"] == 1


async def test_unreadable_answer_is_not_resent(
    containers: ContainerFactory, control: Control
) -> None:
    control.faults({"route": "generateContent", "kind": "malformed"})

    with pytest.raises(ProviderError, match="billed"):
        await _voice(containers()).speak(TEXT, label="segment 1")

    assert control.stats()["requests"]["generateContent"] == 1


async def test_safety_block_is_content_blocked(
    containers: ContainerFactory, control: Control
) -> None:
    control.faults({"route": "generateContent", "kind": "safety_block"})

    with pytest.raises(ContentBlockedError, match="segment 2") as caught:
        await _voice(containers()).speak(TEXT, label="segment 2")

    assert caught.value.reasons[0] == "SAFETY"


async def test_unknown_voice_is_a_permanent_error(containers: ContainerFactory) -> None:
    container = containers(narration={"voice": "Bob"})

    with pytest.raises(ProviderError, match="Bob") as caught:
        await _voice(container).speak(TEXT, label="segment 1")

    assert caught.value.status == 400
    assert caught.value.retryable is False


async def test_blank_text_is_refused_before_any_call(
    containers: ContainerFactory, control: Control
) -> None:
    with pytest.raises(InputError, match="segment 3"):
        await _voice(containers()).speak("  \n ", label="segment 3")

    assert control.stats()["requests"]["generateContent"] == 0
