"""Character sheets and keyframes in the job layer: what is drawn, with which inputs, what each
clip starts from, and what a resume leaves alone (the media service is a recording fake)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from storyreel.domain.story import Character, Story
from storyreel.errors import InputError
from storyreel.jobs.choices import reel_choices
from storyreel.jobs.costs import remaining_cost, story_cost
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore
from storyreel.services.google.models import ImageResult, InputImage
from storyreel.settings import Settings

from .conftest import job_settings, make_runner
from .fakes import FakeMedia, FakeWriter, make_story

MARA = Character(name="Mara", description="a wiry lighthouse keeper in a red oilskin coat")
TOM = Character(name="Tom Reyes", description="a stout fisherman with a grey beard and blue cap")


def two_hander(**kw: Any) -> Story:
    """Three segments: Mara alone, Tom alone, then both."""
    return make_story(
        3,
        characters=[MARA, TOM],
        prompts=[
            "Mara climbs the lighthouse stairs.",
            "Tom hauls his nets at dawn.",
            "Mara and Tom share tea by the lamp.",
        ],
        **kw,
    )


def digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def png_file(path: Path, colour: str = "orange") -> Path:
    Image.new("RGB", (12, 16), colour).save(path, format="PNG")
    return path


@pytest.fixture
def settings(tmp_output: Path) -> Settings:
    return job_settings(tmp_output, concurrency=4, keyframes=True)


@pytest.fixture
def runner(store: JobStore, writer: FakeWriter, media: FakeMedia, settings: Settings) -> JobRunner:
    return make_runner(store, writer, media, settings)


def sheets_by_name(media: FakeMedia, folder: Path) -> dict[str, str]:
    return {
        name: digest((folder / f"sheets/{slug}.png").read_bytes()) or ""
        for name, slug in (("Mara", "mara"), ("Tom Reyes", "tom-reyes"))
    }


async def test_two_characters_three_segments_draw_two_sheets_and_three_keyframes(
    runner: JobRunner, media: FakeMedia, settings: Settings
) -> None:
    job = runner.create_from_story(two_hander())

    manifest = await runner.run(job.id)

    folder = Path(job.out_dir)
    assert manifest.status == "succeeded"
    drawn = sorted(d.what for d in media.drawings)
    assert drawn == sorted(
        ["the sheet of Mara", "the sheet of Tom Reyes"]
        + [f"the keyframe of segment {n:02d}" for n in (1, 2, 3)]
    )
    # Each keyframe was drawn with the sheets of exactly the characters its segment names.
    sheets = sheets_by_name(media, folder)
    inputs = {d.what: [digest(i.data) for i in d.inputs] for d in media.drawings}
    assert inputs["the sheet of Mara"] == []
    assert inputs["the sheet of Tom Reyes"] == []
    assert inputs["the keyframe of segment 01"] == [sheets["Mara"]]
    assert inputs["the keyframe of segment 02"] == [sheets["Tom Reyes"]]
    assert inputs["the keyframe of segment 03"] == [sheets["Mara"], sheets["Tom Reyes"]]
    keyframe = next(d for d in media.drawings if d.what.endswith("segment 01"))
    assert keyframe.aspect_ratio == settings.video.aspect_ratio
    # Each clip was asked to start from its own keyframe, and no clip from another's.
    frames = {label: digest(request.first_frame) for label, request in media.submits}
    for n in (1, 2, 3):
        assert frames[f"segment {n:02d}"] == digest(
            (folder / f"keyframes/segment-{n:02d}.png").read_bytes()
        )
    assert len(set(frames.values())) == 3
    assert all(request.last_frame is None for _, request in media.submits)
    # The thumbnail shows the same characters: it got both sheets.
    assert [digest(i.data) for i in media.thumbnail_inputs[0]] == list(sheets.values())
    assert [s.path for s in manifest.sheets] == ["sheets/mara.png", "sheets/tom-reyes.png"]
    assert [s.source for s in manifest.sheets] == ["drawn", "drawn"]
    assert [(k.index, k.path) for k in manifest.keyframes] == [
        (n, f"keyframes/segment-{n:02d}.png") for n in (1, 2, 3)
    ]
    images = next(c for c in manifest.costs if c.kind == "images")
    assert (images.estimated, images.submitted) == (6, 6)


async def test_a_reference_image_is_the_sheet_and_no_sheet_is_drawn_for_it(
    store: JobStore, media: FakeMedia, settings: Settings, tmp_path: Path
) -> None:
    runner = make_runner(store, FakeWriter(), media, settings)
    picture = png_file(tmp_path / "mara.png")
    choices = reel_choices(settings, references={"mara": picture})
    job = runner.create_from_story(two_hander(), reel=choices)

    manifest = await runner.run(job.id)

    assert "the sheet of Mara" not in [d.what for d in media.drawings]
    assert [d.what for d in media.drawings].count("the sheet of Tom Reyes") == 1
    folder = Path(job.out_dir)
    assert (folder / "sheets/mara.png").read_bytes() == picture.read_bytes()
    first = next(d for d in media.drawings if d.what.endswith("segment 01"))
    assert [i.data for i in first.inputs] == [picture.read_bytes()]
    assert [(s.character, s.source) for s in manifest.sheets] == [
        ("Mara", "reference"),
        ("Tom Reyes", "drawn"),
    ]
    # Priced without the sheet that was never drawn: thumbnail + Tom's sheet + 3 keyframes.
    assert story_cost(settings, two_hander(), choices).images == 5
    assert next(c for c in manifest.costs if c.kind == "images").estimated == 5


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not an image", "not an image"),
        (b"", "is empty"),
        (None, "cannot read"),
    ],
)
def test_a_bad_reference_image_is_refused_before_anything_is_paid(
    runner: JobRunner,
    store: JobStore,
    settings: Settings,
    tmp_path: Path,
    content: bytes | None,
    expected: str,
) -> None:
    picture = tmp_path / "mara.png"
    if content is not None:
        picture.write_bytes(content)
    approved: list[object] = []

    with pytest.raises(InputError, match=expected) as caught:
        runner.create_from_story(
            two_hander(),
            reel=reel_choices(settings, references={"Mara": picture}),
            approve=approved.append,
        )

    assert "\n" not in str(caught.value)
    assert str(picture) in str(caught.value)
    assert approved == []
    assert store.list_jobs() == []


async def test_a_clip_starts_as_soon_as_its_own_keyframe_is_ready(
    store: JobStore, settings: Settings
) -> None:
    class SlowLastKeyframe(FakeMedia):
        async def draw_image(self, prompt: str, dest: Path, **kw: Any) -> ImageResult:
            if kw["what"] == "the keyframe of segment 03":
                # Drawn only once another clip went out: a clip waiting for every keyframe
                # would never let this one finish.
                async with asyncio.timeout(5):
                    while not self.submits:
                        await asyncio.sleep(0.01)
            return await super().draw_image(prompt, dest, **kw)

    media = SlowLastKeyframe()
    runner = make_runner(store, FakeWriter(), media, settings)
    job = runner.create_from_story(two_hander())

    manifest = await runner.run(job.id)

    assert manifest.status == "succeeded"
    assert media.submits[0][0] != "segment 03"


async def test_chain_frames_end_each_clip_on_the_next_keyframe(
    store: JobStore, tmp_output: Path
) -> None:
    settings = job_settings(tmp_output, keyframes=True, chain_frames=True)
    media = FakeMedia()
    runner = make_runner(store, FakeWriter(), media, settings)
    job = runner.create_from_story(two_hander())

    await runner.run(job.id)

    folder = Path(job.out_dir)
    keyframe = {n: (folder / f"keyframes/segment-{n:02d}.png").read_bytes() for n in (1, 2, 3)}
    requests = dict(media.submits)
    assert requests["segment 01"].last_frame == keyframe[2]
    assert requests["segment 02"].last_frame == keyframe[3]
    assert requests["segment 03"].last_frame is None
    assert requests["segment 03"].first_frame == keyframe[3]


def test_chain_frames_with_a_model_that_takes_no_last_frame_is_refused(
    store: JobStore, tmp_output: Path
) -> None:
    settings = job_settings(tmp_output, keyframes=True, chain_frames=True)
    settings = settings.model_copy(
        update={
            "google": settings.google.model_copy(update={"video_model": "veo-2.0-generate-001"})
        }
    )
    runner = make_runner(store, FakeWriter(), FakeMedia(), settings)

    with pytest.raises(InputError, match="last frame"):
        runner.create_from_story(two_hander())


async def test_a_failed_keyframe_holds_its_clip_back_unpaid_and_resume_draws_only_it(
    store: JobStore, settings: Settings
) -> None:
    from storyreel.errors import ProviderError

    media = FakeMedia()
    media.draw_errors["the keyframe of segment 02"] = [
        ProviderError("503 Service Unavailable", provider="google", status=503)
    ]
    runner = make_runner(store, FakeWriter(), media, settings)
    job = runner.create_from_story(two_hander())

    manifest = await runner.run(job.id)

    assert manifest.status == "partial"
    assert sorted(label for label, _ in media.submits) == ["segment 01", "segment 03"]
    clip = next(c for c in manifest.clips if c.index == 2)
    assert clip.status == "pending"
    assert "keyframe-02" in (clip.error or "")
    assert remaining_cost(store.get(job.id), store.steps(job.id), settings).images == 1

    before = len(media.drawings)
    manifest = await runner.resume(job.id)

    assert manifest.status == "succeeded"
    assert [d.what for d in media.drawings[before:]] == ["the keyframe of segment 02"]
    assert sorted(label for label, _ in media.submits) == [
        "segment 01",
        "segment 02",
        "segment 03",
    ]


async def test_a_clip_of_unknown_outcome_stays_unknown_while_its_keyframe_is_missing(
    store: JobStore, tmp_output: Path
) -> None:
    from storyreel.errors import ProviderError
    from storyreel.jobs.models import StepStatus
    from storyreel.services.google.media import SubmitOutcomeUnknown

    settings = job_settings(tmp_output, keyframes=True, resubmit_on_unknown=False)
    media = FakeMedia()
    media.submit_errors["segment 02"] = [SubmitOutcomeUnknown("dropped", provider="google")]
    runner = make_runner(store, FakeWriter(), media, settings)
    job = runner.create_from_story(two_hander())
    await runner.run(job.id)
    # Its keyframe gone (a user tidying the folder), and drawing it again fails this time.
    (tmp_output / job.id / "keyframes/segment-02.png").unlink()
    media.draw_errors["the keyframe of segment 02"] = [
        ProviderError("503 Service Unavailable", provider="google", status=503)
    ]

    await runner.resume(job.id)
    clip = next(s for s in store.steps(job.id) if s.key == "clip-02")
    assert clip.status is StepStatus.UNKNOWN  # maybe billed: never made "pending"
    sent = [label for label, _ in media.submits].count("segment 02")
    await runner.resume(job.id)  # the keyframe is drawn now

    # video.resubmit_on_unknown is false: a clip that may have been paid is not sent again.
    assert [label for label, _ in media.submits].count("segment 02") == sent


async def test_resume_after_an_interruption_redraws_nothing_that_was_drawn(
    store: JobStore, settings: Settings
) -> None:
    media = FakeMedia(latency_s=5)  # the clips are still being made when the run stops
    runner = make_runner(store, FakeWriter(), media, settings)
    job = runner.create_from_story(two_hander())
    run = asyncio.ensure_future(runner.run(job.id))
    async with asyncio.timeout(5):
        while len(media.submits) < 3:
            await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    drawn, submitted = len(media.drawings), len(media.submits)

    media.latency_s = 0
    manifest = await make_runner(store, FakeWriter(), media, settings).resume(job.id)

    assert manifest.status == "succeeded"
    assert (len(media.drawings), len(media.submits)) == (drawn, submitted)
    assert remaining_cost(store.get(job.id), store.steps(job.id), settings).images == 0


async def test_keyframes_off_draws_nothing_but_the_thumbnail(
    store: JobStore, tmp_output: Path
) -> None:
    settings = job_settings(tmp_output, keyframes=False)
    media = FakeMedia()
    job = make_runner(store, FakeWriter(), media, settings).create_from_story(two_hander())

    manifest = await make_runner(store, FakeWriter(), media, settings).run(job.id)

    assert manifest.status == "succeeded"
    assert media.drawings == []
    assert len(media.thumbnails) == 1
    assert media.thumbnail_inputs == [[]]
    assert all(request.first_frame is None for _, request in media.submits)
    assert (manifest.sheets, manifest.keyframes) == ([], [])
    assert story_cost(settings, two_hander(), reel_choices(settings)).images == 1


def test_a_job_from_an_idea_prices_the_most_sheets_the_writer_may_list(
    settings: Settings,
) -> None:
    from storyreel.jobs.costs import MAX_WRITTEN_CHARACTERS, idea_cost
    from storyreel.services.openrouter.models import StoryDraft

    # The bound follows the writer's own limit on characters.
    limit = StoryDraft.model_fields["characters"].metadata
    assert any(getattr(item, "max_length", None) == MAX_WRITTEN_CHARACTERS for item in limit)
    cost = idea_cost(settings, 24, reel_choices(settings), segments=3, characters=[MARA])
    # Mara is kept and the writer may add six new characters of its own: seven sheets.
    assert cost.images == 1 + 3 + 1 + MAX_WRITTEN_CHARACTERS


def test_input_image_keeps_its_type(tmp_path: Path) -> None:
    # What the drawing reads back from a job folder is sent with the type its bytes have.
    from storyreel.jobs.frame_files import read_image

    picture = png_file(tmp_path / "x.png")
    assert read_image(picture) == InputImage(picture.read_bytes(), "image/png")
    assert read_image(tmp_path / "gone.png") is None


async def test_a_reshoot_starts_from_the_keyframe_and_a_new_prompt_draws_only_that_one(
    store: JobStore, media: FakeMedia, settings: Settings
) -> None:
    from storyreel.jobs.cinematographer import Cinematographer
    from storyreel.jobs.reel_jobs import ReelJobs

    runner = make_runner(store, FakeWriter(), media, settings)
    job = runner.create_from_story(two_hander())
    await runner.run(job.id)
    reels = ReelJobs(
        store, FakeWriter(), Cinematographer(media, settings), settings, watch_interval_s=0.02
    )
    folder, drawn = Path(job.out_dir), len(media.drawings)
    old_keyframe = (folder / "keyframes/segment-02.png").read_bytes()

    assert reels.reshoot_cost(job.id, 2).images == 0
    await reels.reshoot(job.id, 2)

    assert len(media.drawings) == drawn  # the same first frame: nothing drawn
    assert media.submits[-1][0] == "segment 02"
    assert media.submits[-1][1].first_frame == old_keyframe

    assert reels.reshoot_cost(job.id, 2, prompt="Tom mends a sail.").images == 1
    manifest = await reels.reshoot(job.id, 2, prompt="Tom mends a sail.")

    assert [d.what for d in media.drawings[drawn:]] == ["the keyframe of segment 02"]
    new_keyframe = (folder / "keyframes/segment-02.png").read_bytes()
    assert new_keyframe != old_keyframe
    assert media.submits[-1][1].first_frame == new_keyframe
    assert "Tom mends a sail." in media.drawings[-1].prompt
    assert manifest.status == "succeeded"
