"""A video job's character sheets and keyframes through the API: listed with the job's
files and served by ``/v1/jobs/{id}/files/...`` (offline container, real SDKs)."""

from __future__ import annotations

import httpx

from storyreel.settings import Settings

from .test_routes_media import start_video, wait_for

STORY = {
    "title": "Harbour",
    "logline": "Two friends mend a boat.",
    "characters": [
        {"name": "Ines", "description": "a tall shipwright in green overalls"},
        {"name": "Bo", "description": "a small boy with a yellow raincoat"},
    ],
    "segments": [
        {"index": 1, "narration": "Ines saws.", "visual_prompt": "Ines saws a plank.",
         "duration_seconds": 4},
        {"index": 2, "narration": "Bo paints.", "visual_prompt": "Bo paints the hull red.",
         "duration_seconds": 4},
    ],
}  # fmt: skip


async def test_sheets_and_keyframes_are_listed_and_served(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    job_id = await start_video(client, story=STORY)

    job = await wait_for(client, job_id)

    assert job["status"] == "succeeded", job
    manifest = job["manifest"]
    paths = [s["path"] for s in manifest["sheets"]] + [k["path"] for k in manifest["keyframes"]]
    assert paths == [
        "sheets/ines.png",
        "sheets/bo.png",
        "keyframes/segment-01.png",
        "keyframes/segment-02.png",
    ]
    assert set(job["files"]) >= set(paths)
    folder = api_settings.output_dir / job_id
    for path in paths:
        served = await client.get(f"/v1/jobs/{job_id}/files/{path}")
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "image/png"
        assert served.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert served.content == (folder / path).read_bytes()
    # A folder next to them that is no step's artifact stays out of reach.
    missing = await client.get(f"/v1/jobs/{job_id}/files/keyframes/segment-09.png")
    assert missing.status_code == 404
