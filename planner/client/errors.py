"""What can go wrong talking to the service, as one tree of exceptions.

::

    PlannerClientError             base: catch this to handle every failure
    ├── PlannerConnectionError     no answer: connection refused, DNS, timeout
    ├── PlannerProtocolError       an answer that is not the JSON (or CSV, SVG) asked for
    └── PlannerHTTPError           an error body (4xx/5xx) with ``error``, ``detail``, ``field``
        ├── PlannerRequestError    4xx: the request was wrong (``field`` names what)
        └── PlannerServerError     5xx: the service failed or is overloaded (retry later)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PlannerClientError",
    "PlannerConnectionError",
    "PlannerHTTPError",
    "PlannerProtocolError",
    "PlannerRequestError",
    "PlannerServerError",
]


class PlannerClientError(RuntimeError):
    """Base of every error the client raises."""


class PlannerConnectionError(PlannerClientError):
    """The service could not be reached (refused, unresolvable, timed out)."""


class PlannerProtocolError(PlannerClientError):
    """The service answered, but not with a body of the expected kind."""

    def __init__(self, message: str, *, status_code: int, content_type: str | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.content_type = content_type


class PlannerHTTPError(PlannerClientError):
    """The service answered with an error body."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        self.status_code = status_code
        self.body = body
        self.error: str = str(body.get("error", "HTTPError"))
        self.detail: str = str(body.get("detail", ""))
        self.field: str | None = body.get("field")
        self.allowed: Any = body.get("allowed")
        self.conflicting: list[str] = list(body.get("conflicting") or [])
        where = f" [{self.field}]" if self.field else ""
        super().__init__(f"{status_code} {self.error}{where}: {self.detail}")


class PlannerRequestError(PlannerHTTPError):
    """4xx: fix the request (``field`` and ``allowed`` say how)."""


class PlannerServerError(PlannerHTTPError):
    """5xx: the service failed, timed out or shed load; ``retry_after`` when it said."""

    def __init__(
        self, status_code: int, body: dict[str, Any], retry_after: float | None = None
    ) -> None:
        super().__init__(status_code, body)
        self.retry_after = retry_after
