"""The voice and assemble steps of a job, over fakes: planned, run once, resumed, recorded."""

from __future__ import annotations

import asyncio
import json
import wave
from pathlib import Path

import pytest

from storyreel.errors import ContentBlockedError, InputError, ProviderError
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.models import JobInput, JobStatus, StepKind, StepStatus
from storyreel.jobs.prices import video_usd
from storyreel.jobs.reel_jobs import ReelJobs
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings

from .fakes import FakeMedia, FakeWriter, make_story
from .reel_fakes import WORD_S, FakeAssembler, FakeVoice


@pytest.fixture
def voice() -> FakeVoice:
    return FakeVoice()


@pytest.fixture
def assembler() -> FakeAssembler:
    return FakeAssembler()


@pytest.fixture
def cinematographer(
    media: FakeMedia, settings: Settings, voice: FakeVoice, assembler: FakeAssembler
) -> Cinematographer:
    return Cinematographer(media, settings, voice=voice, assembler=assembler)


@pytest.fixture
def runner(
    store: JobStore, writer: FakeWriter, cinematographer: Cinematographer, settings: Settings
) -> JobRunner:
    return JobRunner(store, writer, cinematographer, settings, watch_interval_s=0.02)


def steps_of(store: JobStore, job_id: str, kind: StepKind) -> dict[str, StepStatus]:
    return {s.key: s.status for s in store.steps(job_id) if s.kind is kind}


async def test_reel_job_reads_each_narration_once_and_assembles_the_clips_in_order(
    runner: JobRunner,
    store: JobStore,
    media: FakeMedia,
    voice: FakeVoice,
    assembler: FakeAssembler,
) -> None:
    job = runner.create_from_story(make_story(3))

    manifest = await runner.run(job.id)

    folder = Path(job.out_dir)
    assert manifest.status == "succeeded", manifest.failures
    assert voice.labels() == ["narration 01", "narration 02", "narration 03"]
    assert [text for _, text in sorted(voice.calls)] == [
        "Narration 1.",
        "Narration 2.",
        "Narration 3.",
    ]
    for index in (1, 2, 3):
        with wave.open(str(folder / f"audio/segment-0{index}.wav"), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24000, 1, 2)
            assert wav.getnframes() == int(2 * WORD_S * 24000)
    plan = assembler.last_plan()
    assert [s.index for s in plan.segments] == [1, 2, 3]
    assert [s.clip for s in plan.segments] == [
        folder / f"clips/segment-0{i}.mp4" for i in (1, 2, 3)
    ]
    assert [s.voice for s in plan.segments] == [
        folder / f"audio/segment-0{i}.wav" for i in (1, 2, 3)
    ]
    assert [s.narration for s in plan.segments] == ["Narration 1.", "Narration 2.", "Narration 3."]
    assert (plan.width, plan.height) == (720, 1280)
    assert assembler.plans[-1][1] == folder / "reel.mp4"
    assert manifest.reel is not None
    assert manifest.reel.path == "reel.mp4"
    assert manifest.reel.duration_seconds == 12.0
    assert manifest.reel.captions == ["reel.srt", "reel.vtt"]
    assert manifest.reel.narrated_segments == [1, 2, 3]
    assert manifest.reel.cards == []
    assert [(a.index, a.path, a.duration_seconds) for a in manifest.audio] == [
        (i, f"audio/segment-0{i}.wav", 0.8) for i in (1, 2, 3)
    ]
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert on_disk["reel"]["narrated_segments"] == [1, 2, 3]
    assert steps_of(store, job.id, StepKind.VOICE) == {
        f"voice-0{i}": StepStatus.SUCCEEDED for i in (1, 2, 3)
    }
    assert steps_of(store, job.id, StepKind.ASSEMBLE) == {"assemble": StepStatus.SUCCEEDED}
    assert manifest.video_submissions == 3  # voices are not Veo submissions


async def test_reel_job_cost_counts_video_speech_and_the_thumbnail(
    runner: JobRunner, settings: Settings
) -> None:
    job = runner.create_from_story(make_story(2, duration=4))

    manifest = await runner.run(job.id)

    price = video_usd(settings, 1)
    assert price is not None
    video = 8 * price
    # Two words each, at narration.words_per_second (2.5): 0.8 s of speech per segment.
    speech = 1.6 * settings.google.price_per_speech_second_usd
    total = video + speech + settings.google.price_per_image_usd
    assert manifest.estimated_cost_usd == pytest.approx(total, abs=1e-4)
    assert job.estimated_cost_usd == pytest.approx(total, abs=1e-4)


