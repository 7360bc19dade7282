r"""Transformer shapes a tensor-parallel group can split: the shape rule of
:func:`laws_catalog.architecture.shape_for_non_embedding_params` restricted to head counts,
key/value head counts and MLP widths that are multiples of the group size t.

Megatron-style tensor parallelism (Shoeybi et al. 2019, arXiv:1909.08053) splits the attention
heads and the MLP columns of every layer over t GPUs, so n_heads, n_kv_heads and d_ff must be
multiples of t. Everything else is the shape rule's (aspect-ratio trend, d_head 64/128, d_ff
4 d_model or 8/3 d_model, n_kv_heads = n_heads/8 with grouped queries, exact counting):

- only widths d_model = m d_head with m a multiple of t are searched (n_heads = m);
- with grouped queries, n_kv_heads is the largest multiple of t dividing n_heads and not above
  n_heads/8, or t itself when none is (each GPU then holds whole key/value heads);
- a gated d_ff rounds 8/3 d_model up to a multiple of lcm(256, t); 4 d_model already is one;
- the widths come t times sparser, so after the rule's bands (1.1, 1.25, 1.5) the search widens
  to :data:`TENSOR_PARALLEL_BANDS` while the best count misses by more than
  :data:`TENSOR_PARALLEL_COUNT_GOAL`; when no allowed width lies even in the widest band (a
  small model and a large t), the closest count outside it is taken and the plan says how far
  it misses.

>>> choice = tensor_parallel_shape(1e9, tensor_parallel=8)
>>> s = choice.shape
>>> (s.n_heads % 8, s.n_kv_heads % 8, s.d_ff % 8)
(0, 0, 0)
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from numpy.typing import NDArray

from .architecture import (
    D_HEAD_SWITCH,
    N_PARAMS_RANGE,
    ModelShape,
    ShapeChoice,
    shape_choice,
    shape_for_non_embedding_params,
    target_aspect_ratio,
)
from .shape_search import ASPECT_BANDS, COUNT_GOAL

__all__ = ["TENSOR_PARALLEL_BANDS", "TENSOR_PARALLEL_COUNT_GOAL", "tensor_parallel_shape"]

TENSOR_PARALLEL_BANDS = (2.0, 3.0)
"""Further aspect bands searched under tensor parallelism: Kaplan et al. 2020 (Fig. 5) found
the loss within a few percent over aspect ratios 20-200 at fixed N."""
TENSOR_PARALLEL_COUNT_GOAL = 0.02
"""From the 1.5 band on, widen only while the best count misses by more than 2 % (a 2 % count
changes a Chinchilla-type loss by well under 0.1 %)."""


@cache
def _kv_heads(n_heads: int, grouped_query: bool, tensor_parallel: int) -> int:
    if not grouped_query:
        return n_heads
    ceiling = max(1, n_heads // 8)
    fitting = [k for k in range(tensor_parallel, ceiling + 1, tensor_parallel) if n_heads % k == 0]
    return max(fitting, default=tensor_parallel)


def _gated_d_ff(d_model: NDArray[np.int64], multiple: int) -> NDArray[np.int64]:
    """8/3 d_model rounded up to a multiple of ``multiple``."""
    return ((8 * d_model + 3 * multiple - 1) // (3 * multiple)) * multiple


def tensor_parallel_shape(
    n_params: float,
    *,
    tensor_parallel: int,
    gated_mlp: bool = False,
    grouped_query: bool = False,
) -> ShapeChoice:
    """A shape with exact non-embedding count close to ``n_params`` whose heads, key/value
    heads and MLP width are multiples of ``tensor_parallel`` (t = 1: the shape rule itself)."""
    if tensor_parallel < 1:
        raise ValueError(f"tensor_parallel must be a positive integer, got {tensor_parallel}")
    if tensor_parallel == 1:
        return shape_for_non_embedding_params(
            n_params, gated_mlp=gated_mlp, grouped_query=grouped_query
        )
    lo, hi = N_PARAMS_RANGE
    if not (math.isfinite(n_params) and lo <= n_params <= hi):
        raise ValueError(f"n_params must lie in [{lo:.0e}, {hi:.0e}], got {n_params!r}")
    ratio = target_aspect_ratio(n_params)
    d_head = 64 if n_params < D_HEAD_SWITCH else 128
    bands = ASPECT_BANDS + TENSOR_PARALLEL_BANDS
    widest = bands[-1]
    layers_guess = (n_params / (12.0 * ratio**2)) ** (1.0 / 3.0)
    layer_lo = max(2, math.floor(layers_guess * widest ** (-2 / 3) / 1.2))
    layer_hi = max(layer_lo, math.ceil(layers_guess * widest ** (2 / 3) * 1.2))
    layers = np.arange(layer_lo, layer_hi + 1, dtype=np.int64)
    first = max(1, math.floor(ratio * layer_lo / widest / d_head / tensor_parallel))
    last = max(first, math.ceil(ratio * layer_hi * widest / d_head / tensor_parallel))
    multiples = np.arange(first, last + 1, dtype=np.int64) * tensor_parallel
    n_layer, n_heads = (a.ravel() for a in np.meshgrid(layers, multiples, indexing="ij"))
    d_model = n_heads * d_head
    log_ratio_gap = np.abs(np.log(d_model / n_layer / ratio))
    heads, where = np.unique(n_heads, return_inverse=True)
    n_kv = np.array(
        [_kv_heads(int(h), grouped_query, tensor_parallel) for h in heads], dtype=np.int64
    )[where]
    d_ff = _gated_d_ff(d_model, math.lcm(256, tensor_parallel)) if gated_mlp else 4 * d_model
    per_layer = (
        d_model * (2 * n_heads + 2 * n_kv) * d_head + (3 if gated_mlp else 2) * d_model * d_ff
    )
    counts = n_layer * (per_layer + 2 * d_model) + d_model
    count_gap = np.abs(counts / n_params - 1.0)

    best, chosen_band = -1, widest
    for band in bands:
        inside = np.flatnonzero(log_ratio_gap <= math.log(band) + 1e-12)
        if inside.size == 0:
            continue
        order = np.lexsort((log_ratio_gap[inside], count_gap[inside]))
        best, chosen_band = int(inside[order[0]]), band
        goal = TENSOR_PARALLEL_COUNT_GOAL if band >= ASPECT_BANDS[-1] else COUNT_GOAL
        if count_gap[best] <= goal:
            break
    if best < 0:  # no allowed width within the widest band: the closest count outside it
        best = int(np.lexsort((log_ratio_gap, count_gap))[0])
        chosen_band = math.exp(float(log_ratio_gap[best]))
    shape = ModelShape(
        n_layer=int(n_layer[best]),
        d_model=int(d_model[best]),
        n_heads=int(n_heads[best]),
        n_kv_heads=int(n_kv[best]),
        d_head=d_head,
        d_ff=int(d_ff[best]),
        gated_mlp=gated_mlp,
    )
    return shape_choice(shape, n_params, ratio, chosen_band, "chinchilla")
