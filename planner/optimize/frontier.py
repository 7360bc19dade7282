"""Minimise a loss that falls in N and D over the feasible polygon of (ln N, ln D).

Used for laws that are not posynomials (effective data under repetition, several data
sources). In ``x = ln N, y = ln D`` every limit (:func:`planner.optimize.program.named_limit`)
is a half-plane, so the feasible set is a convex polygon. A loss that never rises with N or D
attains its minimum on the polygon's upper boundary ``y = y_max(x)``: a concave,
piecewise-linear function on the feasible range ``[x_lo, x_hi]`` (its kinks are vertices).
That leaves a one-dimensional problem ``g(x) = F(x, y_max(x))``.

Search: ``g``'s one-sided derivatives (from the objective's exact gradient) are evaluated on a
bracketing grid that contains every vertex; each sign change from negative to positive
brackets a local minimum, which is either a vertex (left derivative <= 0 <= right
derivative) or a root of the smooth derivative inside one edge, found with Brent's method to
~1e-14 in ``x`` (the derivative resolves the arg-min to machine precision, unlike function
values, which are flat there). The best candidate wins. For a loss that is convex in
``(x, y)`` ``g`` is convex too (a convex function, non-increasing in ``y``, of a concave
``y_max``), so there is one candidate and the answer is the global optimum; for other
objectives the grid (400 points plus vertices) is the safeguard.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

from ..deadline import checkpoint
from ..errors import PlanInfeasible
from .feasibility import conflicting_constraints
from .program import named_limit

__all__ = ["FrontierOptimum", "LogObjective", "minimise_on_frontier"]

FloatArray = npt.NDArray[np.float64]
#: (ln N, ln D) arrays -> (value, d value / d ln N, d value / d ln D)
LogObjective = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray, FloatArray]]

_TOL = 1e-9  # feasibility / activity tolerance in log units (relative 1e-9)
_FLOORS = {"n_floor": ((-1.0, 0.0), 0.0), "d_floor": ((0.0, -1.0), 0.0)}  # N >= 1, D >= 1


@dataclass(frozen=True, slots=True)
class FrontierOptimum:
    """Arg-min ``(N, D)``, the objective there and the limits holding with equality."""

    n_params: float
    n_tokens: float
    value: float
    binding: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Row:
    name: str
    a: FloatArray
    b: float


def _rows(limits: Mapping[str, float], k: float) -> list[_Row]:
    rows = []
    for name, value in limits.items():
        (ax, ay), rhs = named_limit(name, value, k).log_half_plane()
        rows.append(_Row(name, np.array([ax, ay]), rhs))
    for name, ((ax, ay), rhs) in _FLOORS.items():
        rows.append(_Row(name, np.array([ax, ay]), rhs))
    return rows


def _vertices(rows: list[_Row]) -> FloatArray:
    points = []
    for first, second in combinations(rows, 2):
        matrix = np.array([first.a, second.a])
        if abs(np.linalg.det(matrix)) < 1e-12:
            continue
        z = np.linalg.solve(matrix, np.array([first.b, second.b]))
        if all(float(r.a @ z) - r.b <= _TOL * (1 + abs(r.b)) for r in rows):
            points.append(z)
    return np.array(points).reshape(-1, 2)


class _UpperBoundary:
    """``y_max(x)`` and its one-sided slopes from the rows with ``a_y > 0``."""

    def __init__(self, rows: list[_Row]) -> None:
        upper = [r for r in rows if r.a[1] > 0]
        self.intercepts = np.array([r.b / r.a[1] for r in upper])
        self.slopes = np.array([-r.a[0] / r.a[1] for r in upper])

    def lines(self, x: float) -> FloatArray:
        return np.asarray(self.intercepts + self.slopes * x, dtype=np.float64)

    def y(self, x: float) -> float:
        return float(self.lines(x).min())

    def slope(self, x: float, side: int) -> float:
        """Right (``side=+1``) or left (``-1``) slope of ``y_max`` at ``x``."""
        values = self.lines(x)
        tied = values <= values.min() + _TOL * (1 + abs(values.min()))
        return float(self.slopes[tied].min() if side > 0 else self.slopes[tied].max())

    def on_grid(self, xs: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``y_max``, right and left slopes at every ``x`` of ``xs`` at once (the same
        arithmetic as :meth:`y` and :meth:`slope`, one array operation per step)."""
        values = self.intercepts[None, :] + self.slopes[None, :] * xs[:, None]
        lowest = values.min(axis=1)
        tied = values <= (lowest + _TOL * (1 + np.abs(lowest)))[:, None]
        right = np.where(tied, self.slopes[None, :], np.inf).min(axis=1)
        left = np.where(tied, self.slopes[None, :], -np.inf).max(axis=1)
        return lowest, right, left


