""":func:`planner.optimize.polish.polish` for many budgets at once, to the last bit.

A budget-only program ``min p(N, D) s.t. k N D / C <= 1`` differs between sweep rows only in
``C``. This runs the same Newton iterations on the KKT system of every row together: numpy
does the additions, products and quotients (IEEE arithmetic: the same result as Python
floats, operation for operation, in the same order), and ``math.log``/``math.exp`` are
called per element, as the scalar code calls them, so every row ends with exactly the floats
:func:`~planner.optimize.polish.polish` gives (tests/planner/test_polish_batch.py). A row that
the scalar code would reject (no convergence, a negative multiplier, an infeasible point, a
singular system) is reported as not polished; the caller then plans it the ordinary way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from laws_catalog import PowerTerm

from .polish import _ACTIVE_DUAL, _ACTIVE_LOG_SLACK, _CONVERGED, _FEASIBILITY, _ITERATIONS

__all__ = ["PolishedBatch", "budget_coefficients", "closed_form_starts", "polish_budget_rows"]

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class PolishedBatch:
    n_params: Floats
    n_tokens: Floats
    multiplier: Floats
    ok: Mask
    """False where the scalar polish returns None (those rows hold no answer)."""


def _logs(values: Floats) -> Floats:
    return np.array([math.log(v) for v in values.tolist()], dtype=float)


def _exps(values: Floats) -> Floats:
    return np.array([math.exp(v) for v in values.tolist()], dtype=float)


def budget_coefficients(k: float, flops: Floats, factor: float | None = None) -> Floats:
    """The ``k N D`` term of ``compute_budget`` scaled by ``1 / C`` (then by ``factor``, as
    :meth:`Constraint.relaxed` scales it), exactly as the scalar code computes it."""
    coefficients = k * (1.0 / flops)
    return coefficients if factor is None else coefficients * factor


def closed_form_starts(
    pair: tuple[float, float, float, float], coefficients: Floats
) -> tuple[Floats, Floats]:
    """:func:`~planner.optimize.closed_form.budget_start` of every row (scalar arithmetic)."""
    c_n, a, c_d, b = pair
    head = math.log(a * c_n / (b * c_d))
    param_tokens = 1.0 / coefficients
    n_opt = _exps((head + b * _logs(param_tokens)) / (a + b))
    return n_opt, param_tokens / n_opt


def _objective(
    terms: tuple[PowerTerm, ...], z0: Floats, z1: Floats
) -> tuple[Floats, tuple[Floats, Floats], tuple[Floats, Floats, Floats]]:
    """:func:`~planner.optimize.polish.log_posynomial` of a multi-term posynomial, per row."""
    logs = [math.log(t.coefficient) + t.n_exponent * z0 + t.d_exponent * z1 for t in terms]
    top = logs[0]
    for value in logs[1:]:
        top = np.where(value > top, value, top)
    weights = [_exps(v - top) for v in logs]
    if len(weights) != 2:  # math.fsum of two floats is their correctly rounded sum
        raise ValueError("the batch polish handles two-term objectives")
    total = weights[0] + weights[1]
    g0 = g1 = s00 = s01 = s11 = np.zeros_like(z0)
    for t, w in zip(terms, weights, strict=True):
        w = w / total
        a, b = t.n_exponent, t.d_exponent
        g0 = g0 + w * a
        g1 = g1 + w * b
        s00 = s00 + w * a * a
        s01 = s01 + w * a * b
        s11 = s11 + w * b * b
    return top + _logs(total), (g0, g1), (s00 - g0 * g0, s01 - g0 * g1, s11 - g1 * g1)


def _solve_linear(matrix: Floats) -> tuple[Floats, Mask]:
    """``planner.optimize.polish._solve_linear`` on (rows, size, size + 1) augmented systems."""
    a = matrix.copy()
    rows, size = a.shape[0], a.shape[1]
    every = np.arange(rows)
    singular = np.zeros(rows, dtype=bool)
    for col in range(size):
        pivot = col + np.argmax(np.abs(a[:, col:, col]), axis=1)
        value = a[every, pivot, col]
        singular |= (value == 0.0) | ~np.isfinite(value)
        held = a[every, col].copy()
        a[every, col] = a[every, pivot]
        a[every, pivot] = held
        head = a[:, col]
        for r in range(col + 1, size):
            factor = a[:, r, col] / head[:, col]
            changed = a[:, r, col:] - factor[:, None] * head[:, col:]
            a[:, r, col:] = np.where((factor != 0.0)[:, None], changed, a[:, r, col:])
    out = np.zeros((rows, size))
    for r in range(size - 1, -1, -1):
        partial: Floats | float = 0.0  # Python's sum() starts at 0 (as 0.0 + the first term)
        for c in range(r + 1, size):
            partial = partial + a[:, r, c] * out[:, c]
        out[:, r] = (a[:, r, size] - partial) / a[:, r, r]
    return out, singular


def polish_budget_rows(
    objective: tuple[PowerTerm, ...],
    coefficients: Floats,
    n_params: Floats,
    n_tokens: Floats,
    duals: Floats,
) -> PolishedBatch:
    """``polish(program, n, d, (dual,))`` of each row's program ``objective`` subject to
    ``coefficient * N * D <= 1`` (the budget the way ``compute_budget`` states it)."""
    with np.errstate(all="ignore"):
        log_c = _logs(coefficients)
        z0, z1 = _logs(n_params), _logs(n_tokens)
        value_c = log_c + 1.0 * z0 + 1.0 * z1
        active = ~((np.abs(value_c) >= _ACTIVE_LOG_SLACK) & (duals <= _ACTIVE_DUAL))
        _, grad_f, _ = _objective(objective, z0, z1)
        lam = -(1.0 * grad_f[0] + 1.0 * grad_f[1]) / (1.0 * 1.0 + 1.0 * 1.0)
        converged = np.zeros(len(z0), dtype=bool)
        failed = ~active
        for _ in range(_ITERATIONS):
            running = ~(converged | failed)
            if not running.any():
                break
            _, grad_f, hess_f = _objective(objective, z0, z1)
            value_c = log_c + 1.0 * z0 + 1.0 * z1
            r0 = grad_f[0] + (0.0 + lam * 1.0)
            r1 = grad_f[1] + (0.0 + lam * 1.0)
            worst = np.maximum(np.maximum(np.abs(r0), np.abs(r1)), np.abs(value_c))
            done = running & (worst < _CONVERGED)
            converged |= done
            running &= ~done
            h00 = hess_f[0] + (0.0 + lam * 0.0)
            h01 = hess_f[1] + (0.0 + lam * 0.0)
            h11 = hess_f[2] + (0.0 + lam * 0.0)
            ones, zeros = np.ones_like(z0), np.zeros_like(z0)
            kkt = np.stack(
                [
                    np.stack([h00, h01, ones, -r0], axis=1),
                    np.stack([h01, h11, ones, -r1], axis=1),
                    np.stack([ones, ones, zeros, -value_c], axis=1),
                ],
                axis=1,
            )
            step, singular = _solve_linear(kkt)
            failed |= running & singular
            running &= ~singular
            z0 = np.where(running, z0 + step[:, 0], z0)
            z1 = np.where(running, z1 + step[:, 1], z1)
            lam = np.where(running, lam + step[:, 2], lam)
            failed |= running & ~(np.isfinite(z0) & np.isfinite(z1))
        value_c = log_c + 1.0 * z0 + 1.0 * z1
        ok = converged & ~failed & ~(lam < -1e-9) & ~(value_c > _FEASIBILITY)
        return PolishedBatch(
            _exps(np.where(ok, z0, 0.0)), _exps(np.where(ok, z1, 0.0)), np.maximum(lam, 0.0), ok
        )
