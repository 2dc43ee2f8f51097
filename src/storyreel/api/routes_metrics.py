"""``GET /metrics``: the operator's figures in Prometheus text format, read from the job
store at each scrape (so they survive restarts and agree with ``storyreel stats``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.responses import Response

from storyreel.api.auth import require_token
from storyreel.api.dependencies import app_container
from storyreel.api.routing import problem_router
from storyreel.jobs.figures import Figures, gather

metrics_router = problem_router(401, tags=["metrics"], dependencies=[Depends(require_token)])

# Seconds from a Veo submit to the poll that found it done (Veo takes about 30 s to minutes).
OPERATION_BUCKETS = (1.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0)
POLL_BUCKETS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 20.0)
ASSEMBLY_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


def histogram_buckets(values: Sequence[float], bounds: Sequence[float]) -> list[tuple[str, float]]:
    """Cumulative ``(le, count)`` pairs of ``values``, ending with ``+Inf``."""
    pairs = [(f"{bound:g}", float(sum(v <= bound for v in values))) for bound in bounds]
    return [*pairs, ("+Inf", float(len(values)))]


class FiguresCollector(Collector):
    """Turns the :class:`Figures` read by ``read`` into metric families, at each collect."""

    def __init__(self, read: Callable[[], Figures]) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        figures = self._read()
        jobs = GaugeMetricFamily("storyreel_jobs", "Jobs in the store by status", labels=["status"])
        for status, count in figures.jobs.items():
            jobs.add_metric([status], count)
        clips = CounterMetricFamily(
            "storyreel_clips",
            "Veo clips: submitted (paid submits), succeeded, failed, repaid (submits beyond a "
            "clip's first)",
            labels=["outcome"],
        )
        for outcome, count in figures.clips.items():
            clips.add_metric([outcome], count)
        yield from (jobs, clips, *_calls(figures))
        operations = HistogramMetricFamily(
            "storyreel_operation_seconds",
            "Seconds from a Veo submit to the poll that found the clip done, per model",
            labels=["model"],
        )
        for model, times in sorted(figures.operation_s.items()):
            operations.add_metric([model], histogram_buckets(times, OPERATION_BUCKETS), sum(times))
        polls = HistogramMetricFamily(
            "storyreel_operation_polls", "Polls spent on each Veo operation"
        )
        polls.add_metric(
            [], histogram_buckets(figures.polls, POLL_BUCKETS), float(sum(figures.polls))
        )
        assembly = HistogramMetricFamily(
            "storyreel_reel_assembly_seconds", "Seconds each reel assembly took"
        )
        assembly.add_metric(
            [], histogram_buckets(figures.assembly_s, ASSEMBLY_BUCKETS), sum(figures.assembly_s)
        )
        learned = GaugeMetricFamily(
            "storyreel_operation_expected_seconds",
            "The learned Veo operation time that paces the first poll",
            labels=["model", "resolution", "duration_s"],
        )
        for item in figures.learned:
            shape = item.shape
            learned.add_metric(
                [shape.model, shape.resolution, str(shape.duration_s)], item.expected_s
            )
        spend = GaugeMetricFamily(
            "storyreel_estimated_spend_usd", "Estimated spend of every job in the store, USD"
        )
        spend.add_metric([], figures.estimated_spend_usd)
        yield from (operations, polls, assembly, learned, spend)


def _calls(figures: Figures) -> Iterable[Metric]:
    calls = CounterMetricFamily(
        "storyreel_provider_calls", "Provider calls by client and kind", labels=["client", "kind"]
    )
    errors = CounterMetricFamily(
        "storyreel_provider_errors",
        "Failed provider calls by client, kind and error",
        labels=["client", "kind", "error"],
    )
    totals: dict[tuple[str, str], int] = {}
    for client, kind, error, count in figures.provider_calls:
        totals[(client, kind)] = totals.get((client, kind), 0) + count
        if error:
            errors.add_metric([client, kind, error], count)
    for (client, kind), count in sorted(totals.items()):
        calls.add_metric([client, kind], count)
    waits = CounterMetricFamily(
        "storyreel_quota_waits", "Waits for a rate-limit budget by kind of call", labels=["kind"]
    )
    waited = CounterMetricFamily(
        "storyreel_quota_wait_seconds", "Seconds spent waiting for budget", labels=["kind"]
    )
    for kind, count, seconds in figures.quota_waits:
        waits.add_metric([kind], count)
        waited.add_metric([kind], seconds)
    return (calls, errors, waits, waited)


def metrics_text(read: Callable[[], Figures]) -> bytes:
    """The figures as Prometheus text, from a registry of this scrape alone (never the
    process-wide default one: two applications in one process keep their own figures)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FiguresCollector(read))
    return generate_latest(registry)


@metrics_router.get(
    "/metrics",
    summary="Jobs, clips, provider calls, polling and spend, in Prometheus text format",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
async def metrics(request: Request) -> Response:
    """Every figure of ``storyreel stats``, read from the job store now."""
    container = app_container(request)

    def read() -> Figures:
        return gather(container.job_store(), container.activity(), container.config())

    body = await asyncio.to_thread(metrics_text, read)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


__all__ = ["FiguresCollector", "histogram_buckets", "metrics_router", "metrics_text"]
