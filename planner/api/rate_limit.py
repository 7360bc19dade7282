"""Per-client rate limit shared by every worker through Redis, local when Redis is not there.

GCRA (a token bucket in one number): each client has a theoretical arrival time ``tat``; a
request moves it ``interval = 60 / per_minute`` seconds on, and is refused when that would put
it more than ``burst`` intervals ahead of now. In Redis it is one atomic Lua script on the
server's clock; without Redis (not configured, down, or its circuit open) the same algorithm
runs in this process, so a Redis outage never fails a request (the limit is then per worker).
"""

from __future__ import annotations

import math
import time
from typing import Any

from redis import asyncio as aioredis
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..cache import RedisCache
from .auth import CLIENT_SCOPE_KEY, is_public

__all__ = ["LocalLimiter", "RateLimitMiddleware", "RedisLimiter"]

_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - now - capacity
if wait > 0 then return wait end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return 0
"""
KEY_PREFIX = "planner:ratelimit:"
_LOCAL_PRUNE_AT = 10_000


class LocalLimiter:
    """The same GCRA in process memory (monotonic clock)."""

    def __init__(self, interval: float, burst: int) -> None:
        self.interval = interval
        self.capacity = interval * burst
        self._tat: dict[str, float] = {}

    def wait(self, client: str) -> float:
        """Seconds to wait before this request would be allowed (0: allowed now, counted)."""
        now = time.monotonic()
        if len(self._tat) > _LOCAL_PRUNE_AT:
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        new_tat = max(self._tat.get(client, now), now) + self.interval
        wait = new_tat - now - self.capacity
        if wait > 0:
            return wait
        self._tat[client] = new_tat
        return 0.0


class RedisLimiter:
    def __init__(self, interval: float, burst: int) -> None:
        self._args = [max(1, round(interval * 1e3)), max(1, round(interval * burst * 1e3))]
        self._scripts: dict[int, Any] = {}

    async def wait(self, cache: RedisCache, client: str) -> float | None:
        """Seconds to wait (0: allowed), or None when Redis could not be asked."""

        async def run(redis_client: aioredis.Redis) -> Any:
            script = self._scripts.get(id(redis_client))
            if script is None:
                script = self._scripts[id(redis_client)] = redis_client.register_script(_GCRA)
            return await script(keys=[KEY_PREFIX + client], args=self._args, client=redis_client)

        result = await cache.try_call(run)
        return None if result is None else int(result) / 1e3


class RateLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, per_minute: int, burst: int, public: frozenset[str]
    ) -> None:
        self.app = app
        self.per_minute = per_minute
        self.public = public
        interval = 60.0 / per_minute
        self.local = LocalLimiter(interval, burst)
        self.shared = RedisLimiter(interval, burst)

    def _client(self, scope: Scope) -> str:
        known = scope.get(CLIENT_SCOPE_KEY)
        if known is not None:
            return str(known)
        peer = scope.get("client")
        return "ip:" + (peer[0] if peer else "unknown")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"], self.public):
            await self.app(scope, receive, send)
            return
        client = self._client(scope)
        services = getattr(scope["app"].state, "services", None)
        cache = getattr(services, "cache", None)
        wait = None
        if isinstance(cache, RedisCache):
            wait = await self.shared.wait(cache, client)
        if wait is None:
            wait = self.local.wait(client)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        who = "API key" if client.startswith("key:") else "client address"
        body = {
            "error": "RateLimited",
            "detail": f"more than {self.per_minute} requests per minute from this {who}; "
            f"retry after {retry_after} s",
            "retry_after_seconds": retry_after,
        }
        headers = {"Retry-After": str(retry_after), "RateLimit-Policy": f"{self.per_minute};w=60"}
        await JSONResponse(body, status_code=429, headers=headers)(scope, receive, send)
