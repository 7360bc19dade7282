"""Admission control in front of the solver threads: a bounded queue, a per-request deadline,
and cancellation when the client goes away.

Counters for monitoring (plain attributes, read by the metrics endpoint):

* ``in_flight``: computations running on a solver thread now;
* ``queue_depth``: admitted computations waiting for a free solver thread;
* ``admitted``: both together (a slot is held until the thread really lets go, also after a
  deadline answer was already sent);
* ``capacity``: solver threads + queue places; ``saturated`` when ``admitted >= capacity``;
* ``shed_total``: requests refused with 503 because the queue was full;
* ``deadline_exceeded_total``: requests answered 503 ``DeadlineExceeded``;
* ``disconnected_total``: computations stopped because the client disconnected;
* ``completed_total``: computations that finished (with an answer or an error).
"""

from __future__ import annotations

import asyncio
import math
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from ..deadline import CancelToken, DeadlineExceeded, bound
from ..errors import PlannerError

__all__ = ["Admission", "Overloaded"]

T = TypeVar("T")

_POLL_SECONDS = 0.1
"""How often a waiting request looks at its client's connection."""

GIL_SWITCH_SECONDS = 0.0005
"""Interpreter switch interval while solver threads share the process. Python's default
(5 ms) lets two long computations starve a short one: each time the short one releases the
GIL (inside the solver, numpy) it waits a full interval to get it back, which turned a 20 ms
plan into 2-3 s beside two slow ones; at 0.5 ms it stays near 30 ms (p50)."""


class Overloaded(PlannerError):
    """Every solver thread is busy and the queue in front of them is full."""

    status_code = 503

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class Admission:
    """Bounded queue + deadline around a solver thread pool (one per process)."""

    def __init__(
        self, pool: ThreadPoolExecutor, *, threads: int, max_queued: int, deadline_seconds: float
    ) -> None:
        self.pool = pool
        self.threads = threads
        self.max_queued = max_queued
        self.deadline_seconds = deadline_seconds
        self.admitted = 0
        self.in_flight = 0
        self.shed_total = 0
        self.deadline_exceeded_total = 0
        self.disconnected_total = 0
        self.completed_total = 0
        self._mean_seconds = 0.05
        self._lock = threading.Lock()
        sys.setswitchinterval(GIL_SWITCH_SECONDS)

    @property
    def capacity(self) -> int:
        return self.threads + self.max_queued

    @property
    def queue_depth(self) -> int:
        return max(0, self.admitted - self.in_flight)

    @property
    def saturated(self) -> bool:
        return self.admitted >= self.capacity

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the queue ahead, at the recent mean compute
        time per request, over the threads (at least 1 s, at most one deadline)."""
        wait = self._mean_seconds * (self.queue_depth + 1) / self.threads
        return max(1, min(math.ceil(wait), math.ceil(self.deadline_seconds)))

    async def run(
        self,
        compute: Callable[[], T],
        *,
        what: str,
        client_gone: asyncio.Event | None = None,
        advice: str | None = None,
    ) -> T:
        """``compute()`` on a solver thread, or 503 (:class:`Overloaded` at once when full,
        :class:`DeadlineExceeded` when the deadline passes, its message ending with
        ``advice``). When ``client_gone`` is set the computation stops at its next
        checkpoint."""
        with self._lock:
            if self.admitted >= self.capacity:
                self.shed_total += 1
                full = True
            else:
                self.admitted += 1
                full = False
        if full:
            raise Overloaded(
                f"all {self.threads} solver threads are busy and {self.max_queued} requests "
                "are queued; retry later (cached answers are still served)",
                retry_after=self.retry_after(),
            )
        token = CancelToken(self.deadline_seconds, what, advice)
        future = self.pool.submit(self._in_thread, token, compute)
        future.add_done_callback(self._release)
        waiting = asyncio.wrap_future(future)
        waiting.add_done_callback(_retrieve)
        while not waiting.done():
            remaining = token.remaining()
            if remaining <= 0:
                return self._abandon(token, future, "deadline")
            if client_gone is not None and client_gone.is_set():
                return self._abandon(token, future, "disconnected")
            await asyncio.wait({waiting}, timeout=min(remaining, _POLL_SECONDS))
        try:
            return waiting.result()
        except DeadlineExceeded:
            self._count(token.reason or "deadline")
            raise

    def _in_thread(self, token: CancelToken, compute: Callable[[], T]) -> T:
        started = time.perf_counter()
        with self._lock:
            self.in_flight += 1
        try:
            with bound(token):
                token.check("starting")
                return compute()
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.in_flight -= 1
                self.completed_total += 1
                self._mean_seconds += 0.2 * (elapsed - self._mean_seconds)

    def _release(self, _: Future[Any]) -> None:
        with self._lock:
            self.admitted -= 1

    def _abandon(self, token: CancelToken, future: Future[T], reason: str) -> T:
        token.cancel(reason)
        future.cancel()  # still queued: never runs; running: stops at its next checkpoint
        self._count(reason)
        raise token.error()

    def _count(self, reason: str) -> None:
        with self._lock:
            if reason == "disconnected":
                self.disconnected_total += 1
            else:
                self.deadline_exceeded_total += 1


def _retrieve(waiting: asyncio.Future[Any]) -> None:
    """Read an abandoned computation's outcome so asyncio does not log it as lost."""
    if not waiting.cancelled():
        waiting.exception()
