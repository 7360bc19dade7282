"""Redis that degrades gracefully, against a real redis-server that we kill, pause (SIGSTOP)
and restart on the same port. Each scenario measures how long after Redis is back the cache
serves hits again; the issue saw 5-14 s after a restart (one circuit trip per stale pooled
connection) and 2-6 s outages from host load alone."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from planner.api.app import create_app
from planner.cache import RedisCache
from planner.cache.breaker import BreakerState
from planner.cache.redis_cache import TIMEOUTS_TO_TRIP
from planner.config import Settings

from ..conftest import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.slow]

RECOVERY_BOUND_SECONDS = 1.5
"""'Hits resume within about a second of Redis being back': probe interval 0.5 s plus one
probe deadline, with room for a loaded 2-core host."""


def _cache(url: str, timeout: float = 0.1) -> RedisCache:
    return RedisCache(
        url, timeout_seconds=timeout, retry_after_seconds=0.5, max_timeout_seconds=max(0.5, timeout)
    )


async def _seconds_until_hits(cache: RedisCache, limit: float = 10.0) -> float:
    """From now until a value written through the cache reads back from Redis."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        await cache.set("recovery", b"body", 60)
        if await cache.get("recovery") == b"body":
            return time.perf_counter() - started
        await asyncio.sleep(0.01)
    raise AssertionError(
        f"no cache hit within {limit}s of Redis being back: circuit {cache.breaker.describe()}, "
        f"{cache.breaker.trips} trips, {cache.stale_retries} stale retries"
    )


async def _fill_pool(cache: RedisCache, connections: int = 8) -> None:
    """Several pooled connections, all of which a restart makes stale."""
    await cache.set("recovery", b"body", 60)
    results = await asyncio.gather(*(cache.get("recovery") for _ in range(connections)))
    assert results == [b"body"] * connections


def test_restart_on_the_same_port_is_not_an_outage(own_redis: RedisServer) -> None:
    async def scenario() -> float:
        # deadlines far above any host load: this test is about stale connections, not timeouts
        cache = _cache(own_redis.url, timeout=2.0)
        await _fill_pool(cache)
        own_redis.stop()
        own_redis.start()  # same port, empty (no persistence)
        recovery = await _seconds_until_hits(cache)
        # a burst on the (now partly stale) pool: every request retries once, none trips
        await cache.set("burst", b"x", 60)
        burst = await asyncio.gather(*(cache.get("burst") for _ in range(8)))
        assert burst == [b"x"] * 8
        assert cache.breaker.trips == 0, "a restart opened the circuit"
        assert cache.stale_retries >= 1
        await cache.close()
        return recovery

    recovery = asyncio.run(scenario())
    print(f"restart: hits {recovery * 1e3:.1f} ms after Redis was back")  # noqa: T201 (the figure, shown with -s)
    assert recovery < RECOVERY_BOUND_SECONDS


def test_killed_then_back_recovers_within_a_second(own_redis: RedisServer) -> None:
    async def scenario() -> float:
        cache = _cache(own_redis.url)
        await _fill_pool(cache)
        own_redis.stop()
        assert await cache.get("recovery") is None
        assert cache.breaker.state is not BreakerState.CLOSED
        started = time.perf_counter()
        for _ in range(50):  # while open, requests do not wait for Redis at all
            assert await cache.get("recovery") is None
        assert time.perf_counter() - started < 0.05
        await asyncio.sleep(1.0)  # down for a while: several probes fail
        own_redis.start()
        recovery = await _seconds_until_hits(cache)
        assert cache.breaker.state is BreakerState.CLOSED
        assert cache.breaker.trips == 1
        await cache.close()
        return recovery

    recovery = asyncio.run(scenario())
    print(f"kill: hits {recovery * 1e3:.1f} ms after Redis was back")  # noqa: T201 (the figure, shown with -s)
    assert recovery < RECOVERY_BOUND_SECONDS


def test_paused_then_resumed_recovers_within_a_second(own_redis: RedisServer) -> None:
    """SIGSTOP: the kernel still accepts connections, nothing answers (a hung server)."""
    assert own_redis.process is not None
    pid = own_redis.process.pid

    async def scenario() -> float:
        cache = _cache(own_redis.url)
        await _fill_pool(cache)
        os.kill(pid, signal.SIGSTOP)
        try:
            for _ in range(TIMEOUTS_TO_TRIP):
                started = time.perf_counter()
                assert await cache.get("recovery") is None
                assert time.perf_counter() - started < 0.4  # one deadline, not a hang
            assert cache.breaker.state is not BreakerState.CLOSED
            started = time.perf_counter()
            for _ in range(50):
                assert await cache.get("recovery") is None
            assert time.perf_counter() - started < 0.05
            await asyncio.sleep(1.0)
        finally:
            os.kill(pid, signal.SIGCONT)
        recovery = await _seconds_until_hits(cache)
        assert cache.breaker.trips == 1
        await cache.close()
        return recovery

    recovery = asyncio.run(scenario())
    print(f"pause: hits {recovery * 1e3:.1f} ms after Redis was resumed")  # noqa: T201 (the figure, shown with -s)
    assert recovery < RECOVERY_BOUND_SECONDS


