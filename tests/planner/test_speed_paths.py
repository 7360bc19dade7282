"""The fast paths of issue 13 are taken, and give the answers of the slow ones.

* the closed-form start certified by Newton/KKT replaces the conic solve (counted: cvxpy
  never runs for a default plan, nor when a parameter cap binds), and its optimum equals the
  conic solve's (polished) one;
* the model shape is searched a few times per plan, not once per vocabulary iteration, and
  each search visits a few hundred cells, not the whole (n_layer, d_model) grid;
* sweep rows equal the single plans with the same inputs (rows with a binding cap included);
* timing guards (slow): ratios measured in one run, loose enough for a noisy 2-core machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import cvxpy as cp
import pytest

import laws_catalog.shape_search as shape_search
import planner.optimize.gp as gp
import planner.planning.plan.model_account as model_account
from laws_catalog import CATALOG, PowerTerm
from laws_catalog.architecture import shape_for_non_embedding_params
from laws_catalog.loss import is_loss_law, posynomial
from planner import PlanRequest, make_plan
from planner.optimize.closed_form import separable_pair, separable_pair_allocation
from planner.optimize.program import bound, compute_budget
from planner.planning.plan.optimum import minimise_loss
from planner.planning.sweep.run import sweep
from planner.schemas.requests import SweepRequest
from tests.planner.same_answers import assert_same

BUDGETS = [1e18, 3.3e19, 1e21, 4.7e22, 1e24, 2.2e25, 1e27]


def _plan(body: dict[str, Any]) -> Any:
    return make_plan(PlanRequest.model_validate(body))


@pytest.fixture
def no_conic_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(shape: object) -> object:
        raise AssertionError("the conic solver ran")

    monkeypatch.setattr(gp, "_template", refuse)


@pytest.mark.parametrize("flops", BUDGETS)
def test_default_plan_skips_the_conic_solve(no_conic_solve: None, flops: float) -> None:
    plan = _plan({"budget": {"flops": flops}})
    assert plan.solver_status == "optimal"
    assert plan.binding_constraints == ["budget.flops"]


@pytest.mark.parametrize("flops", [1e22, 1e23, 1e24])
def test_binding_cap_certifies_without_the_conic_solve(no_conic_solve: None, flops: float) -> None:
    plan = _plan({"budget": {"flops": flops}, "constraints": {"max_params": 2e9}})
    assert set(plan.binding_constraints) == {"budget.flops", "constraints.max_params"}
    assert plan.plan.params == pytest.approx(2e9, rel=1e-12)


def _law_and_budget(flops: float) -> tuple[Any, Any]:
    law = CATALOG.get("loss", "besiroglu2024")
    assert is_loss_law(law)
    return posynomial(law), compute_budget((PowerTerm(6.0, 1.0, 1.0),), flops, ("budget.flops",))


@pytest.mark.parametrize("flops", BUDGETS)
@pytest.mark.parametrize("cap", [None, 1e9])
def test_certified_optimum_equals_the_conic_one(
    monkeypatch: pytest.MonkeyPatch, flops: float, cap: float | None
) -> None:
    """Tolerance 1e-9: both end in Newton steps on the same KKT system (to 1e-12 residual)."""
    posy, budget = _law_and_budget(flops)
    bounds = [] if cap is None else [bound("n_max", cap, ("constraints.max_params",))]
    fast = minimise_loss(posy, budget, bounds, flops, 6.0)
    monkeypatch.setattr(gp, "_start", lambda program, scales: None)
    slow = minimise_loss(posy, budget, bounds, flops, 6.0)
    assert slow.polished
    assert fast.n_params == pytest.approx(slow.n_params, rel=1e-9)
    assert fast.n_tokens == pytest.approx(slow.n_tokens, rel=1e-9)
    for mine, theirs in zip(fast.multipliers, slow.multipliers, strict=True):
        assert mine == pytest.approx(theirs, rel=1e-7, abs=1e-9)


def test_closed_form_allocation_matches_the_law_and_vectorises() -> None:
    """Hoffmann et al. (2022) Eq. 4 in the law's own closed form; array and scalar agree."""
    import numpy as np

    posy, _ = _law_and_budget(1e21)
    pair = separable_pair(_reducible(posy))
    assert pair is not None
    flops = np.logspace(18, 27, 50)
    n, d = separable_pair_allocation(pair, flops / 6.0)
    for i, c in enumerate(flops):
        n_law, d_law = posy.compute_optimal(float(c), 6.0)
        assert n[i] == pytest.approx(n_law, rel=1e-12)
        assert d[i] == pytest.approx(d_law, rel=1e-12)
        assert separable_pair_allocation(pair, float(c) / 6.0) == pytest.approx((n[i], d[i]))
    assert np.allclose(6.0 * n * d, flops, rtol=1e-12)


