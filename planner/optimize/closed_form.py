"""Closed-form compute-optimal allocation of a two-term loss, scalar or vectorised.

For ``L = E + c_n N^-a + c_d D^-b`` under ``N D = P`` (``P = C / k``), stationarity of
``c_n N^-a + c_d (P/N)^-b`` gives ``N^(a+b) = (a c_n) / (b c_d) P^b`` (Hoffmann et al. 2022,
Eq. 4, for any two-term law). This is the optimum of the common budget question whenever no
other limit binds; :func:`planner.optimize.gp.solve_program` uses it as the start of a
Newton/KKT certificate and skips the conic solve when the certificate holds. Other modules
(sweeps, re-planning under uncertainty) call :func:`separable_pair_allocation` on whole
arrays of budgets.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import numpy.typing as npt

from .posynomial import Posynomial
from .program import Constraint

__all__ = ["SeparablePair", "budget_start", "separable_pair", "separable_pair_allocation"]

Floats = npt.NDArray[np.float64]
SeparablePair = tuple[float, float, float, float]
"""(c_n, a, c_d, b) of ``c_n N^-a + c_d D^-b`` with a, b > 0."""


def separable_pair(objective: Posynomial) -> SeparablePair | None:
    """The (c_n, a, c_d, b) of an objective ``c_n N^-a + c_d D^-b``, else ``None``."""
    if len(objective.terms) != 2:
        return None
    first, second = objective.terms
    if first.d_exponent != 0 or second.n_exponent != 0:
        first, second = second, first
    if first.d_exponent != 0 or second.n_exponent != 0:
        return None
    if not (first.n_exponent < 0 and second.d_exponent < 0):
        return None
    return first.coefficient, -first.n_exponent, second.coefficient, -second.d_exponent


@overload
def separable_pair_allocation(pair: SeparablePair, param_tokens: float) -> tuple[float, float]: ...
@overload
def separable_pair_allocation(
    pair: SeparablePair, param_tokens: Floats
) -> tuple[Floats, Floats]: ...
def separable_pair_allocation(
    pair: SeparablePair, param_tokens: float | Floats
) -> tuple[float, float] | tuple[Floats, Floats]:
    """``(N, D)`` minimising ``c_n N^-a + c_d D^-b`` with ``N D = param_tokens`` (= C / k)."""
    c_n, a, c_d, b = pair
    if isinstance(param_tokens, np.ndarray):
        n = np.exp((math.log(a * c_n / (b * c_d)) + b * np.log(param_tokens)) / (a + b))
        return n, param_tokens / n
    n_opt = math.exp((math.log(a * c_n / (b * c_d)) + b * math.log(param_tokens)) / (a + b))
    return n_opt, param_tokens / n_opt


def budget_start(objective: Posynomial, budget: Constraint) -> tuple[float, float] | None:
    """The closed-form point where ``objective`` is least on the budget's ``N D`` term.

    ``budget`` reads ``sum(terms) / C <= 1``; its ``kND/C`` term fixes ``N D = C / k``. Other
    budget terms (vocabulary FLOPs, lifetime inference) make the point a starting guess that
    Newton corrects; without them it is the optimum itself.
    """
    pair = separable_pair(objective)
    if pair is None:
        return None
    for term in budget.posynomial.terms:
        if term.n_exponent == 1.0 and term.d_exponent == 1.0:
            return separable_pair_allocation(pair, 1.0 / term.coefficient)
    return None
