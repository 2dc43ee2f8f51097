"""Background music uploaded for a job's reel: checked as audio before it is kept, named by its
content, and taken by the estimate and the job that name it."""

from __future__ import annotations

import io
import math
import struct
import wave

import httpx
import pytest

from storyreel.containers import Container
from storyreel.settings import Settings

from .conftest import assert_problem


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real mono 16-bit WAV: a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, name: str, data: bytes) -> httpx.Response:
    return await client.post("/v1/music", files={"music": (name, data, "audio/wav")})


@pytest.fixture
def api_settings(offline_settings: Settings) -> Settings:
    """Reels on (the music is checked for them); nothing here assembles one."""
    reel = offline_settings.reel.model_copy(update={"enabled": True})
    return offline_settings.model_copy(update={"reel": reel})


async def test_routes_music_upload_is_checked_and_kept_by_content(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    answer = await upload(client, "tune.wav", wav_bytes(1.5))

    assert answer.status_code == 200, answer.text
    kept = answer.json()
    assert kept["music"].endswith(".wav")
    assert kept["duration_seconds"] == pytest.approx(1.5, abs=0.05)
    path = api_settings.output_dir / "music" / kept["music"]
    assert path.read_bytes() == wav_bytes(1.5)
    again = await upload(client, "same-tune.wav", wav_bytes(1.5))
    assert again.json()["music"] == kept["music"]
    unnamed = await upload(client, "tune", wav_bytes(1.5))  # known by its bytes, not its name
    assert unnamed.status_code == 200, unnamed.text
    assert unnamed.json()["music"] == kept["music"].replace(".wav", ".audio")


async def test_routes_music_refuses_what_is_not_audio(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    assert_problem(await upload(client, "notes.txt", b"la la la"), 422)
    refused = assert_problem(await upload(client, "fake.mp3", b"not audio at all" * 64), 422)
    assert refused["detail"].startswith("fake.mp3 is not audio storyreel can decode")
    assert str(api_settings.output_dir) not in refused["detail"]
    assert list((api_settings.output_dir / "music").glob("*")) == []


async def test_routes_music_named_by_the_job_and_its_estimate(
    client: httpx.AsyncClient, container: Container, api_settings: Settings
) -> None:
    name = (await upload(client, "tune.wav", wav_bytes())).json()["music"]
    body = {"idea": "a kite festival", "segments": 1, "music": name}

    assert (await client.post("/v1/estimates", json=body)).status_code == 200
    unknown = {**body, "music": "0" * 24 + ".wav"}
    assert_problem(await client.post("/v1/estimates", json=unknown), 422)
    assert_problem(await client.post("/v1/videos", json={**body, "music": "../x.wav"}), 422)
    created = await client.post("/v1/videos", json=body)
    assert created.status_code == 202, created.text
    job = container.job_store().get(created.json()["id"])
    assert job.input.reel is not None
    assert job.input.reel.music == str(api_settings.output_dir / "music" / name)
    await client.delete(f"/v1/jobs/{job.id}")  # no reel is encoded here


class TestUploadLimit:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        api = offline_settings.api.model_copy(update={"max_upload_mb": 0.01})
        return offline_settings.model_copy(update={"api": api})

    async def test_routes_music_larger_than_the_upload_limit_is_refused(
        self, client: httpx.AsyncClient, api_settings: Settings
    ) -> None:
        data = wav_bytes(2.0)  # 32 kB of samples, over the 10 kB limit
        assert len(data) > 0.01 * 1024 * 1024

        refused = assert_problem(await upload(client, "long.wav", data), 413)

        assert "api.max_upload_mb" in refused["detail"]
        assert not (api_settings.output_dir / "music").exists()
