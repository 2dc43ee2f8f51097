"""Gemini text-to-speech in the emulator, through the real google-genai SDK over loopback."""

from __future__ import annotations

import io
import math
import wave
from array import array
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from storyreel.emulator import EmulatorServer
from storyreel.emulator.narration_budget import fit_narrations, shorten
from storyreel.emulator.speech_voices import VOICES

from .support import Control, FixedToken

TTS = "gemini-2.5-flash-tts"
TEXT = "The keeper climbed the stairs and lit the lamp before the storm arrived"


def _config(voice: str | None = "Kore", **extra: Any) -> types.GenerateContentConfig:
    speech = None
    if voice is not None:
        prebuilt = types.PrebuiltVoiceConfig(voice_name=voice)
        speech = types.SpeechConfig(voice_config=types.VoiceConfig(prebuilt_voice_config=prebuilt))
    return types.GenerateContentConfig(response_modalities=["AUDIO"], speech_config=speech, **extra)


def _audio(response: types.GenerateContentResponse) -> tuple[bytes, str]:
    assert response.candidates
    content = response.candidates[0].content
    assert content is not None
    assert content.parts is not None
    assert len(content.parts) == 1
    part = content.parts[0]
    assert part.text is None
    assert part.inline_data is not None
    assert part.inline_data.data
    assert part.inline_data.mime_type
    return part.inline_data.data, part.inline_data.mime_type


def _rms(pcm: bytes) -> float:
    samples = array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def _project_client(server: EmulatorServer, location: str) -> genai.Client:
    return genai.Client(
        vertexai=True,
        project="proj-1",
        location=location,
        credentials=FixedToken(),
        http_options=types.HttpOptions(base_url=server.url + "/"),
    )


@pytest.mark.parametrize("words", [3, 12, 30])
def test_speech_is_pcm_whose_length_follows_the_word_count(
    genai_client: genai.Client, words: int
) -> None:
    text = " ".join(["lantern"] * words)
    response = genai_client.models.generate_content(model=TTS, contents=text, config=_config())
    pcm, mime = _audio(response)
    assert mime == "audio/L16;codec=pcm;rate=24000"
    assert len(pcm) % 2 == 0
    assert len(pcm) / 48_000 == pytest.approx(0.4 * words, rel=0.05)
    assert _rms(pcm) > 1000  # audible, not silence
    assert response.candidates is not None
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    usage = response.usage_metadata
    assert usage is not None
    assert usage.candidates_tokens_details is not None
    assert usage.candidates_tokens_details[0].modality == types.MediaModality.AUDIO


def test_speech_has_gaps_between_words_and_is_deterministic(genai_client: genai.Client) -> None:
    first, _ = _audio(
        genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config())
    )
    again, _ = _audio(
        genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config())
    )
    other, _ = _audio(
        genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config("Puck"))
    )
    assert first == again
    assert other != first
    assert len(other) == len(first)
    samples = array("h", first)
    slot = int(24_000 * 0.4)
    for word in range(len(TEXT.split())):
        span = samples[word * slot : (word + 1) * slot]
        assert max(abs(s) for s in span[: slot // 3]) > 3000  # the word is voiced
        assert max(abs(s) for s in span[-200:]) == 0  # then a short silence


def test_style_direction_is_not_spoken_and_is_logged(
    genai_client: genai.Client, control: Control
) -> None:
    contents = f"Read the following aloud in a warm, unhurried storyteller voice:\n{TEXT}"
    pcm, _ = _audio(
        genai_client.models.generate_content(model=TTS, contents=contents, config=_config("Puck"))
    )
    assert len(pcm) / 48_000 == pytest.approx(0.4 * len(TEXT.split()), rel=0.01)
    said = genai_client.models.generate_content(
        model=TTS, contents=f"Say cheerfully: {TEXT}", config=_config()
    )
    assert len(_audio(said)[0]) == len(pcm)
    stats = control.stats()
    assert stats["speech_calls"] == 2
    first = stats["speech_requests"][0]
    assert first["voice"] == "Puck"
    assert first["style"] == "Read the following aloud in a warm, unhurried storyteller voice"
    assert first["text"] == TEXT
    assert first["path"] == f"/v1beta1/publishers/google/models/{TTS}:generateContent"
    assert stats["speech_requests"][1]["style"] == "Say cheerfully"


def test_gemini_38_reads_verbatim_with_metadata_style_and_answers_wav(
    genai_client: genai.Client, control: Control
) -> None:
    part = types.Part(text=TEXT, speech_metadata=types.SpeechMetadata(style="calm, low"))
    response = genai_client.models.generate_content(
        model="gemini-3.8-flash-tts",
        contents=types.Content(role="user", parts=[part]),
        config=_config("Leda"),
    )
    data, mime = _audio(response)
    assert mime == "audio/wav"
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (24_000, 2, 1)
        assert wav.getnframes() / 24_000 == pytest.approx(0.4 * len(TEXT.split()))
    logged = control.stats()["speech_requests"][-1]
    assert (logged["voice"], logged["style"]) == ("Leda", "calm, low")


def test_streamed_speech_is_pcm(genai_client: genai.Client) -> None:
    chunks = list(
        genai_client.models.generate_content_stream(
            model="gemini-3.8-flash-tts", contents=TEXT, config=_config()
        )
    )
    pcm, mime = _audio(chunks[0])
    assert mime.startswith("audio/L16")
    assert len(pcm) / 48_000 == pytest.approx(0.4 * len(TEXT.split()))


def test_project_location_global_and_multi_regions_serve_tts(
    server: EmulatorServer, control: Control
) -> None:
    for location in ("global", "us", "eu"):
        client = _project_client(server, location)
        response = client.models.generate_content(model=TTS, contents=TEXT, config=_config())
        assert _audio(response)[1].startswith("audio/L16")
    paths = [entry["path"] for entry in control.stats()["speech_requests"]]
    assert "/locations/global/" in paths[0]
    assert "/locations/eu/" in paths[2]


def test_tts_model_in_veo_region_is_not_found_like_vertex(
    server: EmulatorServer, control: Control
) -> None:
    client = _project_client(server, "us-central1")
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=TTS, contents=TEXT, config=_config())
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"
    assert f"projects/proj-1/locations/us-central1/publishers/google/models/{TTS}" in str(
        caught.value.message
    )
    stats = control.stats()
    assert stats["speech_calls"] == 0
    assert stats["speech_requests"][0]["status"] == 404


@pytest.mark.parametrize(
    ("model", "config", "status", "says"),
    [
        (TTS, types.GenerateContentConfig(), 400, "accepts the following combination"),
        (TTS, types.GenerateContentConfig(response_modalities=["TEXT"]), 400, "(TEXT)"),
        ("gemini-2.5-flash", _config(), 400, "(AUDIO) is not supported"),
        (TTS, _config("Bob"), 400, "Voice name 'Bob' is not supported"),
        ("gemini-3.8-flash-tts", _config(None), 400, "no voice"),
        ("gemini-3.8-flash-tts", _config(temperature=0.5), 400, "temperature"),
    ],
)
def test_refusals_have_vertex_shape(
    genai_client: genai.Client,
    control: Control,
    model: str,
    config: types.GenerateContentConfig,
    status: int,
    says: str,
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=model, contents=TEXT, config=config)
    assert caught.value.code == status
    assert caught.value.status == "INVALID_ARGUMENT"
    assert says in str(caught.value.message)
    assert control.stats()["speech_calls"] == 0


def test_gemini_25_without_a_voice_uses_its_own(genai_client: genai.Client) -> None:
    pcm, _ = _audio(
        genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config(None))
    )
    assert _rms(pcm) > 1000


