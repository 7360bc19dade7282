""":func:`planner.optimize.polish.polish` for many programs at once, to the last bit.

A sweep's rows pose the same program with a different budget ``C``: ``min p(N, D)`` subject
to the budget (``k N D / C <= 1``, or with the vocabulary's FLOPs a second term) and the same
monomial limits. This runs the scalar polish's Newton iterations on the KKT systems of every
row together (rows grouped by the constraints active at their start), and
:func:`certified_rows` tries the active sets :func:`planner.optimize.gp.certified_solution`
tries, in its order. numpy does the additions, products and quotients (IEEE arithmetic: the
same result as Python floats, operation for operation, in the same order), and
``math.log``/``math.exp`` are called per element (:mod:`.libm`), as the scalar code calls
them, so every row ends with exactly the floats the scalar code gives
(tests/planner/test_polish_batch.py). A row that the scalar code would reject (no convergence,
a negative multiplier, an infeasible point, a singular system) is reported as not polished;
the caller then plans it the ordinary way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from laws_catalog import PowerTerm

from .gp import _SECOND_GUESSES
from .libm import exps, logs
from .polish import (
    _ACTIVE_DUAL,
    _ACTIVE_LOG_SLACK,
    _CONVERGED,
    _FEASIBILITY,
    _ITERATIONS,
    _rank_grows,
)
from .program import Constraint

__all__ = [
    "PolishedRows",
    "RowPosynomial",
    "budget_coefficients",
    "certified_rows",
    "closed_form_starts",
    "polish_rows",
]

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


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
    n_opt = exps((head + b * logs(param_tokens)) / (a + b))
    return n_opt, param_tokens / n_opt


Term = tuple["Floats | float", float, float]
"""One term ``c N^a D^b`` of a posynomial as ``(ln c, a, b)``; ``ln c`` per row or shared."""
Pieces = tuple[Floats, tuple["Floats | float", "Floats | float"], tuple["Floats | float", ...]]
"""``ln p`` with its gradient and Hessian ``(h_nn, h_nd, h_dd)`` in ``(ln N, ln D)``."""


def _log_sum_exp(terms: Sequence[Term], z0: Floats, z1: Floats) -> Pieces:
    """:func:`~planner.optimize.polish.log_posynomial` of a posynomial, per row: the
    monomial's exact value, gradient and zero Hessian, or two terms' stable log-sum-exp."""
    if len(terms) == 1:
        ((log_c, a, b),) = terms
        return log_c + a * z0 + b * z1, (a, b), (0.0, 0.0, 0.0)
    term_logs = [log_c + a * z0 + b * z1 for log_c, a, b in terms]
    top = term_logs[0]
    for value in term_logs[1:]:
        top = np.where(value > top, value, top)
    weights = [exps(v - top) for v in term_logs]
    if len(weights) != 2:  # math.fsum of two floats is their correctly rounded sum
        raise ValueError("the batch polish handles posynomials of one or two terms")
    total = weights[0] + weights[1]
    g0 = g1 = s00 = s01 = s11 = np.zeros_like(z0)
    for (_, a, b), w in zip(terms, weights, strict=True):
        w = w / total
        g0 = g0 + w * a
        g1 = g1 + w * b
        s00 = s00 + w * a * a
        s01 = s01 + w * a * b
        s11 = s11 + w * b * b
    return top + logs(total), (g0, g1), (s00 - g0 * g0, s01 - g0 * g1, s11 - g1 * g1)


def _objective(terms: tuple[PowerTerm, ...], z0: Floats, z1: Floats) -> Pieces:
    """The objective's pieces (its coefficients' logarithms as the scalar code takes them)."""
    return _log_sum_exp(
        [(math.log(t.coefficient), t.n_exponent, t.d_exponent) for t in terms], z0, z1
    )


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


@dataclass(frozen=True, slots=True)
class RowPosynomial:
    """A constraint ``p(N, D) <= 1`` of every row's program (one or two terms), each term's
    ``ln c`` per row (a budget) or shared by all rows (a limit)."""

    terms: tuple[Term, ...]

    @classmethod
    def monomial(cls, log_coefficient: Floats | float, a: float, b: float) -> RowPosynomial:
        return cls(((log_coefficient, a, b),))

    @classmethod
    def of(cls, constraint: Constraint) -> RowPosynomial | None:
        """The constraint as the scalar polish reads it; ``None`` beyond two terms."""
        terms = constraint.posynomial.terms
        if len(terms) > 2:
            return None
        return cls(tuple((math.log(t.coefficient), t.n_exponent, t.d_exponent) for t in terms))

    @property
    def gradient(self) -> tuple[float, float] | None:
        """A monomial's gradient (its exponents, the same on every row); else ``None``."""
        if len(self.terms) != 1:
            return None
        return self.terms[0][1], self.terms[0][2]

    def pieces(self, z0: Floats, z1: Floats) -> Pieces:
        return _log_sum_exp(self.terms, z0, z1)

    def value(self, z0: Floats, z1: Floats) -> Floats:
        """``ln`` of the constraint's left side at ``(ln N, ln D)`` (the scalar's order)."""
        return self.pieces(z0, z1)[0]

    def rows(self, index: npt.NDArray[np.intp]) -> RowPosynomial:
        return RowPosynomial(
            tuple((c if isinstance(c, float) else c[index], a, b) for c, a, b in self.terms)
        )


