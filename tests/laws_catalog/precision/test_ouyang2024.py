"""Ouyang et al. 2024: what Eq. 8 reproduces of Table 1, what it does not, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laws_catalog.precision.ouyang2024 import LAW as OUYANG
from laws_catalog.precision.ouyang2024 import SINGLE_FACTOR_EXPONENTS, TABLE1


def degradation(n: float, d: float, bits: float) -> float:
    return float(OUYANG.call("degradation", n_params=n, n_tokens=d, bits=bits))


def tokens_for_degradation(n: float, loss_increase: float, bits: float) -> float:
    args = {"loss_increase": loss_increase, "bits": bits}
    return float(OUYANG.call("tokens_for_degradation", n_params=n, **args))


def loss_16bit(n: float, d: float) -> float:
    return float(OUYANG.call("loss_16bit", n_params=n, n_tokens=d))


def loss_quantised(n: float, d: float, bits: float) -> float:
    return float(OUYANG.call("loss_quantised", n_params=n, n_tokens=d, bits=bits))


def _ratio(params: float, loss_increase: float, bits: int) -> float:
    """Eq. 8's tokens for a Table 1 cell divided by the printed tokens."""
    predicted = tokens_for_degradation(params, loss_increase, bits) / 1e12
    return predicted / TABLE1[(params, loss_increase, bits)]


TWO_BIT = sorted(key for key in TABLE1 if key[2] == 2)
THREE_AND_FOUR_BIT = sorted(key for key in TABLE1 if key[2] != 2)


@pytest.mark.parametrize("cell", TWO_BIT)
def test_eq8_reproduces_table1_at_2_bits_within_6_percent(cell: tuple[float, float, int]) -> None:
    """Vector 16: the whole 2-bit column agrees with Eq. 8 to within 6%."""
    assert _ratio(*cell) == pytest.approx(1.0, abs=0.06)


def test_eq8_does_not_reproduce_table1_at_3_and_4_bits() -> None:
    """Documented limitation (law caveat): at 3 and 4 bits the printed tokens differ from
    Eq. 8 by factors 0.42-1.61, the more the larger the model. Table 1 was made with per-bit
    fits whose constants are unpublished. If this test fails, the caveat must change."""
    ratios = [_ratio(*cell) for cell in THREE_AND_FOUR_BIT]
    assert min(ratios) == pytest.approx(0.416, abs=0.005)
    assert max(ratios) == pytest.approx(1.613, abs=0.005)
    worst_405b = min(_ratio(405e9, dq, 4) for dq in (0.2, 0.3, 0.4, 0.5))
    assert worst_405b < 0.5  # e.g. 48.5T printed vs 21.8T from Eq. 8 at 0.2


def test_unified_exponents_agree_with_the_single_factor_fits() -> None:
    """Vector 17: Eq. 8's exponents lie within 1.3% of the single-factor fits (Fig. 3-5)."""
    unified = OUYANG.constant_set().values
    for name, single in SINGLE_FACTOR_EXPONENTS.items():
        assert unified[name] == pytest.approx(single, rel=0.013)


def test_projections_at_15t_tokens() -> None:
    """Ouyang et al. 2024 Eq. 8 (arithmetic): 7B 4-bit 0.41, 70B 4-bit 0.24 at 15T."""
    assert degradation(7e9, 15e12, 4) == pytest.approx(0.41, abs=0.005)
    assert degradation(70e9, 15e12, 4) == pytest.approx(0.24, abs=0.005)


def test_tokens_for_degradation_inverts_the_law() -> None:
    d = tokens_for_degradation(7e9, 0.3, 3)
    assert degradation(7e9, d, 3) == pytest.approx(0.3, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    n=st.floats(min_value=1e7, max_value=1e12),
    d=st.floats(min_value=1e9, max_value=1e15),
    bits=st.integers(min_value=2, max_value=16),
)
def test_degradation_grows_with_tokens_falls_with_size_and_grows_as_bits_fall(
    n: float, d: float, bits: int
) -> None:
    q = degradation(n, d, bits)
    assert degradation(n, d * 2, bits) > q
    assert degradation(n * 2, d, bits) < q
    assert degradation(n, d, bits - 1) > q


def test_16bit_loss_falls_with_size_and_tokens() -> None:
    grid = [1e8, 1e9, 1e10, 1e11]
    by_n = [loss_16bit(n, 3e11) for n in grid]
    by_d = [loss_16bit(1e9, d * 10) for d in grid]
    assert by_n == sorted(by_n, reverse=True)
    assert by_d == sorted(by_d, reverse=True)
    assert loss_quantised(1e9, 3e11, 3) > loss_16bit(1e9, 3e11)
