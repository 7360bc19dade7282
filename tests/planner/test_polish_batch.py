"""The batch polish gives every row exactly the floats of the scalar polish (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from laws_catalog import CATALOG
from laws_catalog.loss import LossLaw, is_loss_law, posynomial
from planner.optimize.closed_form import budget_start, separable_pair
from planner.optimize.gp import certified_solution
from planner.optimize.polish import polish
from planner.optimize.polish_batch import (
    RowPosynomial,
    budget_coefficients,
    certified_rows,
    closed_form_starts,
    polish_rows,
)
from planner.optimize.posynomial import Posynomial
from planner.optimize.program import GeometricProgram, compute_budget
from planner.planning.plan.constraints import collect_bounds
from planner.planning.plan.model_account import compute_terms
from planner.planning.sweep.optima import budget_rows
from planner.schemas.requests import Constraints


def test_rows_equal_scalar_polish_bit_for_bit() -> None:
    rng = np.random.default_rng(13)
    flops = 10.0 ** rng.uniform(12.0, 32.0, 400)
    for law_id in ("besiroglu2024", "hoffmann2022", "muennighoff2023"):
        _, objective, pair, k = _budget_program(law_id)
        n0, d0 = closed_form_starts(pair, budget_coefficients(k, flops))
        found = polish_rows(
            objective.terms, [budget_rows(k, flops)], n0, d0, np.ones((len(flops), 1))
        )
        relaxed = polish_rows(
            objective.terms,
            [budget_rows(k, flops, factor=1.0 / 1.1)],
            found.n_params,
            found.n_tokens,
            found.multipliers,
        )
        for i, c in enumerate(flops.tolist()):
            budget = compute_budget(compute_terms(k), c, ("budget.flops",))
            program = GeometricProgram(objective, (budget,))
            start = budget_start(objective, budget)
            assert start == (n0[i], d0[i])
            single = polish(program, *start, [1.0])
            assert single is not None
            assert found.ok[i]
            assert (single.n_params, single.n_tokens) == (found.n_params[i], found.n_tokens[i])
            assert single.multipliers == tuple(found.multipliers[i].tolist())
            loosened = program.replace_constraint(0, budget.relaxed())
            again = polish(loosened, single.n_params, single.n_tokens, single.multipliers)
            assert again is not None
            assert relaxed.ok[i]
            assert (again.n_params, again.n_tokens) == (relaxed.n_params[i], relaxed.n_tokens[i])
            assert again.multipliers == tuple(relaxed.multipliers[i].tolist())


def _budget_program(
    law_id: str,
) -> tuple[LossLaw, Posynomial, tuple[float, float, float, float], float]:
    """A loss law's objective, its closed-form pair and its FLOPs per parameter-token."""
    law = CATALOG.get("loss", law_id)
    assert is_loss_law(law)
    objective = Posynomial.of(posynomial(law).terms)
    pair = separable_pair(objective)
    assert pair is not None
    return law, objective, pair, law.traits.flops_per_param_token


