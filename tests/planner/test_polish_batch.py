"""The batch polish gives every row exactly the floats of the scalar polish (issue 13)."""

from __future__ import annotations

import numpy as np

from laws_catalog import CATALOG
from laws_catalog.loss import is_loss_law, posynomial
from planner.optimize.closed_form import budget_start, separable_pair
from planner.optimize.polish import polish
from planner.optimize.polish_batch import (
    budget_coefficients,
    closed_form_starts,
    polish_budget_rows,
)
from planner.optimize.posynomial import Posynomial
from planner.optimize.program import GeometricProgram, compute_budget
from planner.planning.plan.model_account import compute_terms


def test_rows_equal_scalar_polish_bit_for_bit() -> None:
    rng = np.random.default_rng(13)
    flops = 10.0 ** rng.uniform(12.0, 32.0, 400)
    for law_id in ("besiroglu2024", "hoffmann2022", "muennighoff2023"):
        law = CATALOG.get("loss", law_id)
        assert is_loss_law(law)
        objective = Posynomial.of(posynomial(law).terms)
        pair = separable_pair(objective)
        assert pair is not None
        k = law.traits.flops_per_param_token
        coefficients = budget_coefficients(k, flops)
        n0, d0 = closed_form_starts(pair, coefficients)
        found = polish_budget_rows(objective.terms, coefficients, n0, d0, np.ones_like(flops))
        relaxed_coefficients = budget_coefficients(k, flops, 1.0 / 1.1)
        relaxed = polish_budget_rows(
            objective.terms, relaxed_coefficients, found.n_params, found.n_tokens, found.multiplier
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
            assert single.multipliers == (found.multiplier[i],)
            loosened = program.replace_constraint(0, budget.relaxed())
            again = polish(loosened, single.n_params, single.n_tokens, single.multipliers)
            assert again is not None
            assert relaxed.ok[i]
            assert (again.n_params, again.n_tokens) == (relaxed.n_params[i], relaxed.n_tokens[i])
            assert again.multipliers == (relaxed.multiplier[i],)
