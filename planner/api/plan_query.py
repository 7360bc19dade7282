"""``GET /v1/plan``'s query parameters as a dependency that yields the ``PlanRequest``.

``GET /v1/plan`` and the GET routes that ask the plan question in another form
(``/v1/plots/frontier``) share it, so they take exactly the same parameters.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from ..schemas.requests import Budget, PlanRequest, Target
from ..schemas.uncertainty import UncertaintyRequest
from .query import ConstraintQuery, HardwareQuery, LawQuery, MinSeverityQuery

__all__ = ["plan_query"]


def plan_query(
    laws: Annotated[LawQuery, Depends()],
    constraints: Annotated[ConstraintQuery, Depends()],
    hardware: Annotated[HardwareQuery, Depends()],
    flops: float | None = None,
    gpu_hours: float | None = None,
    gpu_count: int | None = None,
    hours: float | None = None,
    dollars: float | None = None,
    target_loss: float | None = None,
    target_downstream_error: float | None = None,
    min_severity: MinSeverityQuery = "info",
    uncertainty: Annotated[
        bool, Query(description="intervals on the plan (level 0.9, 200 samples)")
    ] = False,
) -> PlanRequest:
    amounts = {
        "flops": flops,
        "gpu_hours": gpu_hours,
        "gpu_count": gpu_count,
        "hours": hours,
        "dollars": dollars,
    }
    budget_fields = {k: v for k, v in amounts.items() if v is not None} | hardware.values
    targets = {"loss": target_loss, "downstream_error": target_downstream_error}
    target_fields = {k: v for k, v in targets.items() if v is not None}
    return PlanRequest(
        budget=Budget.model_validate(budget_fields) if budget_fields else None,
        target=Target.model_validate(target_fields) if target_fields else None,
        laws=laws.model(),
        constraints=constraints.model(),
        min_severity=min_severity,
        uncertainty=UncertaintyRequest() if uncertainty else None,
    )
