r"""Exact closest-count search of the shape rule, visiting only the cells near each layer
count's analytic width (see :func:`laws_catalog.architecture.shape_for_non_embedding_params`).

A cell is (n_layer L, width multiple m): d_model = m d_head, n_heads = m. Its exact
non-embedding count is

    count(L, m) = L (d_model (2 m + 2 kv(m)) d_head + p d_model d_ff(m) + 2 d_model) + d_model

(p = 3 matrices when gated, else 2). For fixed L it lies between two quadratics in m:
``low(m) <= count(L, m) <= high(m)``, from ``1 <= kv(m) <= 1 + m/8`` under grouped-query
attention (``kv = m`` otherwise) and ``8/3 d_model <= d_ff < 8/3 d_model + 256`` when gated
(``d_ff = 4 d_model`` otherwise). So every cell whose count misses ``n`` by at most ``g n``
has ``high^-1(n (1 - g)) <= m <= low^-1(n (1 + g))``. The search takes ``g`` from the cells at
the analytic widths ``low^-1(n)`` and ``high^-1(n)`` of every layer count, then scores every
cell of that window exactly. The window holds every cell at least as close as the best
found, so the answer (closest count, ties by closer aspect ratio, then fewer layers and a
narrower width) is the one a scan of the whole (n_layer, d_model) grid gives, at a cost of a
few cells per layer count instead of the grid's up to 250,000.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

__all__ = ["ASPECT_BANDS", "COUNT_GOAL", "closest_shape_cell", "gated_d_ff", "kv_heads"]

ASPECT_BANDS = (1.1, 1.25, 1.5)
COUNT_GOAL = 0.005
_RATIO_SLACK = 1e-12

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@cache
def kv_heads(n_heads: int, grouped_query: bool) -> int:
    """n_heads, or with grouped-query attention its largest divisor not above n_heads / 8."""
    if not grouped_query:
        return n_heads
    ceiling = max(1, n_heads // 8)
    return max(k for k in range(1, ceiling + 1) if n_heads % k == 0)


def gated_d_ff(d_model: int) -> int:
    """8/3 d_model rounded up to a multiple of 256."""
    return ((8 * d_model + 3 * 256 - 1) // (3 * 256)) * 256


def _counts(
    n_layer: Ints, multiple: Ints, d_head: int, gated_mlp: bool, grouped_query: bool
) -> Ints:
    d_model = multiple * d_head
    if grouped_query:
        n_kv = np.fromiter((kv_heads(int(m), True) for m in multiple), np.int64, multiple.size)
    else:
        n_kv = multiple
    d_ff = ((8 * d_model + 3 * 256 - 1) // (3 * 256)) * 256 if gated_mlp else 4 * d_model
    per_layer = (
        d_model * (2 * multiple + 2 * n_kv) * d_head + (3 if gated_mlp else 2) * d_model * d_ff
    )
    counts: Ints = n_layer * (per_layer + 2 * d_model) + d_model
    return counts


def _quadratic(
    n_layer: Floats, d_head: int, gated_mlp: bool, kv: tuple[float, float], ff_extra: float
) -> tuple[Floats, Floats]:
    """(a, b) of ``a m^2 + b m``: the count at width multiple m for kv = kv[0] m + kv[1] and
    d_ff = ff d_model + ff_extra."""
    matrices, ff = (3.0, 8.0 / 3.0) if gated_mlp else (2.0, 4.0)
    dh = float(d_head)
    a = n_layer * dh * dh * (2.0 + 2.0 * kv[0] + matrices * ff)
    b = n_layer * (2.0 * kv[1] * dh * dh + matrices * dh * ff_extra + 2.0 * dh) + dh
    return a, b


def _inverse(a: Floats, b: Floats, count: float) -> Floats:
    """The real m >= 0 with ``a m^2 + b m = count``."""
    out: Floats = 2.0 * count / (b + np.sqrt(b * b + 4.0 * a * count))
    return out


def _band_cells(n_layer: Ints, start: Ints, stop: Ints) -> tuple[Ints, Ints]:
    """Every (layer, m) with start <= m <= stop, layer-major, m ascending."""
    sizes = np.maximum(stop - start + 1, 0)
    total = int(sizes.sum())
    layers = np.repeat(n_layer, sizes)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return layers, np.repeat(start, sizes) + offsets


def closest_shape_cell(
    n_params: float,
    *,
    ratio: float,
    d_head: int,
    layers: tuple[int, int],
    multiples: tuple[int, int],
    gated_mlp: bool,
    grouped_query: bool,
) -> tuple[tuple[int, int], float]:
    """((n_layer, width multiple), aspect band) of the closest count.

    Among cells with ``layers[0] <= n_layer <= layers[1]``, ``multiples[0] <= m <= multiples[1]``
    and ``d_model / n_layer`` within a factor ``band`` of ``ratio``: the smallest
    ``|count / n_params - 1|``, ties by the smaller ``|ln(d_model / n_layer / ratio)|``, then
    by (n_layer, m). The band is the first of :data:`ASPECT_BANDS` whose best misses by at
    most :data:`COUNT_GOAL` (else the widest).
    """
    n_layer = np.arange(layers[0], layers[1] + 1, dtype=np.int64)
    layer_f = n_layer.astype(np.float64)
    a_low, b_low = _quadratic(
        layer_f, d_head, gated_mlp, (0.0, 1.0) if grouped_query else (1.0, 0.0), 0.0
    )
    a_high, b_high = _quadratic(
        layer_f,
        d_head,
        gated_mlp,
        (0.125, 1.0) if grouped_query else (1.0, 0.0),
        256.0 if gated_mlp else 0.0,
    )
    centre = (
        np.floor(_inverse(a_high, b_high, n_params)).astype(np.int64),
        np.ceil(_inverse(a_low, b_low, n_params)).astype(np.int64),
    )
    best: tuple[tuple[int, int], float] | None = None
    for band in ASPECT_BANDS:
        # the band's widths per layer, one cell of slack each side (the exact test follows)
        start = np.maximum(
            np.ceil(ratio * layer_f / band / d_head).astype(np.int64) - 1, multiples[0]
        )
        stop = np.minimum(
            np.floor(ratio * layer_f * band / d_head).astype(np.int64) + 1, multiples[1]
        )
        open_ = start <= stop
        if not open_.any():
            continue
        # an upper bound on the best miss: the in-band cells nearest the analytic widths
        probe_layers = np.concatenate([n_layer[open_], n_layer[open_]])
        probe = np.concatenate([np.clip(c[open_], start[open_], stop[open_]) for c in centre])
        gap_bound = _best(
            n_params, ratio, d_head, band, probe_layers, probe, gated_mlp, grouped_query
        )
        if gap_bound is None:
            window = (start, stop)
        else:
            miss = gap_bound[1] * (1.0 + 1e-9) + 1e-15
            window = (
                np.maximum(
                    np.floor(_inverse(a_high, b_high, max(n_params * (1.0 - miss), 0.0))).astype(
                        np.int64
                    )
                    - 1,
                    start,
                ),
                np.minimum(
                    np.ceil(_inverse(a_low, b_low, n_params * (1.0 + miss))).astype(np.int64) + 1,
                    stop,
                ),
            )
        cells = _band_cells(n_layer, *window)
        found = _best(n_params, ratio, d_head, band, *cells, gated_mlp, grouped_query)
        if found is None:
            continue
        best = (found[0], band)
        if found[1] <= COUNT_GOAL:
            break
    if best is None:
        raise ValueError(f"no transformer shape near {n_params:.4g} parameters")
    return best


def _best(
    n_params: float,
    ratio: float,
    d_head: int,
    band: float,
    n_layer: Ints,
    multiple: Ints,
    gated_mlp: bool,
    grouped_query: bool,
) -> tuple[tuple[int, int], float] | None:
    """The lexicographically best in-band cell of those given, with its count miss."""
    d_model = multiple * d_head
    log_ratio_gap = np.abs(np.log(d_model / n_layer / ratio))
    inside = np.flatnonzero(log_ratio_gap <= math.log(band) + _RATIO_SLACK)
    if inside.size == 0:
        return None
    counts = _counts(n_layer[inside], multiple[inside], d_head, gated_mlp, grouped_query)
    count_gap = np.abs(counts / n_params - 1.0)
    order = np.lexsort((multiple[inside], n_layer[inside], log_ratio_gap[inside], count_gap))
    first = int(order[0])
    cell = int(n_layer[inside][first]), int(multiple[inside][first])
    return cell, float(count_gap[first])
