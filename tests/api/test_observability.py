"""Health you can watch: request ids, structured access and breaker log lines with
timestamps, and /metrics in Prometheus text format (parsed with the client library's own
parser), in one process and summed over worker processes."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from planner.api.app import create_app
from planner.api.metrics import AdmissionNumbers, set_admission_provider
from planner.config import Settings

from ..conftest import REPO, RedisServer

TIMESTAMP = r"ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    out = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_request_id_is_kept_when_sane_and_made_otherwise(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "bot-42.retry:1"})
    assert given.headers["x-request-id"] == "bot-42.retry:1"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    hostile = client.get("/healthz", headers={"X-Request-ID": 'x" status=500 injected'})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["x-request-id"])
    error = client.post("/v1/plan", json={"budget": {"flops": -1}})
    assert error.status_code == 422
    assert "x-request-id" in error.headers


def test_access_log_line_per_request(
    client: TestClient, capsys: pytest.CaptureFixture[str], unique: float
) -> None:
    capsys.readouterr()
    body = {"budget": {"flops": unique}}
    first = client.post("/v1/plan", json=body, headers={"X-Request-ID": "first"})
    client.post("/v1/plan", json=body, headers={"X-Request-ID": "second"})
    client.get("/healthz", headers={"X-Request-ID": "third"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "planner.access" in line]
    assert len(lines) == 3
    expected = [("first", "miss"), ("second", "hit"), ("third", "bypass")]
    for line, (rid, cache) in zip(lines, expected, strict=True):
        assert re.match(TIMESTAMP, line)
        assert f"request_id={rid} " in line
        assert f"cache={cache} " in line
        assert "status=200 " in line
        assert re.search(r"latency_ms=\d+\.?\d*", line)
    assert "route=/v1/plan " in lines[0]
    assert first.headers["x-cache"] == "miss"


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(redis_url=None, log_format="json")
    with TestClient(create_app(settings)) as json_client:
        capsys.readouterr()
        json_client.get("/v1/laws/hoffmann2022", headers={"X-Request-ID": "j1"})
        (line,) = [ln for ln in capsys.readouterr().err.splitlines() if "planner.access" in ln]
    record = json.loads(line)
    assert record["request_id"] == "j1"
    assert record["route"] == "/v1/laws/{law_id}"
    assert record["status"] == 200
    assert record["cache"] == "bypass"
    assert record["latency_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["ts"])
    # back to the default format for the other tests sharing this process's loggers
    create_app(Settings(redis_url=None))


def test_log_level_and_access_log_are_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with TestClient(create_app(Settings(redis_url=None, access_log=False))) as quiet:
        capsys.readouterr()
        quiet.get("/healthz")
        assert "planner.access" not in capsys.readouterr().err
    with TestClient(create_app(Settings(redis_url=None, log_level="WARNING"))) as warn_only:
        capsys.readouterr()
        warn_only.get("/healthz")
        assert "planner.access" not in capsys.readouterr().err
    create_app(Settings(redis_url=None))


@pytest.mark.redis
def test_breaker_log_lines_have_timestamps_and_the_request_id(
    own_redis: RedisServer, capsys: pytest.CaptureFixture[str], unique: float
) -> None:
    with TestClient(create_app(Settings(redis_url=own_redis.url))) as redis_client:
        own_redis.stop()
        capsys.readouterr()
        redis_client.post(
            "/v1/plan", json={"budget": {"flops": unique}}, headers={"X-Request-ID": "r1"}
        )
        err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if "event=circuit_open" in ln]
    assert re.match(TIMESTAMP + " level=warning logger=planner.cache.breaker ", line)
    assert "request_id=r1" in line
    assert "reason=" in line


def test_metrics_count_requests_cache_and_solves(client: TestClient, unique: float) -> None:
    before = _samples(client)
    body = {"budget": {"flops": unique}}
    client.post("/v1/plan", json=body)
    client.post("/v1/plan", json=body)
    client.post("/v1/plan", json={"budget": {"flops": -1}})
    client.get("/no/such/route")
    after = _samples(client)
    count = "planner_http_request_duration_seconds_count"
    ok = {"method": "POST", "route": "/v1/plan", "status": "200"}
    assert _value(after, count, **ok) - _value(before, count, **ok) == 2
    bad = {"method": "POST", "route": "/v1/plan", "status": "422"}
    assert _value(after, count, **bad) - _value(before, count, **bad) == 1
    lost = {"method": "GET", "route": "unmatched", "status": "404"}
    assert _value(after, count, **lost) - _value(before, count, **lost) == 1
    for name in ("planner_cache_hits_total", "planner_cache_misses_total"):
        assert _value(after, name, route="/v1/plan") - _value(before, name, route="/v1/plan") == 1
    solves = "planner_solve_duration_seconds_count"
    assert _value(after, solves, route="/v1/plan") - _value(before, solves, route="/v1/plan") == 1
    assert _value(after, "planner_solve_duration_seconds_sum", route="/v1/plan") > _value(
        before, "planner_solve_duration_seconds_sum", route="/v1/plan"
    )
    assert _value(after, "planner_memory_cache_bytes") > 0
    assert ("process_cpu_seconds_total", ()) in after or sys.platform != "linux"


def test_admission_numbers_come_from_the_provider_hook() -> None:
    with TestClient(create_app(Settings(redis_url=None))) as fresh:
        samples = _samples(fresh)
        assert _value(samples, "planner_queue_depth") == 0
        assert _value(samples, "planner_deadline_exceeded_total") == 0
        assert _value(samples, "planner_requests_shed_total") == 0
        set_admission_provider(
            fresh.app,  # type: ignore[arg-type]
            lambda: AdmissionNumbers(queue_depth=3, deadline_exceeded=2, shed=7),
        )
        samples = _samples(fresh)
        assert _value(samples, "planner_queue_depth") == 3
        assert _value(samples, "planner_deadline_exceeded_total") == 2
        assert _value(samples, "planner_requests_shed_total") == 7


@pytest.mark.redis
def test_breaker_state_gauge_follows_redis(own_redis: RedisServer) -> None:
    with TestClient(create_app(Settings(redis_url=own_redis.url))) as redis_client:
        assert _value(_samples(redis_client), "planner_redis_circuit_state") == 0
        own_redis.stop()
        redis_client.get("/readyz")  # a call that finds Redis gone
        samples = _samples(redis_client)
        assert _value(samples, "planner_redis_circuit_state") in (1, 2)
        assert _value(samples, "planner_redis_circuit_trips_total") == 1
        own_redis.start()
        deadline = time.monotonic() + 5
        while _value(_samples(redis_client), "planner_redis_circuit_state") != 0:
            assert time.monotonic() < deadline, "circuit did not close after Redis came back"
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_metrics_are_summed_over_worker_processes(tmp_path: Path) -> None:
    """uvicorn --workers 2 with PROMETHEUS_MULTIPROC_DIR: any worker's /metrics counts the
    requests every worker served."""
    port = _free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PLANNER_ACCESS_LOG": "false"}
    env.pop("PLANNER_REDIS_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "planner.api.app:create_app",
            "--factory",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        pids: set[str] = set()
        with httpx.Client(base_url=base, timeout=5) as http:
            while len(pids) < 2:  # both workers up and serving (new connection each time)
                assert time.monotonic() < deadline, "workers did not start"
                try:
                    text = httpx.get(f"{base}/metrics", timeout=5).text
                    pids |= set(re.findall(r'planner_queue_depth\{pid="(\d+)"\}', text))
                except httpx.HTTPError:
                    time.sleep(0.2)
            for _ in range(40):
                assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            text = http.get("/metrics").text
        healthz = [
            s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == "planner_http_request_duration_seconds_count"
            and s.labels.get("route") == "/healthz"
        ]
        assert healthz == [40.0]
        assert len(list(tmp_path.glob("*.db"))) >= 2  # one file per worker
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_deadlines_and_queue_reach_the_metrics() -> None:
    """The admission layer's counters are what /metrics reports (wired in the app's lifespan)."""
    settings = Settings(redis_url=None, request_deadline_seconds=0.001)
    with TestClient(create_app(settings)) as fresh:
        response = fresh.post(
            "/v1/plan", json={"budget": {"flops": 3.3e22}, "data": {"unique_tokens": 1e9}}
        )
        assert response.status_code == 503
        assert response.json()["error"] == "DeadlineExceeded"
        samples = _samples(fresh)
        assert _value(samples, "planner_deadline_exceeded_total") >= 1
        assert _value(samples, "planner_queue_depth") == 0
