"""Jobs on a thread of the API process (no Redis configured): same API, statuses and expiry."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from laws_catalog.hardware import Device

from .execute import Outcome, run_job
from .views import JobStatus, JobView

__all__ = ["InProcessJobs"]

FORGET_AFTER_SECONDS = 7 * 86_400
"""How long an expired job's id still answers "expired" rather than 404."""


@dataclass
class _Record:
    kind: str
    status: JobStatus
    done: int
    total: int
    outcome: Outcome | None = None
    failure: str | None = None
    expires_at: float = float("inf")


class InProcessJobs:
    name = "in-process"

    def __init__(
        self,
        *,
        threads: int,
        result_ttl_seconds: int,
        max_sweep_points: int,
        devices: Mapping[str, Device],
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")
        self._ttl = result_ttl_seconds
        self._max_sweep_points = max_sweep_points
        self._devices = devices
        self._records: dict[str, _Record] = {}
        self._expired: dict[str, float] = {}
        self._lock = threading.Lock()

    async def submit(self, kind: str, request_json: str, rows: int) -> str:
        job_id = uuid.uuid4().hex
        with self._lock:
            self._forget_expired(time.monotonic())
            self._records[job_id] = _Record(kind, "queued", 0, rows)
        self._pool.submit(self._run, job_id, kind, request_json)
        return job_id

    def _run(self, job_id: str, kind: str, request_json: str) -> None:
        record = self._records[job_id]
        record.status = "running"

        def progress(done: int, total: int) -> None:
            record.done, record.total = done, total

        try:
            outcome = run_job(
                kind,
                request_json,
                devices=self._devices,
                max_sweep_points=self._max_sweep_points,
                progress=progress,
            )
        except Exception as exc:  # a bug, not a planner error: report it on the job
            record.failure = f"unexpected {type(exc).__name__}"
            record.status = "failed"
        else:
            record.outcome = outcome
            if outcome["status_code"] == 200:
                record.done = record.total
            record.status = "finished" if outcome["status_code"] == 200 else "failed"
        record.expires_at = time.monotonic() + self._ttl

    def _forget_expired(self, now: float) -> None:
        for job_id in [k for k, r in self._records.items() if r.expires_at <= now]:
            del self._records[job_id]
            self._expired[job_id] = now + FORGET_AFTER_SECONDS
        for job_id in [k for k, until in self._expired.items() if until <= now]:
            del self._expired[job_id]

    async def get(self, job_id: str) -> JobView | None:
        with self._lock:
            self._forget_expired(time.monotonic())
            if job_id in self._expired:
                return JobView(job_id, "expired")
            record = self._records.get(job_id)
            if record is None:
                return None
            return JobView(
                job_id,
                record.status,
                record.kind,
                record.done,
                record.total,
                record.outcome,
                record.failure,
            )

    async def close(self) -> None:
        await asyncio.to_thread(self._pool.shutdown, wait=False, cancel_futures=True)
