"""A user's cap on the peak learning rate (``constraints.max_learning_rate``).

The hyperparameter law's value is kept in ``hyperparams_by_law``; the plan's
``learning_rate`` becomes the cap, and a ``learning_rate_capped`` warning says from what.
"""

from __future__ import annotations

from ...schemas.requests import PlanRequest
from ...schemas.responses import AnswerWarning, PlanResponse

__all__ = ["capped"]


def capped(response: PlanResponse, request: PlanRequest) -> PlanResponse:
    cap = request.constraints.max_learning_rate
    given = response.plan.learning_rate
    if cap is None or given is None or given <= cap:
        return response
    source = next(
        (use.law for use in response.provenance if "learning_rate" in use.produces),
        request.laws.hyperparams,
    )
    warning = AnswerWarning(
        code="learning_rate_capped",
        message=f"peak learning rate {given:.4g} from {source} capped at "
        f"{cap:.4g} by constraints.max_learning_rate (the law's values stay in "
        "hyperparams_by_law)",
        law=None,
        quantity="learning_rate",
        value=given,
        bound=cap,
    )
    plan = response.plan.model_copy(update={"learning_rate": cap})
    return response.model_copy(update={"plan": plan, "warnings": [*response.warnings, warning]})
