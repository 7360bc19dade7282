"""Every sweep row's optimum at once, found as a single plan's route finds it (issue 13).

The route (``routes/gp.py``) solves the loss law's program from the closed-form start,
certified by Newton (the budget alone active, then with each limit the start violates). For a
law that counts non-embedding parameters it then re-solves until the budget counts the
vocabulary's own FLOPs (``settle_vocabulary``): each optimum's model account gives a
vocabulary whose ``k V d D`` joins the budget as a second term, and the next solve starts from
the last optimum. Finally it re-solves with the budget 10 % larger for the budget's margin.
Here each of those steps runs over all rows together (:mod:`planner.optimize.polish_batch`,
the scalar floats bit for bit); a row that any step cannot certify is left to make_plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from laws_catalog import PowerTerm

from ...deadline import checkpoint
from ...optimize.libm import logs
from ...optimize.polish_batch import (
    PolishedRows,
    RowPosynomial,
    budget_coefficients,
    certified_rows,
    closed_form_starts,
    polish_rows,
)
from ...optimize.program import RELAXATION
from ..plan.model_account import _MAX_ITERATIONS, ModelAccount

__all__ = ["RowOptima", "row_optima"]

Floats = npt.NDArray[np.float64]
Accounts = Callable[[list[int], list[float]], dict[int, "ModelAccount | None"]]
"""The accounts of rows (by index) for the loss law's N of each row (a full-length list)."""


@dataclass(frozen=True)
class RowOptima:
    n_params: Floats
    n_tokens: Floats
    multipliers: Floats
    """(rows, constraints), the budget first."""
    relaxed_n_params: Floats
    relaxed_n_tokens: Floats
    """The optimum with the budget 10 % larger (for its margin)."""
    vocabulary_params: Floats
    """FLOP-bearing parameters outside the law's N its final budget counted (0 for a law that
    counts every parameter)."""
    ok: npt.NDArray[np.bool_]
    accounts: dict[int, ModelAccount]
    """Each settled row's account, when settling needed them (non-embedding laws)."""


def budget_rows(
    k: float, flops: Floats, vocabulary_params: Floats | None = None, factor: float | None = None
) -> RowPosynomial:
    """Every row's budget ``(k N D + k V d D) / C <= 1`` as ``compute_budget`` states it (the
    second term only with ``vocabulary_params``), loosened by ``factor`` as
    ``Constraint.relaxed`` loosens it."""
    first = budget_coefficients(k, flops, factor)
    if vocabulary_params is None:
        return RowPosynomial.monomial(logs(first), 1.0, 1.0)
    second = (k * vocabulary_params) * (1.0 / flops)
    if factor is not None:
        second = second * factor
    return RowPosynomial(((logs(first), 1.0, 1.0), (logs(second), 0.0, 1.0)))


def row_optima(
    objective: tuple[PowerTerm, ...],
    pair: tuple[float, float, float, float],
    k: float,
    limits: Sequence[RowPosynomial],
    flops: Floats,
    *,
    settle: tuple[Accounts, Callable[[ModelAccount], float]] | None = None,
) -> RowOptima:
    """The optimum of every row's program, its multipliers and its +10 % budget re-solve.

    ``settle``: for a law whose N leaves out FLOP-bearing parameters, how to account a row
    and how many such parameters an account holds; the budget then counts them as the route's
    ``settle_vocabulary`` does (limits are then not batched).
    """
    rows = len(flops)
    coefficients = budget_coefficients(k, flops)
    program = [budget_rows(k, flops), *limits]
    n0, d0 = closed_form_starts(pair, coefficients)
    solved = certified_rows(objective, program, n0, d0)
    n, d, multipliers, ok = solved.n_params, solved.n_tokens, solved.multipliers, solved.ok
    extra = np.zeros(rows)
    accounts: dict[int, ModelAccount] = {}
    if settle is not None:
        if limits:
            raise ValueError("a budget that counts the vocabulary is batched without limits")
        n, d, multipliers, extra, ok, accounts = _settled(objective, k, flops, solved, settle)
        ok &= extra > 0  # a one-term budget after all: the scalar route's other program
    counted = np.where(extra > 0, extra, 1.0) if settle is not None else None
    relaxed_budget = budget_rows(k, flops, counted, 1 / RELAXATION)
    relaxed = polish_rows(objective, [relaxed_budget, *limits], n, d, multipliers)
    return RowOptima(
        n, d, multipliers, relaxed.n_params, relaxed.n_tokens, extra, ok & relaxed.ok, accounts
    )


