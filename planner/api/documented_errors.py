"""Error responses every operation can return, documented once in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ..schemas.responses import ErrorBody

__all__ = ["COMMON_ERRORS"]

COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "request body above PLANNER_MAX_BODY_BYTES"},
    422: {
        "model": ErrorBody,
        "description": "a field outside its allowed range (named in `field` and `allowed`), "
        "infeasible constraints, or inputs the laws cannot evaluate",
    },
    500: {"model": ErrorBody, "description": "solver failure (a bug: please report it)"},
    503: {
        "model": ErrorBody,
        "description": "`DeadlineExceeded` (the answer took longer than "
        "PLANNER_REQUEST_DEADLINE_SECONDS) or `Overloaded` (solver queue full; see "
        "`Retry-After`)",
        "headers": {
            "Retry-After": {
                "description": "seconds to wait (with `Overloaded`)",
                "schema": {"type": "integer"},
            }
        },
    },
}
