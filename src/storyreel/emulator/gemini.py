"""``generateContent`` replies: text, schema-valid JSON, a PNG image, or a safety block."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storyreel.emulator.images import describe_image, make_png, parse_ratio
from storyreel.emulator.input_images import (
    GEMINI_IMAGE_TYPES,
    GEMINI_MAX_IMAGE_BYTES,
    InputImageError,
    check_image,
    decoded,
)
from storyreel.emulator.insets import with_insets
from storyreel.emulator.schema_fill import fill
from storyreel.emulator.text import Prose, estimate_tokens


class GeminiRequestError(ValueError):
    """A request Google would answer with 400 INVALID_ARGUMENT."""


@dataclass
class GeminiRequest:
    """The parts of a ``generateContent`` body that shape the reply."""

    prompt: str
    images: list[str] = field(default_factory=list)
    # The bytes of each inline image, in the order sent: what an image reply shows as insets.
    inputs: list[bytes] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def wants_image(self) -> bool:
        modalities = self.config.get("responseModalities") or []
        return any(str(item).upper() == "IMAGE" for item in modalities)

    @property
    def aspect_ratio(self) -> tuple[int, int]:
        image_config = self.config.get("imageConfig") or {}
        try:
            return parse_ratio(image_config.get("aspectRatio"))
        except ValueError as exc:
            raise GeminiRequestError(str(exc)) from exc

    @property
    def prompt_tokens(self) -> int:
        return sum(estimate_tokens(text) for text in self.texts) + 258 * len(self.images)


def _inline_image(part: Mapping[str, Any], where: str) -> bytes | None:
    """The bytes of an inline image part (None for other media), refused as Gemini refuses
    an image of another type, over the size limit or that does not decode."""
    inline = part.get("inlineData")
    if not isinstance(inline, Mapping):
        raise GeminiRequestError(f"Invalid value at '{where}.inlineData': an object is required.")
    # Proto JSON takes a field by its camelCase or its original name; google-genai sends the
    # blob inside inlineData with snake_case keys.
    mime = inline.get("mimeType", inline.get("mime_type"))
    if not isinstance(mime, str) or not mime:
        raise GeminiRequestError(f"{where}.inlineData.mimeType is required.")
    try:
        data = decoded(inline.get("data", ""), f"{where}.inlineData.data")
        if not mime.startswith("image/"):
            return None
        limit = GEMINI_MAX_IMAGE_BYTES
        check_image(data, mime, where=where, types=GEMINI_IMAGE_TYPES, limit=limit)
    except InputImageError as exc:
        raise GeminiRequestError(str(exc)) from exc
    return data


def read_request(payload: Mapping[str, Any]) -> GeminiRequest:
    """Validate ``contents`` and pick out the last user turn's words."""
    contents = payload.get("contents")
    if isinstance(contents, Mapping):
        contents = [contents]
    if not isinstance(contents, list) or not contents:
        raise GeminiRequestError("contents must not be empty")
    request = GeminiRequest(prompt="", config=payload.get("generationConfig") or {})
    for index, content in enumerate(contents):
        parts = content.get("parts") if isinstance(content, Mapping) else None
        if not isinstance(parts, list):
            raise GeminiRequestError(f"contents[{index}].parts must be a list")
        texts = [str(p["text"]) for p in parts if isinstance(p, Mapping) and "text" in p]
        for number, part in enumerate(parts):
            if isinstance(part, Mapping) and "inlineData" in part:
                data = _inline_image(part, f"contents[{index}].parts[{number}]")
                if data is not None:
                    request.images.append(describe_image(data))
                    request.inputs.append(data)
        text = "\n".join(texts)
        request.texts.append(text)
        if content.get("role", "user") == "user" and text:
            request.prompt = text
    return request


def _usage(request: GeminiRequest, reply_tokens: int) -> dict[str, int]:
    prompt_tokens = request.prompt_tokens
    return {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": reply_tokens,
        "totalTokenCount": prompt_tokens + reply_tokens,
    }


def _text(request: GeminiRequest, salt: str) -> str:
    schema = request.config.get("responseJsonSchema") or request.config.get("responseSchema")
    mime = str(request.config.get("responseMimeType", ""))
    if schema is not None or mime == "application/json":
        prompt = f"{request.prompt}\x1f{salt}" if salt else request.prompt
        return json.dumps(fill(schema if schema is not None else {"type": "object"}, prompt))
    prose = Prose(request.prompt, salt)
    seen = "".join(f" The picture shows {image}." for image in request.images)
    return f"{prose.title()}.{seen} {prose.paragraph(2)}"


def text_reply(request: GeminiRequest, model: str, response_id: str) -> dict[str, Any]:
    count = request.config.get("candidateCount", 1)
    if not isinstance(count, int) or not 1 <= count <= 8:
        raise GeminiRequestError("candidateCount must be an integer from 1 to 8")
    candidates = []
    tokens = 0
    for index in range(count):
        text = _text(request, str(index) if index else "")
        tokens += estimate_tokens(text)
        content = {"role": "model", "parts": [{"text": text}]}
        candidates.append({"content": content, "finishReason": "STOP", "index": index})
    return {
        "candidates": candidates,
        "usageMetadata": _usage(request, tokens),
        "modelVersion": model,
        "responseId": response_id,
    }


def image_reply(request: GeminiRequest, model: str, response_id: str) -> dict[str, Any]:
    """A short caption, then the PNG; call from a worker thread, rendering takes milliseconds."""
    ratio = request.aspect_ratio
    png = with_insets(make_png(request.prompt, ratio), request.inputs)
    caption = f"Here is an image of {Prose(request.prompt).title()}."
    parts = [
        {"text": caption},
        {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(png).decode("ascii")}},
    ]
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        ],
        # Google bills an image as a fixed token count; 1290 is what Gemini image models report.
        "usageMetadata": _usage(request, estimate_tokens(caption) + 1290),
        "modelVersion": model,
        "responseId": response_id,
    }


def blocked_reply(request: GeminiRequest, model: str, response_id: str) -> dict[str, Any]:
    rating = {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}
    return {
        "promptFeedback": {
            "blockReason": "SAFETY",
            "blockReasonMessage": "The prompt was blocked by the emulated safety filter.",
            "safetyRatings": [rating],
        },
        "usageMetadata": _usage(request, 0),
        "modelVersion": model,
        "responseId": response_id,
    }
