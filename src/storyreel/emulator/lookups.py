"""The cheap lookups a key check makes: OpenRouter's ``GET /api/v1/key`` and Vertex AI's
publisher model ``GET``, answered in the real services' shapes."""

from __future__ import annotations

import re
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from storyreel.emulator.handling import begin
from storyreel.emulator.responses import google_error, json_response, openai_error
from storyreel.emulator.state import EmulatorState

MODEL_RESOURCE: Final = re.compile(
    r"^(?:projects/[^/]+/locations/[^/]+/)?publishers/google/models/(?P<model>[^/:]+)$"
)
# The publisher models the emulator knows: Veo, Gemini (text, image, speech) and Imagen.
_KNOWN_MODEL: Final = re.compile(
    r"^(?:veo-[23]\.\d-(?:fast-)?generate-(?:\d{3}|preview)"
    r"|gemini-[0-9][\w.-]*|imagen-[0-9][\w.-]*)$"
)


def _bearer(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


async def openrouter_key(request: Request, state: EmulatorState) -> Response:
    """``GET /api/v1/key``: what OpenRouter says about the key that called (never the key)."""
    if not _bearer(request):
        return openai_error(401, "No auth credentials found")
    started = await begin(request, state, "key", openai_error)
    if isinstance(started, Response):
        return started
    data = {
        "label": "storyreel emulator",
        "limit": None,
        "limit_reset": None,
        "limit_remaining": None,
        "include_byok_in_limit": False,
        "usage": 0.0,
        "usage_daily": 0.0,
        "usage_weekly": 0.0,
        "usage_monthly": 0.0,
        "is_free_tier": False,
        "is_provisioning_key": False,
    }
    return json_response({"data": data})


async def publisher_model(request: Request, state: EmulatorState, model: str) -> Response:
    """``GET {version}/[projects/p/locations/l/]publishers/google/models/{model}``."""
    started = await begin(request, state, "models.get", google_error)
    if isinstance(started, Response):
        return started
    if not _KNOWN_MODEL.match(model):
        return google_error(
            404, f"Publisher Model `publishers/google/models/{model}` was not found."
        )
    preview = model.endswith("-preview")
    return json_response(
        {
            "name": f"publishers/google/models/{model}",
            "versionId": "001" if not preview else "preview",
            "openSourceCategory": "PROPRIETARY",
            "launchStage": "PUBLIC_PREVIEW" if preview else "GA",
        }
    )
