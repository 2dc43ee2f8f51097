"""Emulator throughput as a ratio to a minimal ASGI floor, measured in one run.

    python bench/emulator.py [--requests N] [--concurrency C] [--json]

One process, the real ``AsyncOpenAI`` client, C concurrent chat completions (no latency)
against the emulator and against a bare ASGI app that returns a fixed completion, both
served by uvicorn in a thread on loopback. Target: emulator / floor >= 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import openai
import uvicorn

from storyreel.emulator import EmulatorOptions, EmulatorServer

TARGET = 0.5
ROUNDS = 2
MESSAGES: Any = [{"role": "user", "content": "Write a short story about a lighthouse keeper"}]
FIXED = json.dumps(
    {
        "id": "chatcmpl-floor",
        "object": "chat.completion",
        "created": 1_735_689_600,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "A fixed reply.", "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    }
).encode()

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def floor_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The least an HTTP server can do for a chat completion: read the body, send fixed JSON."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(FIXED)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": FIXED})


class FloorServer:
    """``floor_app`` under uvicorn in a daemon thread, configured like the emulator's server."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(
            floor_app, lifespan="off", ws="none", log_config=None, access_log=False, loop="asyncio"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> FloorServer:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


async def rate(base_url: str, requests: int, concurrency: int, warmup: int) -> float:
    """Completed requests per second for ``requests`` calls, ``concurrency`` at a time."""
    async with openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0) as client:

        async def worker(quota: list[int]) -> None:
            while quota[0] > 0:
                quota[0] -= 1
                completion = await client.chat.completions.create(model="m", messages=MESSAGES)
                assert completion.choices[0].message.content

        async def run(count: int) -> float:
            quota = [count]
            started = time.perf_counter()
            await asyncio.gather(*(worker(quota) for _ in range(concurrency)))
            return count / (time.perf_counter() - started)

        await run(warmup)
        return await run(requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    best = {"emulator": 0.0, "floor": 0.0}
    options = EmulatorOptions(video_latency_s=0, text_latency_s=0, image_latency_s=0)
    with EmulatorServer(options) as emulator, FloorServer() as floor:
        urls = {"emulator": emulator.url + "/v1", "floor": floor.url + "/v1"}
        # Alternate and keep each side's best round, so a noisy moment does not pick the winner.
        for _ in range(ROUNDS):
            for name, url in urls.items():
                measured = asyncio.run(rate(url, args.requests, args.concurrency, args.warmup))
                best[name] = max(best[name], measured)
        served = emulator.state.stats()["requests"]["chat.completions"]
    expected = ROUNDS * (args.requests + args.warmup)
    assert served == expected, f"emulator counted {served} chat requests, expected {expected}"
    ratio = best["emulator"] / best["floor"]
    result = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "emulator_rps": round(best["emulator"], 1),
        "floor_rps": round(best["floor"], 1),
        "ratio": round(ratio, 3),
        "target": TARGET,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"emulator  {best['emulator']:8.1f} req/s")
    print(f"floor     {best['floor']:8.1f} req/s")
    print(f"emulator / floor = {ratio:.2f}  (target >= {TARGET})")


if __name__ == "__main__":
    main()
