"""Shapes a tensor-parallel group can split (laws_catalog.tensor_parallel)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laws_catalog.architecture import non_embedding_params, shape_for_non_embedding_params
from laws_catalog.tensor_parallel import tensor_parallel_shape


def _tensor_parallel_bound(n: float) -> float:
    """Measured by a scan of t in {2, 4, 6, 8} over 1e8-1e12 (200 N per decade, every MLP and
    attention variant): maxima 5.7 % (1e8-1e9), 2.4 % (1e9-1e10), 1.0 % (1e10-1e12). Widths
    move in steps of t heads, so the discrete set of counts is t times sparser than for t = 1;
    below 1e8 a model has too few heads for t = 8 to split (36 % off at 1e7, which the plan
    reports as a warning)."""
    if n >= 1e10:
        return 0.012
    if n >= 1e9:
        return 0.03
    return 0.06


@settings(max_examples=60, deadline=None)
@given(
    log_n=st.floats(min_value=8.0, max_value=12.0),
    tensor_parallel=st.sampled_from([2, 4, 6, 8]),
    gated=st.booleans(),
    gqa=st.booleans(),
)
def test_tensor_parallel_shapes_split_evenly(
    log_n: float, tensor_parallel: int, gated: bool, gqa: bool
) -> None:
    """Heads, kv-heads and d_ff are multiples of t (Megatron splits them over t GPUs), the
    exact count is the count of that shape, the aspect ratio within the widest tensor-parallel
    band (3x, measured at most 3.0x)."""
    n = 10.0**log_n
    choice = tensor_parallel_shape(
        n, gated_mlp=gated, grouped_query=gqa, tensor_parallel=tensor_parallel
    )
    s = choice.shape
    assert s.n_heads % tensor_parallel == 0
    assert s.n_kv_heads % tensor_parallel == 0
    assert s.d_ff % tensor_parallel == 0
    assert s.n_heads % s.n_kv_heads == 0
    assert s.d_head == (64 if n < 3e8 else 128)
    assert s.n_heads * s.d_head == s.d_model
    assert choice.n_params_non_embedding == non_embedding_params(s)
    assert abs(choice.relative_deviation) <= _tensor_parallel_bound(n)
    assert abs(math.log(s.aspect_ratio / choice.target_aspect_ratio)) <= math.log(3.0) + 1e-12
    if gated:
        assert 0 <= s.d_ff - 8 * s.d_model / 3 < math.lcm(256, tensor_parallel)
    else:
        assert s.d_ff == 4 * s.d_model
    if gqa:
        assert s.n_kv_heads == tensor_parallel or s.n_kv_heads <= s.n_heads // 8
    else:
        assert s.n_kv_heads == s.n_heads


@pytest.mark.parametrize("n", [3e7, 1e9, 7e10])
def test_tensor_parallel_one_is_the_shape_rule(n: float) -> None:
    assert tensor_parallel_shape(n, tensor_parallel=1) == shape_for_non_embedding_params(n)


def test_a_shape_the_rule_already_splits_is_kept() -> None:
    """The rule's own 1e9 shape has 14 heads: t = 2 keeps it, t = 8 must move."""
    rule = shape_for_non_embedding_params(1e9)
    assert rule.shape.n_heads == 14
    assert tensor_parallel_shape(1e9, tensor_parallel=2).shape == rule.shape
    assert tensor_parallel_shape(1e9, tensor_parallel=8).shape.n_heads % 8 == 0


def test_invalid_degree_is_refused() -> None:
    with pytest.raises(ValueError, match="tensor_parallel"):
        tensor_parallel_shape(1e9, tensor_parallel=0)
