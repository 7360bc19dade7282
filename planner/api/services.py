"""Process-wide services owned by the app's lifespan: settings, cache, solver threads."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from laws_catalog.hardware import Device

from ..cache import MemoryCache, RedisCache, ResponseCache, cache_key
from ..config import Settings, configured_devices
from ..jobs.views import JobExecutor
from .admission import Admission
from .answer_shortcut import remember
from .body_limit import client_gone
from .finite import refusing_non_finite
from .job_executor import start_jobs

__all__ = ["Services", "answer", "get_services", "start_services"]


@dataclass
class Services:
    settings: Settings
    cache: ResponseCache
    solver_pool: ThreadPoolExecutor
    devices: dict[str, Device]
    devices_version: str
    """Hash of the configured devices: part of every cache key."""
    jobs: JobExecutor
    warm: threading.Event
    """Set once every solver thread has compiled the common problems (see ``/readyz``)."""
    warm_barrier: threading.Barrier
    """Every solver thread waits here once warm; :meth:`close` breaks it, so an app shut down
    while its threads still warm up leaves no thread waiting forever (blocking exit)."""
    admission: Admission
    """Bounded queue and deadline in front of ``solver_pool`` (its counters feed /metrics)."""

    async def close(self) -> None:
        """Release what the services hold (the app's lifespan calls this on shutdown)."""
        self.warm_barrier.abort()
        await self.cache.close()
        await self.jobs.close()
        self.solver_pool.shutdown(wait=False, cancel_futures=True)


def warm_up() -> None:
    """Compile the common GP shapes in this thread (solver thread, job worker)."""
    from ..planning.plan.pipeline import make_plan
    from ..schemas.requests import PlanRequest

    make_plan(PlanRequest.model_validate({"budget": {"flops": 1e21}}))
    make_plan(PlanRequest.model_validate({"target": {"loss": 2.5}}))


def start_services(settings: Settings) -> Services:
    devices = configured_devices(settings)
    digest = hashlib.sha256(
        json.dumps(
            {k: v.model_dump(mode="json") for k, v in sorted(devices.items())}, sort_keys=True
        ).encode()
    ).hexdigest()[:12]
    cache: ResponseCache
    if settings.redis_url:
        cache = RedisCache(
            settings.redis_url,
            timeout_seconds=settings.redis_timeout_seconds,
            retry_after_seconds=settings.redis_retry_after_seconds,
            max_timeout_seconds=settings.redis_timeout_max_seconds,
            password=settings.redis_password.get_secret_value()
            if settings.redis_password
            else None,
        )
    else:
        cache = MemoryCache(settings.memory_cache_entries, settings.memory_cache_bytes)
    pool = ThreadPoolExecutor(
        max_workers=settings.solver_threads, thread_name_prefix="solver", initializer=warm_up
    )
    # start every solver thread now (each warms up in its initializer, in the background: the
    # service answers meanwhile, and a request that needs a solver waits for its warm-up)
    barrier = threading.Barrier(settings.solver_threads)
    warm = threading.Event()
    started = [pool.submit(barrier.wait) for _ in range(settings.solver_threads)]
    started[0].add_done_callback(lambda _: warm.set())
    return Services(
        settings=settings,
        cache=cache,
        solver_pool=pool,
        devices=devices,
        devices_version=digest,
        jobs=start_jobs(settings, devices),
        warm=warm,
        warm_barrier=barrier,
        admission=Admission(
            pool,
            threads=settings.solver_threads,
            max_queued=settings.max_queued_requests,
            deadline_seconds=settings.request_deadline_seconds,
        ),
    )


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def answer(
    services: Services,
    *,
    endpoint: str,
    question: BaseModel,
    compute: Callable[[], bytes],
    media_type: str = "application/json",
    response_format: str = "json",
    deadline_advice: str | None = None,
    key_ignores: frozenset[str] = frozenset(),
) -> Response:
    """Read-through cache around ``compute`` (run on a solver thread, admitted by
    ``services.admission``: a cached answer never waits for a solver).

    ``deadline_advice``: a faster form of the same question, suggested when the
    computation misses the request deadline. ``key_ignores``: fields of ``question`` this
    answer does not depend on, left out of its cache key (requests differing only there
    share one cached answer)."""
    asked = question.model_dump_json(exclude=set(key_ignores))
    canonical = asked.encode() + services.devices_version.encode()
    key = cache_key(endpoint, canonical, response_format)
    remember(key, media_type)  # lets the next identical request skip validation on a hit
    cached = await services.cache.get(key)
    if cached is not None:
        return Response(cached, media_type=media_type, headers={"X-Cache": "hit"})
    started = time.perf_counter()
    body = await services.admission.run(
        refusing_non_finite(compute),
        what=f"the {endpoint} computation",
        client_gone=client_gone(),
        advice=deadline_advice,
    )
    elapsed_ms = (time.perf_counter() - started) * 1e3
    await services.cache.set(key, body, services.settings.cache_ttl_seconds)
    return Response(
        body,
        media_type=media_type,
        headers={"X-Cache": "miss", "Server-Timing": f"solve;dur={elapsed_ms:.2f}"},
    )
