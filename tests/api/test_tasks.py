"""JobTasks: one task per job, cancel on shutdown, nothing left behind."""

from __future__ import annotations

import asyncio

from storyreel.jobs.tasks import JobTasks


async def test_tasks_start_runs_once_per_job() -> None:
    tasks = JobTasks()
    gate = asyncio.Event()
    runs: list[str] = []

    async def work() -> None:
        runs.append("ran")
        await gate.wait()

    assert tasks.start("a", work)
    assert not tasks.start("a", work)
    await asyncio.sleep(0)
    assert tasks.running("a")
    assert tasks.running_ids() == ["a"]
    gate.set()
    await tasks.wait("a", within_s=5)
    assert runs == ["ran"]
    assert not tasks.running("a")
    assert tasks.start("a", work)
    await tasks.wait("a", within_s=5)


async def test_tasks_shutdown_cancels_and_reports_interrupted_jobs() -> None:
    tasks = JobTasks()
    unwound: list[str] = []

    async def forever(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            unwound.append(name)

    async def quick() -> None:
        return None

    tasks.start("slow-1", lambda: forever("slow-1"))
    tasks.start("slow-2", lambda: forever("slow-2"))
    tasks.start("done", quick)
    await asyncio.sleep(0.01)

    interrupted = await tasks.shutdown(grace_s=5)

    assert sorted(interrupted) == ["slow-1", "slow-2"]
    assert sorted(unwound) == ["slow-1", "slow-2"]
    assert tasks.running_ids() == []


async def test_tasks_failed_job_does_not_break_the_registry() -> None:
    tasks = JobTasks()

    async def broken() -> None:
        raise RuntimeError("boom")

    tasks.start("x", broken)
    await tasks.wait("x", within_s=5)
    assert not tasks.running("x")
    assert await tasks.shutdown() == []
