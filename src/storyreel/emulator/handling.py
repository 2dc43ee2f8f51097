"""The steps every API route shares: count, enforce the quota, consult the fault rules, delay,
parse the body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from storyreel.emulator.faults import Verdict
from storyreel.emulator.quota import over_quota
from storyreel.emulator.responses import drop_connection
from storyreel.emulator.state import EmulatorState

ErrorFactory = Callable[..., Response]


@dataclass
class Call:
    """One accepted API request, with the fault (if any) that it must suffer."""

    request: Request
    state: EmulatorState
    body: bytes
    payload: dict[str, Any]
    verdict: Verdict

    @property
    def fault(self) -> str | None:
        return self.verdict.kind

    async def settle(self, latency_s: float) -> None:
        """Pretend the work took ``latency_s``."""
        if latency_s > 0:
            await asyncio.sleep(latency_s)

    async def hold_after_accept(self) -> None:
        """For ``delay_after_accept``: the work is accepted; the answer waits."""
        if self.verdict.rule is not None and self.fault == "delay_after_accept":
            await asyncio.sleep(self.verdict.rule.delay_s)

    async def drop(self) -> Response:
        return await drop_connection(self.request, self.state.connections)


async def begin(
    request: Request, state: EmulatorState, route: str, error: ErrorFactory
) -> Call | Response:
    """Count the request and apply delay/status faults; a Response means: answer with it."""
    body = await request.body()
    state.count(route, request.scope.get("client"))
    exceeded = state.quota.admit(route)
    if exceeded is not None:
        return over_quota(route, exceeded)
    verdict = state.faults.decide(route, body)
    if verdict.delay_s > 0:
        await asyncio.sleep(verdict.delay_s)
    rule = verdict.rule
    if rule is not None and rule.kind == "status":
        return error(
            rule.status,
            f"Emulated fault: status {rule.status} on {route}.",
            retry_after_s=rule.retry_after_s,
        )
    try:
        payload = json.loads(body) if body else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return error(400, f"The request body is not valid JSON: {exc}")
    if not isinstance(payload, dict):
        return error(400, "The request body must be a JSON object.")
    return Call(request, state, body, payload, verdict)
