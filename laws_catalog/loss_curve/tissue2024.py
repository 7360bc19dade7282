r"""Tissue, Wang, Wang (2024): scaling law with learning-rate annealing, fit-only.

.. math:: L(s) = L_0 + A\,S_1(s)^{-\alpha} - C\,S_2(s)

S1(s) = sum_{i<=s} eta_i is the forward area (warmup included) and S2 the annealing area in
the momentum form with decay factor lambda (default 0.999):

.. math:: \Delta_i = \eta_{i-1} - \eta_i,\quad m_i = \lambda m_{i-1} + \Delta_i,\quad
          S_2(s) = (1-\lambda) \sum_{i \le s} m_i = \sum_{k \le s} \Delta_k (1 - \lambda^{s-k+1})

Choices made here because the paper text was not available (the form comes from the abstract
and the OpenReview reviews, the recurrence from two third-party reproductions; both
uncertain): (1) the (1 - lambda) factor, which makes S2 an LR (it tends to the total LR
decrease, and its maximum is eta_0 when the LR drops to zero, as a reviewer describes); it only
rescales C: C here = C_unnormalised / (1 - lambda); (2) LR increases of the leading warmup do
not enter S2 (Delta = 0 until the first decrease; later increases, e.g. a re-warmup, count
negatively). Published fitted constants were not found, so the law is fit-only: :func:`fit`
your own curves, then predict other schedules with :func:`predict_schedule`.

>>> import numpy as np
>>> from laws_catalog.loss_curve.schedules import lr_schedule
>>> true = {"L0": 2.8, "A": 0.45, "alpha": 0.5, "C": 500.0}
>>> curves = [lr_schedule(k, 6000, 3e-4, warmup_steps=200) for k in ("constant", "cosine")]
>>> steps = np.arange(200, 6000, 50)
>>> losses = [predict(lr, steps, **true) for lr in curves]
>>> fitted = fit([steps, steps], curves, losses)
>>> {k: round(v, 4) for k, v in fitted.constants.items()}
{'L0': 2.8, 'A': 0.45, 'alpha': 0.5, 'C': 500.0}
>>> wsd = lr_schedule("wsd", 6000, 3e-4, warmup_steps=200)
>>> round(float(predict_schedule(fitted, wsd, steps=[5999]).loss[0]), 4)
3.0942
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares, minimize_scalar
from scipy.signal import lfilter

from .._registry import CATALOG
from .._types import Interval
from ..interrupt import checkpoint
from ..law import golden_vectors
from ..references import TISSUE2024
from ._arrays import as_schedule, as_steps
from ._law import LossCurveLaw, LossCurveTraits
from .schedules import lr_schedule

__all__ = [
    "DEFAULT_DECAY",
    "LAW",
    "PARAMETERS",
    "LossCurveFit",
    "LossPrediction",
    "annealing_area",
    "fit",
    "forward_area",
    "predict",
    "predict_schedule",
    "recover_constants",
    "synthetic_curves",
]

DEFAULT_DECAY = 0.999
PARAMETERS = ("L0", "A", "alpha", "C")
MIN_POINTS = 8
"""4 constants plus at least 4 residual degrees of freedom for their standard errors."""


def _decay(decay: float) -> float:
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"decay (lambda) must lie in [0, 1), got {decay}")
    return decay


def forward_area(lr_per_step: ArrayLike) -> NDArray[np.float64]:
    """S1 after every update [LR x steps]: the cumulative sum of the LRs, warmup included."""
    return np.cumsum(as_schedule(lr_per_step))


def annealing_area(lr_per_step: ArrayLike, decay: float = DEFAULT_DECAY) -> NDArray[np.float64]:
    """S2 after every update [LR]: momentum-form annealing area, normalised by (1 - lambda)."""
    lr = as_schedule(lr_per_step)
    lam = _decay(decay)
    drops = np.zeros_like(lr)
    drops[1:] = lr[:-1] - lr[1:]
    decreasing = np.flatnonzero(drops > 0)
    first = int(decreasing[0]) if decreasing.size else lr.size
    drops[:first] = 0.0  # increases of the leading warmup do not anneal
    momentum = np.asarray(lfilter([1.0], [1.0, -lam], drops), dtype=np.float64)
    return (1.0 - lam) * np.cumsum(momentum)


def _law_value(
    s1: NDArray[np.float64], s2: NDArray[np.float64], theta: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    l0, a, alpha, c = theta
    return np.asarray(l0 + a * s1 ** (-alpha) - c * s2, dtype=np.float64)


def _gradient(
    s1: NDArray[np.float64], s2: NDArray[np.float64], theta: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """d L / d (L0, A, alpha, C), one row per point."""
    _, a, alpha, _ = theta
    power = s1 ** (-alpha)
    return np.column_stack([np.ones_like(s1), power, -a * power * np.log(s1), -s2])


def _areas(
    lr_per_step: ArrayLike, steps: ArrayLike | None, decay: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    lr = as_schedule(lr_per_step)
    at = as_steps(steps, lr.size)
    s1 = forward_area(lr)[at]
    if np.any(s1 <= 0):
        raise ValueError("the loss is asked at a step before any learning (forward area S1 = 0)")
    return s1, annealing_area(lr, decay)[at], at


def predict(
    lr_per_step: ArrayLike,
    steps: ArrayLike | None = None,
    decay: float = DEFAULT_DECAY,
    *,
    L0: float,
    A: float,
    alpha: float,
    C: float,
) -> NDArray[np.float64]:
    """Eq. 1 (Tissue et al. 2024): the loss [the fitted curve's units] after the given updates
    (all by default) of the schedule ``lr_per_step``, C per unit of the normalised S2."""
    s1, s2, _ = _areas(lr_per_step, steps, decay)
    return _law_value(s1, s2, [L0, A, alpha, C])


@dataclass(frozen=True, slots=True)
class LossPrediction:
    """Predicted loss at some steps, with its standard error from the fit's covariance.

    The standard error propagates the constants' uncertainty only (delta method); it does not
    include model error, which dominates far from the fitted schedules.
    """

    steps: NDArray[np.int64]
    loss: NDArray[np.float64]
    standard_error: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LossCurveFit:
    """Constants fitted to observed loss curves, with their uncertainty and goodness of fit."""

    constants: dict[str, float]
    standard_errors: dict[str, float]
    covariance: NDArray[np.float64]
    r_squared: float
    rmse: float
    n_points: int
    decay: float
    step_range: tuple[int, int]
    forward_area_range: tuple[float, float]

    def predict(
        self, lr_per_step: ArrayLike, steps: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """Loss after the given updates of any schedule, with the fitted constants."""
        return predict(lr_per_step, steps, self.decay, **self.constants)

    def predict_with_uncertainty(
        self, lr_per_step: ArrayLike, steps: ArrayLike | None = None
    ) -> LossPrediction:
        s1, s2, at = _areas(lr_per_step, steps, self.decay)
        theta = [self.constants[name] for name in PARAMETERS]
        grad = _gradient(s1, s2, theta)
        variance = np.einsum("ij,jk,ik->i", grad, self.covariance, grad)
        return LossPrediction(
            steps=at,
            loss=_law_value(s1, s2, theta),
            standard_error=np.sqrt(np.maximum(variance, 0.0)),
        )


def predict_schedule(
    fitted: LossCurveFit, lr_per_step: ArrayLike, steps: ArrayLike | None = None
) -> LossPrediction:
    """Loss under another schedule from a fit, with standard errors (see :class:`LossPrediction`).

    Predictions past ``fitted.forward_area_range`` extrapolate the power law in S1.
    """
    return fitted.predict_with_uncertainty(lr_per_step, steps)


def _as_curves(
    steps: ArrayLike | Sequence[ArrayLike],
    lrs: ArrayLike | Sequence[ArrayLike],
    losses: ArrayLike | Sequence[ArrayLike],
) -> list[tuple[ArrayLike, ArrayLike, ArrayLike]]:
    """One curve as three 1-D arrays, or several as three equally long lists of them."""
    several = isinstance(lrs, list | tuple) and len(lrs) > 0 and np.ndim(lrs[0]) == 1
    if not several:
        return [(steps, lrs, losses)]  # type: ignore[list-item]
    assert isinstance(lrs, list | tuple)
    if not (isinstance(steps, list | tuple) and isinstance(losses, list | tuple)):
        raise ValueError("with several curves pass lists of steps, lrs and losses")
    if not len(steps) == len(lrs) == len(losses):
        raise ValueError("steps, lrs and losses must list the same number of curves")
    return list(zip(steps, lrs, losses, strict=True))


def fit(
    steps: ArrayLike | Sequence[ArrayLike],
    lrs: ArrayLike | Sequence[ArrayLike],
    losses: ArrayLike | Sequence[ArrayLike],
    *,
    decay: float = DEFAULT_DECAY,
) -> LossCurveFit:
    """Fit L0, A, alpha, C by nonlinear least squares to one or several observed curves.

    Per curve: ``lrs`` is the whole schedule (one LR per update from update 0), ``steps`` the
    updates after which the loss was measured and ``losses`` those losses. Pass lists of the
    three for several curves (e.g. a constant and a cosine run, as the paper does).

    Method: alpha is profiled (the law is linear in L0, A, C for fixed alpha: a log grid on
    [0.02, 3] then a bounded scalar search), then all four are refined jointly by
    Levenberg-Marquardt. Standard errors: sqrt(diag(s^2 (J^T J)^-1)) with s^2 = RSS/(n - 4).
    Raises ValueError when there are fewer than 8 points, when no observed point follows an
    LR decrease (C is then not identifiable) or when the Jacobian is rank-deficient.
    """
    lam = _decay(decay)
    s1_parts, s2_parts, y_parts, step_parts, peak = [], [], [], [], 0.0
    for curve_steps, curve_lr, curve_loss in _as_curves(steps, lrs, losses):
        s1, s2, at = _areas(curve_lr, curve_steps, lam)
        y = np.asarray(curve_loss, dtype=np.float64)
        if y.shape != at.shape or not np.all(np.isfinite(y)):
            raise ValueError("each curve needs one finite loss per observed step")
        s1_parts.append(s1)
        s2_parts.append(s2)
        y_parts.append(y)
        step_parts.append(at)
        peak = max(peak, float(np.max(as_schedule(curve_lr))))
    s1, s2, y = np.concatenate(s1_parts), np.concatenate(s2_parts), np.concatenate(y_parts)
    if y.size < MIN_POINTS:
        raise ValueError(
            f"need at least {MIN_POINTS} observed points (4 constants and 4 degrees of freedom "
            f"for their errors), got {y.size}"
        )
    s2_scaled = s2 / peak  # conditioning: S2 in units of the peak LR
    if np.ptp(s2_scaled) < 1e-3:
        raise ValueError(
            "no observed point follows an LR decrease (the annealing area S2 is ~constant), "
            "so C is not identifiable: add a curve whose LR decays (cosine, WSD) with losses "
            "observed during or after the decay"
        )

    def linear_part(alpha: float) -> tuple[NDArray[np.float64], float]:
        design = np.column_stack([np.ones_like(s1), s1 ** (-alpha), -s2_scaled])
        coef = np.asarray(np.linalg.lstsq(design, y, rcond=None)[0], dtype=np.float64)
        return coef, float(np.sum((design @ coef - y) ** 2))

    grid = np.geomspace(0.02, 3.0, 60)
    rss = [linear_part(float(a))[1] for a in grid]
    i = int(np.argmin(rss))
    lower, upper = float(grid[max(i - 1, 0)]), float(grid[min(i + 1, grid.size - 1)])
    best = minimize_scalar(lambda a: linear_part(a)[1], bounds=(lower, upper), method="bounded")
    alpha0 = float(best.x)
    coef0, _ = linear_part(alpha0)
    start = np.array([coef0[0], coef0[1], alpha0, coef0[2]])

    def residuals(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        checkpoint()
        return _law_value(s1, s2_scaled, theta) - y

    def jacobian(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        return _gradient(s1, s2_scaled, theta)

    solution = least_squares(residuals, start, jac=jacobian, method="lm", xtol=1e-14, ftol=1e-14)
    theta = np.asarray(solution.x, dtype=np.float64)
    jac = jacobian(theta)
    column_scale = np.linalg.norm(jac, axis=0)
    if np.any(column_scale == 0) or np.linalg.cond(jac / column_scale) > 1e8:
        raise ValueError("the constants are not identifiable from these points (rank-deficient)")
    rss_final = float(np.sum(residuals(theta) ** 2))
    dof = y.size - len(PARAMETERS)
    covariance_scaled = rss_final / dof * np.linalg.inv(jac.T @ jac)
    unscale = np.diag([1.0, 1.0, 1.0, 1.0 / peak])
    covariance = unscale @ covariance_scaled @ unscale
    values = theta @ unscale
    all_steps = np.concatenate(step_parts)
    return LossCurveFit(
        constants={name: float(v) for name, v in zip(PARAMETERS, values, strict=True)},
        standard_errors={
            name: float(math.sqrt(covariance[k, k])) for k, name in enumerate(PARAMETERS)
        },
        covariance=covariance,
        r_squared=1.0 - rss_final / float(np.sum((y - y.mean()) ** 2)),
        rmse=math.sqrt(rss_final / y.size),
        n_points=int(y.size),
        decay=lam,
        step_range=(int(all_steps.min()), int(all_steps.max())),
        forward_area_range=(float(s1.min()), float(s1.max())),
    )


def synthetic_curves(
    design: Mapping[str, float],
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """A constant and a cosine run generated by the law with seeded Gaussian noise.

    ``design``: L0, A, alpha, C, peak_lr, total_steps, warmup_steps, points_per_curve,
    noise (relative standard deviation), seed, decay.
    """
    total, warmup = int(design["total_steps"]), int(design["warmup_steps"])
    rng = np.random.default_rng(int(design["seed"]))
    steps = np.unique(np.linspace(warmup, total - 1, int(design["points_per_curve"])).astype(int))
    schedules, losses = [], []
    for kind in ("constant", "cosine"):
        lr = lr_schedule(kind, total, design["peak_lr"], warmup_steps=warmup)
        constants = {name: design[name] for name in PARAMETERS}
        clean = predict(lr, steps, design["decay"], **constants)
        schedules.append(lr)
        losses.append(clean * (1.0 + design["noise"] * rng.standard_normal(clean.size)))
    return [steps, steps], schedules, losses


def recover_constants(
    L0: float,
    A: float,
    alpha: float,
    C: float,
    peak_lr: float,
    total_steps: float,
    warmup_steps: float,
    points_per_curve: float,
    noise: float,
    seed: float,
    decay: float,
) -> dict[str, float]:
    """The constants :func:`fit` recovers from :func:`synthetic_curves` made with these (a
    check of the fit: the law has no published constants)."""
    design = {
        "L0": L0,
        "A": A,
        "alpha": alpha,
        "C": C,
        "peak_lr": peak_lr,
        "total_steps": total_steps,
        "warmup_steps": warmup_steps,
        "points_per_curve": points_per_curve,
        "noise": noise,
        "seed": seed,
        "decay": decay,
    }
    steps, schedules, losses = synthetic_curves(design)
    fitted = fit(steps, schedules, losses, decay=decay)
    return dict(fitted.constants)


LAW = CATALOG.register(
    LossCurveLaw(
        id="tissue2024",
        family="loss_curve",
        kind="lr_schedule",
        title="Loss curve under LR annealing: L(s) = L0 + A S1^-alpha - C S2 (fit-only)",
        reference=TISSUE2024,
        equations=(
            "L(s) = L0 + A * S1(s)^(-alpha) - C * S2(s)  (abstract; Eq. 1)",
            "S1(s) = sum_{i<=s} eta_i  (forward area)",
            "m_i = lambda m_{i-1} + (eta_{i-1} - eta_i),  S2(s) = (1 - lambda) sum_{i<=s} m_i  "
            "(annealing area, momentum form; (1 - lambda) normalisation and warmup exclusion "
            "chosen here)",
        ),
        quantities={
            "s": "training_step",
            "eta": "learning_rate",
            "S1": "lr_forward_area",
            "S2": "lr_annealing_area",
            "L": "loss_nats_per_token",
        },
        traits=LossCurveTraits(
            evaluation="whatever loss the user's fitted curves measure (the law has no data of its "
            "own): predictions are in the same units, for the same model, data and peak-LR scale",
        ),
        validity={
            "training_step": Interval(
                lower=200,
                upper=10_000,
                source="no published fitted range (fit-only law): the span over which this "
                "implementation's recovery was checked (synthetic constant+cosine curves, "
                "warmup 200, 10,000 updates); a fit's own range is LossCurveFit.step_range",
            ),
        },
        fit_only=True,
        functions={"predict": predict, "fit": fit, "recover_constants": recover_constants},
        golden=golden_vectors(__file__, "tissue2024"),
        notes=(
            "What the paper validated (abstract, reviews): constants fitted on one or two "
            "curves (a constant and a cosine schedule) predict warmup-stable-decay, multi-step, "
            "re-warmup and cyclic schedules with R^2 > 0.999, at under 1 % of the compute of a "
            "Chinchilla fit; extended to model-size scaling and MoE. Model sizes and data were "
            "not available here (the paper text was not retrievable).",
            "Appendix H.3 of the paper adds a factor eta_i^epsilon (epsilon ~ 0 after fitting); "
            "not implemented.",
            "Published fitted constants (L0, A, alpha, C) were not found, hence fit-only.",
        ),
        caveats=(
            "Fit-only: the constants come from your own runs; a fit predicts only that model, "
            "data and peak LR.",
            "The law cannot represent the loss going up (apart from a re-warmup lowering S2).",
            "Failure modes raised by the paper's reviewers: padding a run with LR = 0 lowers "
            "the predicted loss although nothing is learned, and a uniformly scaled-up LR "
            "lowers it without limit: do not use the law to choose the peak LR.",
            "S2's normalisation and the exclusion of warmup from S2 are choices of this "
            "implementation (paper text unavailable); C is not comparable with published C.",
        ),
    )
)