async def test_reel_job_without_narration_reads_nothing_and_skips_empty_narrations(
    runner: JobRunner, store: JobStore, voice: FakeVoice, assembler: FakeAssembler
) -> None:
    quiet = runner.create_from_story(make_story(2), reel=ReelChoices(narration=False))
    await runner.run(quiet.id)
    assert voice.calls == []
    assert steps_of(store, quiet.id, StepKind.VOICE) == {}
    assert [s.voice for s in assembler.last_plan().segments] == [None, None]

    story = make_story(2)
    story.segments[1].narration = "   "
    job = runner.create_from_story(story)
    manifest = await runner.run(job.id)
    assert manifest.status == "succeeded"
    assert voice.labels() == ["narration 01"]
    assert manifest.reel is not None
    assert manifest.reel.narrated_segments == [1]


async def test_reel_job_without_reel_assembles_nothing(
    runner: JobRunner, store: JobStore, assembler: FakeAssembler
) -> None:
    job = runner.create_from_story(make_story(2), reel=ReelChoices(reel=False))

    manifest = await runner.run(job.id)

    assert manifest.status == "succeeded"
    assert manifest.reel is None
    assert assembler.plans == []
    assert "assemble" not in {s.key for s in store.steps(job.id)}
    assert not (Path(job.out_dir) / "reel.mp4").exists()


async def test_reel_failed_voice_holds_the_reel_back_and_resume_reads_only_it(
    runner: JobRunner,
    store: JobStore,
    media: FakeMedia,
    voice: FakeVoice,
    assembler: FakeAssembler,
) -> None:
    voice.errors["narration 02"] = [ProviderError("503 unavailable", provider="google")]
    job = runner.create_from_story(make_story(3))

    first = await runner.run(job.id)

    assert first.status == "partial"
    assert first.reel is None
    assert assembler.plans == []
    reasons = {f.step: f.reason for f in first.failures}
    assert "503 unavailable" in reasons["voice-02"]
    assert "no narration audio for segment 2" in reasons["assemble"]
    assert runner.remaining_cost(job.id).seconds == 0
    assert runner.remaining_cost(job.id).speech_seconds == 0.8

    second = await runner.resume(job.id)

    assert second.status == "succeeded"
    assert voice.labels() == ["narration 01", "narration 02", "narration 02", "narration 03"]
    assert len(media.submits) == 3
    assert second.reel is not None
    assert second.reel.narrated_segments == [1, 2, 3]


async def test_reel_interrupted_while_reading_then_resumed_never_reads_a_segment_twice(
    runner: JobRunner, store: JobStore, media: FakeMedia, voice: FakeVoice
) -> None:
    job = runner.create_from_story(make_story(3))
    voice.latency_s = 0.05
    task = asyncio.ensure_future(runner.run(job.id))

    def stop_at_third(label: str) -> None:
        if label == "narration 03":
            task.cancel()

    voice.before_speak = stop_at_third
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.get(job.id).status is JobStatus.QUEUED
    done = {
        k for k, v in steps_of(store, job.id, StepKind.VOICE).items() if v is StepStatus.SUCCEEDED
    }
    voice.before_speak = None
    already = len(voice.calls)

    manifest = await runner.resume(job.id)

    assert manifest.status == "succeeded"
    again = [label for label, _ in voice.calls[already:]]
    assert not {f"voice-{label[-2:]}" for label in again} & done
    assert sorted({label for label, _ in voice.calls}) == [f"narration 0{i}" for i in (1, 2, 3)]
    assert len(media.submits) == 3


async def test_reel_resume_of_a_finished_job_keeps_its_reel_without_assembling_again(
    runner: JobRunner, assembler: FakeAssembler
) -> None:
    job = runner.create_from_story(make_story(2))
    first = await runner.run(job.id)

    again = await runner.resume(job.id)

    assert len(assembler.plans) == 1
    assert again.reel == first.reel