@pytest.mark.parametrize(
    "limits",
    [
        {"max_params": 2e9},
        {"min_params": 5e10},
        {"max_tokens": 1e11},
        {"min_tokens_per_param": 40.0},
        {"max_tokens_per_param": 5.0},
        {"max_params": 3e9, "max_tokens": 2e11},
        {"min_params": 1e8, "max_params": 1e10, "min_tokens": 1e9},
    ],
)
def test_limited_rows_equal_the_scalar_certified_solution_bit_for_bit(
    limits: dict[str, float],
) -> None:
    """With limits besides the budget, every row's certified optimum (the budget alone, then
    the budget and each limit its start violates) and its +10 % budget re-solve are the
    scalar code's floats, multipliers included; a row the scalar cannot certify is not ok."""
    law, objective, pair, k = _budget_program("besiroglu2024")
    flops = 10.0 ** np.random.default_rng(len(limits)).uniform(16.0, 28.0, 300)
    bounds = collect_bounds(
        Constraints.model_validate(limits),
        params_quantity=law.traits.params_quantity,
        compute_terms=compute_terms(k),
    )
    coefficients = budget_coefficients(k, flops)
    limit_rows = [RowPosynomial.of(b) for b in bounds]
    assert all(m is not None for m in limit_rows)
    rows = [budget_rows(k, flops), *(m for m in limit_rows if m is not None)]
    n0, d0 = closed_form_starts(pair, coefficients)
    found = certified_rows(objective.terms, rows, n0, d0)
    relaxed_budget = budget_rows(k, flops, factor=1.0 / 1.1)
    relaxed = polish_rows(
        objective.terms,
        [relaxed_budget, *rows[1:]],
        found.n_params,
        found.n_tokens,
        found.multipliers,
    )
    limited = 0
    for i, c in enumerate(flops.tolist()):
        budget = compute_budget(compute_terms(k), c, ("budget.flops",))
        program = GeometricProgram(objective, (budget, *bounds))
        single = certified_solution(program, (n0[i], d0[i]))
        if single is None:
            assert not found.ok[i], i
            continue
        assert found.ok[i], i
        assert (single.n_params, single.n_tokens) == (found.n_params[i], found.n_tokens[i])
        assert single.multipliers == tuple(found.multipliers[i].tolist())
        limited += any(m > 0 for m in single.multipliers[1:])
        loosened = program.replace_constraint(0, budget.relaxed())
        again = polish(loosened, single.n_params, single.n_tokens, single.multipliers)
        assert relaxed.ok[i] == (again is not None), i
        if again is not None:
            assert (again.n_params, again.n_tokens) == (relaxed.n_params[i], relaxed.n_tokens[i])
            assert again.multipliers == tuple(relaxed.multipliers[i].tolist())
    assert limited >= 10  # the limits bind on many rows: the two-constraint systems are tested


def test_two_term_budget_rows_equal_the_scalar_polish_bit_for_bit() -> None:
    """A law that leaves the vocabulary out of N (Kaplan's) re-solves with the vocabulary's
    FLOPs as a second budget term, from the last optimum: every row's warm polish of that
    two-term budget, and its +10 % re-solve, are the scalar code's floats."""
    law, objective, pair, k = _budget_program("kaplan2020")
    rng = np.random.default_rng(5)
    flops = 10.0 ** rng.uniform(16.0, 28.0, 300)
    extras = 10.0 ** rng.uniform(6.0, 9.5, 300)
    first = certified_rows(
        objective.terms,
        [budget_rows(k, flops)],
        *closed_form_starts(pair, budget_coefficients(k, flops)),
    )
    assert first.ok.all()
    found = polish_rows(
        objective.terms,
        [budget_rows(k, flops, extras)],
        first.n_params,
        first.n_tokens,
        first.multipliers,
    )
    relaxed = polish_rows(
        objective.terms,
        [budget_rows(k, flops, extras, 1.0 / 1.1)],
        found.n_params,
        found.n_tokens,
        found.multipliers,
    )
    for i, (c, extra) in enumerate(zip(flops.tolist(), extras.tolist(), strict=True)):
        budget = compute_budget(compute_terms(k, extra), c, ("budget.flops",))
        program = GeometricProgram(objective, (budget,))
        start = (first.n_params[i], first.n_tokens[i])
        single = polish(program, *start, tuple(first.multipliers[i].tolist()))
        assert found.ok[i] == (single is not None), i
        if single is None:
            continue
        assert (single.n_params, single.n_tokens) == (found.n_params[i], found.n_tokens[i])
        assert single.multipliers == tuple(found.multipliers[i].tolist())
        loosened = program.replace_constraint(0, budget.relaxed())
        again = polish(loosened, single.n_params, single.n_tokens, single.multipliers)
        assert relaxed.ok[i] == (again is not None), i
        if again is not None:
            assert (again.n_params, again.n_tokens) == (relaxed.n_params[i], relaxed.n_tokens[i])
    assert found.ok.sum() >= 250
