"""Circuit breaker for a remote cache: closed (use it), open (skip it), half-open (probing).

The breaker opens on a connection failure, or on a few timeouts in a row that the host's own
load does not explain. While it is open, requests skip the remote at no cost and one background
task probes it every ``probe_interval`` seconds; the first successful probe closes the breaker,
so the cache is back within about one probe interval of the remote being back.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Awaitable, Callable

__all__ = ["BreakerState", "CircuitBreaker"]

log = logging.getLogger(__name__)


class BreakerState(enum.IntEnum):
    """Numeric values are what the ``planner_redis_circuit_state`` gauge shows."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        probe: Callable[[], Awaitable[bool]],
        probe_interval: float,
        timeouts_to_trip: int,
    ) -> None:
        self.name = name
        self._probe = probe
        self._probe_interval = probe_interval
        self._timeouts_to_trip = timeouts_to_trip
        self._timeouts = 0
        self._opened_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self.state = BreakerState.CLOSED
        self.trips = 0
        """How many times the breaker opened since the process started."""

    def allows(self) -> bool:
        return self.state is BreakerState.CLOSED

    def succeeded(self) -> None:
        self._timeouts = 0

    def timed_out(self, reason: str) -> None:
        """A timeout the host's load does not explain; a few in a row open the breaker."""
        self._timeouts += 1
        if self._timeouts >= self._timeouts_to_trip:
            self.open(f"{self._timeouts} timeouts in a row ({reason})")

    def open(self, reason: str) -> None:
        self._timeouts = 0
        if self.state is not BreakerState.CLOSED:
            return
        self.state = BreakerState.OPEN
        self.trips += 1
        self._opened_at = time.monotonic()
        log.warning(
            "%s circuit open: skipping it, probing every %.2fs",
            self.name,
            self._probe_interval,
            extra={"event": "circuit_open", "breaker": self.name, "reason": reason},
        )
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._probe_until_closed())

    async def _probe_until_closed(self) -> None:
        while self.state is not BreakerState.CLOSED:
            await asyncio.sleep(self._probe_interval)
            self.state = BreakerState.HALF_OPEN
            try:
                healthy = await self._probe()
            except Exception:  # a probe must never kill the loop that closes the breaker
                log.exception("%s probe raised", self.name)
                healthy = False
            if healthy:
                self._close()
            else:
                self.state = BreakerState.OPEN

    def _close(self) -> None:
        self.state = BreakerState.CLOSED
        self._timeouts = 0
        outage = time.monotonic() - self._opened_at
        log.warning(
            "%s circuit closed after %.2fs",
            self.name,
            outage,
            extra={"event": "circuit_closed", "breaker": self.name, "open_seconds": outage},
        )

    def describe(self) -> str:
        return self.state.name.lower().replace("_", "-")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
