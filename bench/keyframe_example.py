"""A keyframe beside its clip's first frame, from a real `storyreel make` against the emulator.

    python bench/keyframe_example.py [--docs DIR]

Films a two-segment story with two characters (sheets, keyframes, image-to-video clips) and
writes DIR/keyframe-example.png (segment 1's keyframe, as drawn with the sheet of the
character it names) and DIR/clip-first-frame-example.png (the first frame of segment 1's
clip, decoded from the MP4), both scaled to the same width. It prints how far apart the two
are (mean absolute difference per channel, 0-255) and how far the first frame is from the
other segment's keyframe.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.files import write_atomic
from storyreel.testing.samples import frame_difference, two_character_story, video_frames

WIDTH = 360


def film(workdir: Path) -> Path:
    """The job folder of one `storyreel make --story` run against a fresh emulator."""
    story = workdir / "story.json"
    story.write_text(json.dumps(two_character_story()))
    with EmulatorServer(EmulatorOptions(video_latency_s=0.2)) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
        env.update(
            STORYREEL_BACKEND="offline",
            STORYREEL_EMULATOR__URL=server.url,
            STORYREEL_OUTPUT_DIR=str(workdir / "output"),
            STORYREEL_VIDEO__POLL_INITIAL_S="0.1",
            STORYREEL_NARRATION__ENABLED="false",
            STORYREEL_REEL__ENABLED="false",
        )
        command = [sys.executable, "-m", "storyreel.cli", "make", "--story", str(story)]
        done = subprocess.run(
            [*command, "--yes", "--json"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"storyreel make failed ({done.returncode}):\n{done.stderr}")
    manifest = json.loads(done.stdout)
    return workdir / "output" / str(manifest["job_id"])


def png(image: Image.Image) -> bytes:
    scaled = image.resize((WIDTH, round(image.height * WIDTH / image.width)))
    buffer = io.BytesIO()
    scaled.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=Path(__file__).parents[1] / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = film(Path(tmp))
        with Image.open(folder / "keyframes/segment-01.png") as drawn:
            keyframe = drawn.convert("RGB")
        with Image.open(folder / "keyframes/segment-02.png") as drawn:
            other = drawn.convert("RGB")
        frame = video_frames(folder / "clips/segment-01.mp4")[0]
    args.docs.mkdir(parents=True, exist_ok=True)
    write_atomic(args.docs / "keyframe-example.png", png(keyframe))
    write_atomic(args.docs / "clip-first-frame-example.png", png(frame))
    print(f"wrote {args.docs / 'keyframe-example.png'} and clip-first-frame-example.png")
    print(f"first frame vs its keyframe: {frame_difference(frame, keyframe):.1f} (0-255)")
    print(f"first frame vs the other segment's keyframe: {frame_difference(frame, other):.1f}")


if __name__ == "__main__":
    main()
