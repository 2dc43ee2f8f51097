"""Deterministic prose built from the words of a prompt, so replies read as being about it."""

from __future__ import annotations

import hashlib
import random
import re
from typing import Final

_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_STOPWORDS: Final = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why will
    with would you your yours write please make create give generate return json using use into
    short long story video about based each one two three must should include includes following
    respond reply answer output format schema field fields object string""".split()  # noqa: SIM905
)
_FALLBACK: Final = ("story", "light", "journey")
# Filler nouns for when a short prompt has run out of words of its own.
_PLACES: Final = ("horizon", "harbor", "city", "forest", "shore", "valley")

_ADJECTIVES: Final = (
    "quiet",
    "luminous",
    "restless",
    "hidden",
    "ancient",
    "bright",
    "gentle",
    "stormy",
    "golden",
    "forgotten",
    "vivid",
    "lonely",
)
_VERBS: Final = (
    "discovers",
    "follows",
    "waits beside",
    "returns to",
    "drifts toward",
    "guards",
    "remembers",
    "chases",
    "circles",
    "listens to",
)
_PREPOSITIONS: Final = ("near", "beyond", "beneath", "inside", "across", "above")
_SHOTS: Final = (
    "Cinematic wide shot",
    "Intimate close-up",
    "Slow aerial shot",
    "Medium tracking shot",
    "Low-angle shot",
    "Handheld shot",
)
_LIGHT: Final = (
    "bathed in golden-hour light",
    "under soft overcast light",
    "lit by flickering neon",
    "in cool blue moonlight",
    "with warm lamplight and long shadows",
    "in hazy morning light",
)
_CAMERA: Final = (
    "the camera slowly pushes in",
    "the camera drifts sideways",
    "shallow depth of field",
    "a gentle dolly-out",
    "steady locked-off framing",
    "a slow pan across the scene",
)
_SMALL_WORDS: Final = frozenset({"of", "the", "and"})
_OPENERS: Final = ("At first", "Then", "Meanwhile", "Soon", "In the end", "Later")


def is_stopword(word: str) -> bool:
    """A small word, or one of the words instructions are made of ("write", "story", "json")."""
    return word.lower() in _STOPWORDS


def keywords(text: str, limit: int = 12) -> list[str]:
    """The prompt's content words, lowercase, first occurrence order."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text):
        word = match.group(0).strip("'-").lower()
        if len(word) > 2 and word not in _STOPWORDS:
            seen.setdefault(word, None)
            if len(seen) >= limit:
                break
    return list(seen) or list(_FALLBACK)


def seeded(*parts: str) -> random.Random:
    """A random source fixed by its inputs: same inputs, same choices, in every process."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class Prose:
    """Phrases about one prompt; ``salt`` varies the choices for different fields or items."""

    def __init__(self, prompt: str, salt: str = "") -> None:
        self.words = keywords(prompt)
        self._rng = seeded(prompt, salt)

    def _pick(self, options: tuple[str, ...] | list[str]) -> str:
        return options[self._rng.randrange(len(options))]

    def word(self, avoid: str = "") -> str:
        """A keyword, preferably not one in ``avoid``, so that a sentence does not repeat itself."""
        fresh = [word for word in self.words if word not in avoid.split()]
        return self._pick(fresh or _PLACES)

    def adjective(self) -> str:
        return self._pick(_ADJECTIVES)

    def phrase(self) -> str:
        """One or two neighbouring keywords: the closest thing to a noun phrase without a parser."""
        start = self._rng.randrange(len(self.words))
        size = 1 + self._rng.randrange(2)
        return " ".join(self.words[start : start + size])

    def title(self) -> str:
        first = self.phrase()
        second = self.word(first)
        pattern = self._pick(("{a}", "The {adj} {a}", "{a} and the {b}", "{a} of the {b}"))
        text = pattern.format(a=first, b=second, adj=self.adjective())
        parts = text.split()
        return " ".join(
            part if index and part in _SMALL_WORDS else part[:1].upper() + part[1:]
            for index, part in enumerate(parts)
        )

    def sentence(self) -> str:
        subject = self.phrase()
        target = self.word(subject)
        place = self.word(f"{subject} {target}")
        return (
            f"{self._pick(_OPENERS)} the {self.adjective()} {subject} {self._pick(_VERBS)} "
            f"the {target} {self._pick(_PREPOSITIONS)} the {place}."
        )

    def visual(self) -> str:
        subject = self.phrase()
        return (
            f"{self._pick(_SHOTS)} of the {self.adjective()} {subject} "
            f"{self._pick(_PREPOSITIONS)} the {self.word(subject)}, {self._pick(_LIGHT)}, "
            f"{self._pick(_CAMERA)}."
        )

    def paragraph(self, sentences: int = 3) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def slug(self) -> str:
        return "-".join(self.words[:3])


def estimate_tokens(text: str) -> int:
    """A word-count estimate: about four tokens for every three words, never zero."""
    return max(1, (len(text.split()) * 4 + 2) // 3)
