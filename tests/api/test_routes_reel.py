"""The reel over HTTP, against the emulator: a blocked segment filmed again, the reel and its
captions downloaded with Range, the reel assembled again, and the problems of bad requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from storyreel.containers import Container
from storyreel.services.google.files import is_mp4
from storyreel.settings import Settings, load_settings

from .conftest import assert_problem, emulator_stats
from .test_routes_media import start_video, wait_for

MARKER = "ZEPPELIN"
STORY = {
    "title": "The Keeper",
    "logline": "A keeper talks to a storm.",
    "segments": [
        {
            "index": i,
            "narration": f"The storm answers the keeper, night {i}.",
            "visual_prompt": f"A lighthouse at night, shot {i}"
            + (f", a {MARKER}" if i == 2 else ""),
            "duration_seconds": 4,
        }
        for i in (1, 2)
    ],
}
# Assembling a reel is seconds of encoding on a busy machine.
WITHIN_S = 180


@pytest.fixture
def api_settings(tmp_output: Path) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_output),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2},
            "emulator": {"video_latency_s": 0.3},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def emulator(container: Container, path: str, body: Any) -> None:
    base = container.endpoints().openrouter_url.removesuffix("/v1")
    httpx.post(f"{base}{path}", json=body, timeout=10).raise_for_status()


async def test_routes_reel_reshoot_makes_a_blocked_job_whole_and_its_reel_downloadable(
    client: httpx.AsyncClient, container: Container
) -> None:
    rule = {"route": "predictLongRunning", "kind": "safety_block", "match": MARKER, "times": 1}
    emulator(container, "/_emulator/faults", [rule])
    job_id = await start_video(client, story=STORY)
    partial = await wait_for(client, job_id, within_s=WITHIN_S)
    assert partial["status"] == "partial"
    assert partial["manifest"]["reel"] is None
    assert partial["progress"]["voices_total"] == partial["progress"]["voices_done"] == 2
    assert "reel.mp4" not in partial["files"]

    response = await client.post(f"/v1/jobs/{job_id}/segments/2/reshoot", json={})

    assert response.status_code == 202, response.text
    assert response.headers["location"].endswith(f"/v1/jobs/{job_id}")
    job = await wait_for(client, job_id, within_s=WITHIN_S)
    assert job["status"] == "succeeded", job["reasons"]
    assert job["manifest"]["video_submissions"] == partial["manifest"]["video_submissions"] + 1
    assert emulator_stats(container)["video_submissions"] == 3
    assert {s["key"]: s["status"] for s in job["progress"]["steps"]}["assemble"] == "succeeded"
    assert {"reel.mp4", "reel.srt", "reel.vtt", "audio/segment-02.wav"} <= set(job["files"])

    reel = await client.get(f"/v1/jobs/{job_id}/files/reel.mp4")
    assert reel.headers["content-type"] == "video/mp4"
    assert is_mp4(reel.content)
    part = await client.get(f"/v1/jobs/{job_id}/files/reel.mp4", headers={"Range": "bytes=4-11"})
    assert part.status_code == 206
    assert part.content == reel.content[4:12]
    assert part.headers["content-range"] == f"bytes 4-11/{len(reel.content)}"
    srt = await client.get(f"/v1/jobs/{job_id}/files/reel.srt")
    assert srt.headers["content-type"].startswith("application/x-subrip")
    assert "-->" in srt.text
    vtt = await client.get(f"/v1/jobs/{job_id}/files/reel.vtt")
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT")
    wav = await client.get(f"/v1/jobs/{job_id}/files/audio/segment-01.wav")
    assert wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF"


async def test_routes_reel_assemble_again_without_captions_pays_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    job_id = await start_video(client, story=STORY)
    first = await wait_for(client, job_id, within_s=WITHIN_S)
    assert first["status"] == "succeeded"
    paid = emulator_stats(container)

    response = await client.post(f"/v1/jobs/{job_id}/assemble", json={"captions": False})

    assert response.status_code == 202, response.text
    job = await wait_for(client, job_id, within_s=WITHIN_S)
    assert job["status"] == "succeeded"
    assert job["manifest"]["reel"]["captions"] == []
    assert "reel.srt" not in job["files"]
    assert_problem(await client.get(f"/v1/jobs/{job_id}/files/reel.srt"), 404)
    after = emulator_stats(container)
    assert after["video_submissions"] == paid["video_submissions"]
    assert after["speech_calls"] == paid["speech_calls"]


async def test_routes_reel_reshoot_problems(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert_problem(await client.post("/v1/jobs/nope/segments/1/reshoot"), 404)
    assert_problem(await client.post("/v1/jobs/nope/assemble"), 404)
    job_id = await start_video(client, story=STORY)
    # Running here: a reshoot would race the job.
    assert_problem(await client.post(f"/v1/jobs/{job_id}/segments/1/reshoot"), 409)
    await wait_for(client, job_id, within_s=WITHIN_S)
    body = assert_problem(await client.post(f"/v1/jobs/{job_id}/segments/3/reshoot"), 404)
    assert "no segment 3" in body["detail"]
    assert_problem(await client.post(f"/v1/jobs/{job_id}/segments/0/reshoot"), 422)
    blank = {"prompt": "   "}
    assert_problem(await client.post(f"/v1/jobs/{job_id}/segments/1/reshoot", json=blank), 422)
    odd = {"prompt": "x", "seed": 3}
    assert_problem(await client.post(f"/v1/jobs/{job_id}/segments/1/reshoot", json=odd), 422)
    assert emulator_stats(container)["video_submissions"] == 2