def _settled(
    objective: tuple[PowerTerm, ...],
    k: float,
    flops: Floats,
    first: PolishedRows,
    settle: tuple[Accounts, Callable[[ModelAccount], float]],
) -> tuple[Floats, Floats, Floats, Floats, npt.NDArray[np.bool_], dict[int, ModelAccount]]:
    """``settle_vocabulary`` for every row: account the optimum, count the vocabulary's
    FLOP-bearing parameters in the budget, re-solve from the last optimum, until the count
    agrees (rel. 1e-12 or half a parameter), or it alternates on a shape-rule boundary (keep
    the plan whose budget counted at least its vocabulary), as the scalar loop decides."""
    account_rows, flop_params = settle
    rows = len(flops)
    n, d = first.n_params.copy(), first.n_tokens.copy()
    multipliers = first.multipliers.copy()
    extra = np.zeros(rows)
    ok = np.zeros(rows, dtype=bool)
    seen: dict[int, set[float]] = {}
    counted: dict[int, tuple[float, float, Floats, float, ModelAccount]] = {}
    accounts: dict[int, ModelAccount] = {}
    waiting = [i for i in range(rows) if first.ok[i]]
    for _ in range(_MAX_ITERATIONS):
        if not waiting:
            break
        checkpoint("the sweep's vocabulary FLOPs")
        found_accounts = account_rows(waiting, n.tolist())
        again: list[tuple[int, float]] = []
        for i in waiting:
            account = found_accounts.get(i)
            if account is None:
                continue  # the account raises: make_plan says why
            found = flop_params(account)
            if math.isclose(found, float(extra[i]), rel_tol=1e-12, abs_tol=0.5):
                ok[i], accounts[i] = True, account
                continue
            if found <= extra[i]:
                counted[i] = (float(n[i]), float(d[i]), multipliers[i].copy(), extra[i], account)
                if found in seen.setdefault(i, set()):
                    _keep(i, counted[i], n, d, multipliers, extra, ok, accounts)
                    continue
            seen.setdefault(i, set()).add(found)
            again.append((i, found))
        if not again:
            waiting = []
            break
        index = np.array([i for i, _ in again], dtype=np.intp)
        counts = np.array([found for _, found in again])
        resolved = polish_rows(
            objective,
            [budget_rows(k, flops[index], counts)],
            n[index],
            d[index],
            multipliers[index],
        )
        waiting = []
        for j, i in enumerate(index.tolist()):
            if resolved.ok[j]:  # else the route solves it from scratch: make_plan
                n[i], d[i] = resolved.n_params[j], resolved.n_tokens[j]
                multipliers[i], extra[i] = resolved.multipliers[j], counts[j]
                waiting.append(i)
    for i in waiting:  # the loop ran out: a plan that counted its vocabulary, if any
        if i in counted:
            _keep(i, counted[i], n, d, multipliers, extra, ok, accounts)
    return n, d, multipliers, extra, ok, accounts


def _keep(
    i: int,
    kept: tuple[float, float, Floats, float, ModelAccount],
    n: Floats,
    d: Floats,
    multipliers: Floats,
    extra: Floats,
    ok: npt.NDArray[np.bool_],
    accounts: dict[int, ModelAccount],
) -> None:
    n[i], d[i], multipliers[i], extra[i], accounts[i] = kept
    ok[i] = True