@dataclass(frozen=True, slots=True)
class PolishedRows:
    n_params: Floats
    n_tokens: Floats
    multipliers: Floats
    """(rows, constraints): zero where a constraint was not active, as the scalar polish."""
    ok: Mask
    """False where the scalar polish returns None (those rows hold no answer)."""


def _summed(values: list[Floats]) -> Floats | float:
    """Python's ``sum`` of the values (it starts from 0, so 0 + the first term)."""
    total: Floats | float = 0.0
    for value in values:
        total = total + value
    return total


def _initial_multipliers(
    gradients: list[tuple[Floats | float, Floats | float]],
    grad_f: tuple[Floats | float, Floats | float],
) -> list[Floats]:
    """``planner.optimize.polish._initial_multipliers`` for one or two gradients."""
    g0, g1 = grad_f
    if len(gradients) == 1:
        a, b = gradients[0]
        return [np.asarray(-(a * g0 + b * g1) / (a * a + b * b))]
    (a, b), (c, d) = gradients
    det = a * d - b * c
    return [np.asarray((-g0 * d + g1 * c) / det), np.asarray((-g1 * a + g0 * b) / det)]


def _chosen(constraints: Sequence[RowPosynomial], candidates: tuple[bool, ...]) -> list[int]:
    """``planner.optimize.polish._independent_active`` given which constraints pass its
    activity test. A monomial's gradient is its exponents, the same on every row; a program
    with a two-term constraint has only that one (its rank is checked per row)."""
    if any(c.gradient is None for c in constraints):
        if len(constraints) != 1:
            raise ValueError("a two-term constraint is polished in rows only on its own")
        return [0] if candidates[0] else []
    chosen: list[int] = []
    gradients: list[tuple[float, float]] = []
    for index, (constraint, candidate) in enumerate(zip(constraints, candidates, strict=True)):
        if len(chosen) == 2:
            break
        grad = constraint.gradient
        assert grad is not None
        if candidate and _rank_grows(gradients, grad):
            chosen.append(index)
            gradients.append(grad)
    return chosen


def _newton(
    objective: tuple[PowerTerm, ...],
    active: list[RowPosynomial],
    every: list[RowPosynomial],
    z0: Floats,
    z1: Floats,
) -> tuple[Floats, Floats, list[Floats], Mask]:
    """The scalar polish's Newton iterations on the KKT system of ``active``, every row
    together; ``ok`` as the scalar accepts the point (converged, multipliers non-negative,
    ``every`` constraint satisfied)."""
    _, grad_f, _ = _objective(objective, z0, z1)
    lam = _initial_multipliers([c.pieces(z0, z1)[1] for c in active], grad_f)
    converged = np.zeros(len(z0), dtype=bool)
    failed = np.zeros(len(z0), dtype=bool)
    ones, zeros = np.ones_like(z0), np.zeros_like(z0)
    for _ in range(_ITERATIONS):
        running = ~(converged | failed)
        if not running.any():
            break
        _, grad_f, hess_f = _objective(objective, z0, z1)
        pieces = [c.pieces(z0, z1) for c in active]
        r0 = grad_f[0] + _summed([mu * p[1][0] for mu, p in zip(lam, pieces, strict=True)])
        r1 = grad_f[1] + _summed([mu * p[1][1] for mu, p in zip(lam, pieces, strict=True)])
        worst = np.maximum(np.abs(r0), np.abs(r1))
        for p in pieces:
            worst = np.maximum(worst, np.abs(p[0]))
        done = running & (worst < _CONVERGED)
        converged |= done
        running &= ~done
        h00, h01, h11 = (
            hess_f[k] + _summed([mu * p[2][k] for mu, p in zip(lam, pieces, strict=True)])
            for k in range(3)
        )
        size = 2 + len(active)
        padding = [zeros] * len(active)
        kkt = np.stack(
            [
                np.stack([h00, h01, *(p[1][0] * ones for p in pieces), -r0], axis=1),
                np.stack([h01, h11, *(p[1][1] * ones for p in pieces), -r1], axis=1),
                *(
                    np.stack([p[1][0] * ones, p[1][1] * ones, *padding, -p[0]], axis=1)
                    for p in pieces
                ),
            ],
            axis=1,
        )
        assert kkt.shape[1:] == (size, size + 1)
        step, singular = _solve_linear(kkt)
        failed |= running & singular
        running &= ~singular
        z0 = np.where(running, z0 + step[:, 0], z0)
        z1 = np.where(running, z1 + step[:, 1], z1)
        lam = [np.where(running, mu + step[:, 2 + i], mu) for i, mu in enumerate(lam)]
        failed |= running & ~(np.isfinite(z0) & np.isfinite(z1))
    ok = converged & ~failed
    for value in lam:
        ok &= ~(value < -1e-9)
    for constraint in every:
        ok &= ~(constraint.value(z0, z1) > _FEASIBILITY)
    return z0, z1, lam, ok


