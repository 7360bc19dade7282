"""Data-mixture questions with fit-only laws: fit the user's runs, then optimise the mixture.

* Ye et al. 2024 (``data/ye2024``): per-target loss c_i + k_i exp(t_i . r); the weighted
  target loss is convex in r, so the best mixture over the simplex is a convex program
  (cvxpy, :mod:`planner.optimize.mixture`).
* Que et al. 2024 (``data/que2024``, D-CPT): domain and general loss of continual
  pre-training as functions of (N, D, r); the best domain ratio for a weighted objective is a
  one-dimensional search.

Neither law has published constants we trust, so both are fitted to the request's runs, the
fit quality is reported, and an optimum outside the runs' region carries a warning: nothing
is extrapolated silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.optimize import minimize_scalar

from laws_catalog import CATALOG, AnyLaw, Evidence
from laws_catalog.data import FitQuality, que2024, ye2024

from ...errors import InvalidRequest, PlanInfeasible
from ...optimize.mixture import optimal_mixture
from ...schemas.responses import AnswerWarning, LawUse
from ...schemas.side_questions import (
    ContinualRequest,
    ContinualResponse,
    FitQualityOut,
    MixtureRequest,
    MixtureResponse,
)

__all__ = ["best_continual_ratio", "best_mixture"]


def _quality(q: FitQuality, constants: Mapping[str, float], field: str = "runs") -> FitQualityOut:
    """The fit's figures; a fit whose constants or residuals are not finite is refused (422)
    rather than reported as NaN. r² is None when the observed losses do not vary."""
    finite = [q.rmse, q.loo_rmse or 0.0, *constants.values()]
    if not all(math.isfinite(v) for v in finite):
        raise InvalidRequest(
            f"{field}: the law could not be fitted to these runs (the fit's constants or "
            "residuals are not finite numbers); give runs whose losses vary with the inputs",
            field=field,
            allowed="runs the law can describe",
        )
    r2 = q.r2 if math.isfinite(q.r2) else None
    return FitQualityOut(
        r2=r2, rmse=q.rmse, loo_rmse=q.loo_rmse, n_runs=q.n_runs, n_constants=q.n_constants
    )


def _fitted_use(
    law: AnyLaw, constants: dict[str, float], produces: list[str], method: str
) -> LawUse:
    return LawUse(
        role="data_mixture",
        law=law.id,
        family=law.family,
        constant_set="fitted_to_request",
        evidence=Evidence.FITTED_HERE,
        constants=constants,
        reference=law.reference,
        equations=list(law.equations),
        produces=produces,
        method=method,
        caveats=list(law.caveats),
    )


def best_mixture(request: MixtureRequest) -> MixtureResponse:
    domains = sorted(request.runs[0].mixture)
    targets = sorted(request.runs[0].losses)
    proportions = np.array([[run.mixture[d] for d in domains] for run in request.runs])
    losses = np.array([[run.losses[t] for t in targets] for run in request.runs])
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fitted = ye2024.fit(proportions, losses, domains=domains, targets=targets)
    except ValueError as exc:
        raise InvalidRequest(f"runs: {exc}", field="runs") from None
    weights = request.target_weights or dict.fromkeys(targets, 1.0)
    if sum(weights.values()) <= 0:
        raise InvalidRequest("target_weights must not all be zero", field="target_weights")
    try:
        plan = optimal_mixture(
            fitted,
            weights,
            lower=request.lower,
            upper=request.upper,
            stay_in_seen_region=request.stay_in_seen_region,
        )
    except ValueError as exc:
        raise InvalidRequest(str(exc), field="lower") from None
    except PlanInfeasible as exc:
        raise PlanInfeasible(exc.message, conflicting=exc.conflicting) from None
    law = CATALOG.get("data", "ye2024")
    warnings = [
        AnswerWarning(code="outside_fitted_range", message=text, law=law.key)
        for text in plan.warnings
    ]
    return MixtureResponse(
        law=law.id,
        constants=fitted.constants(),
        fit_quality={t: _quality(q, fitted.constants()) for t, q in fitted.quality.items()},
        proportions=plan.proportions,
        predicted_losses=plan.losses,
        objective=plan.objective,
        inside_seen_range=plan.inside_seen_range,
        inside_seen_hull=plan.inside_seen_hull,
        extrapolated=plan.extrapolated,
        provenance=[
            _fitted_use(
                law,
                fitted.constants(),
                ["proportions", "predicted_losses"],
                "least squares on the request's runs (gauge sum_j t_ij = 0), then the weighted "
                "target loss minimised over the simplex: convex (cvxpy, CLARABEL)",
            )
        ],
        warnings=warnings,
        catalog_version=CATALOG.version,
    )


def best_continual_ratio(request: ContinualRequest) -> ContinualResponse:
    runs = request.runs
    n = np.array([r.params for r in runs])
    d = np.array([r.tokens for r in runs])
    ratio = np.array([r.domain_ratio for r in runs])
    try:
        # a diverging fit overflows to inf; _quality refuses it with a 422 naming the runs
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            domain = que2024.fit(n, d, ratio, [r.domain_loss for r in runs])
            general = que2024.fit(n, d, 1.0 - ratio, [r.general_loss for r in runs])
    except ValueError as exc:
        raise InvalidRequest(f"runs: {exc}", field="runs") from None
    w = request.domain_weight

    def losses(r: float) -> tuple[float, float]:
        return (
            float(domain.predict(request.params, request.tokens, r)),
            float(general.predict(request.params, request.tokens, 1.0 - r)),
        )

    def objective(r: float) -> float:
        ld, lg = losses(r)
        penalty = 0.0
        if request.max_general_loss is not None and lg > request.max_general_loss:
            penalty = 1e6 * (lg - request.max_general_loss)
        return w * ld + (1 - w) * lg + penalty

    grid = np.linspace(0.0, 1.0, 2001)
    values = np.array([objective(float(r)) for r in grid])
    best = int(np.argmin(values))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    refined = minimize_scalar(
        objective, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}
    )
    r_best = float(refined.x) if refined.fun <= values[best] else float(grid[best])
    ld, lg = losses(r_best)
    if request.max_general_loss is not None and lg > request.max_general_loss * (1 + 1e-9):
        raise PlanInfeasible(
            f"no domain ratio keeps the predicted general loss below {request.max_general_loss}",
            conflicting=["max_general_loss"],
        )
    law = CATALOG.get("data", "que2024")
    outside = sorted(
        set(domain.outside_region(request.params, request.tokens, r_best))
        | set(general.outside_region(request.params, request.tokens, 1.0 - r_best))
    )
    warnings: list[AnswerWarning] = []
    if outside:
        warnings.append(
            AnswerWarning(
                code="outside_fitted_range",
                message=f"{', '.join(outside)} outside the range of the fitted runs: the "
                "predicted losses are extrapolations",
                law=law.key,
            )
        )
    return ContinualResponse(
        law=law.id,
        constants={"domain": domain.constants, "general": general.constants},
        fit_quality={
            "domain": _quality(domain.quality, domain.constants),
            "general": _quality(general.quality, general.constants),
        },
        domain_ratio=r_best,
        predicted_domain_loss=ld,
        predicted_general_loss=lg,
        objective=w * ld + (1 - w) * lg,
        outside_fitted_region=outside,
        provenance=[
            _fitted_use(
                law,
                {f"domain.{k}": v for k, v in domain.constants.items()}
                | {f"general.{k}": v for k, v in general.constants.items()},
                ["domain_ratio", "predicted_domain_loss", "predicted_general_loss"],
                "two D-CPT fits (domain loss at r, general loss at 1 - r) on the request's "
                "runs, then a grid + bounded search over the domain ratio",
            )
        ],
        warnings=warnings,
        catalog_version=CATALOG.version,
    )
