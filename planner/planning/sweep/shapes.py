"""The shape rule for many parameter counts at once (sweeps), the same cell as the search.

:func:`laws_catalog.architecture.shape_for_non_embedding_params` picks, among the cells
``(n_layer, m)`` (d_model = m d_head) of its layer and width ranges whose aspect ratio lies in
the band, the one whose exact count is closest to the request (ties by aspect gap, then n_layer,
then m), widening the band while the best misses by more than 0.5 %. Without a gated MLP or
grouped-query attention the count ``n_layer (12 d_head^2 m^2 + 2 d_head m) + d_head m`` grows
with ``m``, so for each layer count the closest in-band cell is next to the real root of
``count = N`` (clipped to the band): four cells per layer count, scored on whole arrays of
counts. The misses are the scalar search's floats (integer counts over the same ``N``); the
aspect gaps use numpy's logarithm, so a count whose choice could turn on an ulp of a gap (a gap
within 1e-12 of the band's edge, or two cells missing by exactly as much) is handed to the
scalar search instead, as is every count with a gated MLP or grouped-query attention.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from laws_catalog.architecture import (
    D_HEAD_SWITCH,
    N_PARAMS_RANGE,
    ModelShape,
    ShapeChoice,
    non_embedding_params,
    shape_for_non_embedding_params,
    target_aspect_ratio,
)
from laws_catalog.shape_search import ASPECT_BANDS, COUNT_GOAL

__all__ = ["shapes_for_counts"]

_RATIO_SLACK = 1e-12  # laws_catalog.shape_search's band slack
_EDGE = 1e-12
"""A gap this close to the band's edge is decided by the scalar search."""
_CHUNK = 256

Floats = npt.NDArray[np.float64]
Found = tuple[int, int, float] | None
"""(n_layer, m, miss) of the best in-band cell, None when the band holds no cell."""


def _ranges(n: float) -> tuple[float, int, int, int, int, int]:
    """shape_for_non_embedding_params' ratio, d_head and search ranges (scalar, exact)."""
    ratio = target_aspect_ratio(n)
    d_head = 64 if n < D_HEAD_SWITCH else 128
    widest = ASPECT_BANDS[-1]
    layers_guess = (n / (12.0 * ratio**2)) ** (1.0 / 3.0)
    layer_lo = max(2, math.floor(layers_guess * widest ** (-2 / 3) / 1.2))
    layer_hi = max(layer_lo, math.ceil(layers_guess * widest ** (2 / 3) * 1.2))
    multiple_lo = max(1, math.floor(ratio * layer_lo / widest / d_head))
    multiple_hi = math.ceil(ratio * layer_hi * widest / d_head)
    return ratio, d_head, layer_lo, layer_hi, multiple_lo, multiple_hi


def _counts(layers: Floats, m: Floats, d_head: Floats) -> Floats:
    """Exact cell counts (integers below 2**53: every product is exact in float64)."""
    d_model = m * d_head
    return (
        layers * (d_model * (4.0 * m) * d_head + 2.0 * d_model * (4.0 * d_model) + 2.0 * d_model)
        + d_model
    )


def _best_in_band(
    n: Floats,
    ratio: Floats,
    d_head: Floats,
    layers: Floats,
    valid_layer: npt.NDArray[np.bool_],
    multiples: tuple[Floats, Floats],
    band: float,
) -> tuple[list[Found], npt.NDArray[np.bool_]]:
    """Per count (row), the closest in-band cell, and whether the scalar search must decide.

    A layer count whose in-band counts all lie above (below) ``N`` has its closest cell at the
    band's low (high) edge; one whose in-band counts straddle ``N`` has it at the floor or the
    ceiling of the real root of ``count = N``.
    """
    band_log = math.log(band) + _RATIO_SLACK
    col_n, col_ratio, col_dh = n[:, None], ratio[:, None], d_head[:, None]
    lo = np.maximum(np.ceil(col_ratio * layers / band / col_dh) - 1, multiples[0][:, None])
    hi = np.minimum(np.floor(col_ratio * layers * band / col_dh) + 1, multiples[1][:, None])

    def gap(m: Floats) -> Floats:
        return np.abs(np.log(m * col_dh / layers / col_ratio))

    with np.errstate(all="ignore"):
        gap_lo, gap_hi = gap(lo), gap(hi)
        near = (np.abs(gap_lo - band_log) < _EDGE) | (np.abs(gap_hi - band_log) < _EDGE)
        lo = np.where(gap_lo > band_log, lo + 1, lo)
        hi = np.where(gap_hi > band_log, hi - 1, hi)
        cells = valid_layer & (lo <= hi)
        unsure = (valid_layer & near) | (cells & ((gap(lo) > band_log) | (gap(hi) > band_log)))
        count_lo, count_hi = _counts(layers, lo, col_dh), _counts(layers, hi, col_dh)
        above = count_lo > col_n
        below = count_hi < col_n
        best_m = np.where(above, lo, hi)
        miss = np.abs(np.where(above, count_lo, count_hi) / col_n - 1.0)
        inside = cells & ~above & ~below
        r, c = np.nonzero(inside)
        if r.size:
            lf, dh, nn = layers[r, c], d_head[r], n[r]
            a = 12.0 * dh * dh * lf
            b = 2.0 * dh * lf + dh
            root = np.floor(2.0 * nn / (b + np.sqrt(b * b + 4.0 * a * nn)))
            low_m = np.clip(root, lo[r, c], hi[r, c])
            high_m = np.clip(root + 1.0, lo[r, c], hi[r, c])
            low_miss = np.abs(_counts(lf, low_m, dh) / nn - 1.0)
            high_miss = np.abs(_counts(lf, high_m, dh) / nn - 1.0)
            unsure[r, c] |= (low_miss == high_miss) & (low_m != high_m)
            take_high = high_miss < low_miss
            best_m[r, c] = np.where(take_high, high_m, low_m)
            miss[r, c] = np.where(take_high, high_miss, low_miss)
        miss = np.where(cells, miss, np.inf)
    rows = np.arange(n.shape[0])
    best = np.argmin(miss, axis=1)
    best_miss = miss[rows, best]
    tied = ((miss == best_miss[:, None]) & (np.arange(miss.shape[1]) != best[:, None])).any(axis=1)
    unsure_rows = unsure.any(axis=1) | (tied & np.isfinite(best_miss))
    found: list[Found] = [
        None if not math.isfinite(value) else (int(layer), int(width), value)
        for layer, width, value in zip(
            layers[rows, best].tolist(),
            best_m[rows, best].tolist(),
            best_miss.tolist(),
            strict=True,
        )
    ]
    return found, unsure_rows


