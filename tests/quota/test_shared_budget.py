"""One Veo submit budget held by separate processes through one PostgreSQL database, as
workers on several machines hold it: in no window do they send more than the budget, and
every call gets through. A container named that database keeps its budgets and its activity
there, and nothing in its output folder."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from storyreel.containers import create_container
from storyreel.db_schema import storyreel_connection, upgrade
from storyreel.quota import VIDEO_SUBMIT, BudgetStore
from storyreel.settings_quota import RateLimit

PROCESSES = 3
CALLS_EACH = 3
BUDGET = 3  # requests
WINDOW_S = 1.5
MODEL = "veo-3.1-fast-generate-001"

# One worker process: its limiter comes from its settings (jobs.store_url names the
# database), and it sends its calls as soon as their budget allows, noting when each went.
_WORKER = """
import asyncio, json, sys, time
from storyreel.quota import VIDEO_SUBMIT, settings_limiter
from storyreel.settings import load_settings

url, output_dir, requests, per_s, calls, start_at = sys.argv[1:7]
settings = load_settings(
    {
        "output_dir": output_dir,
        "jobs": {"store_url": url},
        "google": {"rate_limits": {"video_submit": {
            "veo-*": {"requests": int(requests), "per_s": float(per_s)}
        }}},
    },
    config_file=None, env={}, dotenv=None,
)
limiter = settings_limiter(settings)
sent = []

async def send():
    sent.append(time.time())

async def work():
    await asyncio.sleep(max(float(start_at) - time.time(), 0))
    for _ in range(int(calls)):
        await limiter.call(VIDEO_SUBMIT, "veo-3.1-fast", send, throttled=lambda e: None)

asyncio.run(work())
limiter.close()
print(json.dumps(sent))
"""


def _most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_processes_on_one_database_share_one_veo_budget(postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    # Every process starts sending at the same instant, once all have started.
    start_at = time.time() + 3.0
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                postgres_url,
                str(tmp_path / f"out-{index}"),
                str(BUDGET),
                str(WINDOW_S),
                str(CALLS_EACH),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(PROCESSES)
    ]
    sent: list[float] = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        sent += json.loads(out)
    sent.sort()
    assert len(sent) == PROCESSES * CALLS_EACH  # all got through
    assert _most_in_any_window(sent, WINDOW_S) == BUDGET  # and never more than the budget
    # Nine calls at three a window: the last goes two whole windows after the first.
    assert sent[-1] - sent[0] >= 2 * WINDOW_S
    # The budget lived in the database, not in each process's output folder.
    assert not any(tmp_path.glob("out-*/storyreel-quota.sqlite3"))


def test_a_container_keeps_budgets_and_activity_in_its_store_database(
    postgres_url: str, tmp_path: Path
) -> None:
    upgrade(postgres_url)
    container = create_container(
        config_file=None,
        env={},
        dotenv=None,
        output_dir=str(tmp_path),
        jobs={"store_url": postgres_url},
        google={"rate_limits": {"video_submit": {"veo-*": {"requests": 1, "per_s": 60}}}},
    )
    limiter = container.limiter()

    async def send() -> str:
        return "sent"

    async def two_processes_pause_and_submit() -> None:
        await limiter.call(VIDEO_SUBMIT, MODEL, send, throttled=lambda exc: None)
        await limiter.pause("image", "gemini-2.5-flash-image", 30)

    try:
        asyncio.run(two_processes_pause_and_submit())
        # Another process on another machine sees this one's budget used up.
        other = BudgetStore(postgres_url)
        wait, _ = other.take(
            f"{VIDEO_SUBMIT}/{MODEL}", [RateLimit(requests=1, per_s=60)], time.time()
        )
        assert wait > 50
        assert other.take("image/gemini-2.5-flash-image", [], time.time())[0] > 25
        other.close()
        assert container.activity().provider_calls() == [("google", VIDEO_SUBMIT, "", 1)]
    finally:
        container.shutdown_resources()
    with storyreel_connection(postgres_url) as db:
        calls = db.execute("SELECT client, kind, calls FROM provider_calls").fetchall()
    assert calls == [("google", VIDEO_SUBMIT, 1)]
    assert list(tmp_path.iterdir()) == []  # no budget file, no activity file
