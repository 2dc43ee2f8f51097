"""What the emulator keeps of input images beyond one process: the digests in its state
folder, and a clip's last frame in a stored operation."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from google.genai import types
from PIL import Image

from storyreel.emulator import EmulatorOptions, EmulatorServer, stored_inputs
from storyreel.emulator.operations import Operation
from storyreel.emulator.video import ClipSpec

from .support import project_client


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(out, format="PNG")
    return out.getvalue()


def test_input_digests_are_kept_in_the_state_folder(tmp_path: Path) -> None:
    sheet, keyframe = _png((200, 10, 10)), _png((10, 10, 200))
    options = EmulatorOptions(video_latency_s=0, state_dir=tmp_path / "state")
    with EmulatorServer(options) as server:
        client = project_client(server.url)
        client.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=[
                types.Content(
                    role="user",
                    parts=[
                        types.Part.from_bytes(data=sheet, mime_type="image/png"),
                        types.Part.from_text(text="Mara on the pier"),
                    ],
                )
            ],
            config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
        )
        operation = client.models.generate_videos(
            model="veo-3.1-fast-generate-001",
            source=types.GenerateVideosSource(
                prompt="she waves", image=types.Image(image_bytes=keyframe, mime_type="image/png")
            ),
            config=types.GenerateVideosConfig(duration_seconds=4, aspect_ratio="9:16"),
        )

    stored = stored_inputs(tmp_path / "state")

    (drawn,) = stored["image_requests"]
    assert drawn["inputs"] == (hashlib.sha256(sheet).hexdigest(),)
    assert drawn["prompt"] == "Mara on the pier"
    (frames,) = stored["veo_frames"]
    assert frames["operation"] == operation.name
    assert (frames["image"], frames["last_frame"]) == (hashlib.sha256(keyframe).hexdigest(), None)


def test_a_stored_operation_keeps_its_last_frame() -> None:
    clip = ClipSpec("dusk", (9, 16), 4, image=_png((1, 2, 3)), last_frame=_png((4, 5, 6)))
    operation = Operation(name="projects/1/operations/x", clips=[clip], latency_s=0)

    again = Operation.from_record(operation.to_record())

    assert again.clips == [clip]
