r"""The data mixture that minimises a weighted sum of per-domain losses (Ye et al. mixing law).

Given a fitted law ``L_i(r) = c_i + k_i exp(t_i . r)`` (:func:`laws_catalog.data.ye2024.fit`)
and target weights ``w_i >= 0``, solve::

    minimise  sum_i w_i L_i(r)   over  r >= 0, sum_j r_j = 1, lower_j <= r_j <= upper_j

``exp`` of an affine function is convex and ``w_i k_i > 0``, so this is a convex program
(exponential cone); cvxpy solves it with Clarabel. The optimum is checked against the
mixtures the law was fitted on: outside their per-domain range or their convex hull the
law extrapolates, and the answer says so (``extrapolated`` and a warning the caller must
show). ``stay_in_seen_region=True`` instead constrains the mixture to that hull.

>>> import numpy as np
>>> from laws_catalog.data.ye2024 import fit, mixing_law
>>> runs = np.array([[0.9, 0.1], [0.7, 0.3], [0.5, 0.5], [0.3, 0.7], [0.1, 0.9]])
>>> losses = mixing_law(runs, [2.0, 1.0], [0.5, 0.4], [[-1.5, 1.5], [1.0, -1.0]])
>>> law = fit(runs, losses, domains=("web", "code"), targets=("web", "code"))
>>> plan = optimal_mixture(law, {"web": 0.5, "code": 0.5})
>>> round(plan.proportions["web"], 4), plan.extrapolated
(0.6257, False)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import numpy.typing as npt

from laws_catalog.data.ye2024 import FittedMixingLaw

from ..deadline import checkpoint
from ..errors import InvalidRequest, PlanInfeasible, SolverFailure

__all__ = ["MixturePlan", "optimal_mixture"]

FloatArray = npt.NDArray[np.float64]
_SOLVER_OPTIONS = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}


@dataclass(frozen=True, slots=True)
class MixturePlan:
    """The optimal mixture and whether it lies where the law was fitted.

    ``proportions`` per training domain (sum 1); ``objective`` = sum_i w_i L_i [nats/token]
    with the weights normalised to sum 1; ``losses`` per target domain [nats/token];
    ``inside_seen_range``: every share within the fitted runs' range of that domain;
    ``inside_seen_hull``: a convex combination of the fitted runs' mixtures;
    ``extrapolated`` = not inside_seen_hull; ``warnings`` must be shown to the user.
    """

    proportions: dict[str, float]
    objective: float
    losses: dict[str, float]
    inside_seen_range: bool
    inside_seen_hull: bool
    extrapolated: bool
    warnings: tuple[str, ...]
    status: str


def _per_domain(
    law: FittedMixingLaw, values: Mapping[str, float] | None, default: float, name: str
) -> FloatArray:
    out = np.full(len(law.domains), default)
    for domain, value in (values or {}).items():
        if domain not in law.domains:
            raise InvalidRequest(
                f"{name}: unknown domain {domain!r}", field=name, allowed=list(law.domains)
            )
        if not (0.0 <= value <= 1.0):
            raise InvalidRequest(f"{name}[{domain}] must lie in [0, 1]", field=name)
        out[law.domains.index(domain)] = value
    return out


def _weights(law: FittedMixingLaw, target_weights: Mapping[str, float]) -> FloatArray:
    w = np.zeros(len(law.targets))
    for target, weight in target_weights.items():
        if target not in law.targets:
            raise InvalidRequest(
                f"unknown target domain {target!r}",
                field="target_weights",
                allowed=list(law.targets),
            )
        if not (weight >= 0 and math.isfinite(weight)):
            raise InvalidRequest("target weights must be >= 0", field="target_weights")
        w[law.targets.index(target)] = weight
    if w.sum() <= 0:
        raise InvalidRequest("at least one target weight must be positive", field="target_weights")
    return np.asarray(w / w.sum(), dtype=np.float64)


def optimal_mixture(
    law: FittedMixingLaw,
    target_weights: Mapping[str, float],
    *,
    lower: Mapping[str, float] | None = None,
    upper: Mapping[str, float] | None = None,
    stay_in_seen_region: bool = False,
) -> MixturePlan:
    """Mixture minimising ``sum_i w_i L_i(r)`` over the simplex.

    ``target_weights`` maps target (validation) domains to weights (normalised to sum 1);
    ``lower``/``upper`` bound the share of training domains; ``stay_in_seen_region``
    restricts the mixture to the convex hull of the fitted runs' mixtures.
    """
    w = _weights(law, target_weights)
    lo = _per_domain(law, lower, 0.0, "lower")
    hi = _per_domain(law, upper, 1.0, "upper")
    if np.any(lo > hi) or lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise PlanInfeasible(
            "the per-domain bounds leave no mixture summing to 1", conflicting=["lower", "upper"]
        )
    active = w > 0
    r = cp.Variable(len(law.domains), nonneg=True)
    coefficients = w[active] * law.k[active]
    objective = cp.sum(cp.multiply(coefficients, cp.exp(law.t[active] @ r)))
    constraints = [cp.sum(r) == 1, r >= lo, r <= hi]
    if stay_in_seen_region:
        runs = law.region.proportions
        mix = cp.Variable(len(runs), nonneg=True)
        constraints += [cp.sum(mix) == 1, r == runs.T @ mix]
    problem = cp.Problem(cp.Minimize(objective), constraints)
    checkpoint("the mixture solve")
    try:
        problem.solve(solver=cp.CLARABEL, **_SOLVER_OPTIONS)
    except cp.error.SolverError as exc:
        raise SolverFailure(f"solver error: {exc}") from exc
    if problem.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
        raise PlanInfeasible(
            "no mixture satisfies the bounds inside the fitted region",
            conflicting=["lower", "upper", "stay_in_seen_region"],
        )
    if problem.status not in cp.settings.SOLUTION_PRESENT or r.value is None:
        raise SolverFailure(f"solver returned status {problem.status!r}")
    shares = np.clip(np.asarray(r.value, dtype=np.float64), 0.0, None)
    shares = np.clip(shares, lo, hi)
    shares = shares / shares.sum()
    losses = law.predict(shares)
    in_range = law.region.in_box(shares, tol=1e-7)
    in_hull = law.region.in_hull(shares, tol=1e-7)
    warnings: list[str] = []
    if not in_hull:
        where = (
            "a domain share lies outside the range of the fitted runs"
            if not in_range
            else "every share is within the fitted range, but the mixture is not a blend of "
            "the fitted runs"
        )
        warnings.append(
            f"the optimal mixture is outside the mixtures the law was fitted on ({where}): "
            "its predicted losses are extrapolations; measure a run near it, or ask for "
            "stay_in_seen_region"
        )
    return MixturePlan(
        proportions={d: float(v) for d, v in zip(law.domains, shares, strict=True)},
        objective=float(w @ losses),
        losses={t: float(v) for t, v in zip(law.targets, losses, strict=True)},
        inside_seen_range=in_range,
        inside_seen_hull=in_hull,
        extrapolated=not in_hull,
        warnings=tuple(warnings),
        status=str(problem.status),
    )