def test_a_busy_host_does_not_open_the_circuit(own_redis: RedisServer) -> None:
    """Timeouts whose timer fired late (the event loop itself was held: a big body encoded,
    the GIL held by solver threads) are the host's fault and open nothing; once the host is
    responsive again, a Redis that really stalls is still detected in a few calls."""
    assert own_redis.process is not None
    pid = own_redis.process.pid

    async def hog() -> None:
        time.sleep(0.3)  # runs right after the lookup's first step: its command is in flight

    async def scenario() -> None:
        cache = _cache(own_redis.url)
        await cache.set("k", b"v", 60)
        os.kill(pid, signal.SIGSTOP)
        try:
            for _ in range(TIMEOUTS_TO_TRIP * 2):
                assert (await asyncio.gather(cache.get("k"), hog()))[0] is None
            assert cache.excused_timeouts >= TIMEOUTS_TO_TRIP
            assert cache.breaker.state is BreakerState.CLOSED
            for _ in range(TIMEOUTS_TO_TRIP):  # the host is idle now: Redis is to blame
                assert await cache.get("k") is None
            assert cache.breaker.state is not BreakerState.CLOSED
        finally:
            os.kill(pid, signal.SIGCONT)
        await cache.close()

    asyncio.run(scenario())


def test_deadline_follows_the_recent_latency_within_its_range() -> None:
    cache = RedisCache(
        "redis://127.0.0.1:1/0", timeout_seconds=0.1, retry_after_seconds=1, max_timeout_seconds=0.5
    )
    for _ in range(64):
        cache._record_latency(0.0002)  # a quiet loopback Redis
    assert cache.timeout_seconds == 0.1  # never below the configured floor
    for _ in range(64):
        cache._record_latency(0.03)  # every call slower: the host is busy
    assert cache.timeout_seconds == pytest.approx(0.3)
    for _ in range(64):
        cache._record_latency(1.0)
    assert cache.timeout_seconds == 0.5  # never above the ceiling


@pytest.fixture
def app_client(own_redis: RedisServer) -> Iterator[TestClient]:
    settings = Settings(redis_url=own_redis.url, cache_ttl_seconds=600)
    with TestClient(create_app(settings)) as client:
        yield client


def test_service_serves_hits_again_right_after_a_restart(
    app_client: TestClient, own_redis: RedisServer, unique: float
) -> None:
    body = {"budget": {"flops": unique}}
    assert app_client.post("/v1/plan", json=body).headers["x-cache"] == "miss"
    assert app_client.post("/v1/plan", json=body).headers["x-cache"] == "hit"
    own_redis.stop()
    own_redis.start()
    back = time.perf_counter()
    assert app_client.post("/v1/plan", json=body).headers["x-cache"] == "miss"  # Redis is empty
    assert app_client.post("/v1/plan", json=body).headers["x-cache"] == "hit"
    print(f"service: hit {(time.perf_counter() - back) * 1e3:.1f} ms after the restart")  # noqa: T201 (the figure, shown with -s)
    assert "redis (up)" in app_client.get("/readyz").json()["cache"]
    services = app_client.app.state.services  # type: ignore[attr-defined]
    assert services.cache.breaker.trips == 0


def test_a_password_protected_redis(own_redis: RedisServer, unique: float) -> None:
    """deploy/ runs Redis with requirepass: with the password the cache works; without it
    (a misconfiguration) every request still succeeds, uncached."""
    import redis

    redis.Redis.from_url(own_redis.url).config_set("requirepass", "s3cret")
    body = {"budget": {"flops": unique}}
    with_password = Settings(redis_url=own_redis.url, redis_password="s3cret")  # type: ignore[arg-type]
    with TestClient(create_app(with_password)) as good:
        assert good.post("/v1/plan", json=body).headers["x-cache"] == "miss"
        assert good.post("/v1/plan", json=body).headers["x-cache"] == "hit"
    with TestClient(create_app(Settings(redis_url=own_redis.url))) as wrong:
        response = wrong.post("/v1/plan", json=body)
        assert response.status_code == 200
        assert response.headers["x-cache"] == "miss"
        assert "redis (circuit" in wrong.get("/readyz").json()["cache"]
