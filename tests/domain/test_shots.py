"""Clip prompts: the one rule that every clip carries its characters' descriptions and the style,
for a story the service wrote and for a ready one alike."""

from __future__ import annotations

from storyreel.domain.shots import carried_prompt, clip_prompt, features, mentions
from storyreel.domain.story import Character, Segment, Story

MIA = Character(name="Mia Chen", description="a girl in a blue hoodie with a red kite")
DR_LEE = Character(name="Dr Lee", description="a tall doctor in a white coat")


def ready_story(*prompts: str, style: str | None = None, cast: list[Character]) -> Story:
    return Story(
        title="Kites",
        logline="A girl and her kite.",
        style=style,
        characters=cast,
        segments=[
            Segment(index=i, narration="Wind.", visual_prompt=prompt, duration_seconds=4)
            for i, prompt in enumerate(prompts, start=1)
        ],
    )


def test_clip_prompt_of_a_ready_story_carries_a_character_named_by_first_name_only() -> None:
    story = ready_story("Mia runs along the beach.", "Gulls over the dunes.", cast=[MIA])

    first, second = (clip_prompt(story, segment) for segment in story.segments)

    assert first == f"Mia runs along the beach. Mia Chen: {MIA.description}"
    assert MIA.description not in second


def test_clip_prompt_style_is_found_in_any_case_and_added_once() -> None:
    story = ready_story("A WATERCOLOUR beach.", "A beach at dusk", style="watercolour", cast=[])

    prompts = [clip_prompt(story, segment) for segment in story.segments]

    assert prompts == ["A WATERCOLOUR beach.", "A beach at dusk. Style: watercolour."]


def test_mentions_uses_whole_words_and_no_weak_first_word() -> None:
    assert mentions(MIA, "then MIA rests")
    assert not mentions(MIA, "Miami at night")
    assert mentions(DR_LEE, "dr lee waves")
    assert not mentions(DR_LEE, "Dr Smith waves")
    segment = Segment(index=1, narration="Mia laughs.", visual_prompt="A kite.")
    assert features(MIA, segment)


def test_carried_prompt_is_the_rule_clip_prompt_applies() -> None:
    story = ready_story("mia flies the kite", style="ink", cast=[MIA, DR_LEE])
    segment = story.segments[0]

    assert clip_prompt(story, segment) == carried_prompt(
        segment.narration, segment.visual_prompt, story.characters, story.style
    )
    assert clip_prompt(story, segment).endswith(f"Mia Chen: {MIA.description}")