def _reducible(posy: Any) -> Any:
    from planner.optimize.posynomial import Posynomial

    return Posynomial.of(posy.terms)


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> dict[str, int]:
    calls = {"n": 0}
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("flops", BUDGETS)
def test_shape_search_runs_a_few_times_per_plan(
    monkeypatch: pytest.MonkeyPatch, flops: float
) -> None:
    """Before: once per vocabulary/width iteration (6-7 per plan); now one per round of the
    fixed point plus the final rounded count."""
    calls = _count_calls(monkeypatch, model_account, "shape_of")
    _plan({"budget": {"flops": flops}})
    assert 1 <= calls["n"] <= 4


@pytest.mark.parametrize("n_params", [1e7, 1e9, 1e11, 1e13])
def test_shape_search_visits_few_cells(monkeypatch: pytest.MonkeyPatch, n_params: float) -> None:
    """The full grid holds 775 cells at 1e9 and 251,280 at 1e13."""
    calls = _count_calls(monkeypatch, shape_search._Cells, "score")
    shape_for_non_embedding_params(n_params, gated_mlp=True, grouped_query=True)
    assert calls["n"] <= 400


@pytest.mark.parametrize(
    ("common", "budgets"),
    [
        ({}, [1e19, 2.5e21, 1e23, 7e23, 3e24, 1e26]),
        ({"constraints": {"max_params": 2e9}}, [1e20, 1e21, 3e22, 1e23, 7e23]),
        ({"constraints": {"max_tokens_per_param": 10}}, [1e19, 2.5e21, 1e23, 3e24, 1e26]),
    ],
)
def test_sweep_rows_equal_single_plans(common: dict[str, Any], budgets: list[float]) -> None:
    request = SweepRequest.model_validate({"budgets": [{"flops": c} for c in budgets], **common})
    rows = sweep(request, max_points=len(budgets)).rows
    bound_rows = 0
    for flops, row in zip(budgets, rows, strict=True):
        single = _plan({"budget": {"flops": flops}, **common})
        assert_same(row.model_dump(), single.model_dump())
        bound_rows += len(single.binding_constraints) > 1
    if common:
        assert bound_rows >= 2  # the cap binds on some rows


def _median_time(fn: Callable[[float], object], inputs: list[float]) -> float:
    return _median_times([fn], inputs)[0]


def _median_times(fns: list[Callable[[float], object]], inputs: list[float]) -> list[float]:
    """Medians of each function over ``inputs``, interleaved so load spikes hit all alike."""
    samples: list[list[float]] = [[] for _ in fns]
    for value in inputs:
        for fn, out in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn(value)
            out.append(time.perf_counter() - started)
    return [statistics.median(out) for out in samples]


def _spread(low: float, high: float, count: int) -> list[float]:
    return [10 ** (low + (high - low) * (i + 0.5) / count) for i in range(count)]


@pytest.mark.slow
def test_default_plan_is_near_the_bare_resolve_and_flat_in_budget() -> None:
    """Issue 13 goals: <= 1.5x the bare cvxpy re-solve and a 1e27 plan within 1.5x of a 1e21
    plan; guarded at 3x (before: 3.7x and 15-80x) so machine noise does not fail CI."""
    posy, _ = _law_and_budget(1e21)
    (t_n, t_d) = posy.terms
    n, d, c = cp.Variable(pos=True), cp.Variable(pos=True), cp.Parameter(pos=True)
    objective = posy.offset + t_n.coefficient * n**t_n.n_exponent
    problem = cp.Problem(
        cp.Minimize(objective + t_d.coefficient * d**t_d.d_exponent), [6.0 * n * d <= c]
    )

    def bare(flops: float) -> object:
        c.value = flops
        return problem.solve(gp=True, solver=cp.CLARABEL)

    def plan(flops: float) -> object:
        return _plan({"budget": {"flops": flops}})

    bare(1e21)
    plan(1e21)
    floor, planned = _median_times([bare, plan], _spread(18, 27, 60))
    assert planned <= 3.0 * floor
    at_21, at_27 = _median_times([plan, lambda flops: plan(flops * 1e6)], _spread(21, 21.01, 15))
    assert at_27 <= 3.0 * at_21


@pytest.mark.slow
def test_data_sources_cost_about_linearly() -> None:
    """k sources at most about k times one (before: 4 sources 7x, 16 sources 30x one)."""

    def plan(k: int) -> Callable[[float], object]:
        sources = [
            {"name": f"s{i}", "unique_tokens": 1e10 * (1 + i), "quality": 1.0 + 0.1 * i}
            for i in range(k)
        ]
        return lambda flops: _plan({"budget": {"flops": flops}, "data": {"sources": sources}})

    budgets = _spread(21, 23, 3)
    plan(1)(1e21)
    one = _median_time(plan(1), budgets)
    assert _median_time(plan(4), budgets) <= 2.0 * 4 * one


def test_repeated_sweep_rows_are_equal_but_separate() -> None:
    request = SweepRequest.model_validate({"budgets": [{"flops": 1e21}, {"flops": 1e22}] * 2})
    rows = sweep(request, max_points=4).rows
    assert rows[0].model_dump() == rows[2].model_dump()
    assert rows[1].model_dump() == rows[3].model_dump()
    assert rows[0] is not rows[2]
