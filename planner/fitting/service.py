"""Answer a fit request: estimate, bootstrap over runs, extrapolation check, warnings."""

from __future__ import annotations

import math
import time

import numpy as np
import numpy.typing as npt

from ..planning.laws.validity import FIT_CAVEAT
from ..schemas.fit import (
    FitRequest,
    FitResponse,
    FitWarning,
    RunResiduals,
    RunsUsed,
)
from ..schemas.fitted_law import FittedLaw, FittedRange
from .forms import FORMS, Form
from .huber import HUBER_DELTA_WHY, Estimate, fit_form
from .runs import EARLY_RULE, FitPoints, select_points

__all__ = ["fit_runs"]

FloatArray = npt.NDArray[np.float64]
_OPTIMUM_BUDGETS = (1e20, 1e22, 1e24)
_CARRIED = {
    "few_sizes",
    "few_ratios",
    "irreducible_loss_near_zero",
    "exponent_at_bound",
    "not_converged",
}
"""Fit warnings the law carries into every plan (a wide A or B alone does not move plans)."""
BOOTSTRAP_SECONDS = 15.0
"""Wall-clock cap of the bootstrap (the largest request, 2,000 points x 500 resamples, needs
about 20 s on 2 busy cores); when it runs out, the answer says how many resamples were made."""


def _method(form: Form, delta: float) -> str:
    return (
        f"{form.name} form fitted by minimising the summed Huber loss (delta {delta:g}) of "
        "log-loss residuals, LSE parametrisation (Hoffmann et al. 2022, Eq. 3; summed as "
        "Besiroglu et al. 2024), L-BFGS-B from the best points of Hoffmann et al.'s "
        "initialisation grid; bootstrap resamples whole runs (checkpoints of a run move "
        "together) and restarts from the point estimate"
    )


def _bootstrap(
    form: Form, points: FitPoints, theta: FloatArray, samples: int, seed: int, delta: float
) -> tuple[list[FloatArray], int, int]:
    """Refit on runs drawn with replacement; resamples with too few points are skipped.

    Returns the fits, the skipped count and how many resamples were drawn (fewer than asked
    only when :data:`BOOTSTRAP_SECONDS` ran out).
    """
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + BOOTSTRAP_SECONDS
    runs = points.runs
    members = {name: np.flatnonzero([r == name for r in points.run]) for name in runs}
    fits: list[FloatArray] = []
    skipped = 0
    for done in range(samples):
        if time.monotonic() > deadline:
            return fits, skipped, done
        drawn = rng.integers(0, len(runs), len(runs))
        index = np.concatenate([members[runs[j]] for j in drawn])
        distinct = len({(points.n[i], points.d[i]) for i in index})
        if distinct < len(form.parameters) or len(set(points.n[index])) < 2:
            skipped += 1
            continue
        found = fit_form(
            form, points.n[index], points.d[index], points.loss[index], delta=delta, start=theta
        )
        if found.converged:
            fits.append(found.theta)
        else:
            skipped += 1
    return fits, skipped, samples


def _mape(form: Form, theta: FloatArray, n: FloatArray, d: FloatArray, loss: FloatArray) -> float:
    predicted = np.asarray(form.posynomial(form.to_constants(theta))(n, d))
    return float(np.mean(np.abs(predicted / loss - 1)))


def _held_out(form: Form, points: FitPoints, delta: float) -> tuple[float | None, str]:
    largest = points.n.max()
    train = points.n < largest
    left = int(train.sum())
    sizes = len(set(points.n[train]))
    if left < len(form.parameters) or sizes < 2:
        return None, (
            f"not computed: without the largest size ({largest:.4g}) {left} points of {sizes} "
            f"sizes remain, too few for {len(form.parameters)} constants"
        )
    refit = fit_form(form, points.n[train], points.d[train], points.loss[train], delta=delta)
    test = ~train
    value = _mape(form, refit.theta, points.n[test], points.d[test], points.loss[test])
    return value, (
        f"fitted on the {left} points below {largest:.4g} parameters, predicting the "
        f"{int(test.sum())} points at {largest:.4g}"
    )


def _warnings(
    form: Form,
    estimate: Estimate,
    points: FitPoints,
    constants: dict[str, float],
    errors: dict[str, float] | None,
    skipped: int,
    samples: int,
) -> list[FitWarning]:
    out: list[FitWarning] = []
    sizes = len(set(points.n.tolist()))
    if sizes < 3:
        out.append(
            FitWarning(
                code="few_sizes",
                message=f"only {sizes} distinct model sizes: the parameter exponent is weakly "
                "identified (use at least 3, better 5)",
            )
        )
    ratios = len({round(math.log(r), 2) for r in (points.d / points.n).tolist()})
    if ratios < 2:
        out.append(
            FitWarning(
                code="few_ratios",
                message="every run has the same tokens per parameter: the data term and the "
                "compute-optimal ratio are weakly identified (vary tokens per size)",
            )
        )
    if constants["E"] < 0.05 * float(points.loss.min()):
        out.append(
            FitWarning(
                code="irreducible_loss_near_zero",
                message=f"E = {constants['E']:.3g} drifted towards 0: the runs do not show the "
                "loss floor; extrapolations to large budgets are unreliable",
                constant="E",
            )
        )
    for name, (low, high) in zip(form.parameters, form.bounds, strict=True):
        if name not in form.exponents:
            continue
        value = constants[name]
        if value <= low + 1e-3 or value >= high - 1e-3:
            out.append(
                FitWarning(
                    code="exponent_at_bound",
                    message=f"{name} = {value:.4g} sits at the search bound [{low:g}, {high:g}]: "
                    "the runs do not identify it",
                    constant=name,
                )
            )
    if not estimate.converged:
        out.append(
            FitWarning(
                code="not_converged",
                message=f"L-BFGS-B did not report convergence ({estimate.message}); the "
                "constants are the best point found",
            )
        )
    for name, se in (errors or {}).items():
        if se > 0.5 * abs(constants[name]):
            out.append(
                FitWarning(
                    code="wide_interval",
                    message=f"{name}: bootstrap standard error {se:.3g} exceeds half the "
                    f"estimate {constants[name]:.3g}",
                    constant=name,
                )
            )
    if samples and skipped > 0.1 * samples:
        out.append(
            FitWarning(
                code="bootstrap_degenerate",
                message=f"{skipped} of {samples} bootstrap resamples had too few distinct points "
                "or sizes (or did not converge) and were skipped",
            )
        )
    return out