async def test_reel_missing_files_are_made_again_on_resume(
    runner: JobRunner,
    store: JobStore,
    media: FakeMedia,
    voice: FakeVoice,
    assembler: FakeAssembler,
) -> None:
    job = runner.create_from_story(make_story(2))
    await runner.run(job.id)
    folder = Path(job.out_dir)
    (folder / "audio/segment-02.wav").write_bytes(b"not a wav")
    (folder / "reel.mp4").unlink()

    manifest = await runner.resume(job.id)

    assert manifest.status == "succeeded"
    assert voice.labels() == ["narration 01", "narration 02", "narration 02"]
    assert len(assembler.plans) == 2
    assert len(media.submits) == 2
    assert (folder / "reel.mp4").exists()


async def test_reel_blocked_clip_gets_no_reel_unless_gaps_are_allowed(
    runner: JobRunner, store: JobStore, media: FakeMedia, assembler: FakeAssembler
) -> None:
    media.wait_errors["segment 02"] = [
        ContentBlockedError("blocked by safety filters", provider="google")
    ]
    job = runner.create_from_story(make_story(3))

    manifest = await runner.run(job.id)

    assert manifest.status == "partial"
    assert manifest.reel is None
    reason = {f.step: f.reason for f in manifest.failures}["assemble"]
    assert "no clip for segment 2" in reason
    assert f"storyreel reshoot {job.id} --segment N" in reason

    media.wait_errors["segment 02"] = [
        ContentBlockedError("blocked by safety filters", provider="google")
    ]
    gaps = runner.create_from_story(make_story(3), reel=ReelChoices(allow_gaps=True))
    manifest = await runner.run(gaps.id)

    assert manifest.status == "partial"
    assert manifest.reel is not None
    assert manifest.reel.cards == [2]
    plan = assembler.last_plan()
    assert plan.segments[1].clip is None
    assert plan.segments[1].narration == "Narration 2."
    assert plan.segments[1].duration_s == 4.0


async def test_reel_bad_music_is_refused_before_the_job_exists(
    runner: JobRunner, tmp_path: Path, media: FakeMedia
) -> None:
    not_audio = tmp_path / "song.mp3"
    not_audio.write_text("la la la")

    with pytest.raises(InputError, match="is not audio"):
        runner.create("a storm", reel=ReelChoices(music=str(not_audio)))
    with pytest.raises(InputError, match="does not exist"):
        runner.create_from_story(make_story(1), reel=ReelChoices(music=str(tmp_path / "none.wav")))

    assert runner.list_jobs() == []
    assert media.submits == []


async def test_reel_music_chosen_at_creation_reaches_the_assembler(
    runner: JobRunner, tmp_path: Path, assembler: FakeAssembler, voice: FakeVoice
) -> None:
    music = tmp_path / "bed.wav"
    music.write_bytes(speech_for_music())
    job = runner.create_from_story(make_story(1), reel=ReelChoices(music=str(music)))

    await runner.run(job.id)

    assert assembler.last_plan().music == music
    assert job.input.reel == ReelChoices(music=str(music))


def speech_for_music() -> bytes:
    from .reel_fakes import speech_for

    return speech_for("one two three").to_wav()


def test_reel_old_job_rows_and_manifests_still_load(settings: Settings) -> None:
    from storyreel.jobs.manifest import Manifest

    old_input = JobInput.model_validate({"idea": "a storm", "segments": 2})
    assert old_input.reel is None
    old = {
        "job_id": "j",
        "status": "succeeded",
        "clips": [],
        "video_model": settings.google.video_model,
    }
    manifest = Manifest.model_validate(old)
    assert manifest.reel is None
    assert manifest.audio == []


async def test_reel_reshoot_of_a_blocked_segment_makes_the_job_whole(
    store: JobStore,
    writer: FakeWriter,
    cinematographer: Cinematographer,
    settings: Settings,
    runner: JobRunner,
    media: FakeMedia,
    voice: FakeVoice,
    assembler: FakeAssembler,
) -> None:
    media.wait_errors["segment 02"] = [
        ContentBlockedError("blocked by safety filters", provider="google")
    ]
    job = runner.create_from_story(make_story(3))
    first = await runner.run(job.id)
    assert first.status == "partial"
    reels = ReelJobs(store, writer, cinematographer, settings, watch_interval_s=0.02)

    assert reels.reshoot_cost(job.id, 2).seconds == 4
    manifest = await reels.reshoot(job.id, 2, prompt="Gulls over a calm sea at dawn.")

    assert manifest.status == "succeeded", manifest.failures
    assert manifest.video_submissions == first.video_submissions + 1
    assert [label for label, _ in media.submits] == [
        "segment 01",
        "segment 02",
        "segment 03",
        "segment 02",
    ]
    assert "Gulls over a calm sea at dawn." in media.submits[-1][1].prompt
    saved = store.get(job.id)
    assert saved.story is not None
    assert saved.story.segments[1].visual_prompt == "Gulls over a calm sea at dawn."
    story_file = json.loads((Path(job.out_dir) / "story.json").read_text())
    assert story_file["segments"][1]["visual_prompt"] == "Gulls over a calm sea at dawn."
    assert len(voice.calls) == 3  # the narration is unchanged: not read again
    assert manifest.reel is not None
    assert manifest.reel.cards == []
    assert saved.status is JobStatus.SUCCEEDED


