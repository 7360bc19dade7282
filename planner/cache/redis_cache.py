"""Redis-backed cache that can never fail or stall a request.

* every call has a deadline: ``timeout_factor`` times the recent median latency of successful
  calls, kept between ``timeout_seconds`` and ``max_timeout_seconds``, so a host whose calls all
  became slower raises its own bar instead of timing out;
* a timeout whose timer fired late (the event loop itself was busy: host load, a big body being
  encoded) is the host's fault, not Redis's: it costs that lookup only and counts towards nothing;
* a connection error drops every pooled connection and retries once on a fresh one: after a
  Redis restart each pooled connection is stale, and that is not an outage;
* a connection failure on the retry, or a few unexplained timeouts in a row, opens the circuit
  (:mod:`planner.cache.breaker`): Redis is skipped, and a background PING every
  ``retry_after_seconds`` closes it again as soon as Redis answers;
* values carry a checksum, so whatever else is stored under our key (garbage, another
  version, a truncated write) reads as a miss and is overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import statistics
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError

from .breaker import BreakerState, CircuitBreaker

__all__ = ["TIMEOUTS_TO_TRIP", "RedisCache", "pack", "unpack"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_MAGIC = b"planner-cache-1:"
TIMEOUTS_TO_TRIP = 3
"""Consecutive unexplained timeouts that open the circuit (a connection failure opens it)."""
TIMEOUT_FACTOR = 10.0
"""Per-call deadline in multiples of the recent median latency (within the configured range)."""
LATE_TIMER_SECONDS = 0.01
"""A timeout whose timer fired this much late (or a quarter of the deadline) was the host."""
_DIGEST = 16
_BASELINE_CALLS = 64


def pack(body: bytes) -> bytes:
    return _MAGIC + hashlib.sha256(body).digest()[:_DIGEST] + body


def unpack(value: bytes) -> bytes | None:
    """The body, or None when the value is not one we wrote intact."""
    if not value.startswith(_MAGIC):
        return None
    digest = value[len(_MAGIC) : len(_MAGIC) + _DIGEST]
    body = value[len(_MAGIC) + _DIGEST :]
    if hashlib.sha256(body).digest()[:_DIGEST] != digest:
        return None
    return body


class _Unavailable(Exception):
    """The call did not reach Redis (circuit open, timeout, connection error)."""


class RedisCache:
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float,
        retry_after_seconds: float,
        max_timeout_seconds: float | None = None,
        password: str | None = None,
    ) -> None:
        self._min_timeout = timeout_seconds
        self._max_timeout = max(max_timeout_seconds or timeout_seconds, timeout_seconds)
        self._timeout = self._min_timeout
        self._latencies: deque[float] = deque(maxlen=_BASELINE_CALLS)
        self._calls = 0
        self.stale_retries = 0
        """Connection errors answered by a retry on a fresh connection (e.g. after a restart)."""
        self.excused_timeouts = 0
        """Timeouts blamed on the host's own load (late timer), not counted against Redis."""
        self.breaker = CircuitBreaker(
            "redis cache",
            probe=self._ping,
            probe_interval=retry_after_seconds,
            timeouts_to_trip=TIMEOUTS_TO_TRIP,
        )
        self._client = aioredis.Redis.from_url(
            url,
            password=password,
            socket_timeout=self._max_timeout,
            socket_connect_timeout=self._max_timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
            client_name="llm-budget-planner",
        )

    @property
    def timeout_seconds(self) -> float:
        """The current per-call deadline (adapts to the recent latency)."""
        return self._timeout

    def _available(self) -> bool:
        return self.breaker.allows()

    def _record_latency(self, seconds: float) -> None:
        self._latencies.append(seconds)
        self._calls += 1
        if self._calls % 16 == 0:
            baseline = statistics.median(self._latencies) * TIMEOUT_FACTOR
            self._timeout = min(self._max_timeout, max(self._min_timeout, baseline))

    async def _once(self, op: Callable[[aioredis.Redis], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + self._timeout
        try:
            async with asyncio.timeout_at(deadline):
                result = await op(self._client)
        except TimeoutError:
            late = loop.time() - deadline
            if late > max(LATE_TIMER_SECONDS, self._timeout / 4):
                self.excused_timeouts += 1
            else:
                self.breaker.timed_out(f"deadline {self._timeout * 1e3:.0f} ms")
            raise _Unavailable from None
        self._record_latency(loop.time() - started)
        return result

    async def call(self, op: Callable[[aioredis.Redis], Awaitable[T]]) -> T:
        """Run ``op`` against Redis under the breaker; raises ``_Unavailable`` (internal) or
        ``ResponseError``. Use :meth:`get`, :meth:`set` or :meth:`try_call` from outside."""
        if not self.breaker.allows():
            raise _Unavailable
        try:
            result = await self._once(op)
        except (RedisConnectionError, OSError):
            # a stale pooled connection (Redis restarted): drop them all, retry once
            self.stale_retries += 1
            log.info("redis connection failed; retrying once on a fresh connection")
            with contextlib.suppress(RedisError, OSError):
                await self._client.connection_pool.disconnect(inuse_connections=False)
            try:
                result = await self._once(op)
            except (RedisConnectionError, OSError) as exc:
                self.breaker.open(f"connection failed: {exc!r}")
                raise _Unavailable from None
        except ResponseError:
            raise
        except RedisError as exc:  # other timeouts and protocol errors
            self.breaker.timed_out(repr(exc))
            raise _Unavailable from None
        self.breaker.succeeded()
        return result

    async def try_call(self, op: Callable[[aioredis.Redis], Awaitable[T]]) -> T | None:
        """``op``'s result, or None when Redis is unavailable or refused the command."""
        try:
            return await self.call(op)
        except (_Unavailable, ResponseError):
            return None

    async def get(self, key: str) -> bytes | None:
        value: Any = await self.try_call(lambda client: client.get(key))
        return unpack(value) if isinstance(value, bytes) else None

    async def set(self, key: str, body: bytes, ttl_seconds: int) -> None:
        if ttl_seconds > 0:
            await self.try_call(lambda client: client.set(key, pack(body), ex=ttl_seconds))

    async def _ping(self) -> bool:
        """The breaker's probe: one PING with the most generous deadline."""
        try:
            async with asyncio.timeout(self._max_timeout * 2):
                with contextlib.suppress(RedisError, OSError):
                    await self._client.connection_pool.disconnect()
                return bool(await self._client.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def status(self) -> str:
        if self.breaker.state is not BreakerState.CLOSED:
            return f"redis (circuit {self.breaker.describe()}: skipped after a recent failure)"
        if await self.try_call(lambda client: client.ping()) is None:
            return "redis (unreachable; serving without cache)"
        return "redis (up)"

    async def close(self) -> None:
        await self.breaker.close()
        with contextlib.suppress(RedisError, OSError):
            await self._client.aclose()