def _chunk(counts: Sequence[float]) -> list[ShapeChoice | None]:
    """Shapes of counts inside the rule's range (None: the scalar search decides)."""
    rows = len(counts)
    ranges = [_ranges(n) for n in counts]
    width = max(r[3] - r[2] + 1 for r in ranges)
    first = np.array([r[2] for r in ranges], dtype=float)
    last = np.array([r[3] for r in ranges], dtype=float)
    layers = first[:, None] + np.arange(width, dtype=float)[None, :]
    valid = layers <= last[:, None]
    n = np.array(counts, dtype=float)
    ratio = np.array([r[0] for r in ranges], dtype=float)
    d_head = np.array([r[1] for r in ranges], dtype=float)
    multiples = (
        np.array([r[4] for r in ranges], dtype=float),
        np.array([r[5] for r in ranges], dtype=float),
    )
    chosen: list[tuple[Found, float]] = [(None, 0.0)] * rows
    open_rows = np.arange(rows)
    unsure = np.zeros(rows, dtype=bool)
    for band in ASPECT_BANDS:
        if not open_rows.size:
            break
        o = open_rows
        found, doubtful = _best_in_band(
            n[o], ratio[o], d_head[o], layers[o], valid[o], (multiples[0][o], multiples[1][o]), band
        )
        still = []
        for j, i in enumerate(o.tolist()):
            unsure[i] |= bool(doubtful[j])
            cell = found[j]
            if cell is None:
                still.append(i)
                continue
            chosen[i] = (cell, band)
            if cell[2] > COUNT_GOAL:
                still.append(i)
        open_rows = np.array(still, dtype=np.int64)
    out: list[ShapeChoice | None] = []
    for i, (cell, band) in enumerate(chosen):
        if unsure[i] or cell is None:
            out.append(None)
            continue
        n_layer, m, _ = cell
        dh = ranges[i][1]
        shape, exact = _cell(n_layer, m, dh)
        # shape_choice(shape, n, ratio, band, rule), with the cell's count computed once
        out.append(
            ShapeChoice(
                shape=shape,
                requested_non_embedding_params=float(counts[i]),
                n_params_non_embedding=exact,
                relative_deviation=exact / counts[i] - 1.0,
                target_aspect_ratio=ranges[i][0],
                aspect_band=band,
                rule="chinchilla",
            )
        )
    return out


@lru_cache(maxsize=4096)
def _cell(n_layer: int, m: int, d_head: int) -> tuple[ModelShape, int]:
    """The shape of a cell and its exact non-embedding count (neighbouring counts share it)."""
    shape = ModelShape(
        n_layer=n_layer,
        d_model=m * d_head,
        n_heads=m,
        n_kv_heads=m,
        d_head=d_head,
        d_ff=4 * m * d_head,
        gated_mlp=False,
    )
    return shape, non_embedding_params(shape)


def shapes_for_counts(
    counts: Sequence[float], *, gated_mlp: bool, grouped_query: bool
) -> dict[float, ShapeChoice | ValueError]:
    """``shape_for_non_embedding_params`` of each count in the rule's range (its error when it
    has none), computed together where the closed form applies, else by the search."""
    low, high = N_PARAMS_RANGE
    wanted = sorted({n for n in counts if low <= n <= high})
    out: dict[float, ShapeChoice | ValueError] = {}
    together: list[ShapeChoice | None] = []
    if not (gated_mlp or grouped_query):
        for start in range(0, len(wanted), _CHUNK):
            together += _chunk(wanted[start : start + _CHUNK])
    else:
        together = [None] * len(wanted)
    for n, found in zip(wanted, together, strict=True):
        if found is not None:
            out[n] = found
            continue
        try:
            out[n] = shape_for_non_embedding_params(
                n, gated_mlp=gated_mlp, grouped_query=grouped_query
            )
        except ValueError as exc:
            out[n] = exc
    return out
