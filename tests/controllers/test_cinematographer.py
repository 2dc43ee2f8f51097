"""The Cinematographer: concurrency, prompts, failures kept apart, bytes verified, wiring."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import av
import pytest
from google.genai import types
from PIL import Image

from jobs.conftest import job_settings
from jobs.fakes import FakeMedia, FakeWriter, make_story
from storyreel.containers import aclose_container, create_container
from storyreel.controllers.cinematographer import film_story, make_video, resume_job
from storyreel.domain.shots import clip_prompt, thumbnail_prompt
from storyreel.domain.story import Character
from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.errors import ProviderError
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.journal import MemoryJournal, ProgressEvent
from storyreel.jobs.models import StepStatus
from storyreel.services.google.media import (
    ImageResult,
    InputImage,
    MediaService,
    OperationFailed,
)
from storyreel.settings import Settings, load_settings

ADA = Character(name="Ada", description="a tall keeper in a yellow oilskin with a grey braid")


@pytest.fixture
def settings(tmp_output: Path) -> Settings:
    return job_settings(tmp_output, concurrency=2)


async def test_cinematographer_keeps_at_most_concurrency_clips_in_flight(
    settings: Settings, tmp_path: Path
) -> None:
    media = FakeMedia(latency_s=0.05, submit_s=0.01)
    events: list[ProgressEvent] = []

    manifest = await Cinematographer(media, settings).generate_full_content_videos(
        make_story(5), tmp_path, progress=events.append
    )

    assert manifest.status == "succeeded"
    assert manifest.job_id is None
    assert media.max_in_flight == 2
    assert len(media.submits) == 5
    phases = {(e.key, e.phase) for e in events}
    assert {("clip-03", "submitted"), ("clip-03", "polling"), ("clip-03", "done")} <= phases
    assert ("thumbnail", "done") in phases
    assert (tmp_path / "story.json").exists()
    assert (tmp_path / "manifest.json").exists()


async def test_cinematographer_prompts_carry_characters_and_style(
    settings: Settings, tmp_path: Path
) -> None:
    story = make_story(
        2,
        style="watercolour",
        characters=[ADA],
        prompts=["Ada climbs the stairs.", "Waves crash on empty rocks."],
    )
    media = FakeMedia()

    await Cinematographer(media, settings).generate_full_content_videos(story, tmp_path)

    prompts = {label: request.prompt for label, request in media.submits}
    assert ADA.description in prompts["segment 01"]
    assert ADA.description not in prompts["segment 02"]
    assert all("watercolour" in prompt for prompt in prompts.values())
    assert "The Keeper and the Storm" in media.thumbnails[0]
    assert story.logline in media.thumbnails[0]


def test_clip_prompt_does_not_repeat_what_is_there() -> None:
    prompt = f"Ada, {ADA.description}, in watercolour, climbs the stairs."
    story = make_story(1, style="watercolour", characters=[ADA], prompts=[prompt])

    assert clip_prompt(story, story.segments[0]) == prompt
    assert "watercolour" in thumbnail_prompt(story)


async def test_cinematographer_one_failure_does_not_stop_the_others(
    settings: Settings, tmp_path: Path
) -> None:
    media = FakeMedia(latency_s=0.02)
    media.wait_errors["segment 01"] = [OperationFailed("operation failed", provider="google")]
    media.thumbnail_errors = [ProviderError("no image", provider="google")]
    journal = MemoryJournal()

    manifest = await Cinematographer(media, settings).generate_full_content_videos(
        make_story(4), tmp_path, journal=journal
    )

    assert manifest.status == "partial"
    assert [c.status for c in manifest.clips] == ["failed", "succeeded", "succeeded", "succeeded"]
    assert {f.step for f in manifest.failures} == {"clip-01", "thumbnail"}
    assert journal.get("clip-01").status is StepStatus.FAILED  # type: ignore[union-attr]


async def test_cinematographer_poll_failure_keeps_the_operation_for_a_resume(
    settings: Settings, tmp_path: Path
) -> None:
    media = FakeMedia(latency_s=0.02)
    # Credentials expired while polling: the clip may be made and billed; it is not lost.
    denied = ProviderError("403 PERMISSION_DENIED", provider="google", status=403)
    media.wait_errors["segment 01"] = [denied]
    journal = MemoryJournal()

    manifest = await Cinematographer(media, settings).generate_full_content_videos(
        make_story(2), tmp_path, journal=journal
    )

    step = journal.get("clip-01")
    assert step is not None
    assert step.status is StepStatus.SUBMITTED
    assert step.operation is not None
    assert "403" in (step.error or "")
    assert manifest.status == "partial"
    assert len(media.submits) == 2


async def test_cinematographer_cancelled_journal_submits_nothing_new(
    settings: Settings, tmp_path: Path
) -> None:
    media = FakeMedia()
    journal = MemoryJournal()
    journal.cancel_requested = True

    manifest = await Cinematographer(media, settings).generate_full_content_videos(
        make_story(2), tmp_path, journal=journal, reasons=["cancelled"]
    )

    assert media.submits == []
    assert manifest.status == "cancelled"
    assert ("job", "cancelled") in [(f.step, f.reason) for f in manifest.failures]


async def test_cinematographer_saves_a_jpeg_thumbnail_as_png(
    settings: Settings, tmp_path: Path
) -> None:
    class JpegMedia(FakeMedia):
        async def generate_thumbnail(
            self,
            prompt: str,
            dest: Path,
            *,
            aspect_ratio: str | None = None,
            inputs: Sequence[InputImage] = (),
        ) -> ImageResult:
            buffer = io.BytesIO()
            Image.new("RGB", (16, 9), "red").save(buffer, format="JPEG")
            dest.write_bytes(buffer.getvalue())
            return ImageResult(dest, "image/jpeg", 16, 9)

    manifest = await Cinematographer(JpegMedia(), settings).generate_full_content_videos(
        make_story(1), tmp_path
    )

    assert manifest.thumbnail == "thumbnail.png"
    with Image.open(tmp_path / "thumbnail.png") as image:
        assert image.format == "PNG"


class NotMp4Genai:
    """google-genai's async surface, answering every poll with bytes that are not an MP4."""

    def __init__(self) -> None:
        self.aio = self
        self.models = self
        self.operations = self

    async def generate_videos(self, **kwargs: Any) -> types.GenerateVideosOperation:
        return types.GenerateVideosOperation(name="operations/not-mp4")

    async def generate_content(self, **kwargs: Any) -> types.GenerateContentResponse:
        raise ProviderError("no images here", provider="google")

    async def get(
        self,
        operation: types.GenerateVideosOperation,
        *,
        config: types.GetOperationConfig | None = None,
    ) -> types.GenerateVideosOperation:
        video = types.Video(video_bytes=b"<html>an error page</html>", mime_type="video/mp4")
        return types.GenerateVideosOperation(
            name=operation.name,
            done=True,
            response=types.GenerateVideosResponse(
                generated_videos=[types.GeneratedVideo(video=video)]
            ),
        )


