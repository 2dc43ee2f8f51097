"""The budget store's contract, on both backends: the SQLite file and the PostgreSQL database
hold the same windows, pauses, slots and waits, and neither lets two deciders take one last
request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyreel.quota import BudgetStore, QuotaWait
from storyreel.quota.store import PENDING_MAX_S, WINDOW_MARGIN
from storyreel.settings_quota import RateLimit

BUCKET = "video_submit/veo-3.1-fast-generate-001"
T0 = 1_000_000.0


@pytest.fixture
def store(budget_where: Path | str) -> Iterator[BudgetStore]:
    opened = BudgetStore(budget_where)
    yield opened
    opened.close()


def test_budget_store_grants_a_window_then_says_how_long_to_wait(store: BudgetStore) -> None:
    limit = RateLimit(requests=2, per_s=10)
    first = store.take(BUCKET, [limit], T0)
    second = store.take(BUCKET, [limit], T0 + 1)
    assert first[0] == second[0] == 0.0
    assert 0 < first[1] != second[1] > 0
    store.settle(first[1], T0)
    store.settle(second[1], T0 + 1)
    wait, ticket = store.take(BUCKET, [limit], T0 + 2)
    assert ticket == 0
    # The oldest call leaves the window (10 s and its margin) 8.2 s later.
    assert wait == pytest.approx(10 * (1 + WINDOW_MARGIN) - 2)
    assert store.take(BUCKET, [limit], T0 + 10.3)[0] == 0.0
    assert store.take("video_submit/other", [limit], T0 + 2)[0] == 0.0  # its own bucket


def test_budget_store_counts_an_unanswered_call_as_made_now(store: BudgetStore) -> None:
    limit = RateLimit(requests=1, per_s=5)
    _, ticket = store.take(BUCKET, [limit], T0)
    # Not answered yet: it may reach the provider at any moment, so it blocks the window.
    assert store.take(BUCKET, [limit], T0 + 20)[0] == pytest.approx(5 * (1 + WINDOW_MARGIN))
    store.settle(ticket, T0 + 20)  # answered: its window runs from the answer
    assert store.take(BUCKET, [limit], T0 + 24)[0] == pytest.approx(20 + 5.1 - 24)
    assert store.take(BUCKET, [limit], T0 + 25.2)[0] == 0.0


def test_budget_store_forgets_the_unanswered_call_of_a_dead_sender(store: BudgetStore) -> None:
    limit = RateLimit(requests=1, per_s=5)
    assert store.take(BUCKET, [limit], T0)[0] == 0.0
    assert store.take(BUCKET, [limit], T0 + PENDING_MAX_S - 1)[0] > 0
    assert store.take(BUCKET, [limit], T0 + PENDING_MAX_S + 1)[0] == 0.0


def test_budget_store_keeps_to_the_strictest_of_several_limits(store: BudgetStore) -> None:
    limits = [RateLimit(requests=3, per_s=60), RateLimit(requests=1, per_s=2)]
    for at in (T0, T0 + 2.1, T0 + 4.2):
        wait, ticket = store.take(BUCKET, limits, at)
        assert wait == 0.0
        store.settle(ticket, at)
    assert store.take(BUCKET, limits, T0 + 4.5)[0] == pytest.approx(60 * 1.02 - 4.5)


def test_budget_store_pause_holds_the_bucket_and_the_later_pause_wins(
    store: BudgetStore,
) -> None:
    store.pause(BUCKET, T0 + 30)
    store.pause(BUCKET, T0 + 10)  # an earlier end never shortens a pause
    assert store.take(BUCKET, [], T0) == (30.0, 0)
    store.pause(BUCKET, T0 + 45)
    assert store.take(BUCKET, [], T0 + 5) == (40.0, 0)
    assert store.take("image/gemini", [], T0) == (0.0, 0)
    assert store.take(BUCKET, [], T0 + 45) == (0.0, 0)


def test_budget_store_flights_cap_expire_renew_and_end(store: BudgetStore) -> None:
    assert store.take_flight("a", 2, T0, 60) == 0.0
    assert store.take_flight("b", 2, T0, 60) == 0.0
    assert store.flights(T0) == 2
    assert 0 < store.take_flight("c", 2, T0 + 1, 60) <= 0.25
    store.end_flight("a")
    assert store.take_flight("c", 2, T0 + 1, 60) == 0.0
    store.renew_flight("b", T0 + 200)
    # c's slot expired with its holder; b's was renewed.
    assert store.flights(T0 + 100) == 1
    assert store.take_flight("d", 2, T0 + 100, 60) == 0.0
    assert store.take_flight("e", 2, T0 + 100, 60) > 0
    assert store.flights(T0 + 100) == 2
    store.end_flight("d")
    assert store.take_flight("e", 2, T0 + 100, 60) == 0.0


def test_budget_store_lists_waits_oldest_first_and_by_job(store: BudgetStore) -> None:
    store.set_wait("w1", QuotaWait("job-1", "clip-02", "waiting for Veo quota", T0 + 2))
    store.set_wait("w2", QuotaWait("job-2", None, "waiting for image quota", T0 + 1))
    store.set_wait("w3", QuotaWait(None, None, "waiting for TTS quota", T0 + 3))
    store.set_wait("w1", QuotaWait("job-1", "clip-03", "waiting for Veo quota", T0 + 4))
    assert [w.what for w in store.waits()] == [
        "waiting for image quota",
        "waiting for TTS quota",
        "waiting for Veo quota",
    ]
    assert store.waits("job-1") == [QuotaWait("job-1", "clip-03", "waiting for Veo quota", T0 + 4)]
    store.clear_wait("w1")
    assert store.waits("job-1") == []
    assert len(store.waits()) == 2


def test_budget_store_two_stores_on_one_place_share_everything(
    store: BudgetStore, budget_where: Path | str
) -> None:
    other = BudgetStore(budget_where)
    try:
        limit = RateLimit(requests=1, per_s=10)
        assert store.take(BUCKET, [limit], T0)[0] == 0.0
        assert other.take(BUCKET, [limit], T0 + 1)[0] > 0
        other.pause("image/gemini", T0 + 5)
        assert store.take("image/gemini", [], T0) == (5.0, 0)
        assert other.take_flight("x", 1, T0, 60) == 0.0
        assert store.take_flight("y", 1, T0, 60) > 0
        store.set_wait("w", QuotaWait("job", "step", "waiting", T0))
        assert [w.job_id for w in other.waits()] == ["job"]
    finally:
        other.close()


def test_budget_store_racing_deciders_never_take_one_request_twice(
    budget_where: Path | str,
) -> None:
    # Eight stores (eight connections, as eight processes) ask at the same instant, twice
    # over, for a budget of three requests and for two in-flight slots.
    stores = [BudgetStore(budget_where) for _ in range(8)]
    granted: list[int] = []
    slots: list[str] = []
    start = threading.Barrier(len(stores))

    def race(index: int, store: BudgetStore) -> None:
        start.wait()
        for _ in range(2):
            wait, ticket = store.take(BUCKET, [RateLimit(requests=3, per_s=60)], T0)
            if wait == 0:
                granted.append(ticket)
            if store.take_flight(f"t{index}", 2, T0, 60) == 0:
                slots.append(f"t{index}")

    threads = [threading.Thread(target=race, args=pair) for pair in enumerate(stores)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for store in stores:
            store.close()
    assert len(set(granted)) == len(granted) == 3
    assert len(set(slots)) == 2


def test_budget_store_in_postgres_comes_back_after_its_connection_is_cut(
    postgres_url: str,
) -> None:
    from storyreel.databases import DatabaseUnavailable
    from storyreel.db_schema import storyreel_connection, upgrade
    from storyreel.testing.servers import POSTGRES_PASSWORD

    upgrade(postgres_url)
    store = BudgetStore(postgres_url)
    limit = RateLimit(requests=1, per_s=60)
    try:
        assert store.take(BUCKET, [limit], T0)[0] == 0.0
        with storyreel_connection(postgres_url) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(DatabaseUnavailable) as cut:
            store.take(BUCKET, [limit], T0 + 1)
        assert POSTGRES_PASSWORD not in str(cut.value)
        # The next decision reconnects, and the budget spent before the cut is still spent.
        assert store.take(BUCKET, [limit], T0 + 1)[0] > 50
    finally:
        store.close()
