"""Which job executor the service uses (see :mod:`planner.jobs`)."""

from __future__ import annotations

from collections.abc import Mapping

from laws_catalog.hardware import Device

from ..config import Settings
from ..jobs.in_process import InProcessJobs
from ..jobs.views import JobExecutor

__all__ = ["start_jobs"]


def start_jobs(settings: Settings, devices: Mapping[str, Device]) -> JobExecutor:
    """The Redis queue when configured (``auto`` with a Redis URL), else a thread here."""
    use_queue = settings.job_executor == "queue" or (
        settings.job_executor == "auto" and settings.redis_url is not None
    )
    if use_queue:
        if settings.redis_url is None:
            raise ValueError("job_executor 'queue' needs redis_url")
        from ..jobs.rq_queue import RedisJobs

        return RedisJobs(
            settings.redis_url,
            result_ttl_seconds=settings.job_result_ttl_seconds,
            timeout_seconds=settings.job_timeout_seconds,
            redis_timeout=max(settings.redis_timeout_seconds, 2.0),
        )
    return InProcessJobs(
        threads=settings.job_threads,
        result_ttl_seconds=settings.job_result_ttl_seconds,
        max_sweep_points=settings.job_max_sweep_points,
        devices=devices,
    )