def test_every_prebuilt_voice_is_known(genai_client: genai.Client) -> None:
    assert len(VOICES) == 30
    for voice in ("Zephyr", "sulafat", "Zubenelgenubi"):
        pcm, _ = _audio(
            genai_client.models.generate_content(model=TTS, contents="hi", config=_config(voice))
        )
        assert len(pcm) == 2 * int(24_000 * 0.4)


def test_faults_on_generate_content_apply_to_speech(
    genai_client: genai.Client, control: Control
) -> None:
    control.faults(
        {"route": "generateContent", "kind": "status", "status": 429, "match": "AUDIO"},
        {"route": "generateContent", "kind": "safety_block", "match": "AUDIO"},
    )
    with pytest.raises(errors.ClientError) as refused:
        genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config())
    assert refused.value.code == 429
    blocked = genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config())
    assert blocked.prompt_feedback is not None
    assert blocked.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    stats = control.stats()
    assert stats["requests"]["generateContent"] == 2
    assert stats["speech_calls"] == 0


def test_reset_forgets_speech_calls(genai_client: genai.Client, control: Control) -> None:
    genai_client.models.generate_content(model=TTS, contents=TEXT, config=_config())
    assert control.stats()["speech_calls"] == 1
    control.reset()
    stats = control.stats()
    assert (stats["speech_calls"], stats["speech_requests"]) == (0, [])


def test_story_narrations_fit_the_reading_rate_the_prompt_names() -> None:
    long = "The lamp burns. " + " ".join(["word"] * 40) + "."
    story = {"segments": [{"narration": long, "duration_seconds": 4}]}
    prompt = "Each narration is read aloud at about 2.5 spoken words per second: ..."
    fitted = fit_narrations(story, prompt)
    assert fitted["segments"][0]["narration"] == "The lamp burns."
    assert fit_narrations(story, "no rate named here") == story
    run_on = {"segments": [{"narration": " ".join(["word"] * 40), "duration_seconds": 4}]}
    fixed = fit_narrations(run_on, prompt + " Every segment lasts 8 seconds.")
    assert len(fixed["segments"][0]["narration"].split()) == 20
    assert shorten("one two three four five six", 4) == "one two three four."


def test_text_without_words_is_a_pause_and_blank_text_is_refused(
    genai_client: genai.Client,
) -> None:
    marks = "\u202e" * 10
    pcm, _ = _audio(
        genai_client.models.generate_content(model=TTS, contents=marks, config=_config())
    )
    assert len(pcm) == 2 * int(24_000 * 0.4)
    assert _rms(pcm) == 0
    with pytest.raises(errors.ClientError, match="no text to speak"):
        genai_client.models.generate_content(model=TTS, contents="  \n ", config=_config())
