"""A poll answered 404: the operation is gone at Google, said as such and never polled again."""

from __future__ import annotations

import httpx2
import pytest
from google.genai import errors

from storyreel.services.google.polling import OperationGone, PollSchedule, poll_until_done


def _not_found() -> errors.ClientError:
    body = {"error": {"code": 404, "message": "Operation op-7 was not found.", "status": "X"}}
    return errors.ClientError(404, body, httpx2.Response(404))


async def test_a_404_poll_raises_operation_gone_at_once() -> None:
    polls: list[int] = []

    class Pending:
        done = False

    async def poll() -> Pending:
        polls.append(1)
        raise _not_found()

    async def sleep(seconds: float) -> None:
        return None

    with pytest.raises(OperationGone) as caught:
        await poll_until_done(
            poll,
            operation="projects/1/operations/op-7",
            label="segment 02",
            schedule=PollSchedule(initial_s=0.1, max_s=0.1, timeout_s=60.0),
            sleep=sleep,
            clock=lambda: 0.0,
        )

    assert polls == [1]
    gone = caught.value
    assert (gone.status, gone.retryable) == (404, False)
    assert "gone at Google" in str(gone)
    assert "projects/1/operations/op-7" in str(gone)
    assert "Operation op-7 was not found" in str(gone)
