"""Kumar et al. 2024 beyond the golden vectors: Finding 3 and the PTQ properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from laws_catalog.precision._law import TrainingParts
from laws_catalog.precision.kumar2024 import LAW as KUMAR

K = KUMAR.traits.flops_per_bit_param_token
assert K is not None
HIGH: TrainingParts = (None, None, None)


def _bits(parts: TrainingParts) -> dict[str, float | None]:
    return dict(zip(("bits_w", "bits_a", "bits_kv"), parts, strict=True))


def effective_fraction(parts: TrainingParts) -> float:
    return float(KUMAR.call("effective_fraction", **_bits(parts)))


def loss_without_ptq(
    n: float, d: float, parts: TrainingParts, constant_set: str | None = None
) -> float:
    return float(
        KUMAR.call("loss_without_ptq", constant_set, n_params=n, n_tokens=d, **_bits(parts))
    )


def training_penalty(n: float, parts: TrainingParts) -> float:
    return float(KUMAR.call("training_penalty", n_params=n, **_bits(parts)))


def ptq_degradation(
    n: float,
    d: float,
    post_bits: float,
    parts: TrainingParts = HIGH,
    constant_set: str | None = None,
    robustification: dict[str, float] | None = None,
) -> float:
    value = KUMAR.call(
        "ptq_degradation",
        constant_set,
        n_params=n,
        n_tokens=d,
        post_bits=post_bits,
        robustification=robustification,
        **_bits(parts),
    )
    return float(value)


def optimal_bits_joint(constant_set: str | None = None) -> float:
    return float(KUMAR.call("optimal_bits_joint", constant_set))


def optimal_bits_fixed_params(flops: float, n: float) -> float:
    return float(KUMAR.call("optimal_bits_fixed_params", flops=flops, n_params=n))


def _joint_numeric(flops: float, constant_set: str | None = None) -> float:
    """Arg-min over (N, P) of L(N, C/(k N P), P) with all three parts at P."""

    def objective(x: np.ndarray) -> float:
        n, bits = math.exp(x[0]), x[1]
        try:
            return loss_without_ptq(n, flops / (K * n * bits), (bits, bits, bits), constant_set)
        except ValueError:  # below the bits where the factors vanish
            return math.inf

    start = [math.log(flops**0.5 / 5), 8.0]
    result = minimize(objective, start, method="Nelder-Mead",
                      options={"xatol": 1e-9, "fatol": 1e-14, "maxiter": 20000})  # fmt: skip
    return float(result.x[1])


@pytest.mark.parametrize("flops", [1e19, 1e22, 1e25])
def test_joint_optimal_precision_is_independent_of_compute(flops: float) -> None:
    """Finding 3: with N, D, P optimised jointly the best P does not move with C (vector 10)."""
    assert _joint_numeric(flops) == pytest.approx(optimal_bits_joint(), rel=1e-4)


def test_joint_optimal_precision_is_7_to_8_bits_only_with_the_offsets() -> None:
    """Paper: 'around 7-8 bits'. The App. K offsets reproduce it; the main-text form does not."""
    assert 7.0 <= optimal_bits_joint() <= 8.0
    assert optimal_bits_joint("main_text_form") < 4.0


def test_fixed_size_optimal_precision_grows_like_log_compute() -> None:
    """App. E.2.2: for fixed N, P*(C) increases in C, roughly linearly in log C (vector 14)."""
    n = 1e9
    budgets = np.geomspace(1e20, 1e26, 7)
    bits = np.array([optimal_bits_fixed_params(float(c), n) for c in budgets])
    steps = np.diff(bits)
    assert np.all(steps > 0)
    assert steps.max() < 2.5 * steps.min()  # near-constant increments per decade: ~ log C


def test_fixed_size_optimum_is_a_minimum() -> None:
    n, flops = 1e9, 1e23
    best = optimal_bits_fixed_params(flops, n)

    def loss(bits: float) -> float:
        return loss_without_ptq(n, flops / (K * n * bits), (bits, bits, bits))

    assert loss(best) < loss(best - 0.05)
    assert loss(best) < loss(best + 0.05)


def test_low_precision_factors_vanish_where_runs_diverged() -> None:
    """App. L: P_a <= 3 or P_kv <= 3 runs diverged; with the offsets their factor is <= 0."""
    with pytest.raises(ValueError, match="no effective parameters"):
        effective_fraction((None, 3, None))
    assert 0 < effective_fraction((3, None, None)) < 1  # P_w = 3 was well behaved


def test_high_precision_is_the_unquantised_baseline() -> None:
    assert effective_fraction((None, None, None)) == 1.0
    assert training_penalty(1e8, (None, None, None)) == 0.0


sizes = st.floats(min_value=1e7, max_value=1e11)
tokens = st.floats(min_value=1e9, max_value=1e14)
bit_widths = st.integers(min_value=2, max_value=12)


@settings(max_examples=60, deadline=None)
@given(n=sizes, d=tokens, bits=bit_widths)
def test_ptq_degradation_grows_with_data_shrinks_with_size_and_grows_as_bits_fall(
    n: float, d: float, bits: int
) -> None:
    """Finding 1 (vector 14): delta_PTQ up with D, down with N, up as P_post falls."""
    base = ptq_degradation(n, d, bits)
    assert ptq_degradation(n, d * 2, bits) > base
    assert ptq_degradation(n * 2, d, bits) < base
    assert ptq_degradation(n, d, bits - 1) > base


@settings(max_examples=40, deadline=None)
@given(n=sizes, bits=st.integers(min_value=4, max_value=12))
def test_training_penalty_shrinks_with_bits(n: float, bits: int) -> None:
    parts = (float(bits), float(bits), float(bits))
    wider = (bits + 1.0, bits + 1.0, bits + 1.0)
    assert training_penalty(n, wider) < training_penalty(n, parts)


def test_models_trained_in_lower_precision_degrade_less_under_ptq() -> None:
    """Section 5 with the paper's illustrative C_w = 1 (Eq. 10): robustification beats the
    smaller N_eff, so weights trained at 6 bits lose less when served at 4 than at 12."""
    n, d, robust = 1e8, 2e10, {"w": 1.0}
    low = ptq_degradation(n, d, 4, (6, None, None), robustification=robust)
    high = ptq_degradation(n, d, 4, (12, None, None), robustification=robust)
    assert low < high


def test_eq9_without_constants_is_an_upper_bound_and_zero_without_a_gap() -> None:
    n, d, parts = 1e8, 2e10, (8.0, 8.0, 8.0)
    bound = ptq_degradation(n, d, 4, parts)
    exact = ptq_degradation(n, d, 4, parts, robustification={"w": 0.5, "a": 2, "kv": 1})
    assert 0 < exact < bound
    assert ptq_degradation(n, d, 8, parts) == 0.0  # trained at the serving precision


@pytest.mark.parametrize("post_bits", [3, 4, 5])
def test_critical_data_for_ptq_is_where_more_pretraining_starts_to_hurt(post_bits: int) -> None:
    """Eq. 13: below D_crit more tokens lower the post-PTQ loss, above it they raise it."""
    n = 3e7
    d_crit = KUMAR.call("critical_tokens_ptq", n_params=n, post_bits=post_bits)
    loss = [KUMAR.call("loss", n_params=n, n_tokens=d_crit * f, post_bits=post_bits)
            for f in (0.99, 1.0, 1.01)]  # fmt: skip
    assert loss[1] < loss[0]
    assert loss[1] < loss[2]


def test_ptq_bias_set_scales_the_degradation_by_e_to_the_b() -> None:
    plain = ptq_degradation(3e7, 26e9, 4)
    biased = ptq_degradation(3e7, 26e9, 4, constant_set="table2_ptq_bias")
    assert biased / plain == pytest.approx(math.exp(1.1277), rel=1e-12)
