"""Compute-budget planning service for LLM training.

>>> from planner import PlanRequest, make_plan
>>> answer = make_plan(PlanRequest.model_validate({"budget": {"flops": 1e21}}))
>>> round(answer.plan.tokens_per_param, 1)
21.5
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded on first use: ``import planner.client`` must not pull in cvxpy
    from .planning.plan.pipeline import make_plan
    from .planning.questions.predict import predict
    from .planning.sweep.run import sweep
    from .schemas.requests import (
        Budget,
        Constraints,
        LawChoice,
        PlanRequest,
        PredictRequest,
        SweepRequest,
        Target,
    )
    from .schemas.responses import PlanResponse, PredictResponse, SweepResponse

_HOME = {
    "make_plan": ".planning.plan.pipeline",
    "predict": ".planning.questions.predict",
    "sweep": ".planning.sweep.run",
    "Budget": ".schemas.requests",
    "Constraints": ".schemas.requests",
    "LawChoice": ".schemas.requests",
    "PlanRequest": ".schemas.requests",
    "PredictRequest": ".schemas.requests",
    "SweepRequest": ".schemas.requests",
    "Target": ".schemas.requests",
    "PlanResponse": ".schemas.responses",
    "PredictResponse": ".schemas.responses",
    "SweepResponse": ".schemas.responses",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Budget",
    "Constraints",
    "LawChoice",
    "PlanRequest",
    "PlanResponse",
    "PredictRequest",
    "PredictResponse",
    "SweepRequest",
    "SweepResponse",
    "Target",
    "__version__",
    "make_plan",
    "predict",
    "sweep",
]
