"""Tao et al. (2024) vocabulary law beyond the golden vectors: properties and brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from laws_catalog import CATALOG, GLOSSARY
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw, advise, advise_for_tokens
from laws_catalog.vocabulary.tao2024 import (
    APPROACHES,
    LAW,
    WIDTH_BEYOND,
    WIDTH_MAP,
    training_flops,
    width_for_non_vocab_params,
)


def compute_optimal_flops(n_nv: float) -> float:
    return float(LAW.call("compute_optimal_flops", "isoflop", n_params_non_vocabulary=n_nv))


def compute_optimal_non_vocab_params(flops: float) -> float:
    return float(LAW.call("compute_optimal_non_vocab_params", "isoflop", flops=flops))


def tokens_per_character(vocab_size: float) -> float:
    return float(LAW.call("tokens_per_character", vocab_size=vocab_size))


def flops_minimising_vocab_size(n_nv: float) -> float:
    return float(LAW.call("flops_minimising_vocab_size", n_params_non_vocabulary=n_nv))


def _advise(
    n_nv: float, flops: float | None, d_model: float | None, approach: str
) -> VocabularyAdvice:
    return advise(LAW, n_nv, flops, d_model, approach)


def optimal_vocab_params(
    n_nv: float, flops: float | None = None, approach: str = "parametric"
) -> float:
    return _advise(n_nv, flops, None, approach).vocab_params


def optimal_vocab_size(
    n_nv: float,
    flops: float | None = None,
    d_model: float | None = None,
    approach: str = "parametric",
) -> float:
    return _advise(n_nv, flops, d_model, approach).vocab_size


def optimal_vocab_size_for_tokens(
    n_nv: float, n_tokens: float, approach: str = "parametric"
) -> float:
    return advise_for_tokens(LAW, n_nv, n_tokens, None, approach).vocab_size


PARAMETRIC = LAW.constant_set("parametric").values


def _unigram_loss(n_nv: float, vocab: float, d_model: float, flops: float) -> float:
    """L_u of Approach 3 along the IsoFLOP line, written out independently of the module."""
    p = PARAMETRIC
    n = n_nv / 1e6
    v_d = vocab * d_model / 1e6  # V d in millions of parameters
    tokens = (flops / 1e15) / (6 * (n + v_d))  # billions of tokens
    return (
        -p["E"]
        + p["A1"] / n ** p["alpha1"]
        + p["A2"] / v_d ** p["alpha2"]
        + p["B"] / tokens ** p["beta"]
    )


def test_registered_as_vocabulary_tao2024_with_three_approaches() -> None:
    assert CATALOG.ids("vocabulary") == ["tao2024"]
    assert LAW.default_constant_set == "parametric"
    unrounded = [c.name for c in LAW.constant_sets if not c.rounded]
    assert unrounded == ["parametric", "isoflop", "derivative"]
    assert set(APPROACHES) == set(unrounded)
    resolved = CATALOG.resolve("vocabulary", "tao2024@isoflop", VocabularyLaw)
    assert resolved.law is LAW


def test_width_map_steps() -> None:
    for upper, width in WIDTH_MAP:
        assert width_for_non_vocab_params(upper) == width
        assert width_for_non_vocab_params(upper * (1 + 1e-9)) != width
    assert width_for_non_vocab_params(2e12) == WIDTH_BEYOND


def test_tokens_per_character_falls_with_v_until_the_cap() -> None:
    grid = np.geomspace(1000, 200_000, 50)
    values = [tokens_per_character(float(v)) for v in grid]
    assert np.all(np.diff(values) < 0)
    assert tokens_per_character(300_000) == tokens_per_character(200_000)


def test_approach1_budget_and_allocation_are_inverse() -> None:
    for n_nv in (1e8, 7e9, 3e11):
        assert compute_optimal_non_vocab_params(compute_optimal_flops(n_nv)) == pytest.approx(n_nv)


@pytest.mark.parametrize("approach", APPROACHES)
def test_vocab_params_grow_with_the_model(approach: str) -> None:
    sizes = np.geomspace(3e7, 3e11, 30)
    params = [optimal_vocab_params(float(n), approach=approach) for n in sizes]
    assert np.all(np.diff(params) > 0)


@pytest.mark.parametrize("approach", APPROACHES)
def test_vocab_size_grows_with_the_model_at_fixed_width(approach: str) -> None:
    """V = N_v / d: at one width V grows with N_nv (the width map's steps can lower it)."""
    sizes = np.geomspace(3e7, 3e11, 30)
    vocab = [optimal_vocab_size(float(n), d_model=4096, approach=approach) for n in sizes]
    assert np.all(np.diff(vocab) > 0)


@pytest.mark.parametrize("n_nv", [3.3e7, 3.02e8, 7e9, 7e10])
def test_parametric_vocab_grows_with_the_budget_at_fixed_model(n_nv: float) -> None:
    budgets = compute_optimal_flops(n_nv) * np.geomspace(0.05, 50, 25)
    vocab = [optimal_vocab_size(n_nv, float(c)) for c in budgets]
    assert np.all(np.diff(vocab) > 0)


def test_derivative_approach_ignores_the_budget_and_the_tokens() -> None:
    base = optimal_vocab_size(7e9, approach="derivative")
    assert optimal_vocab_size(7e9, 1e25, approach="derivative") == base
    assert optimal_vocab_size_for_tokens(7e9, 1e13, approach="derivative") == base
    advice = advise(LAW, 7e9, 1e25, constant_set="derivative")
    assert any("compute-optimal data" in note for note in advice.notes)


@pytest.mark.parametrize(
    ("n_nv", "factor"), [(3.3e7, 1.0), (3.02e8, 0.2), (3.02e8, 6.0), (7e9, 1.0), (7e10, 3.0)]
)
def test_parametric_optimum_is_the_isoflop_minimum_of_the_loss(n_nv: float, factor: float) -> None:
    """Brute force: L_u on a fine V grid at the same budget is lowest next to the root."""
    d = width_for_non_vocab_params(n_nv)
    flops = factor * compute_optimal_flops(n_nv)
    root = optimal_vocab_size(n_nv, flops)
    grid = np.geomspace(root / 4, root * 4, 4001)
    losses = [_unigram_loss(n_nv, float(v), d, flops) for v in grid]
    best = grid[int(np.argmin(losses))]
    spacing = grid[1] / grid[0]
    assert best / root == pytest.approx(1.0, abs=spacing - 1)
    assert _unigram_loss(n_nv, root, d, flops) <= min(losses) + 1e-12


@pytest.mark.parametrize("approach", ["parametric", "isoflop"])
@pytest.mark.parametrize(("n_nv", "tokens_per_param"), [(3e8, 5.0), (3e8, 200.0), (7e9, 20.0)])
def test_fixed_tokens_answer_is_the_budget_answer_at_the_budget_it_costs(
    approach: str, n_nv: float, tokens_per_param: float
) -> None:
    """V(N, D) = V(N, C = 6 (N + V d) D): the two questions agree at that budget."""
    d = width_for_non_vocab_params(n_nv)
    tokens = tokens_per_param * n_nv
    vocab = optimal_vocab_size_for_tokens(n_nv, tokens, approach=approach)
    budget = training_flops(n_nv, vocab, d, tokens)
    assert optimal_vocab_size(n_nv, budget, approach=approach) == pytest.approx(vocab, rel=1e-9)


@pytest.mark.parametrize("approach", ["parametric", "isoflop"])
def test_fixed_tokens_vocab_grows_with_the_tokens(approach: str) -> None:
    tokens = np.geomspace(1e9, 1e13, 20)
    vocab = [optimal_vocab_size_for_tokens(1e9, float(t), approach=approach) for t in tokens]
    assert np.all(np.diff(vocab) > 0)


def test_advice_counts_parameters_data_and_flops_like_the_paper() -> None:
    for approach in APPROACHES:
        advice = advise(LAW, 7e9, 2e22, constant_set=approach)
        assert advice.vocab_params == pytest.approx(advice.vocab_size * advice.d_model)
        assert advice.flops == pytest.approx(
            6 * (advice.n_params_non_vocab + advice.vocab_params) * advice.n_tokens
        )
        assert advice.n_tokens == pytest.approx(
            advice.n_characters * tokens_per_character(advice.vocab_size)
        )
        assert set(advice.quantities()) <= set(GLOSSARY)
        assert set(LAW.validity) <= set(advice.quantities())


def test_default_budget_and_width_are_reported() -> None:
    advice = advise(LAW, 7e9)
    assert advice.flops == pytest.approx(compute_optimal_flops(7e9))
    assert advice.d_model == 4096
    assert any("width map" in note for note in advice.notes)
    assert any("compute-optimal" in note for note in advice.notes)
    given = advise(LAW, 7e9, 1e22, d_model=5000)
    assert not any("width map" in note for note in given.notes)


def test_a_wider_model_gets_fewer_vocabulary_entries_for_the_same_parameters() -> None:
    """Approach 1's N_v depends on the budget only, so V scales as 1/d."""
    narrow = optimal_vocab_size(7e9, 1e22, d_model=2048, approach="isoflop")
    wide = optimal_vocab_size(7e9, 1e22, d_model=8192, approach="isoflop")
    assert narrow / wide == pytest.approx(4.0)


def test_flops_minimum_is_the_minimum_of_the_compute() -> None:
    """Brute force over V of C = 6 (N + V d) H f(V) at H = 1."""
    for n_nv in (3.3e7, 6.31e8, 2.87e9):
        d = width_for_non_vocab_params(n_nv)
        root = flops_minimising_vocab_size(n_nv)
        grid = np.geomspace(root / 3, min(root * 3, 200_000), 3001)
        flops = [(n_nv + float(v) * d) * tokens_per_character(float(v)) for v in grid]
        best = grid[int(np.argmin(flops))]
        assert best / root == pytest.approx(1.0, abs=grid[1] / grid[0] - 1)
    assert flops_minimising_vocab_size(1e13) == 200_000


def test_bad_inputs_fail_clearly() -> None:
    with pytest.raises(KeyError, match="approach3"):
        optimal_vocab_size(7e9, approach="approach3")
    with pytest.raises(ValueError, match="n_params_non_vocab"):
        optimal_vocab_size(-1.0)
    with pytest.raises(ValueError, match="flops"):
        optimal_vocab_size(7e9, flops=math.inf)
    with pytest.raises(ValueError, match="n_tokens"):
        optimal_vocab_size_for_tokens(7e9, 0.0)


def test_counting_and_extrapolation_are_stated() -> None:
    assert "counted once" in LAW.traits.counting
    assert "6 (N_nv + V d) D" in LAW.traits.counting
    assert any("issue #2" in caveat for caveat in LAW.caveats)
    described = LAW.describe()
    assert described["auxiliary_constants"][0]["name"] == "tokenization"
    assert described["approaches"][0] == "parametric"


def test_auxiliary_constants_reach_every_approach_without_joining_its_set() -> None:
    """f(V) and the default budget are shared: every set's functions see them, no set shows
    them among its own constants (answers list a set's constants in their provenance)."""
    shared = {name for aux in LAW.auxiliary_constants for name in aux.values}
    assert shared == {"a", "b", "c", "vocab_cap", "budget_nnv_log_coef", "budget_nnv_exp"}
    for cset in LAW.constant_sets:
        assert not shared & set(cset.values)
        f = LAW.call("tokens_per_character", cset.name, vocab_size=32_000)
        assert f == tokens_per_character(32_000)
    isoflop = LAW.constant_set("isoflop").values
    budget = LAW.auxiliary_constants[1].values
    assert budget["budget_nnv_log_coef"] == isoflop["nnv_log_coef"]
    assert budget["budget_nnv_exp"] == isoflop["nnv_exp"]
