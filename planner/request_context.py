"""The request being served, for log lines written anywhere below the HTTP layer."""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["request_id"]

request_id: ContextVar[str | None] = ContextVar("planner_request_id", default=None)
"""Set by the HTTP middleware for the duration of one request (None outside requests)."""
