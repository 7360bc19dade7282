"""Domain errors. The HTTP layer maps this tree to status codes in one place
(:mod:`planner.api.errors`); domain code never raises HTTP exceptions.

::

    PlannerError
    ├── InvalidRequest          422  a field's value is not allowed (names field + allowed values)
    │   └── TargetUnreachable   422  target loss/error below what the law can reach
    ├── PlanInfeasible          422  constraints cannot hold together (names them)
    ├── NotFound             404  unknown catalogue entry in a URL path
    ├── Unauthorized            401  a signature or credential is missing or wrong
    └── SolverFailure           500  the solver returned no solution for a well-posed problem
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "InvalidRequest",
    "NotFound",
    "PlanInfeasible",
    "PlannerError",
    "SolverFailure",
    "TargetUnreachable",
    "Unauthorized",
]


class PlannerError(Exception):
    """Base of every error the planner reports to a client."""

    status_code: int = 500

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        allowed: Any = None,
        conflicting: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed
        self.conflicting = conflicting or []

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": type(self).__name__, "detail": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.allowed is not None:
            body["allowed"] = self.allowed
        if self.conflicting:
            body["conflicting"] = self.conflicting
        return body


class InvalidRequest(PlannerError):
    """A request field has a value the planner cannot use."""

    status_code = 422


class TargetUnreachable(InvalidRequest):
    """The requested loss (or downstream error) is at or below the law's floor."""


class PlanInfeasible(PlannerError):
    """The budget, the constraints and the fitted ranges cannot all hold."""

    status_code = 422


class NotFound(PlannerError):
    """A catalogue entry named in a URL path does not exist."""

    status_code = 404


class Unauthorized(PlannerError):
    """The request's signature or credential is missing, stale or wrong."""

    status_code = 401


class SolverFailure(PlannerError):
    """The solver failed on a problem that should have been solvable."""

    status_code = 500
