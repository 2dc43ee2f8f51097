"""A live smoke test with your own keys: one short story, one 4 s clip and one thumbnail,
made by the real services, and what each cost.

    python bench/live_smoke.py --backend live [--out DIR] [--idea TEXT]

It pays for real work (at list prices, about one 4 s clip of the configured Veo model, one
image and a few thousand LLM tokens), so it runs only when asked with ``--backend live``
and the keys of ``storyreel config check`` are set; ``make test`` never runs it. Start with
``storyreel config check --online`` to see that both providers take your keys.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLIP_SECONDS = 4
DEFAULT_IDEA = "a heron fishing at dawn on a misty lake"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["live", "offline"], default=None)
    parser.add_argument("--out", type=Path, default=None, help="where the files go")
    parser.add_argument("--idea", default=DEFAULT_IDEA)
    return parser.parse_args(argv)


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


async def smoke(settings: Any, out: Path, idea: str) -> list[tuple[str, str, float | None]]:
    """Make the three things; each row: what, where it is, what it cost."""
    from storyreel.containers import aclose_container, create_container
    from storyreel.jobs.prices import video_usd

    container = create_container(settings)
    rows: list[tuple[str, str, float | None]] = []
    try:
        story = await container.screenwriter().build_story(
            idea, segments=1, duration_seconds=CLIP_SECONDS
        )
        (out / "story.json").write_text(story.model_dump_json(indent=2), encoding="utf-8")
        rows.append(("story (OpenRouter, reported cost)", "story.json", story.usage.cost_usd))

        media = container.media_service()
        prompt = story.segments[0].visual_prompt
        request = media.video_request(prompt, duration_seconds=CLIP_SECONDS)
        operation = await media.submit_video(request, label="smoke clip")
        clip = await media.wait_video(operation, out / "clip.mp4", label="smoke clip")
        rows.append(
            (
                f"{CLIP_SECONDS} s clip (list price)",
                clip.path.name,
                video_usd(settings, CLIP_SECONDS),
            )
        )

        image = await media.generate_thumbnail(story.title, out / "thumbnail.png")
        price = settings.google.price_per_image_usd
        rows.append(("thumbnail (list price)", image.path.name, price))
    finally:
        await aclose_container(container)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.backend != "live":
        print(
            "live_smoke.py pays for real calls: run it with --backend live and your keys set "
            "(OPENAI_API_KEY, and GOOGLE_STUDIO_API_KEY or google.project)."
        )
        return 2
    from storyreel.errors import StoryreelError
    from storyreel.settings import load_settings

    out = args.out or Path(tempfile.mkdtemp(prefix="storyreel-smoke-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        settings = load_settings({"backend": "live", "output_dir": str(out)})
        settings.require_credentials()
        started = time.monotonic()
        rows = asyncio.run(smoke(settings, out, args.idea))
    except StoryreelError as exc:
        print(f"live smoke failed: {exc}")
        return 1
    elapsed = time.monotonic() - started
    for what, path, cost in rows:
        print(f"{what:<36} {_usd(cost):>10}  {out / path}")
    known = [cost for _, _, cost in rows if cost is not None]
    partial = " (some costs unknown)" if len(known) < len(rows) else ""
    print(f"{'total':<36} {_usd(sum(known)):>10}{partial}  in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
