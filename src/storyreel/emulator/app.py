"""The emulator's ASGI app: both providers' API routes plus the ``/_emulator`` controls."""

from __future__ import annotations

import functools
import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storyreel.emulator.faults import FaultRuleError, parse_rule
from storyreel.emulator.google_routes import GoogleRoutes
from storyreel.emulator.lookups import openrouter_key
from storyreel.emulator.openai_routes import OpenAIRoutes
from storyreel.emulator.options import EmulatorOptions
from storyreel.emulator.quota import parse_quotas
from storyreel.emulator.responses import json_response
from storyreel.emulator.state import EmulatorState

logger = logging.getLogger(__name__)


class ControlRoutes:
    """Test and benchmark controls: stats, faults, latencies, reset."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    async def stats(self, request: Request) -> Response:
        return json_response(self._state.stats())

    async def faults(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response({"faults": self._state.faults.describe()})
        try:
            raw = json.loads(await request.body() or b"[]")
            rules = [parse_rule(item) for item in (raw if isinstance(raw, list) else [raw])]
        except (json.JSONDecodeError, UnicodeDecodeError, FaultRuleError) as exc:
            return json_response({"error": str(exc)}, 400)
        self._state.faults.install(rules)
        logger.info("installed %d fault rule(s)", len(rules))
        return json_response({"faults": self._state.faults.describe()})

    async def config(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = json.loads(await request.body() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("the body must be a JSON object of latencies")
                express = changes.pop("express_veo", None)
                if express is not None and not isinstance(express, bool):
                    raise ValueError(f"express_veo must be true or false, got {express!r}")
                # Checked before anything is applied: a bad quota changes nothing.
                quotas = parse_quotas(changes.pop("quota")) if "quota" in changes else {}
                self._state.latency.update(changes)
                self._state.quota.apply(quotas)
                if express is not None:
                    self._state.express_veo = express
            except (ValueError, UnicodeDecodeError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response(
            {
                **self._state.latency.describe(),
                "express_veo": self._state.express_veo,
                "quota": self._state.quota.describe(),
            }
        )

    async def reset(self, request: Request) -> Response:
        self._state.reset()
        return json_response({"reset": True})


def create_app(options: EmulatorOptions | None = None) -> Starlette:
    """Build a fresh emulator app; its state lives on ``app.state.emulator``."""
    state = EmulatorState(options or EmulatorOptions())
    openai = OpenAIRoutes(state)
    google = GoogleRoutes(state)
    control = ControlRoutes(state)
    routes = [
        # Chat first: it is the hot path, and Starlette tries routes in order.
        Route("/v1/chat/completions", openai.chat_completions, methods=["POST"]),
        Route("/api/v1/chat/completions", openai.chat_completions, methods=["POST"]),
        Route("/v1/models", openai.models, methods=["GET"]),
        Route("/api/v1/models", openai.models, methods=["GET"]),
        Route("/api/v1/key", functools.partial(openrouter_key, state=state), methods=["GET"]),
        Route("/v1/key", functools.partial(openrouter_key, state=state), methods=["GET"]),
        Route("/_emulator/stats", control.stats, methods=["GET"]),
        Route("/_emulator/faults", control.faults, methods=["GET", "POST"]),
        Route("/_emulator/config", control.config, methods=["GET", "POST"]),
        Route("/_emulator/reset", control.reset, methods=["POST"]),
        Route("/{version}/{resource:path}", google.post, methods=["POST"]),
        Route("/{version}/{resource:path}", google.get, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = state
    return app
