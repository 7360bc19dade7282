"""Jobs without Redis: the in-process executor behind the same API (``make serve``)."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planner.api.app import create_app
from planner.config import Settings
from planner.jobs.in_process import InProcessJobs
from planner.jobs.kinds import JOB_KINDS, JobContext, answering
from planner.jobs.progress import bar, wait_for_job
from planner.jobs.views import JobView
from planner.planning.questions.predict import predict
from planner.planning.sweep.run import sweep_summary_json
from planner.schemas.requests import PredictRequest, SweepRequest

from .helpers import assert_progress_advanced, poll, submit, sweep_request


@pytest.fixture(scope="module")
def jobs_client() -> Iterator[TestClient]:
    settings = Settings(redis_url=None, job_result_ttl_seconds=3)
    with TestClient(create_app(settings)) as client:
        yield client


def test_plan_job_answers_what_the_endpoint_answers(jobs_client: TestClient, unique: float) -> None:
    request = {"budget": {"flops": unique}}
    location = submit(jobs_client, "plan", request)
    body, seen = poll(jobs_client, location)
    assert body["status"] == "finished"
    assert body["kind"] == "plan"
    assert body["progress"] == {"done": 1, "total": 1}
    assert seen[0][0] in ("queued", "running", "finished")
    assert body["result"] == jobs_client.post("/v1/plan", json=request).json()


@pytest.mark.slow
def test_sweep_job_rows_and_row_errors_match_the_endpoint(jobs_client: TestClient) -> None:
    # 60 rows (more than one chunk) with unreachable targets at rows 7 and 55: each row error
    # must keep the index and field the one-request sweep gives it
    targets = [{"loss": 2.4 + 0.01 * i} for i in range(60)]
    targets[7] = {"loss": 0.5}
    targets[55] = {"loss": 0.4}
    request = {"targets": targets}
    body, _ = poll(jobs_client, submit(jobs_client, "sweep", request), timeout=120)
    assert body["status"] == "finished"
    expected = jobs_client.post("/v1/sweep", json=request).json()
    assert body["result"] == expected
    assert [row["index"] for row in expected["rows"] if "error" in row] == [7, 55]


def _summary_request(unique: float) -> dict[str, Any]:
    """120 rows (chunks of 3): FLOPs rows planned together, a GPU-hour row at 50 and a
    too-small one at 100 (an error row past the first chunks: its index must be the sweep's)."""
    budgets: list[dict[str, Any]] = [{"flops": unique * 1.1**i} for i in range(120)]
    budgets[50] = {"gpu": "h100", "gpu_hours": 1e5, "mfu": 0.4}
    budgets[100] = {"gpu": "h100", "gpu_hours": 1e-9, "mfu": 0.4}
    return {"budgets": budgets, "detail": "summary"}


def test_a_summary_sweep_job_answers_the_endpoints_summary(
    jobs_client: TestClient, unique: float
) -> None:
    request = _summary_request(unique)
    body, seen = poll(jobs_client, submit(jobs_client, "sweep", request), timeout=120)
    assert body["status"] == "finished", body
    assert seen[-1] == ("finished", 120, 120)
    expected = jobs_client.post("/v1/sweep", json=request)
    assert body["result"] == expected.json()
    columns, rows = body["result"]["columns"], body["result"]["rows"]
    assert [row[0] for row in rows] == list(range(120))
    errors = [row[0] for row in rows if row[columns.index("error")] is not None]
    assert errors == [100]


def test_a_summary_sweep_job_is_the_endpoints_bytes(unique: float) -> None:
    """Chunk by chunk (progress after each), the same bytes as the one-request summary."""
    request = SweepRequest.model_validate(_summary_request(unique))
    recorded: list[tuple[int, int]] = []
    context = JobContext({}, 1000, lambda done, total: recorded.append((done, total)))
    answer = JOB_KINDS["sweep"].answer(request, context)
    assert answer == sweep_summary_json(request, max_points=1000)
    assert recorded[0] == (0, 120)
    assert recorded[-1] == (120, 120)
    assert len(recorded) > 10


@pytest.mark.slow
def test_sweep_progress_is_recorded_row_by_row() -> None:
    request = SweepRequest.model_validate(sweep_request(120))
    recorded: list[tuple[int, int]] = []
    context = JobContext({}, 1000, lambda done, total: recorded.append((done, total)))
    JOB_KINDS["sweep"].answer(request, context)
    assert recorded[0] == (0, 120)
    assert recorded[-1] == (120, 120)
    assert len(recorded) > 10
    assert [d for d, _ in recorded] == sorted(d for d, _ in recorded)


@pytest.mark.slow
def test_progress_is_visible_while_a_sweep_job_runs(jobs_client: TestClient) -> None:
    location = submit(jobs_client, "sweep", sweep_request(100, start=2.2e19))
    body, seen = poll(jobs_client, location, timeout=120)
    assert_progress_advanced(seen, 100)
    assert len(body["result"]["rows"]) == 100


def test_a_planner_error_fails_the_job_with_the_endpoints_error(jobs_client: TestClient) -> None:
    request = {"target": {"loss": 0.5}}
    body, _ = poll(jobs_client, submit(jobs_client, "plan", request))
    sync = jobs_client.post("/v1/plan", json=request)
    assert sync.status_code == 422
    assert body["status"] == "failed"
    assert body["status_code"] == 422
    assert body["error"] == sync.json()
    assert "result" not in body


@pytest.mark.slow
def test_invalid_submissions_are_422_naming_the_field(jobs_client: TestClient) -> None:
    bad_kind = jobs_client.post("/v1/jobs", json={"kind": "train", "request": {}})
    assert bad_kind.status_code == 422
    assert bad_kind.json()["field"] == "kind"
    assert "sweep" in bad_kind.json()["allowed"]
    bad_body = jobs_client.post(
        "/v1/jobs", json={"kind": "plan", "request": {"budget": {"flops": -1}}}
    )
    assert bad_body.status_code == 422
    assert bad_body.json()["field"] == "request.budget.flops"
    too_many = {"budgets": [{"flops": 1e21}] * 100_001}  # job_max_sweep_points is 100,000
    response = jobs_client.post("/v1/jobs", json={"kind": "sweep", "request": too_many})
    assert response.status_code == 422
    assert response.json()["field"] == "request.budgets"
    assert response.json()["allowed"] == "at most 100000 items"  # the schema's list bound


def test_unknown_job_is_404(jobs_client: TestClient) -> None:
    for job_id in ("0" * 32, "not-a-job", "F" * 32):
        response = jobs_client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 404
        assert response.json()["field"] == "job_id"


@pytest.mark.slow
def test_results_expire_after_the_ttl(jobs_client: TestClient, unique: float) -> None:
    location = submit(jobs_client, "plan", {"budget": {"flops": unique * 1.01}})
    body, _ = poll(jobs_client, location)
    assert body["status"] == "finished"
    time.sleep(3.2)  # job_result_ttl_seconds=3
    expired = jobs_client.get(location)
    assert expired.status_code == 200
    assert expired.json()["status"] == "expired"
    assert "result" not in expired.json()


def test_progress_bar_polls_to_the_end(jobs_client: TestClient, unique: float) -> None:
    stream = io.StringIO()
    location = submit(jobs_client, "sweep", sweep_request(3, start=unique * 1.02))
    body = wait_for_job(jobs_client, location, interval_seconds=0.01, stream=stream)
    assert body["status"] == "finished"
    lines = stream.getvalue().splitlines()
    assert lines[-1] == "[" + "#" * 30 + "] 3/3 rows  finished"
    assert bar(1, 4, "running", width=8) == "[##......] 1/4 rows  running"
    assert bar(0, 0, "queued", width=4) == "[....] 0/0 rows  queued"


def test_an_unexpected_exception_fails_the_job() -> None:
    jobs = InProcessJobs(threads=1, result_ttl_seconds=60, max_sweep_points=10, devices={})

    async def scenario() -> JobView | None:
        job_id = await jobs.submit("no-such-kind", "{}", 1)  # the API checks kinds; a bug would not
        for _ in range(500):
            view = await jobs.get(job_id)
            if view is not None and view.status == "failed":
                break
            await asyncio.sleep(0.01)
        await jobs.close()
        return view

    view = asyncio.run(scenario())
    assert view is not None
    assert view.status == "failed"
    body = json.loads(view.to_json())
    assert body["status_code"] == 500
    assert body["error"] == {"error": "JobFailed", "detail": "unexpected KeyError"}


def test_a_kind_from_a_plain_question_answers_like_its_endpoint(jobs_client: TestClient) -> None:
    request = {"params": 7e9, "tokens": 1.4e11}
    answer = answering(predict)(PredictRequest.model_validate(request), None)
    assert answer == jobs_client.post("/v1/predict", json=request).content
