"""Jobs on the real queue: a real Redis (tests/conftest.py) and real ``planner worker``
processes started and stopped by these tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from planner.api.app import create_app
from planner.config import Settings
from planner.jobs.rq_queue import QUEUE_NAME

from .helpers import assert_progress_advanced, poll, submit, sweep_request

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _start_worker(redis_url: str, name: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("REDIS_URL")}
    return subprocess.Popen(
        [sys.executable, "-m", "planner.cli", "worker", "--redis-url", redis_url, "--name", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)  # RQ's warm shutdown: finish the current job, exit
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def jobs_url(redis_url: str) -> str:
    """A database of the test Redis that only these tests use (the cache tests count keys)."""
    base, _, db = redis_url.rpartition("/")
    return f"{base}/7" if db.isdigit() else f"{redis_url.rstrip('/')}/7"


@pytest.fixture(scope="module")
def workers(jobs_url: str) -> Iterator[list[str]]:
    """Two worker processes (as if on two machines) sharing the test Redis."""
    names = [f"test-worker-{os.getpid()}-{i}" for i in range(2)]
    processes = [_start_worker(jobs_url, name) for name in names]
    try:
        yield names
    finally:
        for process in processes:
            _stop(process)


@pytest.fixture(scope="module")
def queue_client(jobs_url: str, workers: list[str]) -> Iterator[TestClient]:
    settings = Settings(redis_url=jobs_url, job_result_ttl_seconds=4)
    with TestClient(create_app(settings)) as client:
        yield client


def test_plan_job_runs_on_a_worker(queue_client: TestClient, unique: float) -> None:
    request = {"budget": {"flops": unique}}
    body, seen = poll(queue_client, submit(queue_client, "plan", request), timeout=120)
    assert body["status"] == "finished", body
    assert body["result"] == queue_client.post("/v1/plan", json=request).json()
    assert seen[0][0] in ("queued", "running", "finished")


def test_sweep_job_reports_progress_from_the_worker(queue_client: TestClient) -> None:
    location = submit(queue_client, "sweep", sweep_request(100, start=3.3e19))
    body, seen = poll(queue_client, location, timeout=120)
    assert_progress_advanced(seen, 100)
    assert [row["plan"]["flops"] for row in body["result"]["rows"]] == pytest.approx(
        [3.3e19 * 1.1**i for i in range(100)], rel=1e-9
    )


def test_failed_job_carries_the_endpoints_error(queue_client: TestClient) -> None:
    request = {"target": {"loss": 0.5}}
    body, _ = poll(queue_client, submit(queue_client, "plan", request), timeout=120)
    assert body["status"] == "failed"
    assert body["status_code"] == 422
    assert body["error"] == queue_client.post("/v1/plan", json=request).json()


def test_jobs_spread_over_workers_and_expire(
    queue_client: TestClient, jobs_url: str, workers: list[str], unique: float
) -> None:
    locations = [
        submit(queue_client, "sweep", sweep_request(6, start=unique * (1 + i / 100)))
        for i in range(8)
    ]
    bodies = [poll(queue_client, location, timeout=180)[0] for location in locations]
    assert all(body["status"] == "finished" for body in bodies)
    connection = redis.Redis.from_url(jobs_url)
    ran_on = {
        Job.fetch(body["id"], connection=connection, serializer=JSONSerializer).worker_name
        for body in bodies
    }
    assert ran_on <= set(workers)
    assert len(ran_on) == 2, f"all 8 jobs ran on {ran_on}"
    time.sleep(4.5)  # job_result_ttl_seconds=4: Redis expires the results
    for location in locations:
        expired = queue_client.get(location).json()
        assert expired["status"] == "expired"
        assert "result" not in expired
    assert queue_client.get("/v1/jobs/" + "ab" * 16).status_code == 404


def test_down_queue_is_503_not_500(own_redis: object) -> None:
    from ..conftest import RedisServer

    assert isinstance(own_redis, RedisServer)
    settings = Settings(redis_url=own_redis.url)
    with TestClient(create_app(settings)) as client:
        own_redis.stop()
        response = client.post(
            "/v1/jobs", json={"kind": "plan", "request": {"target": {"loss": 3}}}
        )
        assert response.status_code == 503
        assert response.json()["error"] == "QueueUnavailable"
        assert client.get("/v1/jobs/" + "ab" * 16).status_code == 503


def test_a_job_that_crashes_the_task_is_failed_not_lost(
    queue_client: TestClient, jobs_url: str
) -> None:
    # only a bug gets here (the API checks kinds): the task raises inside the work horse
    connection = redis.Redis.from_url(jobs_url)
    queue = Queue(QUEUE_NAME, connection=connection, serializer=JSONSerializer)
    job = queue.enqueue_call(
        "planner.jobs.rq_queue.perform", args=("no-such-kind", "{}"), job_id=uuid.uuid4().hex
    )
    body, _ = poll(queue_client, f"/v1/jobs/{job.id}", timeout=120)
    assert body["status"] == "failed"
    assert body["status_code"] == 500
    assert body["error"]["error"] == "JobFailed"
    assert "KeyError" in body["error"]["detail"]
