"""Solve a :class:`GeometricProgram` with cvxpy, compiled once per shape per thread.

Every number of the program (coefficients, exponents) is a cvxpy ``Parameter``, so a template
depends only on the term counts of the objective and constraints: it is DGP+DPP, canonicalised
once, and later solves only substitute values. cvxpy problems are not thread-safe, so templates
live in a ``threading.local`` cache: each solver thread compiles its own the first time it meets
a shape. Variables are expressed in request-dependent units (``scales``) so the solver sees
numbers near one at any budget; the answer is then refined by :func:`polish`.
"""

from __future__ import annotations

import math
import threading
import warnings
from dataclasses import dataclass

import cvxpy as cp

from laws_catalog import PowerTerm

from ..deadline import checkpoint
from ..errors import PlanInfeasible, SolverFailure
from .closed_form import budget_start
from .polish import log_posynomial, polish
from .program import GeometricProgram

__all__ = ["GPSolution", "certified_solution", "solve_program"]

_SOLVER_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}

# The status is read after every solve (an inaccurate answer is Newton-polished or reported
# in the response's warnings), so cvxpy's own console warning adds nothing.
warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)


@dataclass(frozen=True, slots=True)
class GPSolution:
    n_params: float
    n_tokens: float
    status: str
    polished: bool
    multipliers: tuple[float, ...]
    """One per constraint: ``-d ln(objective) / d ln(relaxation of that constraint)``."""


@dataclass(slots=True)
class _TermParameters:
    coef: cp.Parameter
    n_exp: cp.Parameter
    d_exp: cp.Parameter


@dataclass(slots=True)
class _Template:
    problem: cp.Problem
    n: cp.Variable
    d: cp.Variable
    objective: list[_TermParameters]
    constraints: list[list[_TermParameters]]
    cvx_constraints: list[cp.Constraint]
    last: dict[int, float]

    def assign(self, parameter: cp.Parameter, value: float) -> None:
        """Set a parameter only when it changed: cvxpy validates every assignment (~50 us)."""
        if self.last.get(parameter.id) != value:
            parameter.value = value
            self.last[parameter.id] = value


_local = threading.local()
Shape = tuple[int, tuple[int, ...]]


def _template(shape: Shape) -> _Template:
    cache: dict[Shape, _Template] | None = getattr(_local, "templates", None)
    if cache is None:
        cache = {}
        _local.templates = cache
    template = cache.get(shape)
    if template is None:
        template = _build(shape)
        cache[shape] = template
    return template


def _posynomial_expression(
    n: cp.Variable, d: cp.Variable, count: int, tag: str
) -> tuple[cp.Expression, list[_TermParameters]]:
    params = [
        _TermParameters(
            cp.Parameter(pos=True, name=f"{tag}_c{i}"),
            cp.Parameter(name=f"{tag}_a{i}"),
            cp.Parameter(name=f"{tag}_b{i}"),
        )
        for i in range(count)
    ]
    expression = cp.sum([p.coef * n**p.n_exp * d**p.d_exp for p in params])
    return expression, params


def _build(shape: Shape) -> _Template:
    objective_terms, constraint_terms = shape
    n = cp.Variable(pos=True, name="n_params_scaled")
    d = cp.Variable(pos=True, name="n_tokens_scaled")
    objective, objective_params = _posynomial_expression(n, d, objective_terms, "obj")
    cvx_constraints, constraint_params = [], []
    for index, count in enumerate(constraint_terms):
        expression, params = _posynomial_expression(n, d, count, f"con{index}")
        cvx_constraints.append(expression <= 1)
        constraint_params.append(params)
    problem = cp.Problem(cp.Minimize(objective), cvx_constraints)
    if not problem.is_dgp(dpp=True):  # pragma: no cover - guarded by tests
        raise AssertionError("template is not DGP+DPP")
    return _Template(problem, n, d, objective_params, constraint_params, cvx_constraints, {})


def _assign(
    template: _Template,
    params: list[_TermParameters],
    terms: tuple[PowerTerm, ...],
    scale_n: float,
    scale_d: float,
) -> None:
    for p, term in zip(params, terms, strict=True):
        template.assign(
            p.coef, term.coefficient * scale_n**term.n_exponent * scale_d**term.d_exponent
        )
        template.assign(p.n_exp, term.n_exponent)
        template.assign(p.d_exp, term.d_exponent)


def _warm_solution(program: GeometricProgram, warm: GPSolution) -> GPSolution | None:
    """Newton on the active set of a nearby solution; kept only if it certifies optimality
    (a converged KKT point with non-negative multipliers, every constraint satisfied)."""
    if len(warm.multipliers) != len(program.constraints):
        return None
    polished = polish(program, warm.n_params, warm.n_tokens, warm.multipliers)
    if polished is None:
        return None
    return GPSolution(polished.n_params, polished.n_tokens, "optimal", True, polished.multipliers)


