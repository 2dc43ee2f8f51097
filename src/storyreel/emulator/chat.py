"""Chat completion content: what the emulated model says, as plain text or schema-valid JSON."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from storyreel.emulator.images import describe_image
from storyreel.emulator.schema_fill import fill
from storyreel.emulator.strings import string_for
from storyreel.emulator.subject import has_subject_tag
from storyreel.emulator.tale_fields import tale_for
from storyreel.emulator.text import estimate_tokens

REFUSAL: Final = "I'm sorry, but I can't help with that request."
_IMAGE_TOKENS: Final = 85
_QUOTED_KEY: Final = re.compile(r"[\"'`]([a-z][a-z0-9_]{1,39})[\"'`]")


class ChatRequestError(ValueError):
    """A request the real API would reject with 400; the message says which field."""


@dataclass
class Conversation:
    """What the reply depends on: the last user words, pictures seen and every message's text."""

    prompt: str = ""
    images: list[str] = field(default_factory=list)
    all_text: list[str] = field(default_factory=list)

    @property
    def brief(self) -> str:
        """The text the reply is about: the last user words, or, when they name no idea (a
        repair request), the latest message that does, so a repair keeps to the same idea."""
        if has_subject_tag(self.prompt):
            return self.prompt
        return next((t for t in reversed(self.all_text) if has_subject_tag(t)), self.prompt)

    @property
    def prompt_tokens(self) -> int:
        words = sum(estimate_tokens(text) for text in self.all_text)
        return words + 3 * len(self.all_text) + _IMAGE_TOKENS * len(self.images)


def _describe_url(url: str) -> str:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        try:
            raw = base64.b64decode(data, validate=False) if ";base64" in header else data.encode()
        except (binascii.Error, ValueError):
            return "an image whose data URL does not decode"
        return describe_image(raw)
    # Never fetched: an emulator must not reach the network, so only the name is known.
    name = urlsplit(url).path.rsplit("/", 1)[-1] or urlsplit(url).netloc
    return f"the linked image {name!r}"


def read_messages(messages: Any) -> Conversation:
    """Validate ``messages`` and collect the text and images the reply should be about."""
    if not isinstance(messages, list) or not messages:
        raise ChatRequestError("'messages' must be a non-empty array")
    conversation = Conversation()
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or not isinstance(message.get("role"), str):
            raise ChatRequestError(f"messages[{index}] must be an object with a 'role'")
        content = message.get("content")
        texts: list[str] = []
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, Mapping):
                    raise ChatRequestError(f"messages[{index}].content parts must be objects")
                if part.get("type") == "text":
                    texts.append(str(part.get("text", "")))
                elif part.get("type") == "image_url":
                    image = part.get("image_url")
                    url = image.get("url") if isinstance(image, Mapping) else image
                    if not isinstance(url, str):
                        raise ChatRequestError(f"messages[{index}] image_url needs a 'url'")
                    conversation.images.append(_describe_url(url))
        text = "\n".join(texts)
        conversation.all_text.append(text)
        if message["role"] == "user":
            conversation.prompt = text
    if not conversation.prompt:
        conversation.prompt = next((t for t in reversed(conversation.all_text) if t), "")
    return conversation


def plain_reply(conversation: Conversation, salt: str) -> str:
    tale = tale_for(f"{conversation.brief}\x1f{salt}" if salt else conversation.brief)
    opening = f"Here is a take on {tale.title()}: {tale.logline()}"
    seen = "".join(f" The picture shows {image}." for image in conversation.images)
    return f"{opening}{seen} {tale.paragraph()}"


def json_reply(conversation: Conversation, response_format: Any, salt: str) -> str | None:
    """JSON text for ``response_format``, or None when plain text was asked for."""
    if response_format is None:
        return None
    if not isinstance(response_format, Mapping):
        raise ChatRequestError("'response_format' must be an object")
    kind = response_format.get("type")
    prompt = f"{conversation.brief}\x1f{salt}" if salt else conversation.brief
    if kind == "text":
        return None
    if kind == "json_object":
        return json.dumps(_loose_object(conversation), ensure_ascii=False)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if not isinstance(schema, Mapping | bool):
            raise ChatRequestError("'response_format.json_schema.schema' must be a JSON schema")
        return json.dumps(fill(schema, prompt), ensure_ascii=False)
    raise ChatRequestError(f"unsupported response_format type {kind!r}")


def _loose_object(conversation: Conversation) -> dict[str, str]:
    # Without a schema the keys the instructions quote ("title", `segments`) are the best guess.
    keys: dict[str, None] = {}
    for text in conversation.all_text:
        for match in _QUOTED_KEY.finditer(text):
            keys.setdefault(match.group(1), None)
    names = list(keys)[:8] or ["title", "text"]
    return {name: string_for(name, conversation.brief, f"$.{name}") for name in names}
