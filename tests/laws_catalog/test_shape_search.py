"""The analytic-window shape search returns exactly what a scan of the whole grid returns.

The reference below is the full (n_layer, d_model) grid scan the rule was first written as
(every cell scored); the fast search must agree on every field, for every MLP/attention
variant, across the rule's whole range. Property test: no table lists these shapes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laws_catalog.architecture import (
    D_HEAD_SWITCH,
    N_PARAMS_RANGE,
    shape_for_non_embedding_params,
    target_aspect_ratio,
)
from laws_catalog.shape_search import ASPECT_BANDS, COUNT_GOAL, kv_heads


def _grid_scan(n_params: float, gated_mlp: bool, grouped_query: bool) -> tuple[float, ...]:
    ratio = target_aspect_ratio(n_params)
    d_head = 64 if n_params < D_HEAD_SWITCH else 128
    widest = ASPECT_BANDS[-1]
    guess = (n_params / (12.0 * ratio**2)) ** (1.0 / 3.0)
    layer_lo = max(2, math.floor(guess * widest ** (-2 / 3) / 1.2))
    layer_hi = max(layer_lo, math.ceil(guess * widest ** (2 / 3) * 1.2))
    layers = np.arange(layer_lo, layer_hi + 1, dtype=np.int64)
    multiples = np.arange(
        max(1, math.floor(ratio * layer_lo / widest / d_head)),
        math.ceil(ratio * layer_hi * widest / d_head) + 1,
        dtype=np.int64,
    )
    n_layer, multiple = (a.ravel() for a in np.meshgrid(layers, multiples, indexing="ij"))
    d_model = multiple * d_head
    log_ratio_gap = np.abs(np.log(d_model / n_layer / ratio))
    n_kv = np.array([kv_heads(int(m), grouped_query) for m in multiple], dtype=np.int64)
    d_ff = ((8 * d_model + 767) // 768) * 256 if gated_mlp else 4 * d_model
    per_layer = (
        d_model * (2 * multiple + 2 * n_kv) * d_head + (3 if gated_mlp else 2) * d_model * d_ff
    )
    counts = n_layer * (per_layer + 2 * d_model) + d_model
    count_gap = np.abs(counts / n_params - 1.0)
    for band in ASPECT_BANDS:
        inside = np.flatnonzero(log_ratio_gap <= math.log(band) + 1e-12)
        if inside.size == 0:
            continue
        order = np.lexsort((log_ratio_gap[inside], count_gap[inside]))
        best = int(inside[order[0]])
        if count_gap[best] <= COUNT_GOAL or band == widest:
            break
    return (
        int(n_layer[best]),
        int(d_model[best]),
        int(n_kv[best]),
        int(d_ff[best]),
        int(counts[best]),
        band,
    )


def _fast(n_params: float, gated_mlp: bool, grouped_query: bool) -> tuple[float, ...]:
    choice = shape_for_non_embedding_params(
        n_params, gated_mlp=gated_mlp, grouped_query=grouped_query
    )
    s = choice.shape
    assert s.n_heads * s.d_head == s.d_model
    return (
        s.n_layer,
        s.d_model,
        s.n_kv_heads,
        s.d_ff,
        choice.n_params_non_embedding,
        choice.aspect_band,
    )


@pytest.mark.slow
@given(
    log_n=st.floats(math.log10(N_PARAMS_RANGE[0]), math.log10(N_PARAMS_RANGE[1])),
    gated_mlp=st.booleans(),
    grouped_query=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_fast_search_equals_full_grid_scan(
    log_n: float, gated_mlp: bool, grouped_query: bool
) -> None:
    n_params = 10.0**log_n
    assert _fast(n_params, gated_mlp, grouped_query) == _grid_scan(
        n_params, gated_mlp, grouped_query
    )


@pytest.mark.parametrize("n_params", [1e7, 2.9999e8, 3e8, 1e9, 1.5e10, 2e10, 1e12, 1e13])
@pytest.mark.parametrize("variant", [(False, False), (True, False), (False, True), (True, True)])
def test_fast_search_equals_full_grid_scan_at_rule_edges(
    n_params: float, variant: tuple[bool, bool]
) -> None:
    """Range ends, the d_head switch and the aspect-ratio cap."""
    assert _fast(n_params, *variant) == _grid_scan(n_params, *variant)
