"""The numbers a frontier picture draws, computed without matplotlib (so tests can read them).

Everything comes from the plan answer and the loss law it used: the law's compute-optimal
frontier ``L*(C) = min_N L(N, C / (k N))`` (no limits), isoFLOP curves ``L(N, C / (k N))`` at
a few budgets around the plan's, the plan's own point (which sits above the frontier when a
limit, repetition or a precision penalty binds), the law's fitted ranges and, when the answer
carries one, its loss interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from laws_catalog import ResolvedLaw
from laws_catalog.loss import LossLaw, posynomial

from ..planning.laws.selection import select_laws
from ..schemas.requests import PlanRequest
from ..schemas.responses import PlanResponse

__all__ = [
    "FrontierData",
    "IsoFlopCurve",
    "frontier_data",
    "law_frontier",
    "loss_interval",
]

FloatArray = npt.NDArray[np.float64]

#: budgets of the isoFLOP curves, as multiples of the plan's FLOPs
ISOFLOP_FACTORS = (0.1, 1.0, 10.0)
_GRID = 2400  # N samples per budget: steps of ~1.2 % in N, the loss is flat at its minimum


@dataclass(frozen=True)
class IsoFlopCurve:
    flops: float
    params: FloatArray
    loss: FloatArray


@dataclass(frozen=True)
class FrontierData:
    title: str
    law_ref: str
    """``id@constant_set`` of the loss law drawn."""
    params_quantity: str
    flops_per_param_token: float
    loss_units: str
    frontier_flops: FloatArray
    frontier_loss: FloatArray
    frontier_params: FloatArray
    frontier_fitted: npt.NDArray[np.bool_]
    """Whether the frontier's (C, N, D, D/N) lie in every fitted range the law states."""
    isoflops: tuple[IsoFlopCurve, ...]
    plan_flops: float
    plan_params: float
    plan_loss: float
    binding: tuple[str, ...]
    fitted_flops: tuple[float, float] | None
    """Budgets whose frontier point lies in the law's fitted ranges (None: nowhere)."""
    fitted_params: tuple[float, float] | None
    param_limits: dict[str, float]
    """Parameter limits of the request (``constraints.max_params`` ...) in the law's N."""
    loss_interval: tuple[float, float] | None
    objective: str


def _loss_on_budget(law: ResolvedLaw[LossLaw], flops: float, params: FloatArray) -> FloatArray:
    tokens = flops / (law.law.traits.flops_per_param_token * params)
    return np.asarray(posynomial(law.law, law.constants.name)(params, tokens), dtype=np.float64)


def law_frontier(law: ResolvedLaw[LossLaw], budgets: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Least loss and its N at each budget, on a fine log grid of N (any law shape)."""
    k = law.law.traits.flops_per_param_token
    flops = np.asarray(budgets, dtype=np.float64)[:, None]
    # N from 1e3 up to where D would drop below 1e3 tokens, per budget
    top = np.log(np.maximum(flops / (k * 1e3), 1e4))
    params = np.exp(np.log(1e3) + (top - np.log(1e3)) * np.linspace(0.0, 1.0, _GRID)[None, :])
    loss = np.asarray(
        posynomial(law.law, law.constants.name)(params, flops / (k * params)), dtype=np.float64
    )
    best = np.nanargmin(loss, axis=1)
    rows = np.arange(len(budgets))
    return loss[rows, best], params[rows, best]


def loss_interval(response: BaseModel) -> tuple[float, float] | None:
    """``uncertainty.intervals.loss`` of an answer that carries an uncertainty section."""
    uncertainty: Any = getattr(response, "uncertainty", None)
    if isinstance(uncertainty, BaseModel):
        uncertainty = uncertainty.model_dump(mode="json")
    if not isinstance(uncertainty, dict):
        return None
    intervals = uncertainty.get("intervals")
    interval = intervals.get("loss") if isinstance(intervals, dict) else None
    if isinstance(interval, dict):  # {"low": .., "high": ..} as well as [low, high]
        interval = [interval.get("low"), interval.get("high")]
    if not isinstance(interval, list | tuple) or len(interval) != 2:
        return None
    if not all(isinstance(v, int | float) for v in interval):
        return None
    low, high = (float(v) for v in interval)
    return (low, high) if np.isfinite(low) and np.isfinite(high) and low <= high else None


def inside_fitted_ranges(
    law: LossLaw, flops: FloatArray, params: FloatArray
) -> npt.NDArray[np.bool_]:
    """Mask of the points (C, N, D = C / (k N)) inside all of the law's fitted ranges."""
    tokens = flops / (law.traits.flops_per_param_token * params)
    values = {
        "flops": flops,
        law.traits.params_quantity: params,
        "n_tokens": tokens,
        "tokens_per_param": tokens / params,
    }
    inside = np.ones(len(flops), dtype=bool)
    for quantity, interval in law.validity.items():
        if quantity in values:
            value = values[quantity]
            inside &= (value >= interval.lower * (1 - 1e-9)) & (
                value <= interval.upper * (1 + 1e-9)
            )
    return inside


def _range(law: LossLaw, quantity: str) -> tuple[float, float] | None:
    interval = law.validity.get(quantity)
    return None if interval is None else (interval.lower, interval.upper)


def frontier_data(request: PlanRequest, response: PlanResponse) -> FrontierData:
    """What :func:`planner.plots.frontier_figure` draws for ``request`` and its answer."""
    law = select_laws(request.laws).loss
    plan = response.plan
    span = [plan.flops / 1e3, plan.flops * 1e2]
    wide = np.geomspace(1e15, 1e28, 131)  # where is the law's frontier inside its fit?
    fitted = wide[inside_fitted_ranges(law.law, wide, law_frontier(law, wide)[1])]
    if len(fitted):
        span = [min(span[0], fitted[0] / 3), max(span[1], fitted[-1] * 3)]
    budgets = np.geomspace(span[0], span[1], 121)
    frontier_loss, frontier_params = law_frontier(law, budgets)
    frontier_fitted = inside_fitted_ranges(law.law, budgets, frontier_params)
    curves = []
    for factor in ISOFLOP_FACTORS:
        flops = plan.flops * factor
        params = np.geomspace(plan.params / 100, plan.params * 100, 241)
        params = params[flops / (law.law.traits.flops_per_param_token * params) >= 1.0]
        curves.append(IsoFlopCurve(flops, params, _loss_on_budget(law, flops, params)))
    limits = request.constraints
    param_limits = {
        name: value
        for name, value in (
            ("constraints.max_params", limits.max_params),
            ("constraints.min_params", limits.min_params),
        )
        if value is not None
    }
    ref = f"{law.law.id}@{law.constants.name}"
    return FrontierData(
        title=f"{law.law.title}\nloss law {ref} ({law.law.reference.short()})",
        law_ref=ref,
        params_quantity=law.law.traits.params_quantity,
        flops_per_param_token=law.law.traits.flops_per_param_token,
        loss_units="nats/token",
        frontier_flops=budgets,
        frontier_loss=frontier_loss,
        frontier_params=frontier_params,
        frontier_fitted=frontier_fitted,
        isoflops=tuple(curves),
        plan_flops=plan.flops,
        plan_params=plan.params,
        plan_loss=plan.loss,
        binding=tuple(response.binding_constraints),
        fitted_flops=(
            (float(budgets[frontier_fitted][0]), float(budgets[frontier_fitted][-1]))
            if frontier_fitted.any()
            else None
        ),
        fitted_params=_range(law.law, law.law.traits.params_quantity),
        param_limits=param_limits,
        loss_interval=loss_interval(response),
        objective=response.objective,
    )
