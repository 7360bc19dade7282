"""Cache correctness across deploys (the key names the code build) and an in-process cache
bounded in bytes: one sweep answer can be ~17 MB (the issue's figure)."""

from __future__ import annotations

import asyncio
import re

from planner import __version__
from planner.cache import MemoryCache, cache_key
from planner.cache.keys import build_id
from planner.cache.memory import ENTRY_OVERHEAD_BYTES

MiB = 2**20


def test_key_names_package_version_and_source_digest() -> None:
    key = cache_key("plan", b'{"x":1}')
    assert f":{build_id()}:" in key
    assert re.fullmatch(rf"{re.escape(__version__)}-[0-9a-f]{{12}}", build_id())


def test_byte_bound_holds_and_evicts_least_recent_first() -> None:
    async def scenario() -> None:
        cache = MemoryCache(max_entries=10_000, max_bytes=10 * MiB)
        for i in range(30):  # 30 x 1 MiB into 10 MiB
            await cache.set(f"k{i}", bytes(MiB), 60)
            assert cache.size_bytes <= 10 * MiB
        assert await cache.get("k0") is None
        assert await cache.get("k29") == bytes(MiB)
        held = [i for i in range(30) if await cache.get(f"k{i}") is not None]
        assert held == list(range(21, 30))  # the most recent nine that fit, in order

    asyncio.run(scenario())


def test_a_17_mb_body_is_cached_without_flushing_the_small_answers() -> None:
    async def scenario() -> None:
        cache = MemoryCache(max_entries=4096, max_bytes=256 * MiB)
        for i in range(1000):
            await cache.set(f"plan{i}", b"p" * 4000, 60)
        await cache.set("sweep", b"s" * 17_000_000, 60)
        assert await cache.get("sweep") is not None
        assert all([await cache.get(f"plan{i}") is not None for i in range(1000)])
        expected = 1000 * (4000 + 6 + ENTRY_OVERHEAD_BYTES) + 17_000_000 + 5
        assert abs(cache.size_bytes - expected) < 10_000
        # fifteen more such sweeps: the bound holds, the least recently used goes first
        # (the first sweep: every small answer was read after it)
        for i in range(15):
            await cache.set(f"sweep{i}", b"s" * 17_000_000, 60)
            assert cache.size_bytes <= 256 * MiB
        assert await cache.get("sweep") is None
        assert await cache.get("sweep14") is not None
        assert await cache.get("plan0") is not None

    asyncio.run(scenario())


def test_a_body_over_a_quarter_of_the_budget_is_not_cached_and_evicts_nothing() -> None:
    async def scenario() -> None:
        cache = MemoryCache(max_entries=100, max_bytes=40 * MiB)
        await cache.set("small", b"x" * 1000, 60)
        await cache.set("big", b"s" * 17_000_000, 60)  # > 10 MiB: would flush most of the cache
        assert await cache.get("big") is None
        assert await cache.get("small") == b"x" * 1000
        await cache.set("small", b"y" * 2000, 60)  # replacing an entry re-counts its bytes
        assert cache.size_bytes == len("small") + 2000 + ENTRY_OVERHEAD_BYTES

    asyncio.run(scenario())
