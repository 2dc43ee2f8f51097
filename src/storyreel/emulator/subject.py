"""What a writing request is about: the idea (topic, brief, niche) in the prompt, and the noun
phrases in it that a story can be told around. Deterministic and dictionary-free: a few rules
about articles and small words, which is all the emulator needs to write about an idea."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from storyreel.emulator.text import is_stopword

# storyreel's prompt templates wrap the user's words in one of these tags.
_TAGGED: Final = re.compile(
    r"<(idea|topic|brief|niche)>\s*(.*?)\s*</\1>", re.IGNORECASE | re.DOTALL
)
_WORD: Final = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
_MAX_SUBJECT_WORDS: Final = 30
_MAX_SUBJECT_CHARS: Final = 200
_MAX_PHRASE_WORDS: Final = 3
# Longer "words" are codes or noise, never a name for something in a story.
_MAX_WORD_CHARS: Final = 30

_ARTICLES: Final = frozenset(
    "a an the his her their its my our your this these those some every".split()  # noqa: SIM905
)
# Words that end a noun phrase and never start one.
_BREAKS: Final = frozenset(
    """about above across after against along among and around as at because before behind
    below beneath beside between beyond but by during for from if in inside into is are was
    were be been like near nor not of off on onto or out over past since so than that then
    through to toward towards under until up upon while who whom whose which with within
    without yet will would can could should must may might do does did has have had how what
    when where why""".split()  # noqa: SIM905
)
_RELATIVES: Final = frozenset({"who", "that", "which"})
# Common verbs of one-line ideas; in their "-s" form they end a noun phrase.
_VERBS: Final = frozenset(
    """open learn find meet lose win return become discover try go come take make get save
    break fall fly dream wake run build start end close leave arrive change grow sing dance
    cook paint write read search chase follow rescue escape teach help fix invent explore
    remember forget befriend visit wait hide rise shine""".split()  # noqa: SIM905
)
PEOPLE: Final = frozenset(
    """keeper girl boy man woman child kid chef cook baker robot teacher student sailor
    fisherman fisher pilot astronaut detective witch wizard king queen prince princess friend
    friends mother father mom dad grandmother grandfather grandma grandpa sister brother
    nurse doctor farmer gardener painter artist musician dancer singer writer poet knight
    pirate ghost giant stranger neighbor neighbour twins family explorer inventor scientist
    mechanic driver runner climber diver hunter shepherd monk miner clockmaker librarian
    barista courier postman postwoman soldier captain""".split()  # noqa: SIM905
)
ANIMALS: Final = frozenset(
    """cat cats kitten dog dogs puppy fox foxes owl owls bear bears wolf wolves rabbit hare
    mouse mice bird birds crow raven sparrow horse pony deer whale dolphin turtle frog dragon
    goat sheep cow pig duck goose penguin octopus squirrel hedgehog badger otter lion tiger
    elephant monkey parrot bee bees butterfly snail""".split()  # noqa: SIM905
)


def subject_of(prompt: str) -> str:
    """The idea a prompt is about: the last tagged idea/topic/brief/niche, else the prompt
    itself; whitespace collapsed, at most a few dozen words."""
    tagged = _TAGGED.findall(prompt)
    text = tagged[-1][1] if tagged else prompt
    words = text.split()[:_MAX_SUBJECT_WORDS]
    subject = " ".join(words).strip()
    if len(subject) > _MAX_SUBJECT_CHARS:
        subject = subject[:_MAX_SUBJECT_CHARS].rsplit(" ", 1)[0] or subject[:_MAX_SUBJECT_CHARS]
    return subject


def has_subject_tag(text: str) -> bool:
    return _TAGGED.search(text) is not None


def _words(text: str) -> list[str]:
    return [match.group(0).strip("'’-") for match in _WORD.finditer(text)]


@dataclass(frozen=True)
class Phrase:
    """A noun phrase of the idea: its words, and whether it names a person or an animal."""

    text: str

    @property
    def head(self) -> str:
        return self.text.split()[-1].lower()

    @property
    def is_person(self) -> bool:
        return self.head in PEOPLE

    @property
    def is_animal(self) -> bool:
        return self.head in ANIMALS


def _is_verb(word: str) -> bool:
    stem = word[:-2] if word.endswith("es") and word[:-2] in _VERBS else word.rstrip("s")
    return word != stem and stem in _VERBS


def parse(subject: str) -> tuple[list[Phrase], bool]:
    """The idea's noun phrases in order (runs of words between articles and small words),
    and whether it reads as a clause (has a verb) rather than a noun phrase.

    A word followed by an article is taken for a verb ("keeper *befriends* a storm") and
    left out; so is one followed by "to" once the phrase has a word, and a common verb in
    its "-s" form ("our bakery *opens*").
    """
    words = _words(subject)
    phrases: list[Phrase] = []
    current: list[str] = []
    verbs = 0

    def close() -> None:
        # Words of the request around the idea ("write a *story* about...") are no part of it.
        kept = [w for w in current if not is_stopword(w) and len(w) <= _MAX_WORD_CHARS]
        if kept:
            text = " ".join(kept[-_MAX_PHRASE_WORDS:])
            if text.lower() not in {p.text.lower() for p in phrases}:
                phrases.append(Phrase(text))
            current.clear()

    clause = False  # after "who", "that", "which": a verb phrase, up to the next article
    for index, word in enumerate(words):
        lower = word.lower()
        following = words[index + 1].lower() if index + 1 < len(words) else ""
        if lower in _ARTICLES or lower in _BREAKS or word.isdigit():
            close()
            clause = lower in _RELATIVES or (clause and lower not in _ARTICLES)
        elif (
            clause or following in _ARTICLES or (current and (following == "to" or _is_verb(lower)))
        ):
            close()  # a verb: it ends the phrase before it and starts none
            verbs += 1
        else:
            current.append(lower if not word[:1].isupper() or index == 0 else word)
    close()
    return phrases, verbs > 0


def noun_phrases(subject: str) -> list[Phrase]:
    """The idea's noun phrases in order; see :func:`parse`."""
    return parse(subject)[0]


def title_case(text: str) -> str:
    """Headline capitals, small words lower-case except the first."""
    small = _ARTICLES | {"and", "or", "of", "in", "on", "at", "to", "for", "by", "with"}
    words = text.split()
    return " ".join(
        word if (index and word.lower() in small) else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    )


def sentence_case(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
