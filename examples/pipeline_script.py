"""Idea → story → clips → thumbnail from Python, offline, printing where the files are.

python examples/pipeline_script.py "a paper boat crosses a puddle ocean" --segments 3
"""

from __future__ import annotations

import argparse
import asyncio

from storyreel.containers import aclose_container, create_container
from storyreel.controllers.cinematographer import make_video
from storyreel.jobs import ProgressEvent


def show(event: ProgressEvent) -> None:
    if event.phase in ("done", "failed"):
        print(f"  {event.key}: {event.phase} {event.detail}".rstrip())


async def main(idea: str, segments: int) -> int:
    # The container reads config.yml and the environment; offline by default. Creating it
    # wires storyreel's entry points (make_video and friends) to it.
    container = create_container(backend="offline")
    try:
        manifest = await make_video(idea, segments=segments, progress=show)
    finally:
        await aclose_container(container)  # closes the clients, stops the emulator
    job = (container.config().output_dir / str(manifest.job_id)).resolve()
    print(f"job {manifest.job_id}: {manifest.status}")
    print(f"story:     {job / str(manifest.story)}")
    for clip in manifest.clips:
        print(f"clip {clip.index:>2}:   {job / clip.path if clip.path else clip.error}")
    print(f"thumbnail: {job / manifest.thumbnail if manifest.thumbnail else 'none'}")
    print(f"manifest:  {job / 'manifest.json'}")
    return 0 if manifest.status == "succeeded" else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("idea", nargs="?", default="a paper boat crosses a puddle ocean")
    parser.add_argument("--segments", type=int, default=3)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.idea, args.segments)))