def _truncated(drawn: int, asked: int) -> list[FitWarning]:
    if drawn >= asked:
        return []
    return [
        FitWarning(
            code="bootstrap_truncated",
            message=f"the bootstrap stopped after {drawn} of {asked} resamples at its "
            f"{BOOTSTRAP_SECONDS:g} s limit; the intervals rest on those",
        )
    ]


def _residuals(form: Form, constants: dict[str, float], points: FitPoints) -> list[RunResiduals]:
    predicted = np.asarray(form.posynomial(constants)(points.n, points.d))
    out = []
    for name in points.runs:
        index = [i for i, r in enumerate(points.run) if r == name]
        index.sort(key=lambda i: points.d[i])
        out.append(
            RunResiduals(
                run=name,
                params=float(points.n[index[0]]),
                tokens=[float(points.d[i]) for i in index],
                loss=[float(points.loss[i]) for i in index],
                predicted=[float(predicted[i]) for i in index],
                relative_error=[float(predicted[i] / points.loss[i] - 1) for i in index],
            )
        )
    return out


def _optimum_ratios(form: Form, constants: dict[str, float], k: float) -> dict[str, float]:
    posy = form.posynomial(constants)
    out = {}
    for flops in _OPTIMUM_BUDGETS:
        n, d = posy.compute_optimal(flops, k)
        out[f"{flops:.0e}"] = d / n
    return out


Summary = tuple[
    dict[str, list[float]] | None,
    dict[str, float] | None,
    dict[str, tuple[float, float]] | None,
]


def _summarise(form: Form, fits: list[FloatArray], level: float) -> Summary:
    """Bootstrap draws per constant, their standard deviations and percentile intervals."""
    if not fits:
        return None, None, None
    table = [form.to_constants(theta) for theta in fits]
    draws = {name: [row[name] for row in table] for name in form.constants}
    tail = (1 - level) / 2 * 100
    errors = {name: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0 for name, v in draws.items()}
    intervals = {
        name: (float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail)))
        for name, v in draws.items()
    }
    return draws, errors, intervals


def fit_runs(request: FitRequest) -> FitResponse:
    """Fit the requested form to the runs (pure: no I/O)."""
    form = FORMS[request.form]
    points = select_points(request.runs, request.early_fraction, len(form.parameters))
    delta = request.huber_delta
    estimate = fit_form(form, points.n, points.d, points.loss, delta=delta)
    constants = form.to_constants(estimate.theta)
    spec = request.bootstrap
    fits, skipped, drawn = _bootstrap(form, points, estimate.theta, spec.samples, spec.seed, delta)
    bootstrap, errors, intervals = _summarise(form, fits, spec.level)
    warnings = _warnings(form, estimate, points, constants, errors, skipped, drawn)
    warnings += _truncated(drawn, spec.samples)
    held_out, held_note = _held_out(form, points, delta)
    k = request.flops_per_param_token
    ratio = points.d / points.n
    law = FittedLaw(
        form=form.name,
        constants=constants,
        params_definition=request.params_definition,
        loss_name=request.loss_name,
        flops_per_param_token=k,
        fitted_range=FittedRange(
            params=(float(points.n.min()), float(points.n.max())),
            tokens=(float(points.d.min()), float(points.d.max())),
            tokens_per_param=(float(ratio.min()), float(ratio.max())),
            flops=(float((k * points.n * points.d).min()), float((k * points.n * points.d).max())),
        ),
        runs=len(points.runs),
        points=len(points.n),
        runs_sha256=points.sha256(),
        method=_method(form, delta),
        bootstrap=bootstrap,
        caveats=[f"{FIT_CAVEAT}{w.message}" for w in warnings if w.code in _CARRIED],
    )
    return FitResponse(
        law=law,
        form=form.name,
        equation=form.equation,
        constants=constants,
        standard_errors=errors,
        intervals=intervals,
        interval_level=spec.level,
        bootstrap_samples=len(fits),
        method=_method(form, delta),
        huber_delta=delta,
        huber_delta_why=HUBER_DELTA_WHY
        if delta == 1e-3
        else f"delta {delta:g} as requested (default 1e-3: {HUBER_DELTA_WHY})",
        converged=estimate.converged,
        objective=estimate.objective,
        used=RunsUsed(
            points_given=points.given,
            points_used=len(points.n),
            points_dropped_early=points.dropped_early,
            runs=len(points.runs),
            sizes=len(set(points.n.tolist())),
            early_fraction=request.early_fraction,
            rule=EARLY_RULE,
        ),
        residuals=_residuals(form, constants, points),
        mape_in_sample=_mape(form, estimate.theta, points.n, points.d, points.loss),
        mape_largest_size_held_out=held_out,
        largest_size_held_out_note=held_note,
        compute_optimal_tokens_per_param=_optimum_ratios(form, constants, k),
        warnings=warnings,
    )
