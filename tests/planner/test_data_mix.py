"""Several data sources under one budget: exact water-filling and brute force."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from laws_catalog.data import repetition_constants
from laws_catalog.data.muennighoff2023 import LAW
from laws_catalog.data.multisource import CAVEATS, DataSource, mixture_effective_tokens
from planner.errors import InvalidRequest
from planner.optimize.data_mix import TokenSplit, optimise_data_mix
from planner.optimize.repetition import minimise_loss_with_repetition

C = repetition_constants(LAW)
K = 6.0

TWO_SOURCE_CASES = {
    "web and better code": (1e21, [DataSource("web", 10e9), DataSource("code", 2e9, 1.5)]),
    "scarce books, unlimited web": (
        1e22,
        [DataSource("books", 5e9, 2.0), DataSource("web", math.inf, 0.8)],
    ),
    "equal quality, data not binding": (
        1e20,
        [DataSource("a", 50e9), DataSource("b", 30e9)],
    ),
    "own decay constants": (
        3e21,
        [DataSource("web", 4e9, 1.0, 30.0), DataSource("math", 1e9, 2.5, 4.0)],
    ),
}


def _loss(n: np.ndarray, tokens: Sequence[np.ndarray], sources: Sequence[DataSource]) -> np.ndarray:
    pool = sum(s.quality * s.unique_tokens for s in sources)
    d_eff = np.asarray(mixture_effective_tokens(list(tokens), sources, C))
    return np.asarray(C.loss_from_effective(C.effective_params(pool, n), d_eff))


def _brute_force_two(flops: float, sources: Sequence[DataSource]) -> float:
    """Grid over ln N on the budget line x share of the first source, zoomed three times."""
    x_lo, x_hi = math.log(1e6), math.log(flops / K / 1e6)
    s_lo, s_hi = 0.0, 1.0
    best = math.inf
    for _ in range(4):
        x, s = np.meshgrid(np.linspace(x_lo, x_hi, 1201), np.linspace(s_lo, s_hi, 1201))
        n = np.exp(x)
        d = flops / K / n
        v = _loss(n, [s * d, (1 - s) * d], sources)
        i = np.unravel_index(int(np.argmin(v)), v.shape)
        best = min(best, float(v[i]))
        dx, ds = (x_hi - x_lo) / 1200, (s_hi - s_lo) / 1200
        x_lo, x_hi = x[i] - 3 * dx, x[i] + 3 * dx
        s_lo, s_hi = max(0.0, s[i] - 3 * ds), min(1.0, s[i] + 3 * ds)
    return best


@pytest.mark.parametrize("case", sorted(TWO_SOURCE_CASES))
def test_two_sources_match_brute_force(case: str) -> None:
    """Brief requirement: the data-mix optimum agrees with brute force (1e-6 relative loss)."""
    flops, sources = TWO_SOURCE_CASES[case]
    plan = optimise_data_mix(flops, sources)
    grid = _brute_force_two(flops, sources)
    assert abs(plan.loss - grid) / grid < 1e-6
    assert plan.loss <= grid * (1 + 1e-12)
    assert sum(s.tokens for s in plan.sources) == pytest.approx(plan.tokens, rel=1e-12)
    assert sum(s.share for s in plan.sources) == pytest.approx(1.0, rel=1e-12)
    assert plan.flops == pytest.approx(flops, rel=1e-12)
    assert plan.caveats == CAVEATS


def test_three_sources_match_brute_force() -> None:
    flops = 3e21
    sources = [
        DataSource("web", 20e9),
        DataSource("code", 3e9, 1.3, 10.0),
        DataSource("math", 1e9, 2.0, 5.0),
    ]
    plan = optimise_data_mix(flops, sources)
    # grid: ln N around the plan's N (the split is exact for each total, checked separately),
    # times shares of the three sources on the simplex
    best = math.inf
    x_lo, x_hi = math.log(plan.params) - 1.0, math.log(plan.params) + 1.0
    centre = np.array([s.share for s in plan.sources])
    width = 0.5
    for _ in range(4):
        x = np.linspace(x_lo, x_hi, 81)[:, None, None]
        s1 = np.linspace(max(0, centre[0] - width), min(1, centre[0] + width), 81)[None, :, None]
        s2 = np.linspace(max(0, centre[1] - width), min(1, centre[1] + width), 81)[None, None, :]
        n = np.exp(x)
        d = flops / K / n
        s3 = 1 - s1 - s2
        v = np.where(s3 >= 0, _loss(n, [s1 * d, s2 * d, np.maximum(s3, 0) * d], sources), np.inf)
        i = np.unravel_index(int(np.argmin(v)), v.shape)
        best = min(best, float(v[i]))
        step_x = (x_hi - x_lo) / 80
        x_lo, x_hi = float(x[i[0], 0, 0]) - 3 * step_x, float(x[i[0], 0, 0]) + 3 * step_x
        centre = np.array([s1[0, i[1], 0], s2[0, 0, i[2]]])
        width = 3 * 2 * width / 80
    assert abs(plan.loss - best) / best < 1e-6
    assert plan.loss <= best * (1 + 1e-12)


@pytest.mark.parametrize("case", sorted(TWO_SOURCE_CASES))
def test_split_is_the_exact_maximum_of_effective_data(case: str) -> None:
    """Water-filling against a 200,001-point grid of splits for several totals."""
    _, sources = TWO_SOURCE_CASES[case]
    split = TokenSplit(sources, C)
    for total in (1e9, 6e9, 4e10, 3e11, 2e12):
        tokens, lam = split.split(total)
        assert tokens.sum() == pytest.approx(total, rel=1e-12)
        ours = float(mixture_effective_tokens(list(tokens), sources, C))
        share = np.linspace(0.0, 1.0, 200_001)
        grid = np.asarray(
            mixture_effective_tokens([share * total, (1 - share) * total], sources, C)
        )
        assert ours >= grid.max() * (1 - 1e-12)
        assert ours == pytest.approx(grid.max(), rel=1e-8)
        # envelope theorem: the marginal value of a token is lambda
        h = total * 1e-6
        up = float(split.effective(np.array([total + h]))[0][0])
        down = float(split.effective(np.array([total - h]))[0][0])
        rounding = 1e-15 * up / h  # cancellation when lambda is tiny (many repetitions)
        assert (up - down) / (2 * h) == pytest.approx(lam, rel=1e-5, abs=rounding)


def test_one_source_is_the_repetition_plan() -> None:
    mix = optimise_data_mix(1e21, [DataSource("c4", 10e9)])
    single = minimise_loss_with_repetition(1e21, 10e9, marginals=False)
    assert mix.params == pytest.approx(single.params, rel=1e-12)
    assert mix.tokens == pytest.approx(single.tokens, rel=1e-12)
    assert mix.loss == pytest.approx(single.loss, rel=1e-14)


def test_equal_quality_sources_act_as_one_pool() -> None:
    """Same quality and decay: the best split gives every source the same epochs, and the
    plan is that of one source with the summed unique tokens."""
    parts = [DataSource("a", 1e9), DataSource("b", 3e9), DataSource("c", 6e9)]
    mix = optimise_data_mix(3e21, parts, max_params=4e9)
    single = minimise_loss_with_repetition(3e21, 10e9, max_params=4e9, marginals=False)
    assert mix.loss == pytest.approx(single.loss, rel=1e-12)
    epochs = [s.epochs for s in mix.sources]
    assert epochs == pytest.approx([epochs[0]] * 3, rel=1e-12)
    assert mix.binding == single.binding


def test_scarce_better_source_is_repeated_until_its_value_meets_the_plentiful_one() -> None:
    """Water level: books (q = 2) are repeated until 2 exp(-R/R_D*) falls to 0.8, i.e.
    R = R_D* ln 2.5 repetitions; the rest comes from fresh web text. (At 1e22 FLOPs the plan
    stops short of that level and uses no web at all: with unlimited web in the pool, extra
    parameters are not discounted, so a larger model on repeated books wins.)"""
    sources = TWO_SOURCE_CASES["scarce books, unlimited web"][1]
    small = optimise_data_mix(1e22, sources)
    assert small.token_value > 0.8
    assert small.sources[1].tokens == 0.0
    plan = optimise_data_mix(1e23, sources)
    books, web = plan.sources
    assert plan.token_value == pytest.approx(0.8, rel=1e-12)
    assert books.epochs == pytest.approx(1 + C.rd_star * math.log(2.5), rel=1e-12)
    assert web.tokens > 0
    assert web.epochs == 0.0  # unlimited source: never repeated


def test_bad_sources_are_invalid_requests() -> None:
    with pytest.raises(InvalidRequest):
        optimise_data_mix(1e21, [])
    with pytest.raises(InvalidRequest):
        optimise_data_mix(1e21, [DataSource("a", 1e9), DataSource("a", 2e9)])
    with pytest.raises(InvalidRequest):
        optimise_data_mix(-1.0, [DataSource("a", 1e9)])
