"""Which narration goes with which visual prompt, for the stories the emulator wrote.

A clip's title card shows its segment's narration. Veo is asked only for the clip prompt,
which starts with the segment's visual prompt (style and character descriptions may follow
it), so the emulator remembers each visual prompt's narration when it writes a story and
looks it up again when the clip is submitted, possibly from another process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, Final

from storyreel.emulator.records import RecordFolder

logger = logging.getLogger(__name__)

_MAX_KEPT: Final = 2_000
_SPACES: Final = re.compile(r"\s+")
# Where a clip prompt may continue past its visual prompt: after a sentence's end.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?]) ")


def _key(visual_prompt: str) -> str:
    normal = _SPACES.sub(" ", visual_prompt).strip().rstrip(".!?").casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


def _prefixes(prompt: str) -> Iterator[str]:
    """The whole prompt, then each shorter prefix that ends a sentence, longest first."""
    yield prompt
    cuts = [match.start() for match in _SENTENCE_END.finditer(prompt)]
    for cut in reversed(cuts):
        yield prompt[:cut]


def story_segments(reply: Any) -> list[tuple[str, str]]:
    """``(visual_prompt, narration)`` of each segment of a story-shaped JSON reply."""
    segments = reply.get("segments") if isinstance(reply, Mapping) else None
    if not isinstance(segments, list):
        return []
    pairs = []
    for segment in segments:
        if isinstance(segment, Mapping):
            visual, narration = segment.get("visual_prompt"), segment.get("narration")
            if isinstance(visual, str) and isinstance(narration, str) and visual.strip():
                pairs.append((visual, narration.strip()))
    return pairs


class NarrationBook:
    """Narrations by visual prompt: in memory, and in ``folder`` when given."""

    def __init__(self, folder: RecordFolder | None = None) -> None:
        self._folder = folder
        self._known: OrderedDict[str, str] = OrderedDict()

    def remember_reply(self, text: str) -> None:
        """Note the narrations of a reply that is a story; anything else is ignored."""
        try:
            reply = json.loads(text)
        except ValueError:
            return
        for visual, narration in story_segments(reply):
            self.remember(visual, narration)

    def remember(self, visual_prompt: str, narration: str) -> None:
        key = _key(visual_prompt)
        self._known[key] = narration
        self._known.move_to_end(key)
        while len(self._known) > _MAX_KEPT:
            self._known.popitem(last=False)
        if self._folder is not None:
            try:
                self._folder.write(key, {"narration": narration})
            except OSError as exc:
                # Only title cards depend on it: they fall back to the prompt.
                logger.debug("could not store a narration in %s: %s", self._folder.path, exc)

    def narration_for(self, clip_prompt: str) -> str | None:
        """The narration of the story segment whose visual prompt ``clip_prompt`` starts with."""
        for prefix in _prefixes(_SPACES.sub(" ", clip_prompt).strip()):
            key = _key(prefix)
            if key in self._known:
                return self._known[key]
            if self._folder is not None:
                record = self._folder.read(key)
                narration = record.get("narration") if record else None
                if isinstance(narration, str) and narration:
                    self._known[key] = narration
                    return narration
        return None

    def clear(self) -> None:
        self._known.clear()
        if self._folder is not None:
            self._folder.clear()