def minimise_on_frontier(
    objective: LogObjective,
    limits: Mapping[str, float],
    flops_per_param_token: float,
    *,
    grid_points: int = 400,
) -> FrontierOptimum:
    """Minimise ``objective`` (non-increasing in ln N and ln D) under ``limits``.

    ``limits`` uses the names of :func:`planner.optimize.program.named_limit` in raw units and
    must contain the budget ``c_max``. Raises :class:`PlanInfeasible` naming the conflicting
    limits when no point satisfies them all.
    """
    if "c_max" not in limits:
        raise ValueError("the budget c_max is required")
    rows = _rows(limits, flops_per_param_token)
    vertices = _vertices(rows)
    if len(vertices) == 0:
        constraints = [
            named_limit(name, value, flops_per_param_token) for name, value in limits.items()
        ]
        found = conflicting_constraints(constraints)
        conflict = [c.key for c in found] if found else sorted(limits)
        raise PlanInfeasible(
            "these limits cannot hold together: " + ", ".join(conflict), conflicting=conflict
        )
    boundary = _UpperBoundary(rows)
    x_lo, x_hi = float(vertices[:, 0].min()), float(vertices[:, 0].max())

    candidates = [x_lo, x_hi]
    if x_hi - x_lo > 1e-12:
        grid = np.unique(np.concatenate([np.linspace(x_lo, x_hi, grid_points), vertices[:, 0]]))
        grid = grid[(grid >= x_lo) & (grid <= x_hi)]
        grid_y, right_slope, left_slope = boundary.on_grid(grid)
        _, fx, fy = objective(grid, grid_y)
        right = fx + fy * right_slope
        left = fx + fy * left_slope
        for i in range(len(grid) - 1):
            checkpoint()
            lo, hi = float(grid[i]), float(grid[i + 1])
            if i > 0 and left[i] <= 0 <= right[i]:
                candidates.append(lo)  # a vertex (or an exact stationary grid point)
            if right[i] < 0 < left[i + 1]:
                slope = boundary.slope(0.5 * (lo + hi), +1)

                def smooth(x: float, slope: float = slope) -> float:
                    _, gx, gy = objective(np.array([x]), np.array([boundary.y(x)]))
                    return float(gx[0] + gy[0] * slope)

                if smooth(lo) < 0 < smooth(hi):
                    root = brentq(smooth, lo, hi, xtol=1e-14, rtol=8.9e-16, maxiter=500)
                    candidates.append(float(root))
                else:  # rounding at an edge's end: its ends are the candidates
                    candidates.extend((lo, hi))
    xs = np.array(candidates)
    ys = np.array([boundary.y(float(x)) for x in xs])
    values = objective(xs, ys)[0]
    best = int(np.argmin(values))
    z = np.array([xs[best], ys[best]])
    binding = tuple(
        r.name for r in rows if float(r.a @ z) - r.b >= -_TOL * (1 + abs(r.b)) and r.name in limits
    )
    return FrontierOptimum(
        n_params=math.exp(z[0]),
        n_tokens=math.exp(z[1]),
        value=float(values[best]),
        binding=binding,
    )
