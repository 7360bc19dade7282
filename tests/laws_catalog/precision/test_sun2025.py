"""Sun et al. 2025 beyond the golden vectors: layouts, claims of section 4 and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize, minimize_scalar

from laws_catalog.precision.sun2025 import CHANNELWISE_LOG2_BLOCK
from laws_catalog.precision.sun2025 import LAW as SUN

LOG2_128 = 7.0
K = SUN.flops_per_bit_param_token

# Fig. 5 of v3: optimal layout for every width P = 1..16 (Sun et al. 2025 Eq. 19, integer search)
FIG5 = [
    (0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3),
    (4, 4), (5, 4), (5, 5), (6, 5), (6, 6), (7, 6), (7, 7), (8, 7),
]  # fmt: skip


@pytest.mark.parametrize(("bits", "layout"), list(enumerate(FIG5, start=1)))
def test_optimal_layout_for_every_width(bits: int, layout: tuple[int, int]) -> None:
    assert SUN.best_layout(bits) == layout


def test_joint_optimal_precision_within_4_to_8_bits_over_1e21_to_1e31_flops() -> None:
    """Section 4.4 claim (B = 128, k = 6/16): 4-8 bits for C in (1e21, 1e31), growing in C."""
    budgets = np.geomspace(1e21, 1e31, 41)
    bits = [SUN.optimal_bits_joint(float(c), LOG2_128) for c in budgets]
    assert all(4.0 <= b <= 8.0 for b in bits)
    assert all(np.diff(bits) > 0)
    assert SUN.optimal_bits_joint(1e19, LOG2_128) < 4.0 < 8.0 < SUN.optimal_bits_joint(1e33, 7.0)


def test_fixed_tokens_optimal_precision_within_4_to_8_bits_for_01_to_100t_tokens() -> None:
    """Fig. 14 claim: the data-optimal precision grows with D, 4-8 bits over 0.1T-100T."""
    bits = [SUN.optimal_bits_fixed_tokens(float(d), LOG2_128) for d in np.geomspace(1e11, 1e14, 13)]
    assert bits[0] == pytest.approx(4.268, abs=1e-3)
    assert all(4.0 <= b <= 8.0 for b in bits)
    assert all(np.diff(bits) > 0)


def _loss_optimal_layout(n: float, d: float, bits: float) -> float:
    """Loss with the continuous optimal layout (Eq. 20) at width ``bits``."""
    v = SUN.constant_set().values
    penalty = SUN.knowledge_intensity(n, d) * LOG2_128
    penalty /= SUN.gamma_rho() * bits ** (v["delta"] + v["nu"])
    return SUN.loss_unquantised(n, d) + penalty


@pytest.mark.parametrize("flops", [1e21, 1e24, 1e27])
def test_joint_closed_form_matches_direct_minimisation(flops: float) -> None:
    """Eq. 25 (with the lambda assignment the notes derive) equals a numerical arg-min over
    (N, P) along C = k P N D."""

    def objective(x: np.ndarray) -> float:
        n, bits = math.exp(x[0]), math.exp(x[1])
        return _loss_optimal_layout(n, flops / (K * bits * n), bits)

    start = [math.log(flops**0.5 / 10), math.log(6.0)]
    result = minimize(objective, start, method="Nelder-Mead",
                      options={"xatol": 1e-10, "fatol": 1e-15, "maxiter": 20000})  # fmt: skip
    assert math.exp(result.x[1]) == pytest.approx(SUN.optimal_bits_joint(flops, LOG2_128), rel=1e-4)


@pytest.mark.parametrize(("flops", "n"), [(1e24, 1e10), (1e22, 1e9), (1e20, 1e8)])
def test_fixed_params_closed_form_matches_direct_minimisation(flops: float, n: float) -> None:
    result = minimize_scalar(
        lambda bits: _loss_optimal_layout(n, flops / (K * bits * n), bits),
        bounds=(1.0, 40.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert result.x == pytest.approx(SUN.optimal_bits_fixed_params(flops, n, LOG2_128), rel=1e-5)


@pytest.mark.parametrize("d", [1e10, 1e12, 1e14])
def test_fixed_tokens_closed_form_minimises_loss_per_cost(d: float) -> None:
    """Eq. 22 comes from minimising loss at fixed D and C: N = C/(k P D), so P trades N."""
    flops = 1e23

    def loss(bits: float) -> float:
        return _loss_optimal_layout(flops / (K * bits * d), d, bits)

    result = minimize_scalar(loss, bounds=(1.0, 40.0), method="bounded", options={"xatol": 1e-10})
    assert result.x == pytest.approx(SUN.optimal_bits_fixed_tokens(d, LOG2_128), rel=1e-5)


@pytest.mark.parametrize(("e", "m", "log2_block"), [(4, 3, 7.0), (2, 1, 4.0), (1, 2, 5.0)])
def test_critical_data_size_is_where_more_tokens_stop_helping(
    e: int, m: int, log2_block: float
) -> None:
    """Eq. 21: dL/dD = 0 at D_crit; below it more data lowers the loss, above it raises it."""
    n = 1e9
    d_crit = SUN.critical_tokens(n, e, m, log2_block)
    loss = [SUN.loss(n, d_crit * f, e, m, log2_block) for f in (0.99, 1.0, 1.01)]
    assert loss[1] < loss[0]
    assert loss[1] < loss[2]


def test_channelwise_critical_sizes() -> None:
    """Sun et al. 2025 Eq. 21 with channel-wise scaling (log2 B = 13.1567, Sec. 3.6): D_crit(1B)
    = 938.6T / 14.8T / 0.21T."""
    got = [SUN.critical_tokens(1e9, e, m, CHANNELWISE_LOG2_BLOCK) / 1e12 for e, m in
           ((8, 7), (4, 3), (2, 1))]  # fmt: skip
    assert got == pytest.approx([938.6, 14.8, 0.21], rel=0.025)


sizes = st.floats(min_value=1e7, max_value=1e12)
tokens = st.floats(min_value=1e9, max_value=1e14)
exponents = st.integers(min_value=0, max_value=7)
mantissas = st.integers(min_value=0, max_value=7)


@settings(max_examples=60, deadline=None)
@given(n=sizes, d=tokens, e=exponents, m=mantissas)
def test_penalty_grows_with_tokens_and_block_and_falls_with_params_e_and_m(
    n: float, d: float, e: int, m: int
) -> None:
    """Property (vector 9): penalty up with D and B, down with N, E and M."""
    p = SUN.penalty(n, d, e, m, 5.0)
    assert SUN.penalty(n, d * 2, e, m, 5.0) > p
    assert SUN.penalty(n, d, e, m, 6.0) > p
    assert SUN.penalty(n * 2, d, e, m, 5.0) < p
    assert SUN.penalty(n, d, e + 1, m, 5.0) < p
    assert SUN.penalty(n, d, e, m + 1, 5.0) < p


@settings(max_examples=20, deadline=None)
@given(k=st.integers(min_value=0, max_value=10))
def test_an_exponent_bit_is_worth_more_than_a_mantissa_bit_when_balanced(k: int) -> None:
    """delta > nu: from a balanced layout (E = M = k) an exponent bit cuts the penalty more."""
    with_e = SUN.penalty(1e9, 1e11, k + 1, k, 7.0)
    with_m = SUN.penalty(1e9, 1e11, k, k + 1, 7.0)
    assert with_e < with_m


def test_per_element_scaling_has_no_penalty() -> None:
    """B = 1 (log2 B = 0): the law reduces to its Chinchilla part."""
    assert SUN.penalty(1e9, 1e12, 2, 1, 0.0) == 0.0
    assert SUN.loss(1e9, 1e12, 2, 1, 0.0) == SUN.loss_unquantised(1e9, 1e12)


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        SUN.penalty(0.0, 1e9, 4, 3, 5.0)
    with pytest.raises(ValueError, match=">= 0"):
        SUN.penalty(1e9, 1e9, -1, 3, 5.0)
    with pytest.raises(ValueError, match="sign bit"):
        SUN.best_layout(0)
