"""A small story about one idea, told the same way every time: a title and logline in the
idea's own words, a cast with names and looks, and beats that run from a beginning through a
middle to an end. The emulator's structured replies take their text from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from storyreel.emulator.cast import Member, cast_for
from storyreel.emulator.subject import Phrase, parse, sentence_case, title_case
from storyreel.emulator.text import keywords, seeded

# Narrations stay at most this many words: they must be readable within a 4-second clip.
MAX_NARRATION_WORDS: Final = 8
_FALLBACK_THING: Final = Phrase("journey")
_REWARDS: Final = ("a friend", "the way home", "a little courage", "something worth keeping")
_SETTINGS: Final = (
    "on a windswept hill above the sea",
    "in a quiet town square after the rain",
    "along a narrow harbour wall",
    "in a sunlit kitchen full of plants",
    "on a rooftop at the edge of the city",
    "in a meadow of tall grass",
)
_LIGHT: Final = (
    "soft golden-hour light",
    "cool blue dusk light",
    "hazy morning light",
    "warm lamplight and long shadows",
)
_CAMERA: Final = (
    "slow push-in",
    "gentle handheld follow",
    "wide establishing shot",
    "low-angle tracking shot",
    "close-up with shallow depth of field",
)
# Narration templates by beat; {p} the protagonist, {c} a companion, {t} the idea's thing.
_BEATS: Final = {
    "whole": ("{p} and the {t}, at last together.", "This is the story of the {t}."),
    "opening": (
        "{p} first meets the {t} at dawn.",
        "It all begins with the {t}.",
        "{p} finds the {t}.",
    ),
    "turn": (
        "Then the {t} changes everything.",
        "But the {t} will not wait.",
        "Suddenly, the {t} is gone.",
    ),
    "middle": ("{c} helps {p} hold on.", "{p} and {c} try again.", "{p} follows the {t} further."),
    "ending": (
        "At last, {p} and the {t} find peace.",
        "By nightfall, the {t} feels like home.",
        "{p} smiles: the {t} was worth it.",
    ),
}


def beat(index: int, count: int) -> str:
    """The part of the story segment ``index`` (0-based) of ``count`` tells."""
    if count <= 1:
        return "whole"
    if index == 0:
        return "opening"
    if index == count - 1:
        return "ending"
    return "turn" if index == 1 else "middle"


class Tale:
    """Everything the emulator writes about ``subject`` (an idea, topic, brief or niche)."""

    def __init__(self, subject: str, variant: int = 0) -> None:
        self.subject = subject.strip().rstrip(".!?") or "a small adventure"
        # Another reply to the same request (``n`` > 1) turns every choice one step further.
        self.variant = variant
        self._casts: dict[int, list[Member]] = {}
        phrases, self.clause = parse(self.subject)
        self.hero = phrases[0] if phrases else None
        self.other = phrases[1] if len(phrases) > 1 else None
        people = [p for p in phrases if p.is_person or p.is_animal]
        things = [p for p in phrases if p not in people]
        self.thing = things[0] if things else (self.other or self.hero or _FALLBACK_THING)
        self.words = keywords(self.subject)

    def cast(self, size: int = 2) -> list[Member]:
        """The first ``size`` characters; the same people whatever ``size`` is asked."""
        size = max(1, size)
        if size not in self._casts:
            self._casts[size] = cast_for(seeded(self.subject, "cast"), self.hero, self.other, size)
        return self._casts[size]

    def _pick(self, options: Sequence[str], *salt: str) -> str:
        start = seeded(self.subject, *salt).randrange(len(options))
        return options[(start + self.variant) % len(options)]

    # The story.

    def title(self, salt: str = "") -> str:
        options = [f"The {title_case(self.thing.text)}"]
        if len(self.subject.split()) <= 6 and len(self.subject) <= 60:
            options.append(title_case(self.subject))
        if self.hero is not None and self.other is not None:
            options.append(
                f"The {title_case(self.hero.text)} and the {title_case(self.other.text)}"
            )
        options.append(f"{self.cast()[0].name} and the {title_case(self.thing.text)}")
        return self._pick(options, "title", salt)

    def logline(self) -> str:
        hero = self.cast()[0]
        reward = self._pick(_REWARDS, "reward")
        thing = "it" if self.thing.text in hero.role else f"the {self.thing.text}"
        return (
            f"{sentence_case(self.subject)}: {hero.name}, {hero.role}, follows {thing} "
            f"from the first moment to the last, and finds {reward}."
        )

    def narration(self, index: int, count: int, cast_size: int = 2) -> str:
        members = self.cast(cast_size)
        companion = members[1 + index % (len(members) - 1)] if len(members) > 1 else members[0]
        for template in self._beat_templates(beat(index, count), index):
            text = template.format(p=members[0].name, c=companion.name, t=self.thing.text)
            if len(text.split()) <= MAX_NARRATION_WORDS:
                return text
        return f"{members[0].name} and the {self.thing.text.split()[-1]}."

    def _beat_templates(self, kind: str, index: int) -> list[str]:
        options = list(_BEATS[kind])
        start = seeded(self.subject, "beat", str(index)).randrange(len(options)) + self.variant
        start %= len(options)
        return options[start:] + options[:start]

    def visual(self, index: int, count: int, cast_size: int = 2) -> str:
        members = self.cast(cast_size)
        kind = beat(index, count)
        who = members[0].name
        together = kind in ("middle", "ending") and len(members) > 1
        if together:
            who = f"{who} and {members[1 + index % (len(members) - 1)].name}"
        action = {
            "whole": f"{who} holds the {self.thing.text} up to the light",
            "opening": f"{who} discovers the {self.thing.text} for the first time",
            "turn": f"{who} reaches for the {self.thing.text} as it slips away",
            "middle": f"{who} {'search' if together else 'searches'} for the {self.thing.text}",
            "ending": f"{who} {'rest' if together else 'rests'} beside the {self.thing.text}",
        }[kind]
        salt = str(index)
        return (
            f"{sentence_case(self._pick(_CAMERA, 'camera', salt))}: {action}, "
            f"{self._pick(_SETTINGS, 'setting')}, {self._pick(_LIGHT, 'light', salt)}."
        )

    # Social posts, memes, scripts and ideas about the same subject.

    def paragraph(self, salt: str = "") -> str:
        thing = self.thing.text
        opening = "." if self.clause else " is more than it looks."
        lines = (
            f"{sentence_case(self.subject)}{opening}",
            f"Everyone has a story about the {thing}; this one starts small.",
            f"Watch closely: the {thing} changes everything by the end.",
            f"Share it with someone who would love the {thing} too.",
        )
        start = (seeded(self.subject, "paragraph", salt).randrange(2) + self.variant // 4) % 2
        return " ".join(lines[start : start + 3])

    def sentence(self, salt: str = "") -> str:
        options = (
            f"A short story about the {self.thing.text}.",
            f"{sentence_case(self.subject)}, told in a few moments.",
            f"Nothing about the {self.thing.text} is quite what it seems.",
        )
        return self._pick(options, "sentence", salt)

    def thread_post(self, index: int, count: int) -> str:
        thing = self.thing.text
        if index == 0:
            body = f"{sentence_case(self.subject)}: a short thread."
        elif index == count - 1:
            body = f"That is the {thing}, start to finish. Which part surprised you?"
        else:
            middles = (
                f"It starts small: nobody notices the {thing} at first.",
                f"Then the {thing} turns out to matter more than anyone expected.",
                f"The best part of the {thing} is the people it brings together.",
            )
            body = middles[(index - 1) % len(middles)]
        return f"{index + 1}/{count} {body}"

    def hook(self) -> str:
        return f"You have never seen the {self.thing.text} like this."

    def call_to_action(self) -> str:
        return f"Follow for part two of the {self.thing.text} story."

    def meme_lines(self) -> tuple[str, str]:
        thing = self.thing.text
        pairs = (
            (f"Me before the {thing}", f"Me after the {thing}"),
            ("Nobody: absolutely nobody", f"Me talking about the {thing}"),
            (f"When someone mentions the {thing}", "Cancel my plans, I'm busy"),
        )
        top, bottom = self._pick([f"{a}\x1f{b}" for a, b in pairs], "meme").split("\x1f")
        return top, bottom

    def hashtag(self, index: int) -> str:
        word = self.words[index % len(self.words)]
        return f"#{word.replace('-', '').replace(chr(39), '')}"

    def idea(self, index: int) -> tuple[str, str, str, str]:
        """Title, hook, why it may find an audience now, and format, for idea ``index``."""
        niche = self.subject
        titles = (
            f"{title_case(niche)} in 30 seconds",
            f"Three {niche} mistakes everyone makes",
            f"A day behind the scenes of {niche}",
            f"{title_case(niche)}: before and after",
            f"The {niche} question nobody asks",
        )
        formats = ("short video", "carousel", "thread", "meme", "short video")
        title = titles[index % len(titles)]
        hook = f"Stop scrolling: this is {niche} like you have never seen it."
        why = (
            f"Quick, practical {niche} tips are likely to do well with viewers looking for "
            "something useful and easy to share."
        )
        return title, hook, why, formats[index % len(formats)]
