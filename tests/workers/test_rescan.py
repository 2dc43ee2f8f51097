"""The lease rescan: a job whose worker died goes back to the queue once, for one live worker."""

from __future__ import annotations

import time
from datetime import timedelta

from test_perform import dead_owner

from storyreel.containers import Container
from storyreel.jobs.models import SERVER_ROLE, JobStatus, this_process, utcnow
from storyreel.workers import BrokerUnavailable, JobAction
from storyreel.workers.rescan import WORKER_ROLE, rescan

LEASE_S = 60.0


def test_rescan_requeues_a_dead_workers_job_once(container: Container) -> None:
    store = container.job_store()
    runner = container.job_runner()
    orphan = runner.create("a paper boat", segments=1)
    store.claim(
        orphan.id, dead_owner(), expected_status=JobStatus.QUEUED, expected_owner=orphan.owner
    )
    live = runner.create("a kite", segments=1)
    store.claim(
        live.id,
        "elsewhere:9:worker-00000000",
        expected_status=JobStatus.QUEUED,
        expected_owner=live.owner,
    )
    waiting = runner.create("a lantern", segments=1)  # queued by this process: its task will come
    me, other = this_process(WORKER_ROLE), this_process(SERVER_ROLE).replace(SERVER_ROLE, "x")
    sent: list[JobAction] = []

    taken = rescan(store, sent.append, sent.append, owner=me, active=(), lease_s=LEASE_S)
    again = rescan(store, sent.append, sent.append, owner=other, active=(), lease_s=LEASE_S)

    assert taken == [orphan.id]
    assert again == []
    requeued = store.get(orphan.id)
    assert (requeued.status, requeued.owner) == (JobStatus.QUEUED, me)
    assert sent == [JobAction(kind="resume", job_id=orphan.id, fence=requeued.fence)]
    assert store.get(live.id).status is JobStatus.RUNNING
    assert store.get(waiting.id).status is JobStatus.QUEUED


def test_rescan_runs_the_job_here_when_the_broker_is_down(container: Container) -> None:
    store = container.job_store()
    orphan = container.job_runner().create("a paper boat", segments=1)
    store.claim(
        orphan.id, dead_owner(), expected_status=JobStatus.QUEUED, expected_owner=orphan.owner
    )
    here: list[JobAction] = []

    def down(action: JobAction) -> None:
        raise BrokerUnavailable("cannot reach the broker at redis://:***@127.0.0.1:1/0")

    rescan(store, down, here.append, owner=this_process(WORKER_ROLE), active=(), lease_s=LEASE_S)

    assert [action.job_id for action in here] == [orphan.id]


def test_rescan_takes_back_this_workers_own_job_once_its_lease_ran_out(
    container: Container,
) -> None:
    store = container.job_store()
    me = this_process(WORKER_ROLE)
    job = container.job_runner().create("a paper boat", segments=1)
    store.claim(job.id, me, expected_status=JobStatus.QUEUED, expected_owner=job.owner)
    store.update(job.id, heartbeat_at=utcnow() - timedelta(seconds=LEASE_S + 1))
    sent: list[JobAction] = []

    running_here = rescan(
        store, sent.append, sent.append, owner=me, active={job.id}, lease_s=LEASE_S
    )
    stopped = rescan(store, sent.append, sent.append, owner=me, active=(), lease_s=LEASE_S)

    assert running_here == []
    assert stopped == [job.id]
    assert [action.kind for action in sent] == ["resume"]


def test_rescan_sends_again_a_job_left_queued_untaken_with_the_same_fence(
    container: Container,
) -> None:
    """A worker SIGKILLed after taking a job's message, before claiming the job, leaves the
    message unacknowledged for a day: the job, queued by a live server, must not wait that
    long. A copy naming the same fence runs it once, whichever copy arrives first."""
    store = container.job_store()
    old = container.job_runner().create("a paper boat", segments=1)
    me = this_process(WORKER_ROLE)
    sent: list[JobAction] = []

    def look(resend_after_s: float) -> list[str]:
        return rescan(
            store,
            sent.append,
            sent.append,
            owner=me,
            active=(),
            lease_s=LEASE_S,
            resend_after_s=resend_after_s,
        )

    assert look(3600) == []
    assert sent == []  # waiting its turn, not an hour yet
    time.sleep(0.3)
    assert look(0.25) == []  # nothing requeued: the job keeps its fence and its place
    assert look(0.25) == []  # touched: the next look waits again

    assert sent == [JobAction(kind="resume", job_id=old.id, fence=old.fence)]
    assert store.get(old.id).fence == old.fence
    assert store.get(old.id).status is JobStatus.QUEUED
