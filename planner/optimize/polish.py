"""Newton polish of a GP solution on its active set, in log space.

Interior-point solvers stop at a duality gap of ~1e-10, and because the loss is flat at the
optimum the arg-min is only accurate to ~sqrt of that (1e-5 relative). In log coordinates
``z = (ln N, ln D)`` the objective and every constraint are log-sum-exps of affine functions
(convex), so once the GP has told us which constraints are active the optimum solves a tiny
equality-constrained problem. A few Newton steps on its KKT system take the answer to machine
precision and give exact multipliers (the marginal values). If anything about the polished
point looks wrong (no convergence, a negative multiplier, a violated constraint) the GP answer
is kept.

The systems have two unknowns plus at most two multipliers, so they are solved in plain
Python floats: numpy's per-call overhead would cost more than the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .posynomial import Posynomial
from .program import GeometricProgram

__all__ = ["PolishedPoint", "log_posynomial", "polish"]

_ACTIVE_LOG_SLACK = 1e-4
_ACTIVE_DUAL = 1e-8
_RANK_TOLERANCE = 1e-9
_FEASIBILITY = 1e-10
_CONVERGED = 1e-12
_ITERATIONS = 40

Pair = tuple[float, float]
Hessian = tuple[float, float, float]
"""Symmetric 2 x 2 as (h_nn, h_nd, h_dd)."""


@dataclass(frozen=True, slots=True)
class PolishedPoint:
    n_params: float
    n_tokens: float
    multipliers: tuple[float, ...]


def log_posynomial(posynomial: Posynomial, z0: float, z1: float) -> tuple[float, Pair, Hessian]:
    """``ln p`` at ``(ln N, ln D)`` with its gradient and Hessian (stable log-sum-exp)."""
    terms = posynomial.terms
    if len(terms) == 1:
        (t,) = terms
        return (
            math.log(t.coefficient) + t.n_exponent * z0 + t.d_exponent * z1,
            (
                t.n_exponent,
                t.d_exponent,
            ),
            (0.0, 0.0, 0.0),
        )
    logs = [math.log(t.coefficient) + t.n_exponent * z0 + t.d_exponent * z1 for t in terms]
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = math.fsum(weights)
    g0 = g1 = s00 = s01 = s11 = 0.0
    for t, w in zip(terms, weights, strict=True):
        w /= total
        a, b = t.n_exponent, t.d_exponent
        g0 += w * a
        g1 += w * b
        s00 += w * a * a
        s01 += w * a * b
        s11 += w * b * b
    return top + math.log(total), (g0, g1), (s00 - g0 * g0, s01 - g0 * g1, s11 - g1 * g1)


def _rank_grows(gradients: list[Pair], candidate: Pair) -> bool:
    """Would ``candidate`` raise the rank of ``gradients`` (singular values above 1e-9)?"""
    if not gradients:
        return math.hypot(*candidate) > _RANK_TOLERANCE
    (a, b), (c, d) = gradients[0], candidate
    frobenius = a * a + b * b + c * c + d * d
    det = abs(a * d - b * c)
    largest = math.sqrt(0.5 * (frobenius + math.sqrt(max(frobenius**2 - 4 * det * det, 0.0))))
    return largest > 0 and det / largest > _RANK_TOLERANCE


def _independent_active(
    program: GeometricProgram, z0: float, z1: float, duals: Sequence[float]
) -> list[int]:
    """Indices of active constraints, at most two, with linearly independent gradients."""
    chosen: list[int] = []
    gradients: list[Pair] = []
    for index, constraint in enumerate(program.constraints):
        if len(chosen) == 2:
            break
        value, grad, _ = log_posynomial(constraint.posynomial, z0, z1)
        if abs(value) >= _ACTIVE_LOG_SLACK and duals[index] <= _ACTIVE_DUAL:
            continue
        if _rank_grows(gradients, grad):
            chosen.append(index)
            gradients.append(grad)
    return chosen


def _solve_linear(matrix: list[list[float]], rhs: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; ``None`` when singular."""
    size = len(rhs)
    a = [row[:] + [rhs[i]] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        if a[pivot][col] == 0.0 or not math.isfinite(a[pivot][col]):
            return None
        a[col], a[pivot] = a[pivot], a[col]
        head = a[col]
        for r in range(col + 1, size):
            factor = a[r][col] / head[col]
            if factor:
                row = a[r]
                for c in range(col, size + 1):
                    row[c] -= factor * head[c]
    out = [0.0] * size
    for r in range(size - 1, -1, -1):
        row = a[r]
        out[r] = (row[size] - sum(row[c] * out[c] for c in range(r + 1, size))) / row[r]
    return out


def _initial_multipliers(jac: list[Pair], grad_f: Pair) -> list[float]:
    """Least-squares ``lam`` with ``sum lam_i jac_i = -grad_f`` (one or two gradients)."""
    if len(jac) == 1:
        (a, b) = jac[0]
        return [-(a * grad_f[0] + b * grad_f[1]) / (a * a + b * b)]
    (a, b), (c, d) = jac
    det = a * d - b * c
    return [(-grad_f[0] * d + grad_f[1] * c) / det, (-grad_f[1] * a + grad_f[0] * b) / det]


def polish(
    program: GeometricProgram, n_params: float, n_tokens: float, duals: Sequence[float]
) -> PolishedPoint | None:
    """Refine a GP solution; ``None`` when the refinement cannot be trusted."""
    z0, z1 = math.log(n_params), math.log(n_tokens)
    active = _independent_active(program, z0, z1, duals)
    if not active:
        return None
    cons = [program.constraints[i].posynomial for i in active]
    m = len(cons)
    _, grad_f, _ = log_posynomial(program.objective, z0, z1)
    lam = _initial_multipliers([log_posynomial(c, z0, z1)[1] for c in cons], grad_f)
    converged = False
    for _ in range(_ITERATIONS):
        _, grad_f, hess_f = log_posynomial(program.objective, z0, z1)
        pieces = [log_posynomial(c, z0, z1) for c in cons]
        r0 = grad_f[0] + sum(lam[i] * pieces[i][1][0] for i in range(m))
        r1 = grad_f[1] + sum(lam[i] * pieces[i][1][1] for i in range(m))
        residual = [r0, r1, *(p[0] for p in pieces)]
        if max(abs(r) for r in residual) < _CONVERGED:
            converged = True
            break
        h00 = hess_f[0] + sum(lam[i] * pieces[i][2][0] for i in range(m))
        h01 = hess_f[1] + sum(lam[i] * pieces[i][2][1] for i in range(m))
        h11 = hess_f[2] + sum(lam[i] * pieces[i][2][2] for i in range(m))
        kkt = [
            [h00, h01, *(p[1][0] for p in pieces)],
            [h01, h11, *(p[1][1] for p in pieces)],
            *([p[1][0], p[1][1], *([0.0] * m)] for p in pieces),
        ]
        step = _solve_linear(kkt, [-r for r in residual])
        if step is None:
            return None
        z0, z1 = z0 + step[0], z1 + step[1]
        lam = [lam[i] + step[2 + i] for i in range(m)]
        if not (math.isfinite(z0) and math.isfinite(z1)):
            return None
    # A KKT point of a convex problem with non-negative multipliers and every constraint
    # satisfied is the optimum; anything short of that falls back to the GP answer.
    if not converged or any(value < -1e-9 for value in lam):
        return None
    if any(log_posynomial(c.posynomial, z0, z1)[0] > _FEASIBILITY for c in program.constraints):
        return None
    multipliers = [0.0] * len(program.constraints)
    for index, value in zip(active, lam, strict=True):
        multipliers[index] = max(float(value), 0.0)
    return PolishedPoint(math.exp(z0), math.exp(z1), tuple(multipliers))