async def test_reel_reshoot_refuses_what_it_cannot_do(
    store: JobStore,
    writer: FakeWriter,
    cinematographer: Cinematographer,
    settings: Settings,
    runner: JobRunner,
    media: FakeMedia,
) -> None:
    reels = ReelJobs(store, writer, cinematographer, settings)
    job = runner.create("a storm", segments=2)
    from storyreel.errors import JobError

    with pytest.raises(JobError, match="has no story yet"):
        reels.check_reshoot(job.id, 1)
    await runner.run(job.id)
    with pytest.raises(InputError, match="has no segment 3: its segments are 1-2"):
        await reels.reshoot(job.id, 3)
    with pytest.raises(JobError, match="no job"):
        reels.check_reshoot("nope", 1)
    assert len(media.submits) == 2


async def test_reel_reassemble_uses_other_choices_and_pays_for_nothing(
    store: JobStore,
    writer: FakeWriter,
    cinematographer: Cinematographer,
    settings: Settings,
    runner: JobRunner,
    media: FakeMedia,
    voice: FakeVoice,
    assembler: FakeAssembler,
    tmp_path: Path,
) -> None:
    from storyreel.jobs.assembly import ReelOptions

    job = runner.create_from_story(make_story(2))
    await runner.run(job.id)
    reels = ReelJobs(store, writer, cinematographer, settings)
    music = tmp_path / "bed.wav"
    music.write_bytes(speech_for_music())

    manifest = await reels.reassemble(
        job.id, options=ReelOptions(music=music, captions=False, transition_s=0.5)
    )

    plan = assembler.last_plan()
    assert (plan.music, plan.captions, plan.burn_captions, plan.transition_s) == (
        music,
        False,
        False,
        0.5,
    )
    assert manifest.status == "succeeded"
    assert manifest.reel is not None
    assert manifest.reel.captions == []
    assert len(media.submits) == 2
    assert len(voice.calls) == 2
    assert len(media.thumbnails) == 1

    with pytest.raises(InputError, match="is not audio"):
        reels.check_assembly(job.id, ReelOptions(music=Path(__file__)))
    assert len(assembler.plans) == 2


async def test_reel_reassemble_notices_a_clip_gone_from_the_folder(
    store: JobStore,
    writer: FakeWriter,
    cinematographer: Cinematographer,
    settings: Settings,
    runner: JobRunner,
    assembler: FakeAssembler,
) -> None:
    from storyreel.jobs.assembly import ReelNotReady

    job = runner.create_from_story(make_story(2))
    await runner.run(job.id)
    (Path(job.out_dir) / "clips" / "segment-02.mp4").unlink()
    reels = ReelJobs(store, writer, cinematographer, settings)

    with pytest.raises(ReelNotReady, match="no clip for segment 2"):
        reels.check_assembly(job.id)

    assert len(assembler.plans) == 1
    assert store.get(job.id).status is JobStatus.PARTIAL
    # A resume collects the clip again from its operation (not paid again): the same clip,
    # so the reel made from it stands.
    manifest = await runner.resume(job.id)
    assert manifest.status == "succeeded"
    assert len(assembler.plans) == 1
    assert manifest.reel is not None


async def test_reel_reassemble_into_a_folder_that_is_gone_is_refused(
    store: JobStore,
    writer: FakeWriter,
    cinematographer: Cinematographer,
    settings: Settings,
    runner: JobRunner,
    assembler: FakeAssembler,
) -> None:
    from storyreel.jobs.reel_jobs import check_writable

    job = runner.create_from_story(make_story(1), reel=ReelChoices(allow_gaps=True))
    await runner.run(job.id)
    folder = Path(job.out_dir)

    with pytest.raises(InputError, match="cannot write to the job folder"):
        check_writable(folder / "gone")
    check_writable(folder)
