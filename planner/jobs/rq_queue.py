"""Jobs on an RQ queue in Redis, run by ``planner worker`` processes anywhere sharing it.

Arguments and results cross Redis as JSON (RQ's JSON serializer), never pickles. Progress
lives in the job's metadata, written by the work horse as rows finish. Finished and failed
jobs expire after ``job_result_ttl_seconds`` (RQ's result and failure TTLs); a marker key
outlives them so an expired id reads "expired", not "unknown".
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import redis
from redis.exceptions import RedisError
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.serializers import JSONSerializer

from ..config import configured_devices, get_settings
from .execute import Outcome, run_job
from .in_process import FORGET_AFTER_SECONDS
from .views import JobStatus, JobView, QueueUnavailable

__all__ = ["QUEUE_NAME", "RedisJobs", "perform"]

QUEUE_NAME = "planner-jobs"
_ISSUED = "planner:jobs:issued:"
_STATUS: dict[RQStatus, JobStatus] = {
    RQStatus.CREATED: "queued",
    RQStatus.QUEUED: "queued",
    RQStatus.DEFERRED: "queued",
    RQStatus.SCHEDULED: "queued",
    RQStatus.READY_TO_ENQUEUE: "queued",
    RQStatus.RATE_LIMITED: "queued",
    RQStatus.STARTED: "running",
    RQStatus.FINISHED: "finished",
    RQStatus.FAILED: "failed",
    RQStatus.STOPPED: "failed",
    RQStatus.CANCELED: "failed",
}


def perform(kind: str, request_json: str) -> Outcome:
    """The task a worker runs (by name: ``planner.jobs.rq_queue.perform``)."""
    job = get_current_job()
    settings = get_settings()

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.meta["progress"] = [done, total]
            job.save_meta()  # type: ignore[no-untyped-call]

    return run_job(
        kind,
        request_json,
        devices=configured_devices(settings),
        max_sweep_points=settings.job_max_sweep_points,
        progress=progress,
    )


def connect(url: str, timeout_seconds: float) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
    )


class RedisJobs:
    name = "rq"

    def __init__(
        self, url: str, *, result_ttl_seconds: int, timeout_seconds: int, redis_timeout: float
    ) -> None:
        self._redis = connect(url, redis_timeout)
        self._queue = Queue(QUEUE_NAME, connection=self._redis, serializer=JSONSerializer)
        self._ttl = result_ttl_seconds
        self._timeout = timeout_seconds

    async def submit(self, kind: str, request_json: str, rows: int) -> str:
        job_id: str = await self._call(self._submit, kind, request_json, rows)
        return job_id

    def _submit(self, kind: str, request_json: str, rows: int) -> str:
        job_id = uuid.uuid4().hex
        forget = self._ttl + self._timeout + FORGET_AFTER_SECONDS
        self._redis.set(_ISSUED + job_id, kind, ex=forget)
        self._queue.enqueue_call(
            "planner.jobs.rq_queue.perform",
            args=(kind, request_json),
            job_id=job_id,
            timeout=self._timeout,
            result_ttl=self._ttl,
            failure_ttl=self._ttl,
            meta={"kind": kind, "progress": [0, rows]},
        )
        return job_id

    async def get(self, job_id: str) -> JobView | None:
        view: JobView | None = await self._call(self._get, job_id)
        return view

    def _get(self, job_id: str) -> JobView | None:
        try:
            job = Job.fetch(job_id, connection=self._redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return JobView(job_id, "expired") if self._redis.exists(_ISSUED + job_id) else None
        status = _STATUS.get(job.get_status(), "queued")
        done, total = job.meta.get("progress", [0, 0])
        kind = job.meta.get("kind")
        if status == "finished":
            outcome: Any = job.return_value()
            if outcome is None:
                return JobView(job_id, "expired", kind)
            ok = outcome["status_code"] == 200
            done = total if ok else done
            return JobView(job_id, "finished" if ok else "failed", kind, done, total, outcome)
        if status == "failed":
            return JobView(job_id, status, kind, done, total, failure=_failure(job))
        return JobView(job_id, status, kind, done, total)

    async def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except (RedisError, OSError) as exc:
            raise QueueUnavailable(f"job queue unreachable: {type(exc).__name__}") from None

    async def close(self) -> None:
        await asyncio.to_thread(self._redis.close)


def _failure(job: Job) -> str:
    result = job.latest_result()
    info = (result.exc_string if result is not None else None) or ""
    if "JobTimeoutException" in info:
        return "the job ran past its time limit (job_timeout_seconds)"
    last = info.strip().splitlines()[-1] if info.strip() else "stopped or lost"
    return f"the worker failed: {last}"
