"""The characters of an emulated story: names and looks a video model could draw the same way
in every clip (age, build, hair, face, clothing, colours), picked deterministically."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from storyreel.emulator.subject import Phrase

_WOMEN: Final = ("Mara", "Ines", "June", "Noor", "Elsie", "Priya", "Lena", "Hana", "Rosa", "Ayla")
_MEN: Final = ("Tomas", "Ade", "Felix", "Kenji", "Otto", "Ravi", "Leo", "Samir", "Jonah", "Emil")
_ANIMAL_NAMES: Final = ("Pepper", "Biscuit", "Moss", "Juniper", "Pip", "Clementine", "Tuck")
_AGES: Final = (
    ("girl", "about ten years old"),
    ("woman", "in her twenties"),
    ("woman", "in her forties"),
    ("woman", "in her seventies"),
    ("boy", "about eleven years old"),
    ("man", "in his thirties"),
    ("man", "in his fifties"),
    ("man", "in his sixties"),
)
_BUILDS: Final = ("slight", "tall, wiry", "short, sturdy", "broad-shouldered", "lanky")
_HAIR: Final = (
    "short silver hair",
    "a long black braid",
    "curly auburn hair tied back",
    "cropped dark hair",
    "messy sandy-blond hair",
    "a grey bun held with a pencil",
    "shoulder-length chestnut hair",
)
_FACES: Final = (
    "freckles and bright green eyes",
    "a weathered face and kind grey eyes",
    "round tortoiseshell glasses and a wide smile",
    "warm brown eyes and a small scar on the chin",
    "rosy cheeks and thick dark eyebrows",
    "a neat beard and crinkled laugh lines",
)
_CLOTHES: Final = (
    "a yellow raincoat over a navy jumper, dark jeans and red rubber boots",
    "a faded green canvas jacket, a cream wool scarf and brown leather boots",
    "a mustard cardigan over a white shirt, grey trousers and worn sneakers",
    "a deep blue peacoat with brass buttons and a knitted orange hat",
    "paint-stained denim overalls over a striped red-and-white shirt",
    "a long charcoal coat, a teal scarf and polished black shoes",
)
_FUR: Final = (
    "ginger fur with white paws",
    "glossy black fur and a white star on the chest",
    "soft grey fur with darker stripes",
    "brown-and-white patched fur",
    "fluffy cream fur",
)
_EYES: Final = ("amber eyes", "green eyes", "bright blue eyes", "dark, curious eyes")
_TOKENS: Final = (
    "a frayed blue collar with a brass bell",
    "a red bandana around the neck",
    "one ear that always flops over",
    "a tail that never stops moving",
)


@dataclass(frozen=True)
class Member:
    """One character: a name, who they are in the story, and how they look."""

    name: str
    role: str
    look: str
    appearance: str
    clothing: str
    features: str

    @property
    def description(self) -> str:
        """The visual description every clip featuring the character carries."""
        return self.look


def _fresh(rng: random.Random, options: tuple[str, ...], used: set[str]) -> str:
    """An option no earlier character got, while there are any: the cast looks different."""
    shuffled = rng.sample(options, len(options))
    choice = next((option for option in shuffled if option not in used), shuffled[0])
    used.add(choice)
    return choice


def person(rng: random.Random, role: str, used: set[str]) -> Member:
    kind, age = rng.choice(_AGES)
    name = _fresh(rng, _WOMEN if kind in ("girl", "woman") else _MEN, used)
    faces = _FACES if kind == "man" else tuple(face for face in _FACES if "beard" not in face)
    build, hair, face, clothes = (
        _fresh(rng, _BUILDS, used),
        _fresh(rng, _HAIR, used),
        _fresh(rng, faces, used),
        _fresh(rng, _CLOTHES, used),
    )
    appearance = f"A {build} {kind} {age} with {hair}, {face}"
    return Member(
        name=name,
        role=role,
        look=f"{appearance}, wearing {clothes}.",
        appearance=f"{appearance}.",
        clothing=f"{clothes[:1].upper()}{clothes[1:]}.",
        features=f"{face[:1].upper()}{face[1:]}.",
    )


def animal(rng: random.Random, phrase: Phrase, used: set[str]) -> Member:
    name = _fresh(rng, _ANIMAL_NAMES, used)
    species = phrase.head.rstrip("s") if phrase.head.endswith("s") else phrase.head
    fur, eyes, token = _fresh(rng, _FUR, used), _fresh(rng, _EYES, used), _fresh(rng, _TOKENS, used)
    appearance = f"A small {species} with {fur} and {eyes}"
    return Member(
        name=name,
        role=f"the {phrase.text}",
        look=f"{appearance}, with {token}.",
        appearance=f"{appearance}.",
        clothing=f"No clothes; {token}.",
        features=f"{token[:1].upper()}{token[1:]}.",
    )


def cast_for(
    rng: random.Random, hero: Phrase | None, other: Phrase | None, size: int
) -> list[Member]:
    """``size`` characters: the one the idea is about first, then the people around them."""
    used: set[str] = set()
    members: list[Member] = []
    for phrase in (hero, other):
        if phrase is not None and len(members) < size:
            if phrase.is_animal:
                members.append(animal(rng, phrase, used))
            elif phrase.is_person:
                members.append(person(rng, f"the {phrase.text}", used))
    if not members:
        thing = hero.text if hero is not None else "adventure"
        members.append(person(rng, f"who never lets go of the {thing}", used))
    roles = ("a loyal friend", "a curious neighbour", "an old rival", "a kind stranger")
    while len(members) < size:
        members.append(person(rng, roles[(len(members) - 1) % len(roles)], used))
    return members
