"""In-process LRU cache with expiry, bounded in entries and in bytes (used without Redis).

One sweep answer can be ~17 MB, so a bound on the entry count alone does not bound memory.
A body larger than a quarter of the byte budget is not stored at all: caching it would evict
most other answers to keep one that is rarely asked twice.
"""

from __future__ import annotations

import time
from collections import OrderedDict

__all__ = ["ENTRY_OVERHEAD_BYTES", "MemoryCache"]

ENTRY_OVERHEAD_BYTES = 200
"""Approximate bytes per entry beyond key and body (dict slot, tuple, float, bytes headers)."""
LARGEST_FRACTION = 4
"""A body may use at most 1/LARGEST_FRACTION of the byte budget."""


class MemoryCache:
    name = "memory"

    def __init__(self, max_entries: int, max_bytes: int = 256 * 2**20) -> None:
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    @property
    def size_bytes(self) -> int:
        """Bytes held (keys, bodies and the per-entry overhead)."""
        return self._bytes

    @staticmethod
    def _cost(key: str, body: bytes) -> int:
        return len(key) + len(body) + ENTRY_OVERHEAD_BYTES

    def _drop(self, key: str) -> None:
        _, body = self._entries.pop(key)
        self._bytes -= self._cost(key, body)

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body = entry
        if expires < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return body

    async def set(self, key: str, body: bytes, ttl_seconds: int) -> None:
        if self._max_entries == 0 or ttl_seconds <= 0:
            return
        cost = self._cost(key, body)
        if cost * LARGEST_FRACTION > self._max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (time.monotonic() + ttl_seconds, body)
        self._bytes += cost
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    async def status(self) -> str:
        return (
            f"in-process ({len(self._entries)} entries, {self._bytes / 2**20:.1f} of "
            f"{self._max_bytes / 2**20:.0f} MiB)"
        )

    async def close(self) -> None:
        self._entries.clear()
        self._bytes = 0