async def test_cinematographer_never_saves_bytes_that_are_not_mp4(
    settings: Settings, tmp_path: Path
) -> None:
    quick = load_settings(
        {
            **settings.model_dump(mode="json"),
            "video": {"poll_initial_s": 0.01, "poll_max_s": 0.02, "keyframes": False},
        },
        env={},
        dotenv=None,
    )
    media = MediaService(NotMp4Genai(), quick)  # type: ignore[arg-type]

    manifest = await Cinematographer(media, quick).generate_full_content_videos(
        make_story(1), tmp_path, journal=MemoryJournal()
    )

    clip = manifest.clips[0]
    assert (clip.status, clip.path) == ("failed", None)
    assert "not an MP4" in (clip.error or "")
    assert not (tmp_path / "clips").exists() or list((tmp_path / "clips").iterdir()) == []


SLOW_L = 2.0


@pytest.fixture(scope="module")
def slow_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=SLOW_L)) as server:
        yield server


async def test_film_story_clips_run_concurrently_against_the_emulator(
    slow_emulator: EmulatorServer, tmp_output: Path
) -> None:
    settings = load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_output),
            "emulator": {"url": slow_emulator.url},
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.1, "concurrency": 4},
            # The clips' concurrency is timed here, not the narration or the reel.
            "narration": {"enabled": False},
            "reel": {"enabled": False},
        },
        env={},
        dotenv=None,
    )
    container = create_container(settings)
    story = make_story(4, duration=4)
    started = time.monotonic()
    try:
        manifest = await film_story(story, out_dir=tmp_output / "film")
    finally:
        await aclose_container(container)
    elapsed = time.monotonic() - started

    assert manifest.status == "succeeded"
    # Four clips of latency L one after another would take 4 L; concurrently about L. The
    # bound leaves room for a loaded machine.
    assert elapsed < 0.75 * 4 * SLOW_L
    for clip in manifest.clips:
        with av.open(str(tmp_output / "film" / str(clip.path))) as video:
            assert video.streams.video[0].codec_context.name == "h264"


async def test_make_video_and_resume_job_entry_points_are_wired(tmp_output: Path) -> None:
    # FakeMedia's clips are only MP4 headers: no reel can be made of them.
    container = create_container(job_settings(tmp_output), reel={"enabled": False})
    media = FakeMedia()
    try:
        with (
            container.media_service.override(media),
            container.screenwriter.override(FakeWriter()),
        ):
            made = await make_video("a storm", segments=2, style="ink")
            again = await resume_job(str(made.job_id))
    finally:
        await aclose_container(container)

    assert made.status == again.status == "succeeded"
    assert again.clips == made.clips
    assert len(media.submits) == 2
    assert (tmp_output / str(made.job_id) / "manifest.json").exists()
