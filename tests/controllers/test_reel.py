"""The reel's entry points for host applications, on a container whose assembler a host swapped
for its own (the port's promise), against the emulator for clips and voices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dependency_injector import providers

from jobs.fakes import make_story
from jobs.reel_fakes import FakeAssembler, speech_for
from storyreel.containers import Container, aclose_container, create_container
from storyreel.controllers.cinematographer import film_story
from storyreel.controllers.reel import assemble_reel, reshoot_segment
from storyreel.errors import InputError
from storyreel.settings import Settings


@pytest.fixture
def assembler() -> FakeAssembler:
    return FakeAssembler()


@pytest.fixture
async def container(
    offline_settings: Settings, assembler: FakeAssembler
) -> AsyncIterator[Container]:
    built = create_container(
        offline_settings,
        narration={"enabled": True},
        reel={"enabled": True},
        video={"poll_initial_s": 0.05, "poll_max_s": 0.1},
    )
    built.reel_assembler.override(providers.Object(assembler))
    try:
        yield built
    finally:
        await aclose_container(built)


async def test_reel_entry_points_use_the_hosts_assembler(
    container: Container, assembler: FakeAssembler, tmp_path: Path
) -> None:
    made = await film_story(make_story(2, duration=4))
    assert made.status == "succeeded", made.failures
    assert made.reel is not None
    assert made.reel.narrated_segments == [1, 2]
    assert len(assembler.plans) == 1
    music = tmp_path / "bed.wav"
    music.write_bytes(speech_for("la la la").to_wav())

    again = await assemble_reel(made.job_id or "", music=music, captions=False, transition_s=0.25)

    plan = assembler.last_plan()
    assert (plan.music, plan.captions, plan.transition_s) == (music, False, 0.25)
    assert [s.voice is not None for s in plan.segments] == [True, True]
    assert again.reel is not None
    assert again.reel.captions == []
    assert again.video_submissions == made.video_submissions
    with pytest.raises(InputError, match="is not audio"):
        await assemble_reel(made.job_id or "", music=Path(__file__))


async def test_reshoot_segment_films_one_clip_and_assembles_again(
    container: Container, assembler: FakeAssembler
) -> None:
    made = await film_story(make_story(2, duration=4))

    again = await reshoot_segment(made.job_id or "", 1, prompt="A calmer sea at dawn.")

    assert again.status == "succeeded"
    assert again.video_submissions == made.video_submissions + 1
    assert len(assembler.plans) == 2
    assert [c.operation for c in again.clips][1] == made.clips[1].operation
    assert again.clips[0].operation != made.clips[0].operation
