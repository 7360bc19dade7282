"""Data-constrained planning: the frontier optimiser against brute force and closed forms."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable, Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.optimize.data_mix
import planner.optimize.frontier
import planner.optimize.mixture
import planner.optimize.repetition
from laws_catalog.data import repetition_constants
from laws_catalog.data.muennighoff2023 import LAW
from laws_catalog.loss import posynomial
from laws_catalog.loss.muennighoff2023 import LAW as BASE
from planner.errors import InvalidRequest, PlanInfeasible
from planner.optimize.repetition import LIMIT_FOR_KEYWORD, minimise_loss_with_repetition

from .bruteforce import best_on_boundary

C = repetition_constants(LAW)
K = 6.0

# (FLOPs, unique tokens): from data never binding to hundreds of epochs
BUDGETS = [
    (1e19, 1e12),
    (1e19, 1e8),
    (1e20, 1e8),
    (1e21, 1.5e9),
    (1e22, 2e9),
    (6 * 8.67e9 * 178e9, 25e9),
    (1e23, 5e10),
    (5.76e23, 1e12),
    (1e24, 1e11),
    (1e26, 3e12),
]

LIMIT_CASES: dict[str, dict[str, float]] = {
    "budget only": {},
    "max params binds": {"max_params": 2e9},
    "min params binds": {"min_params": 2e10},
    "max tokens binds": {"max_tokens": 6e10},
    "min tokens binds": {"min_tokens": 6e11},
    "ratio cap binds": {"max_tokens_per_param": 8.0},
    "ratio floor binds": {"min_tokens_per_param": 400.0},
    "budget not spent": {"max_params": 1e9, "max_tokens": 5e10},
}


def _law_values(unique: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda n, d: np.asarray(C.loss(n, d, unique))


def _grid_2d(
    values: Callable[[np.ndarray, np.ndarray], np.ndarray],
    limits: Mapping[str, float],
    points: int = 401,
    zooms: int = 4,
) -> float:
    """Dense grid over the whole (ln N, ln D) box (no assumption that the optimum is on the
    boundary), masked by the limits, then zoomed around the best feasible point."""
    budget = limits["c_max"] / K
    x_lo, x_hi = math.log(1e4), math.log(budget / 1e4)
    y_lo, y_hi = x_lo, x_hi
    best = math.inf
    for _ in range(zooms):
        x, y = np.meshgrid(np.linspace(x_lo, x_hi, points), np.linspace(y_lo, y_hi, points))
        n, d = np.exp(x), np.exp(y)
        ok = K * n * d <= limits["c_max"] * (1 + 1e-13)
        ok &= (n >= limits.get("n_min", 0)) & (n <= limits.get("n_max", np.inf))
        ok &= (d >= limits.get("d_min", 0)) & (d <= limits.get("d_max", np.inf))
        ok &= (d / n >= limits.get("r_min", 0)) & (d / n <= limits.get("r_max", np.inf))
        v = np.where(ok, values(n, d), np.inf)
        i = np.unravel_index(int(np.argmin(v)), v.shape)
        best = min(best, float(v[i]))
        dx, dy = (x_hi - x_lo) / (points - 1), (y_hi - y_lo) / (points - 1)
        x_lo, x_hi = x[i] - 3 * dx, x[i] + 3 * dx
        y_lo, y_hi = y[i] - 3 * dy, y[i] + 3 * dy
    return best


def _raw(flops: float, keywords: Mapping[str, float]) -> dict[str, float]:
    return {"c_max": flops} | {LIMIT_FOR_KEYWORD[k]: v for k, v in keywords.items()}


@pytest.mark.parametrize(("flops", "unique"), BUDGETS)
def test_matches_dense_2d_grid(flops: float, unique: float) -> None:
    """Brief requirement: relative loss gap to a brute-force (N, D) grid under 1e-6, for a
    spread of budgets and unique-data sizes (1 to 300+ epochs); never worse than the grid."""
    plan = minimise_loss_with_repetition(flops, unique, marginals=False)
    grid = _grid_2d(_law_values(unique), {"c_max": flops})
    assert abs(plan.loss - grid) / grid < 1e-6
    assert plan.loss <= grid * (1 + 1e-12)
    assert plan.flops == pytest.approx(flops, rel=1e-12)


def test_spread_covers_dozens_and_hundreds_of_epochs() -> None:
    epochs = [minimise_loss_with_repetition(f, u, marginals=False).epochs for f, u in BUDGETS]
    assert max(epochs) > 300
    assert sum(e > 24 for e in epochs) >= 3
    assert min(epochs) < 1  # data not binding at all


@pytest.mark.parametrize("case", sorted(LIMIT_CASES))
@pytest.mark.parametrize(("flops", "unique"), [(1e21, 1.5e9), (1e22, 2.5e10), (3e22, 4e9)])
def test_limits_match_boundary_brute_force(flops: float, unique: float, case: str) -> None:
    """With limits, against the solver-free boundary sampler of tests/planner/bruteforce.py
    and the 2-D grid; the binding limits are the ones the point sits on."""
    keywords = LIMIT_CASES[case]
    try:
        plan = minimise_loss_with_repetition(flops, unique, marginals=False, **keywords)
    except PlanInfeasible:
        pytest.skip("limits conflict with this budget")
    raw = _raw(flops, keywords)
    sampled, _, _ = best_on_boundary(_law_values(unique), raw, K)
    assert abs(plan.loss - sampled) / sampled < 1e-6
    assert plan.loss <= sampled * (1 + 1e-12)
    assert abs(plan.loss - _grid_2d(_law_values(unique), raw)) < 1e-6 * plan.loss
    n, d = plan.params, plan.tokens
    on = {
        "flops": K * n * d / flops,
        "max_params": n / keywords.get("max_params", math.inf),
        "min_params": keywords.get("min_params", 0) / n,
        "max_tokens": d / keywords.get("max_tokens", math.inf),
        "min_tokens": keywords.get("min_tokens", 0) / d,
        "max_tokens_per_param": d / n / keywords.get("max_tokens_per_param", math.inf),
        "min_tokens_per_param": keywords.get("min_tokens_per_param", 0) * n / d,
    }
    assert all(ratio <= 1 + 1e-9 for ratio in on.values()), on
    assert set(plan.binding) == {name for name, ratio in on.items() if ratio > 1 - 1e-9}


@pytest.mark.parametrize("flops", np.geomspace(1e18, 1e27, 10))
def test_unlimited_unique_data_gives_the_single_epoch_compute_optimum(flops: float) -> None:
    """Brief requirement: U = inf plans exactly the closed form of _posynomial.py."""
    plan = minimise_loss_with_repetition(float(flops), math.inf, marginals=False)
    n, d = posynomial(BASE, "c4_tied").compute_optimal(float(flops), K)
    assert plan.params == pytest.approx(n, rel=1e-10)
    assert plan.tokens == pytest.approx(d, rel=1e-10)
    assert plan.epochs == 0.0
    assert plan.binding == ("flops",)


def test_abundant_unique_data_also_gives_the_single_epoch_optimum() -> None:
    """When the single-epoch optimum needs fewer tokens than exist, the data limit is moot."""
    n, d = posynomial(BASE, "c4_tied").compute_optimal(1e21, K)
    plan = minimise_loss_with_repetition(1e21, 2 * d, marginals=False)
    assert plan.params == pytest.approx(n, rel=1e-10)
    assert plan.epochs == pytest.approx(0.5, rel=1e-10)


@settings(max_examples=80, deadline=None)
@given(
    log_n=st.floats(6.5, 12.0),
    log_u=st.floats(7.0, 13.0),
    log_d=st.floats(6.0, 15.0),
    growth=st.floats(1e-9, 3.0),
)
def test_loss_never_rises_as_tokens_grow(
    log_n: float, log_u: float, log_d: float, growth: float
) -> None:
    """Brief property: at fixed N and U, more training tokens never raise the predicted loss
    (the law plateaus; it cannot model overfitting)."""
    n, u, d = 10.0**log_n, 10.0**log_u, 10.0**log_d
    assert C.loss(n, d * (1 + growth), u) <= C.loss(n, d, u)


def test_marginal_values_are_real_resolves() -> None:
    flops, unique = 1e22, 25e9
    plan = minimise_loss_with_repetition(flops, unique)
    marg = plan.marginals
    assert marg is not None
    assert marg.one_more_epoch is not None
    epoch = marg.one_more_epoch
    assert epoch.extra_flops == pytest.approx(K * plan.params * unique, rel=1e-12)
    assert epoch.delta_loss == pytest.approx(
        float(C.loss(plan.params, plan.tokens + unique, unique)) - plan.loss, rel=1e-12
    )
    # re-planning with those FLOPs can only do better than spending them on one more epoch
    assert epoch.delta_loss_replanned <= epoch.delta_loss < 0
    more_data = minimise_loss_with_repetition(flops, 1.1 * unique, marginals=False)
    assert marg.unique_tokens_plus_10pct == pytest.approx(more_data.loss - plan.loss, rel=1e-9)
    assert marg.unique_tokens_plus_10pct is not None
    assert marg.unique_tokens_plus_10pct < 0
    more_flops = minimise_loss_with_repetition(1.1 * flops, unique, marginals=False)
    assert marg.flops_plus_10pct == pytest.approx(more_flops.loss - plan.loss, rel=1e-9)


def test_no_data_marginals_without_a_data_limit() -> None:
    marg = minimise_loss_with_repetition(1e22, math.inf).marginals
    assert marg is not None
    assert marg.one_more_epoch is None
    assert marg.unique_tokens_plus_10pct is None
    assert marg.flops_plus_10pct < 0


def test_data_constrained_optimum_takes_fewer_params_and_more_epochs_than_chinchilla() -> None:
    """Sec. 5: with scarce data the frontier moves compute into epochs before parameters."""
    flops = 6 * 8.67e9 * 178e9
    scarce = minimise_loss_with_repetition(flops, 25e9, marginals=False)
    free = minimise_loss_with_repetition(flops, math.inf, marginals=False)
    assert scarce.params < free.params
    assert scarce.tokens > free.tokens


def test_conflicting_limits_are_named() -> None:
    with pytest.raises(PlanInfeasible) as info:
        minimise_loss_with_repetition(1e20, 1e9, min_params=1e10, min_tokens=1e10)
    assert set(info.value.conflicting) == {"c_max", "n_min", "d_min"}


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((0.0, 1e9), {}), ((1e20, -1.0), {}), ((math.inf, 1e9), {}), ((1e20, 1e9), {"max_params": 0})],
)
def test_bad_inputs_are_invalid_requests(
    args: tuple[float, float], kwargs: dict[str, float]
) -> None:
    with pytest.raises(InvalidRequest):
        minimise_loss_with_repetition(*args, **kwargs)


def test_rounded_eq17_set_can_be_planned_with() -> None:
    plan = minimise_loss_with_repetition(1e22, 25e9, law="muennighoff2023@eq17", marginals=False)
    assert plan.law == "data/muennighoff2023@eq17"
    eq17 = repetition_constants(LAW, "eq17")
    grid = _grid_2d(lambda n, d: np.asarray(eq17.loss(n, d, 25e9)), {"c_max": 1e22})
    assert abs(plan.loss - grid) / grid < 1e-6


@pytest.mark.parametrize(
    "module",
    [
        planner.optimize.repetition,
        planner.optimize.data_mix,
        planner.optimize.mixture,
        planner.optimize.frontier,
    ],
)
def test_planner_module_examples_run(module: object) -> None:
    """pytest collects doctests only under laws_catalog/, so run these modules' examples."""
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.failed == 0
