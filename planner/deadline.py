"""Per-request deadlines and cancellation, checked cooperatively by the compute.

A solve cannot be interrupted from outside a thread, so long computations call
:func:`checkpoint` between solves and inside their loops. The HTTP layer binds a
:class:`CancelToken` to the solver thread for the duration of one request
(:func:`bound`); when the deadline passes or the client goes away, the next checkpoint raises
:class:`DeadlineExceeded` and the thread is free again. Outside a request (CLI, tests, library
use) there is no token and :func:`checkpoint` costs one context-variable lookup.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from laws_catalog import interrupt

from .errors import PlannerError

__all__ = ["CancelToken", "DeadlineExceeded", "bound", "checkpoint"]


class DeadlineExceeded(PlannerError):
    """The request could not be answered within the service's deadline (or was abandoned)."""

    status_code = 503


class CancelToken:
    """A deadline plus a cancel flag, shared by the event loop and one solver thread."""

    def __init__(self, seconds: float, what: str, advice: str | None = None) -> None:
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self.what = what
        self.advice = advice
        """A further way out the caller knows of (e.g. a cheaper form of the same question),
        added to the deadline's message."""
        self.stage = "waiting for a solver thread"
        self.reason: str | None = None
        self._cancelled = threading.Event()

    def cancel(self, reason: str) -> None:
        """Stop the compute at its next checkpoint (``reason``: 'deadline' or 'disconnected')."""
        if self.reason is None:
            self.reason = reason
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    def check(self, stage: str | None = None) -> None:
        if stage is not None:
            self.stage = stage
        if not self._cancelled.is_set() and time.monotonic() >= self.expires_at:
            self.cancel("deadline")
        if self._cancelled.is_set():
            raise self.error()

    def error(self) -> DeadlineExceeded:
        """The 503 a client sees: what was being computed and what to do instead."""
        if self.reason == "disconnected":
            return DeadlineExceeded(f"{self.what}: the client disconnected ({self.stage})")
        advice = "" if self.advice is None else f" {self.advice}"
        return DeadlineExceeded(
            f"{self.what} did not finish within the {self.seconds:g} s request deadline "
            f"(was {self.stage}). Ask a cheaper question (fewer budgets, sources, runs or "
            "steps, or a smaller range), or submit it as a background job (POST /v1/jobs) "
            f"and fetch the answer when it is ready.{advice}",
            field=None,
            allowed=f"answers computable within {self.seconds:g} s",
        )


_current: ContextVar[CancelToken | None] = ContextVar("planner_cancel_token", default=None)


def checkpoint(stage: str | None = None) -> None:
    """Raise :class:`DeadlineExceeded` if the current request's token is cancelled or expired.

    ``stage`` (e.g. ``"data source 3 of 50"``) is remembered for the error message.
    """
    token = _current.get()
    if token is not None:
        token.check(stage)


interrupt.install(checkpoint)  # the catalogue's fits stop at the same deadlines


@contextmanager
def bound(token: CancelToken) -> Iterator[CancelToken]:
    """Make ``token`` the current one in this thread (or task) while the block runs."""
    reset = _current.set(token)
    try:
        yield token
    finally:
        _current.reset(reset)
