"""The two optimisation questions over a posynomial loss law, with their marginal values.

* :func:`minimise_loss`: lowest loss whose compute fits the budget and every bound;
* :func:`minimise_compute`: least compute whose loss reaches a target within every bound.

Both build a :class:`GeometricProgram`; infeasibility is explained by naming a minimal set of
conflicting constraints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from laws_catalog import PosynomialLoss, PowerTerm

from ...errors import PlanInfeasible
from ...optimize.feasibility import conflicting_constraints
from ...optimize.gp import GPSolution, solve_program
from ...optimize.posynomial import Posynomial
from ...optimize.program import Constraint, GeometricProgram
from ...schemas.responses import MarginalValue, MarginEffect

__all__ = [
    "Optimum",
    "binding_labels",
    "minimise_compute",
    "minimise_loss",
    "relaxation_margins",
]

BINDING_MULTIPLIER = 1e-8


@dataclass(frozen=True, slots=True)
class Optimum:
    n_params: float
    n_tokens: float
    status: str
    polished: bool
    program: GeometricProgram
    multipliers: tuple[float, ...]
    scales: tuple[float, float]


def _solve(
    program: GeometricProgram, scales: tuple[float, float], warm: Optimum | None = None
) -> Optimum:
    start = None
    if warm is not None:
        start = GPSolution(warm.n_params, warm.n_tokens, warm.status, True, warm.multipliers)
    try:
        solution = solve_program(program, scales=scales, warm=start)
    except PlanInfeasible:
        conflict = conflicting_constraints(program.constraints)
        if conflict:
            labels = [label for c in conflict for label in c.labels]
            raise PlanInfeasible(
                "these limits cannot hold together: " + ", ".join(labels), conflicting=labels
            ) from None
        raise
    return Optimum(
        solution.n_params,
        solution.n_tokens,
        solution.status,
        solution.polished,
        program,
        solution.multipliers,
        scales,
    )


def _reducible(law: PosynomialLoss) -> Posynomial:
    return Posynomial.of(law.terms)


def minimise_loss(
    law: PosynomialLoss,
    budget: Constraint,
    bounds: Sequence[Constraint],
    scale_flops: float,
    k: float,
    warm: Optimum | None = None,
) -> Optimum:
    """Lowest loss subject to ``budget`` (posynomial compute <= C) and ``bounds``.

    ``scale_flops`` and ``k`` only pick the solver's units (the Chinchilla-ish point
    ``N = sqrt(C/(20k))``); they do not change the answer. ``warm``: the optimum of a nearby
    program of the same structure (see :func:`planner.optimize.gp.solve_program`).
    """
    n0 = math.sqrt(scale_flops / (k * 20.0))
    program = GeometricProgram(_reducible(law), (budget, *bounds))
    return _solve(program, (n0, 20.0 * n0), warm)


def _frontier_scales(law: PosynomialLoss, k: float, target_reducible: float) -> tuple[float, float]:
    """Where the unconstrained compute-optimal frontier reaches the target (solver units)."""
    if not law.is_separable_pair():
        return 1e9, 2e10
    lo, hi = 0.0, 160.0  # ln FLOPs
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        n, d = law.compute_optimal(math.exp(mid), k)
        if float(law.reducible(n, d)) > target_reducible:
            lo = mid
        else:
            hi = mid
    return law.compute_optimal(math.exp(hi), k)


def target_constraint(law: PosynomialLoss, target_reducible: float, label: str) -> Constraint:
    return Constraint("target", _reducible(law).scaled(1.0 / target_reducible), (label,))


def minimise_compute(
    law: PosynomialLoss,
    compute_terms: tuple[PowerTerm, ...],
    target_reducible: float,
    bounds: Sequence[Constraint],
    k: float,
    label: str = "target.loss",
    warm: Optimum | None = None,
) -> Optimum:
    """Least compute (``sum(compute_terms)``) whose loss reaches the target within ``bounds``.

    Raises :class:`PlanInfeasible` naming the bounds when they conflict among themselves, or
    with ``conflicting=[]`` when only the target is out of their reach.
    """
    program = GeometricProgram(
        Posynomial.of(compute_terms), (target_constraint(law, target_reducible, label), *bounds)
    )
    try:
        return _solve(program, _frontier_scales(law, k, target_reducible), warm)
    except PlanInfeasible as exc:
        if exc.conflicting and label not in exc.conflicting:
            raise
        raise PlanInfeasible("the target cannot be reached within the limits") from None


def binding_labels(optimum: Optimum) -> list[str]:
    return [
        label
        for constraint, multiplier in zip(
            optimum.program.constraints, optimum.multipliers, strict=True
        )
        if multiplier > BINDING_MULTIPLIER and constraint.key != "target"
        for label in constraint.labels
    ]


def relaxation_margins(
    optimum: Optimum,
    effect: Callable[[float, float], float],
    effect_on: MarginEffect,
    log_scale: float,
) -> list[MarginalValue]:
    """Re-solve with each binding constraint relaxed by 10 % and report the change in
    ``effect`` (loss, or FLOPs). The elasticity is ``d ln(effect) / d ln(limit value)`` from
    the multiplier, with ``log_scale = d ln(effect) / d ln(objective)`` at the optimum."""
    base = effect(optimum.n_params, optimum.n_tokens)
    margins = []
    for index, (constraint, multiplier) in enumerate(
        zip(optimum.program.constraints, optimum.multipliers, strict=True)
    ):
        if multiplier <= BINDING_MULTIPLIER or constraint.key == "target":
            continue
        relaxed = _solve(
            optimum.program.replace_constraint(index, constraint.relaxed()),
            optimum.scales,
            optimum,
        )
        delta = effect(relaxed.n_params, relaxed.n_tokens) - base
        # the multiplier is -d ln(objective) / d ln(loosening); chain to the request field
        elasticity = -multiplier * log_scale * constraint.field_elasticity
        for label in constraint.labels:
            margins.append(
                MarginalValue(
                    resource=label,
                    relaxation="+10%" if constraint.field_direction == "upper" else "-10%",
                    effect_on=effect_on,
                    delta=delta,
                    elasticity=elasticity,
                )
            )
    return margins
