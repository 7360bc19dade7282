"""A typed Python client for every endpoint of the service (no solver needed on your side).

>>> from planner.client import PlannerClient
>>> with PlannerClient("http://127.0.0.1:8000") as client:  # doctest: +SKIP
...     answer = client.plan({"budget": {"flops": 1e23}})
...     table = client.sweep({"budgets": [{"flops": 1e21}, {"flops": 1e22}]}).to_dataframe()
...     big = client.sweep({"budgets": [{"flops": 1e21}] * 5}, detail="summary").to_dataframe()

Importing it loads pydantic and httpx only: neither cvxpy nor SciPy. Results are this package's
response models, read tolerantly (fields a newer server added are dropped, and the whole body
stays in ``raw``). Failures raise the tree in :mod:`planner.client.errors`.
"""

from __future__ import annotations

from .errors import (
    PlannerClientError,
    PlannerConnectionError,
    PlannerHTTPError,
    PlannerProtocolError,
    PlannerRequestError,
    PlannerServerError,
)
from .results import FitResult, JobStatus, SweepResult, SweepSummaryResult
from .session import PlannerClient

__all__ = [
    "FitResult",
    "JobStatus",
    "PlannerClient",
    "PlannerClientError",
    "PlannerConnectionError",
    "PlannerHTTPError",
    "PlannerProtocolError",
    "PlannerRequestError",
    "PlannerServerError",
    "SweepResult",
    "SweepSummaryResult",
]
