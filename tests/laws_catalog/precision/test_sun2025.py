"""Sun et al. 2025 beyond the golden vectors: layouts, claims of section 4 and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize, minimize_scalar

from laws_catalog.precision import FloatLayout
from laws_catalog.precision.sun2025 import CHANNELWISE_LOG2_BLOCK
from laws_catalog.precision.sun2025 import LAW as SUN

LOG2_128 = 7.0
K = SUN.traits.flops_per_bit_param_token
assert K is not None


def _float(name: str, **quantities: float) -> float:
    value = SUN.call(name, **quantities)
    assert isinstance(value, float)
    return value


def penalty(n: float, d: float, e: float, m: float, log2_block: float) -> float:
    args = {"exponent_bits": e, "mantissa_bits": m, "log2_block": log2_block}
    return _float("penalty", n_params=n, n_tokens=d, **args)


def loss(n: float, d: float, e: float, m: float, log2_block: float) -> float:
    args = {"exponent_bits": e, "mantissa_bits": m, "log2_block": log2_block}
    return _float("loss", n_params=n, n_tokens=d, **args)


def loss_unquantised(n: float, d: float) -> float:
    return _float("loss_unquantised", n_params=n, n_tokens=d)


def critical_tokens(n: float, e: float, m: float, log2_block: float) -> float:
    args = {"exponent_bits": e, "mantissa_bits": m, "log2_block": log2_block}
    return _float("critical_tokens", n_params=n, **args)


def best_layout(bits: int) -> FloatLayout:
    layout = SUN.call("best_layout", total_bits=bits)
    assert isinstance(layout, FloatLayout)
    return layout


# Fig. 5 of v3: optimal layout for every width P = 1..16 (Sun et al. 2025 Eq. 19, integer search)
FIG5 = [
    (0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3),
    (4, 4), (5, 4), (5, 5), (6, 5), (6, 6), (7, 6), (7, 7), (8, 7),
]  # fmt: skip


@pytest.mark.parametrize(("bits", "layout"), list(enumerate(FIG5, start=1)))
def test_optimal_layout_for_every_width(bits: int, layout: tuple[int, int]) -> None:
    assert best_layout(bits) == FloatLayout(*layout)


def test_joint_optimal_precision_within_4_to_8_bits_over_1e21_to_1e31_flops() -> None:
    """Section 4.4 claim (B = 128, k = 6/16): 4-8 bits for C in (1e21, 1e31), growing in C."""
    budgets = np.geomspace(1e21, 1e31, 41)
    bits = [_float("optimal_bits_joint", flops=float(c), log2_block=LOG2_128) for c in budgets]
    assert all(4.0 <= b <= 8.0 for b in bits)
    assert all(np.diff(bits) > 0)
    assert (
        _float("optimal_bits_joint", flops=1e19, log2_block=LOG2_128)
        < 4.0
        < 8.0
        < _float("optimal_bits_joint", flops=1e33, log2_block=7.0)
    )


def test_fixed_tokens_optimal_precision_within_4_to_8_bits_for_01_to_100t_tokens() -> None:
    """Fig. 14 claim: the data-optimal precision grows with D, 4-8 bits over 0.1T-100T."""
    bits = [
        _float("optimal_bits_fixed_tokens", n_tokens=float(d), log2_block=LOG2_128)
        for d in np.geomspace(1e11, 1e14, 13)
    ]
    assert bits[0] == pytest.approx(4.268, abs=1e-3)
    assert all(4.0 <= b <= 8.0 for b in bits)
    assert all(np.diff(bits) > 0)


def _loss_optimal_layout(n: float, d: float, bits: float) -> float:
    """Loss with the continuous optimal layout (Eq. 20) at width ``bits``."""
    v = SUN.constant_set().values
    penalty = _float("knowledge_intensity", n_params=n, n_tokens=d) * LOG2_128
    penalty /= _float("gamma_rho") * bits ** (v["delta"] + v["nu"])
    return loss_unquantised(n, d) + penalty


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
    assert math.exp(result.x[1]) == pytest.approx(
        _float("optimal_bits_joint", flops=flops, log2_block=LOG2_128), rel=1e-4
    )


@pytest.mark.parametrize(("flops", "n"), [(1e24, 1e10), (1e22, 1e9), (1e20, 1e8)])
def test_fixed_params_closed_form_matches_direct_minimisation(flops: float, n: float) -> None:
    result = minimize_scalar(
        lambda bits: _loss_optimal_layout(n, flops / (K * bits * n), bits),
        bounds=(1.0, 40.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert result.x == pytest.approx(
        _float("optimal_bits_fixed_params", flops=flops, n_params=n, log2_block=LOG2_128), rel=1e-5
    )


@pytest.mark.parametrize("d", [1e10, 1e12, 1e14])
def test_fixed_tokens_closed_form_minimises_loss_per_cost(d: float) -> None:
    """Eq. 22 comes from minimising loss at fixed D and C: N = C/(k P D), so P trades N."""
    flops = 1e23

    def loss(bits: float) -> float:
        return _loss_optimal_layout(flops / (K * bits * d), d, bits)

    result = minimize_scalar(loss, bounds=(1.0, 40.0), method="bounded", options={"xatol": 1e-10})
    assert result.x == pytest.approx(
        _float("optimal_bits_fixed_tokens", n_tokens=d, log2_block=LOG2_128), rel=1e-5
    )


@pytest.mark.parametrize(("e", "m", "log2_block"), [(4, 3, 7.0), (2, 1, 4.0), (1, 2, 5.0)])
def test_critical_data_size_is_where_more_tokens_stop_helping(
    e: int, m: int, log2_block: float
) -> None:
    """Eq. 21: dL/dD = 0 at D_crit; below it more data lowers the loss, above it raises it."""
    n = 1e9
    d_crit = critical_tokens(n, e, m, log2_block)
    losses = [loss(n, d_crit * f, e, m, log2_block) for f in (0.99, 1.0, 1.01)]
    assert losses[1] < losses[0]
    assert losses[1] < losses[2]


def test_channelwise_critical_sizes() -> None:
    """Sun et al. 2025 Eq. 21 with channel-wise scaling (log2 B = 13.1567, Sec. 3.6): D_crit(1B)
    = 938.6T / 14.8T / 0.21T."""
    got = [critical_tokens(1e9, e, m, CHANNELWISE_LOG2_BLOCK) / 1e12 for e, m in
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
    p = penalty(n, d, e, m, 5.0)
    assert penalty(n, d * 2, e, m, 5.0) > p
    assert penalty(n, d, e, m, 6.0) > p
    assert penalty(n * 2, d, e, m, 5.0) < p
    assert penalty(n, d, e + 1, m, 5.0) < p
    assert penalty(n, d, e, m + 1, 5.0) < p


@settings(max_examples=20, deadline=None)
@given(k=st.integers(min_value=0, max_value=10))
def test_an_exponent_bit_is_worth_more_than_a_mantissa_bit_when_balanced(k: int) -> None:
    """delta > nu: from a balanced layout (E = M = k) an exponent bit cuts the penalty more."""
    with_e = penalty(1e9, 1e11, k + 1, k, 7.0)
    with_m = penalty(1e9, 1e11, k, k + 1, 7.0)
    assert with_e < with_m


def test_per_element_scaling_has_no_penalty() -> None:
    """B = 1 (log2 B = 0): the law reduces to its Chinchilla part."""
    assert penalty(1e9, 1e12, 2, 1, 0.0) == 0.0
    assert loss(1e9, 1e12, 2, 1, 0.0) == loss_unquantised(1e9, 1e12)


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        penalty(0.0, 1e9, 4, 3, 5.0)
    with pytest.raises(ValueError, match=">= 0"):
        penalty(1e9, 1e9, -1, 3, 5.0)
    with pytest.raises(ValueError, match="whole number of bits >= 1"):
        best_layout(0)
