"""The guarantees finish_story adds to whatever the model drafted."""

from __future__ import annotations

import pytest

from storyreel.domain.story import Character
from storyreel.errors import InputError
from storyreel.services.openrouter.models import (
    CharacterDraft,
    CharacterProfile,
    SegmentDraft,
    StoryDraft,
)
from storyreel.services.openrouter.story_rules import finish_story, given_characters, snap_duration


def draft(
    *segments: tuple[str, str], characters: list[tuple[str, str]] | None = None
) -> StoryDraft:
    return StoryDraft(
        title="T",
        logline="L",
        characters=[CharacterDraft(name=n, description=d) for n, d in characters or []],
        segments=[
            SegmentDraft(index=i, narration=n, visual_prompt=v, duration_seconds=8)
            for i, (n, v) in enumerate(segments, start=1)
        ],
    )


@pytest.mark.parametrize(
    ("seconds", "allowed"), [(-3, 4), (0, 4), (4, 4), (5, 6), (6, 6), (7, 8), (8, 8), (30, 8)]
)
def test_snap_duration(seconds: int, allowed: int) -> None:
    assert snap_duration(seconds) == allowed


def test_finish_story_first_name_and_case_count_as_featuring() -> None:
    story = finish_story(
        draft(
            ("MIA CHEN runs.", "A girl runs."),
            ("Then mia rests.", "A girl rests."),
            ("Rain.", "Rain."),
        ),
        style=None,
        given=[Character(name="Mia Chen", description="a girl in a blue hoodie")],
        duration_seconds=None,
    )
    prompts = [s.visual_prompt for s in story.segments]
    assert "Mia Chen: a girl in a blue hoodie" in prompts[0]
    assert "a girl in a blue hoodie" in prompts[1]
    assert "a girl in a blue hoodie" not in prompts[2]


def test_finish_story_name_inside_a_word_does_not_count() -> None:
    story = finish_story(
        draft(("Ann waves.", "A wave."), ("Annual fair.", "A fair with Joanna.")),
        style=None,
        given=[Character(name="Ann", description="a woman with a red umbrella")],
        duration_seconds=None,
    )
    assert "a woman with a red umbrella" in story.segments[0].visual_prompt
    assert "a woman with a red umbrella" not in story.segments[1].visual_prompt


def test_finish_story_description_naming_another_character_brings_it_in() -> None:
    story = finish_story(
        draft(("Leo sails.", "A boat at sea."), ("Home.", "A harbour.")),
        style=None,
        given=[
            Character(name="Leo", description="a boy in a life vest, always with Biscuit"),
            Character(name="Biscuit", description="a scruffy brown terrier"),
        ],
        duration_seconds=None,
    )
    first = story.segments[0].visual_prompt
    assert "a boy in a life vest, always with Biscuit" in first
    assert "a scruffy brown terrier" in first


def test_finish_story_keeps_a_description_already_in_the_prompt_once() -> None:
    story = finish_story(
        draft(("Leo sails.", "Leo, a boy in a life vest, on a boat.")),
        style="pastel",
        given=[Character(name="Leo", description="a boy in a life vest")],
        duration_seconds=6,
    )
    prompt = story.segments[0].visual_prompt
    assert prompt.count("a boy in a life vest") == 1
    assert prompt.endswith("Style: pastel.")
    assert story.segments[0].duration_seconds == 6


def test_finish_story_style_already_there_in_another_case_is_not_added_again() -> None:
    story = finish_story(
        draft(("Leo sails.", "A Pastel boat."), ("Home.", "A harbour")),
        style="pastel",
        given=[],
        duration_seconds=None,
    )
    prompts = [s.visual_prompt for s in story.segments]
    assert prompts == ["A Pastel boat.", "A harbour. Style: pastel."]


def test_finish_story_unmentioned_model_characters_go_to_the_first_segment() -> None:
    story = finish_story(
        draft(("Dawn.", "Sunrise."), ("Dusk.", "Sunset."), characters=[("Zed", "a tall robot")]),
        style=None,
        given=[],
        duration_seconds=None,
    )
    assert story.characters == [Character(name="Zed", description="a tall robot")]
    assert "Zed: a tall robot" in story.segments[0].visual_prompt
    assert "a tall robot" not in story.segments[1].visual_prompt


def test_given_characters_accepts_profiles_and_makes_names_unique() -> None:
    profile = CharacterProfile(
        name_hint="Mia",
        appearance="a",
        clothing="c",
        distinctive_features="d",
        visual_description="a girl with a kite",
    )
    cast = given_characters([Character(name="Mia", description="a girl in red"), profile])
    assert [c.name for c in cast] == ["Mia", "Mia 2"]
    assert cast[1].description == "a girl with a kite"


def test_given_characters_rejects_other_types_and_too_many() -> None:
    with pytest.raises(InputError, match="Character or CharacterProfile"):
        given_characters(["Mia"])  # type: ignore[list-item]
    with pytest.raises(InputError, match="at most 10 characters"):
        given_characters([Character(name=f"C{n}", description="d") for n in range(11)])


def test_given_characters_rejects_names_that_are_only_whitespace() -> None:
    # "\x1f" passes min_length but strips to nothing: it must be an input error, not a crash.
    with pytest.raises(InputError, match="not blank"):
        given_characters([Character(name="\x1f", description="a tall knight")])
    with pytest.raises(InputError, match="not blank"):
        given_characters([Character(name="Mia", description=" \t")])
