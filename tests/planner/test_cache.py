"""The response cache: in-process LRU, and Redis against a real server (up, down, slow,
garbage). A cache problem never fails a request and never holds it past a short timeout."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from laws_catalog import CATALOG
from planner.api.app import create_app
from planner.cache import MemoryCache, RedisCache, cache_key
from planner.cache.keys import build_id
from planner.cache.redis_cache import pack, unpack
from planner.config import Settings

from ..conftest import RedisServer


def test_key_depends_on_request_catalog_and_format() -> None:
    a = cache_key("plan", b'{"x":1}')
    assert a == cache_key("plan", b'{"x":1}')
    assert a != cache_key("plan", b'{"x":2}')
    assert a != cache_key("plan", b'{"x":1}', "csv")
    assert a != cache_key("sweep", b'{"x":1}')
    assert CATALOG.version in a


def test_pack_round_trip_and_garbage() -> None:
    assert unpack(pack(b"body")) == b"body"
    assert unpack(b"garbage") is None
    tampered = bytearray(pack(b"body"))
    tampered[-1] ^= 1
    assert unpack(bytes(tampered)) is None


def test_memory_cache_lru_and_ttl() -> None:
    async def scenario() -> None:
        cache = MemoryCache(max_entries=2)
        await cache.set("a", b"1", 60)
        await cache.set("b", b"2", 60)
        assert await cache.get("a") == b"1"  # a is now most recent
        await cache.set("c", b"3", 60)
        assert await cache.get("b") is None  # least recent evicted
        assert await cache.get("a") == b"1"
        await cache.set("d", b"4", 0)  # ttl 0: not stored
        assert await cache.get("d") is None
        cache._entries["a"] = (time.monotonic() - 1, b"1")  # expired
        assert await cache.get("a") is None

    asyncio.run(scenario())


def _app(url: str, **overrides: float) -> TestClient:
    settings = Settings(
        redis_url=url,
        redis_timeout_seconds=overrides.get("timeout", 0.05),
        redis_retry_after_seconds=overrides.get("retry_after", 5.0),
        cache_ttl_seconds=int(overrides.get("ttl", 600)),
    )
    return TestClient(create_app(settings))


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[TestClient]:
    with _app(redis_url) as client:
        yield client


@pytest.mark.redis
def test_redis_read_through_with_ttl(
    redis_client: TestClient, redis_url: str, unique: float
) -> None:
    body = {"budget": {"flops": unique}}
    first = redis_client.post("/v1/plan", json=body)
    second = redis_client.post("/v1/plan", json=body)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content
    raw = redis.Redis.from_url(redis_url)
    keys = list(raw.scan_iter(match=f"planner:v1:{build_id()}:{CATALOG.version}:plan:*"))
    assert keys
    ttls = [raw.ttl(k) for k in keys]
    assert all(0 < ttl <= 600 for ttl in ttls)
    assert "redis (up)" in redis_client.get("/readyz").json()["cache"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.redis
def test_redis_down_from_the_start(unique: float) -> None:
    with _app(f"redis://127.0.0.1:{_closed_port()}/0") as client:
        started = time.perf_counter()
        response = client.post("/v1/plan", json={"budget": {"flops": unique}})
        assert response.status_code == 200
        assert response.headers["x-cache"] == "miss"
        assert time.perf_counter() - started < 1.0
        assert (
            "unreachable" in client.get("/readyz").json()["cache"]
            or "skipped" in client.get("/readyz").json()["cache"]
        )


@pytest.mark.redis
def test_redis_killed_while_serving(own_redis: RedisServer, unique: float) -> None:
    with _app(own_redis.url) as client:
        body = {"budget": {"flops": unique}}
        assert client.post("/v1/plan", json=body).headers["x-cache"] == "miss"
        assert client.post("/v1/plan", json=body).headers["x-cache"] == "hit"
        own_redis.stop()
        started = time.perf_counter()
        response = client.post("/v1/plan", json=body)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        assert response.headers["x-cache"] == "miss"
        assert elapsed < 1.0
        # the circuit is open: the next requests do not even try Redis
        started = time.perf_counter()
        for _ in range(5):
            assert client.post("/v1/plan", json=body).status_code == 200
        assert time.perf_counter() - started < 1.0


@pytest.mark.redis
def test_slow_redis_does_not_slow_requests(own_redis: RedisServer, unique: float) -> None:
    """CLIENT PAUSE makes the real server hold every command for 3 s."""
    with _app(own_redis.url, timeout=0.05) as client:
        client.post("/v1/plan", json={"budget": {"flops": 1e20}})  # warm the solver thread
        admin = redis.Redis.from_url(own_redis.url)
        admin.execute_command("CLIENT", "PAUSE", 3000, "ALL")
        try:
            started = time.perf_counter()
            response = client.post("/v1/plan", json={"budget": {"flops": unique}})
            elapsed = time.perf_counter() - started
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
        assert response.status_code == 200
        assert elapsed < 0.5, f"request took {elapsed:.2f}s with a paused Redis"


@pytest.mark.redis
def test_garbage_under_our_key_is_a_miss_and_is_repaired(
    own_redis: RedisServer, unique: float
) -> None:
    with _app(own_redis.url) as client:
        body = {"budget": {"flops": unique}}
        good = client.post("/v1/plan", json=body)
        raw = redis.Redis.from_url(own_redis.url)
        (key,) = list(raw.scan_iter(match="planner:v1:*"))
        raw.set(key, b"\x00not a cached plan")
        again = client.post("/v1/plan", json=body)
        assert again.status_code == 200
        assert again.headers["x-cache"] == "miss"
        assert again.content == good.content
        assert unpack(raw.get(key)) == good.content  # overwritten with a valid entry
        raw.delete(key)
        raw.rpush(key, b"a list, not a string")  # WRONGTYPE on GET
        third = client.post("/v1/plan", json=body)
        assert third.status_code == 200
        assert third.content == good.content


@pytest.mark.redis
def test_redis_cache_object_fails_open_without_raising() -> None:
    async def scenario() -> None:
        cache = RedisCache(
            f"redis://127.0.0.1:{_closed_port()}/0", timeout_seconds=0.05, retry_after_seconds=60
        )
        assert await cache.get("k") is None
        await cache.set("k", b"v", 60)  # circuit open: returns at once
        assert "skipped" in await cache.status()
        await cache.close()

    asyncio.run(scenario())


@pytest.mark.redis
def test_a_stalled_redis_is_skipped_after_a_few_timeouts(own_redis: RedisServer) -> None:
    """One timeout (a load burst) only costs that lookup; repeated timeouts open the circuit,
    after which requests no longer wait for Redis at all."""
    from planner.cache.redis_cache import TIMEOUTS_TO_TRIP

    async def scenario() -> None:
        cache = RedisCache(own_redis.url, timeout_seconds=0.05, retry_after_seconds=60)
        await cache.set("k", b"v", 60)
        assert await cache.get("k") == b"v"
        admin = redis.Redis.from_url(own_redis.url)
        admin.execute_command("CLIENT", "PAUSE", 1500, "ALL")
        try:
            for _ in range(TIMEOUTS_TO_TRIP - 1):
                assert await cache.get("k") is None
                assert cache._available()  # one timeout at a time does not switch it off
            assert await cache.get("k") is None
            started = time.perf_counter()
            for _ in range(20):
                assert await cache.get("k") is None
            assert time.perf_counter() - started < 0.05
        finally:
            admin.execute_command("CLIENT", "UNPAUSE")
        await cache.close()

    asyncio.run(scenario())
