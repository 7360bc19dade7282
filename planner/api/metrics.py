"""Prometheus metrics (the official ``prometheus_client``) and the ``GET /metrics`` route.

Per request (recorded by :mod:`planner.api.observe`): latency histogram by method, route
template and status; cache hits and misses; solver time of each miss. Read at scrape time from
the process: the Redis circuit state, and the admission numbers (queue depth, deadline-exceeded
and shed counts) through a provider the admission layer installs with
:func:`set_admission_provider` (absent: zeros).

Several worker processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, wiped at
each start, set before the workers start) the request metrics of all workers are summed at
scrape time; the live numbers are per process and carry a ``pid`` label. Without it each worker
reports its own numbers, so scrape one process per target (one worker per container).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.responses import Response

__all__ = [
    "CACHE_HITS",
    "CACHE_MISSES",
    "REQUEST_SECONDS",
    "SOLVE_SECONDS",
    "AdmissionNumbers",
    "add_metrics_route",
    "set_admission_provider",
]

_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUEST_SECONDS = Histogram(
    "planner_http_request_duration_seconds",
    "Time from request received to response sent, by route template and status.",
    ["method", "route", "status"],
    buckets=_SECONDS,
)
CACHE_HITS = Counter("planner_cache_hits", "Answers served from the cache.", ["route"])
CACHE_MISSES = Counter("planner_cache_misses", "Answers computed (not in the cache).", ["route"])
SOLVE_SECONDS = Histogram(
    "planner_solve_duration_seconds",
    "Time the optimiser spent on a cache miss (Server-Timing solve).",
    ["route"],
    buckets=_SECONDS,
)


@dataclass(frozen=True)
class AdmissionNumbers:
    """What the admission layer knows; counts are cumulative since the process started."""

    queue_depth: int = 0
    deadline_exceeded: int = 0
    shed: int = 0


AdmissionProvider = Callable[[], AdmissionNumbers]


def set_admission_provider(app: FastAPI, provider: AdmissionProvider) -> None:
    """Let ``/metrics`` read the queue depth and the deadline/shed counts from ``provider``."""
    app.state.admission_metrics = provider


def _multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


class _LiveCollector(Collector):
    """Numbers read from this process at scrape time (breaker, admission, in-process cache)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        labels = {"pid": str(os.getpid())} if _multiprocess_dir() else {}
        names = list(labels)
        values = list(labels.values())

        def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc, labels=names)
            family.add_metric(values, value)
            return family

        def counter(name: str, doc: str, value: float) -> CounterMetricFamily:
            family = CounterMetricFamily(name, doc, labels=names)
            family.add_metric(values, value)
            return family

        state = self._app.state
        provider: AdmissionProvider | None = getattr(state, "admission_metrics", None)
        numbers = provider() if provider is not None else AdmissionNumbers()
        yield gauge("planner_queue_depth", "Requests waiting for a solver.", numbers.queue_depth)
        yield counter(
            "planner_deadline_exceeded",
            "Requests stopped at their deadline (503 DeadlineExceeded).",
            numbers.deadline_exceeded,
        )
        yield counter(
            "planner_requests_shed", "Requests refused because the queue was full.", numbers.shed
        )
        services = getattr(state, "services", None)
        cache = getattr(services, "cache", None)
        breaker = getattr(cache, "breaker", None)
        if breaker is not None:
            yield gauge(
                "planner_redis_circuit_state",
                "Redis circuit: 0 closed (in use), 1 open (skipped), 2 half-open (probing).",
                int(breaker.state),
            )
            yield counter("planner_redis_circuit_trips", "Times the circuit opened.", breaker.trips)
            yield counter(
                "planner_redis_stale_retries",
                "Redis calls retried once on a fresh connection (e.g. after a restart).",
                getattr(cache, "stale_retries", 0),
            )
            yield gauge(
                "planner_redis_timeout_seconds",
                "Current per-call Redis deadline (adapts to recent latency).",
                getattr(cache, "timeout_seconds", 0.0),
            )
        size = getattr(cache, "size_bytes", None)
        if size is not None:
            yield gauge("planner_memory_cache_bytes", "Bytes held by the in-process cache.", size)


def add_metrics_route(app: FastAPI) -> None:
    live = CollectorRegistry(auto_describe=True)
    live.register(_LiveCollector(app))

    async def metrics() -> Response:
        """Prometheus text format."""
        path = _multiprocess_dir()
        if path is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
            body = generate_latest(registry)
        else:
            body = generate_latest(REGISTRY)
        return Response(body + generate_latest(live), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