def polish_rows(
    objective: tuple[PowerTerm, ...],
    constraints: Sequence[RowPosynomial],
    n_params: Floats,
    n_tokens: Floats,
    duals: Floats,
) -> PolishedRows:
    """``polish(program, n, d, duals)`` of each row's program ``objective`` subject to
    ``constraints`` (monomials, or one two-term constraint alone), ``duals`` of shape
    (rows, constraints)."""
    rows, count = len(n_params), len(constraints)
    with np.errstate(all="ignore"):
        z0, z1 = logs(n_params), logs(n_tokens)
        candidate = np.stack(
            [
                ~((np.abs(c.value(z0, z1)) >= _ACTIVE_LOG_SLACK) & (duals[:, j] <= _ACTIVE_DUAL))
                for j, c in enumerate(constraints)
            ],
            axis=1,
        )
        if count == 1 and constraints[0].gradient is None:  # its rank, row by row
            g0, g1 = (np.broadcast_to(g, z0.shape) for g in constraints[0].pieces(z0, z1)[1])
            candidate[:, 0] &= [
                _rank_grows([], (a, b)) for a, b in zip(g0.tolist(), g1.tolist(), strict=True)
            ]
        out_z0, out_z1 = np.zeros(rows), np.zeros(rows)
        multipliers = np.zeros((rows, count))
        ok = np.zeros(rows, dtype=bool)
        patterns, groups = np.unique(candidate, axis=0, return_inverse=True)
        for group, pattern in enumerate(patterns.tolist()):
            chosen = _chosen(constraints, tuple(pattern))
            index = np.flatnonzero(groups.reshape(-1) == group)
            if not chosen:
                continue  # nothing active: the scalar polish declines
            every = [c.rows(index) for c in constraints]
            found = _newton(objective, [every[j] for j in chosen], every, z0[index], z1[index])
            out_z0[index], out_z1[index], ok[index] = found[0], found[1], found[3]
            for j, value in zip(chosen, found[2], strict=True):
                multipliers[index, j] = np.maximum(value, 0.0)
        return PolishedRows(
            exps(np.where(ok, out_z0, 0.0)), exps(np.where(ok, out_z1, 0.0)), multipliers, ok
        )


def certified_rows(
    objective: tuple[PowerTerm, ...],
    constraints: Sequence[RowPosynomial],
    n_params: Floats,
    n_tokens: Floats,
) -> PolishedRows:
    """:func:`planner.optimize.gp.certified_solution` of each row from its closed-form start,
    the budget being ``constraints[0]``: Newton with the budget alone active, then with the
    budget and each limit the start violates (in order, at most three), the first the scalar
    polish accepts; a row none certifies is not ok (its program needs the conic solve)."""
    rows, count = len(n_params), len(constraints)
    with np.errstate(all="ignore"):
        z0, z1 = logs(n_params), logs(n_tokens)
        violated = [c.value(z0, z1) > 0 for c in constraints]
    guesses: list[list[int]] = [[] for _ in range(rows)]
    for j in range(1, count):
        for i in np.flatnonzero(violated[j]).tolist():
            if len(guesses[i]) < _SECOND_GUESSES:
                guesses[i].append(j)
    n_out, d_out = np.ones(rows), np.ones(rows)  # a row not ok holds 1 (as polish_rows)
    multipliers = np.zeros((rows, count))
    ok = np.zeros(rows, dtype=bool)
    for slot in range(_SECOND_GUESSES + 1):
        index = np.array(
            [i for i in range(rows) if not ok[i] and (slot == 0 or len(guesses[i]) >= slot)],
            dtype=np.intp,
        )
        if not index.size:
            break
        duals = np.zeros((index.size, count))
        duals[:, 0] = 1.0
        if slot:
            duals[np.arange(index.size), [guesses[i][slot - 1] for i in index.tolist()]] = 1.0
        found = polish_rows(
            objective, [c.rows(index) for c in constraints], n_params[index], n_tokens[index], duals
        )
        n_out[index] = np.where(found.ok, found.n_params, n_out[index])
        d_out[index] = np.where(found.ok, found.n_tokens, d_out[index])
        multipliers[index] = np.where(found.ok[:, None], found.multipliers, multipliers[index])
        ok[index] |= found.ok
    return PolishedRows(n_out, d_out, multipliers, ok)