_LEADING_KEYS = ("c_max", "target")
"""Constraints that bind at almost every optimum: the budget, or the target of a target plan."""
_SECOND_GUESSES = 3


def _start(program: GeometricProgram, scales: tuple[float, float]) -> tuple[float, float] | None:
    """Where the optimum would be if only the budget (or target) bound: closed form for a
    two-term loss under a budget, else the caller's ``scales`` (the compute-optimal frontier
    point for a target, the Chinchilla-like point for other budgets)."""
    for constraint in program.constraints:
        if constraint.key == "c_max":
            return budget_start(program.objective, constraint) or scales
        if constraint.key == "target":
            return scales
    return None


def certified_solution(program: GeometricProgram, start: tuple[float, float]) -> GPSolution | None:
    """The optimum from a closed-form start, certified without a conic solve, or ``None``.

    Newton on the KKT system of the guessed active set (the budget or target, then that plus
    each limit the start violates); :func:`polish` accepts the point only as a converged KKT
    point with non-negative multipliers satisfying every constraint, which for a convex
    program is the optimum.
    """
    leading = [1.0 if c.key in _LEADING_KEYS else 0.0 for c in program.constraints]
    if not any(leading):
        return None
    n_params, n_tokens = start
    guesses = [leading]
    z0, z1 = math.log(n_params), math.log(n_tokens)
    for index, constraint in enumerate(program.constraints):
        if len(guesses) > _SECOND_GUESSES:
            break
        if not leading[index] and log_posynomial(constraint.posynomial, z0, z1)[0] > 0:
            guesses.append([*leading[:index], 1.0, *leading[index + 1 :]])
    for duals in guesses:
        found = polish(program, n_params, n_tokens, duals)
        if found is not None:
            return GPSolution(found.n_params, found.n_tokens, cp.OPTIMAL, True, found.multipliers)
    return None


def solve_program(
    program: GeometricProgram,
    *,
    scales: tuple[float, float] = (1e9, 2e10),
    warm: GPSolution | None = None,
) -> GPSolution:
    """Solve, then polish. ``scales`` are the (parameters, tokens) units the solver works in;
    values near the answer keep it well conditioned. Raises :class:`PlanInfeasible` without
    naming constraints (callers diagnose) or :class:`SolverFailure`.

    ``warm``: the solution of a program of the same structure with slightly different numbers
    (a re-solve after a bound moved). When Newton from it certifies the optimum the conic
    solve is skipped; otherwise the program is solved from scratch. Without ``warm`` the
    closed-form optimum of the budget (or target) alone is tried the same way first
    (:func:`certified_solution`).
    """
    checkpoint()
    if warm is not None:
        found = _warm_solution(program, warm)
        if found is not None:
            return found
    start = _start(program, scales)
    if start is not None:
        found = certified_solution(program, start)
        if found is not None:
            return found
    template = _template(program.shape)
    scale_n, scale_d = scales
    # the objective is rescaled to be ~1 at the scale point: relative gaps then mean the same
    # thing for a loss of 0.01 and a budget of 1e25
    objective = program.objective.scaled(1.0 / program.objective(scale_n, scale_d))
    _assign(template, template.objective, objective.terms, scale_n, scale_d)
    for params, constraint in zip(template.constraints, program.constraints, strict=True):
        _assign(template, params, constraint.posynomial.terms, scale_n, scale_d)
    try:
        template.problem.solve(gp=True, solver=cp.CLARABEL, **_SOLVER_OPTIONS)
    except cp.error.SolverError as exc:
        raise SolverFailure(f"solver error: {exc}") from exc
    status = template.problem.status
    if status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE):
        raise PlanInfeasible("the limits cannot all hold")
    if status not in cp.settings.SOLUTION_PRESENT:
        raise SolverFailure(f"solver returned status {status!r}")
    n_value, d_value = template.n.value, template.d.value
    if n_value is None or d_value is None:  # pragma: no cover - status covers this
        raise SolverFailure("solver returned no point")
    n_params, n_tokens = float(n_value) * scale_n, float(d_value) * scale_d
    duals = tuple(
        float(c.dual_value) if c.dual_value is not None else 0.0 for c in template.cvx_constraints
    )
    polished = polish(program, n_params, n_tokens, duals)
    if polished is not None:
        return GPSolution(polished.n_params, polished.n_tokens, status, True, polished.multipliers)
    return GPSolution(n_params, n_tokens, status, False, duals)
