"""Hoffmann et al.'s estimator: Huber loss on log-loss residuals, L-BFGS-B from a grid.

Objective (Hoffmann et al. 2022, Eq. 3; summed rather than averaged as Besiroglu et al. 2024
do, because with the mean L-BFGS stops early):
``sum_i Huber_delta(LSE(terms_i) - log L_i)``. The grid is evaluated in one vectorised pass and
L-BFGS-B (analytic gradient) starts from its best points.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import huber, logsumexp
from threadpoolctl import threadpool_limits

from .forms import Form

__all__ = ["HUBER_DELTA", "HUBER_DELTA_WHY", "Estimate", "fit_form"]

FloatArray = npt.NDArray[np.float64]

HUBER_DELTA = 1e-3
HUBER_DELTA_WHY = (
    "delta = 1e-3 as in Hoffmann et al. 2022 (Appendix D.2) and Besiroglu et al. 2024: log-loss "
    "residuals of good runs are ~1e-3-1e-2, so residuals beyond 0.1 % count linearly and one "
    "bad run cannot drag the fit the way a squared error would"
)
_STARTS = 3
_OPTIONS = {"maxiter": 5000, "ftol": 1e-13, "gtol": 1e-9}


@dataclass(frozen=True, slots=True)
class Estimate:
    theta: FloatArray
    objective: float
    converged: bool
    message: str


def _objective(
    theta: FloatArray,
    form: Form,
    log_n: FloatArray,
    log_d: FloatArray,
    log_l: FloatArray,
    grads: tuple[FloatArray, FloatArray, FloatArray],
    delta: float,
) -> tuple[float, FloatArray]:
    terms = form.terms(theta, log_n, log_d)
    top = terms.max(axis=0)
    exp = np.exp(terms - top)
    total = exp.sum(axis=0)
    residual = top + np.log(total) - log_l
    weights = exp / total
    slope = np.clip(residual, -delta, delta)
    d_pred = sum(weights[j] * grads[j] for j in range(3))
    # divided by delta: the linear part has slope 1, so L-BFGS-B's tolerances mean the same
    # whatever delta is (the unscaled sum is ~1e-5 and would stop it at once)
    return float(huber(delta, residual).sum()) / delta, (d_pred @ slope) / delta


def _grid_values(
    form: Form, log_n: FloatArray, log_d: FloatArray, log_l: FloatArray, delta: float
) -> tuple[FloatArray, FloatArray]:
    starts = np.array(list(itertools.product(*form.grid)), dtype=np.float64)
    values = np.empty(len(starts))
    for chunk in range(0, len(starts), 512):
        block = starts[chunk : chunk + 512].T[:, :, None]
        residual = logsumexp(form.terms(block, log_n, log_d), axis=0) - log_l
        values[chunk : chunk + 512] = huber(delta, residual).sum(axis=1)
    return starts, values


def fit_form(
    form: Form,
    n: FloatArray,
    d: FloatArray,
    loss: FloatArray,
    *,
    delta: float = HUBER_DELTA,
    start: FloatArray | None = None,
) -> Estimate:
    """Minimise the summed Huber objective; from ``start`` alone, or from the grid's best.

    BLAS is held to one thread: L-BFGS-B's small matrix steps are ~50x slower when OpenBLAS
    wakes its thread pool for each of them (measured on 2 cores).
    """
    with threadpool_limits(limits=1):
        return _fit(form, n, d, loss, delta, start)


def _fit(
    form: Form,
    n: FloatArray,
    d: FloatArray,
    loss: FloatArray,
    delta: float,
    start: FloatArray | None,
) -> Estimate:
    log_n, log_d, log_l = np.log(n), np.log(d), np.log(loss)
    grads = form.term_gradients(log_n, log_d)
    if start is not None:
        starts = [start]
    else:
        grid, values = _grid_values(form, log_n, log_d, log_l, delta)
        starts = list(grid[np.argsort(values)[:_STARTS]])
    best: Estimate | None = None
    for theta0 in starts:
        result = minimize(
            _objective,
            np.clip(theta0, [b[0] for b in form.bounds], [b[1] for b in form.bounds]),
            args=(form, log_n, log_d, log_l, grads, delta),
            jac=True,
            method="L-BFGS-B",
            bounds=form.bounds,
            options=_OPTIONS,
        )
        found = Estimate(
            theta=np.asarray(result.x, dtype=np.float64),
            objective=float(result.fun) * delta,
            converged=bool(result.success) and bool(np.all(np.isfinite(result.x))),
            message=str(result.message),
        )
        if best is None or found.objective < best.objective:
            best = found
    assert best is not None
    return best
