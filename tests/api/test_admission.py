"""Deadlines, cancellation and admission control, against a real server (issue 12).

The issue's slow question, a 1e26-FLOP plan over 50 data sources each with its own quality,
took 86-122 s; the vectorised data routes now answer it in about a second, too fast to test a
deadline with. The slow question here is a 10,000-budget sweep with a binding parameter cap
(many seconds of solves, far more under contention): it checks between rows, as the data
routes do between sources.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
import uuid
from typing import Any

import httpx
import pytest

from planner.config import Settings

from .live_server import live_server

log = logging.getLogger(__name__)

SLOW_PLAN: dict[str, Any] = {
    "budget": {"flops": 1e26},
    "data": {
        "sources": [
            {"name": f"s{i}", "unique_tokens": 1e10 * (1 + i), "quality": 0.5 + i / 50}
            for i in range(50)
        ]
    },
}


SLOW_SWEEP: dict[str, Any] = {
    "budgets": [{"flops": 10 ** (18 + 9 * i / 9999)} for i in range(10_000)],
    "constraints": {"max_params": 2e9},
}


def _cheap_plan() -> dict[str, Any]:
    """A fast question no other request asked (never a cache hit)."""
    return {"budget": {"flops": 1e21 * (1 + (uuid.uuid4().int % 10**9) / 10**10)}}


def _settings(**overrides: Any) -> Settings:
    return Settings(redis_url=None, **overrides)


def _wait_until(condition: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


@pytest.mark.slow
def test_deadline_answers_503_in_time_and_frees_the_solver_thread() -> None:
    with live_server(_settings(request_deadline_seconds=2, solver_threads=1)) as server:
        started = time.perf_counter()
        response = httpx.post(f"{server.url}/v1/sweep", json=SLOW_SWEEP, timeout=30)
        elapsed = time.perf_counter() - started
        assert response.status_code == 503, response.text
        error = response.json()
        assert error["error"] == "DeadlineExceeded"
        assert "the sweep computation" in error["detail"]
        assert "POST /v1/jobs" in error["detail"]
        assert 2.0 <= elapsed < 3.5, elapsed
        # the only solver thread is free again: a cheap uncached question is answered at once
        started = time.perf_counter()
        cheap = httpx.post(f"{server.url}/v1/plan", json=_cheap_plan(), timeout=30)
        assert cheap.status_code == 200
        assert time.perf_counter() - started < 1.5
        assert server.services.admission.deadline_exceeded_total == 1
        _wait_until(lambda: server.services.admission.admitted == 0, 2)


@pytest.mark.slow
def test_a_disconnected_clients_work_stops() -> None:
    with live_server(_settings(request_deadline_seconds=60, solver_threads=1)) as server:
        admission = server.services.admission
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.url}/v1/sweep", json=SLOW_SWEEP, timeout=1.0)
        # the client hung up after 1 s; its computation stops at the next checkpoint
        _wait_until(lambda: admission.admitted == 0, 3)
        assert admission.disconnected_total == 1
        started = time.perf_counter()
        cheap = httpx.post(f"{server.url}/v1/plan", json=_cheap_plan(), timeout=30)
        assert cheap.status_code == 200
        assert time.perf_counter() - started < 1.5


@pytest.mark.slow
def test_full_queue_sheds_at_once_while_cached_answers_flow() -> None:
    settings = _settings(request_deadline_seconds=20, solver_threads=1, max_queued_requests=0)
    with live_server(settings) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        cached = _cheap_plan()
        assert client.post("/v1/plan", json=cached).status_code == 200
        assert client.get("/readyz").status_code == 200

        def slow_client() -> None:
            with pytest.raises(httpx.ReadTimeout):  # hangs up after 3 s
                httpx.post(f"{server.url}/v1/sweep", json=SLOW_SWEEP, timeout=3)

        slow = threading.Thread(target=slow_client, daemon=True)
        slow.start()
        _wait_until(lambda: server.services.admission.in_flight == 1)
        started = time.perf_counter()
        shed = client.post("/v1/plan", json=_cheap_plan())
        assert time.perf_counter() - started < 0.5
        assert shed.status_code == 503
        assert shed.json()["error"] == "Overloaded"
        assert int(shed.headers["Retry-After"]) >= 1
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "saturated"
        hit = client.post("/v1/plan", json=cached)
        assert hit.status_code == 200
        assert hit.headers["X-Cache"] == "hit"
        assert server.services.admission.shed_total == 1
        slow.join(timeout=10)
        _wait_until(lambda: server.services.admission.admitted == 0, 5)
        assert client.get("/readyz").status_code == 200


@pytest.mark.slow
def test_two_slow_clients_do_not_starve_a_third() -> None:
    """Two clients ask the slow question; a third's cheap uncached questions stay fast."""
    with live_server(_settings()) as server:  # default threads, queue and deadline
        slow_statuses: list[int] = []

        def slow_client() -> None:
            slow_statuses.append(
                httpx.post(f"{server.url}/v1/sweep", json=SLOW_SWEEP, timeout=60).status_code
            )

        slow = [threading.Thread(target=slow_client, daemon=True) for _ in range(2)]
        for thread in slow:
            thread.start()
        _wait_until(lambda: server.services.admission.in_flight == 2)
        latencies = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while any(t.is_alive() for t in slow) and len(latencies) < 200:
                started = time.perf_counter()
                response = client.post("/v1/plan", json=_cheap_plan())
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        for thread in slow:
            thread.join(timeout=30)
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        log.info("third client: n=%d p50=%.0f ms p99=%.0f ms", len(latencies), p50 * 1e3, p99 * 1e3)
        assert slow_statuses
        assert all(s in (200, 503) for s in slow_statuses)
        assert len(latencies) >= 10
        assert p50 < 0.25  # before: 2-3 s beside two slow plans (GIL convoy), 24 s at 2 threads
        assert p99 < 1.0


@pytest.mark.slow
def test_the_issues_slow_plan_answers_within_the_default_deadline() -> None:
    """The issue's 50-source plan at 1e26 FLOPs (86-122 s then) now answers inside 10 s."""
    with live_server(_settings()) as server:
        response = httpx.post(f"{server.url}/v1/plan", json=SLOW_PLAN, timeout=60)
        assert response.status_code == 200, response.text
        assert len(response.json()["plan"]["data_mix"]) == 50
