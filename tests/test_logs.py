"""The redaction filter masks configured secrets in messages, arguments and tracebacks."""

from __future__ import annotations

import io
import logging

from storyreel.logs import MASK, configure_logging, job_context, redact, register_secrets

SECRET = "sk-or-v1-TESTKEY-logs-0123456789abcdef"


def test_redaction_masks_message_args_and_traceback() -> None:
    register_secrets([SECRET])
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    log = logging.getLogger("storyreel.tests.logs")
    try:
        log.info("key is %s", SECRET)
        try:
            raise RuntimeError(f"failed with {SECRET}")
        except RuntimeError:
            log.exception("request failed")
    finally:
        logging.getLogger("storyreel").removeHandler(handler)
    output = stream.getvalue()
    assert SECRET not in output
    assert output.count(MASK) == 2
    assert "request failed" in output


def test_redact_leaves_ordinary_text_alone() -> None:
    register_secrets([SECRET, "abc"])  # too short to be a key: ignored
    assert redact(f"x {SECRET} abc") == f"x {MASK} abc"


async def test_log_records_name_the_job_they_belong_to_across_tasks() -> None:
    import asyncio

    stream = io.StringIO()
    handler = configure_logging("INFO", stream)
    log = logging.getLogger("storyreel.tests.jobs")

    async def clip(n: int) -> None:
        log.info("clip %d saved", n)

    try:
        with job_context("20261124-000000-abcdef"):
            await asyncio.gather(asyncio.create_task(clip(1)), asyncio.create_task(clip(2)))
        log.info("outside any job")
    finally:
        logging.getLogger("storyreel").removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert sum("[job 20261124-000000-abcdef] clip" in line for line in lines) == 2
    assert any(line.endswith("storyreel.tests.jobs: outside any job") for line in lines)
