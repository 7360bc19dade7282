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

__all__ = ["ASPECT_BANDS", "COUNT_GOAL", "closest_shape_cell", "gated_d_ff", "kv_heads"]

ASPECT_BANDS = (1.1, 1.25, 1.5)
COUNT_GOAL = 0.005
_RATIO_SLACK = 1e-12
_LOW_SIDE, _HIGH_SIDE = 1.0 - 1e-9, 1.0 + 1e-9


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
    cells = _Cells(n_params, ratio, d_head, multiples, gated_mlp, grouped_query)
    best: tuple[tuple[int, int], float] | None = None
    for band in ASPECT_BANDS:
        found = cells.best_in_band(band, layers)
        if found is None:
            continue
        best = (found[2], found[3]), band
        if found[0] <= COUNT_GOAL:
            break
    if best is None:
        raise ValueError(f"no transformer shape near {n_params:.4g} parameters")
    return best


Score = tuple[float, float, int, int]
"""(count miss, aspect-ratio log gap, n_layer, m): smaller is better, compared in order."""


class _Cells:
    """Exact scores of cells and the quadratic bounds on their counts, for one request."""

    def __init__(
        self,
        n_params: float,
        ratio: float,
        d_head: int,
        multiples: tuple[int, int],
        gated_mlp: bool,
        grouped_query: bool,
    ) -> None:
        self.n = n_params
        self.ratio = ratio
        self.d_head = d_head
        self.multiples = multiples
        self.gated = gated_mlp
        self.grouped = grouped_query
        matrices, ff = (3.0, 8.0 / 3.0) if gated_mlp else (2.0, 4.0)
        dh = float(d_head)
        kv_low, kv_high = ((0.0, 1.0), (0.125, 1.0)) if grouped_query else ((1.0, 0.0), (1.0, 0.0))
        extra = 256.0 if gated_mlp else 0.0
        # count = L (a m^2 + b m) + dh m, for the least and the largest kv(m) and d_ff(m)
        self.low = (
            dh * dh * (2.0 + 2.0 * kv_low[0] + matrices * ff),
            2.0 * kv_low[1] * dh * dh + 2.0 * dh,
        )
        self.high = (
            dh * dh * (2.0 + 2.0 * kv_high[0] + matrices * ff),
            2.0 * kv_high[1] * dh * dh + matrices * dh * extra + 2.0 * dh,
        )

    def count(self, n_layer: int, m: int) -> int:
        d_model = m * self.d_head
        n_kv = kv_heads(m, True) if self.grouped else m
        d_ff = gated_d_ff(d_model) if self.gated else 4 * d_model
        per_layer = (
            d_model * (2 * m + 2 * n_kv) * self.d_head + (3 if self.gated else 2) * d_model * d_ff
        )
        return n_layer * (per_layer + 2 * d_model) + d_model

    def score(self, n_layer: int, m: int, band_log: float) -> Score | None:
        gap = abs(math.log(m * self.d_head / n_layer / self.ratio))
        if gap > band_log:
            return None
        return abs(self.count(n_layer, m) / self.n - 1.0), gap, n_layer, m

    def _bound(self, which: tuple[float, float], n_layer: int, m: float) -> float:
        a, b = which
        return n_layer * (a * m * m + b * m) + self.d_head * m

    def _inverse(self, which: tuple[float, float], n_layer: int, count: float) -> float:
        """The real m >= 0 where the bound reaches ``count``."""
        if count <= 0:
            return 0.0
        a, b = which[0] * n_layer, which[1] * n_layer + self.d_head
        return 2.0 * count / (b + math.sqrt(b * b + 4.0 * a * count))

    def band_range(self, n_layer: int, band: float) -> tuple[int, int]:
        """Width multiples of ``n_layer`` that may lie in the band (one of slack each side)."""
        lo = max(math.ceil(self.ratio * n_layer / band / self.d_head) - 1, self.multiples[0])
        hi = min(math.floor(self.ratio * n_layer * band / self.d_head) + 1, self.multiples[1])
        return lo, hi

    def best_in_band(self, band: float, layers: tuple[int, int]) -> Score | None:
        band_log = math.log(band) + _RATIO_SLACK
        best: Score | None = None
        # a first bound on the miss: the cells at the analytic widths of the layer counts
        # whose ratio-exact cell is nearest the request
        cube = self.n / (self.low[0] * (self.ratio / self.d_head) ** 2)
        centre = min(max(round(cube ** (1.0 / 3.0)), layers[0]), layers[1])
        for n_layer in range(max(centre - 1, layers[0]), min(centre + 1, layers[1]) + 1):
            best = self._scan_layer(n_layer, band, band_log, best, probe=True)
        # then every layer count whose in-band counts can come that close, scored exactly
        first, last = self._layer_window(band, layers, best)
        for n_layer in range(first, last + 1):
            best = self._scan_layer(n_layer, band, band_log, best, probe=False)
        return best

    def _layer_window(
        self, band: float, layers: tuple[int, int], best: Score | None
    ) -> tuple[int, int]:
        """Layer counts whose in-band cells may miss by no more than ``best``: the bounds are
        non-decreasing in n_layer, so two bisections find them."""
        if best is None:
            return layers
        miss = best[0] * (1.0 + 1e-9) + 1e-15
        floor_count, ceiling_count = self.n * (1.0 - miss), self.n * (1.0 + miss)

        def reaches(n_layer: int) -> bool:  # largest in-band count >= the floor
            return self._bound(self.high, n_layer, self.band_range(n_layer, band)[1]) >= floor_count

        def starts_below(n_layer: int) -> bool:  # least in-band count <= the ceiling
            return (
                self._bound(self.low, n_layer, self.band_range(n_layer, band)[0]) <= ceiling_count
            )

        lo, hi = layers
        while lo < hi:  # first layer count that reaches
            mid = (lo + hi) // 2
            if reaches(mid):
                hi = mid
            else:
                lo = mid + 1
        first = lo
        lo, hi = first, layers[1]
        while lo < hi:  # last layer count that starts below
            mid = (lo + hi + 1) // 2
            if starts_below(mid):
                lo = mid
            else:
                hi = mid - 1
        return first, lo

    def _scan_layer(
        self, n_layer: int, band: float, band_log: float, best: Score | None, probe: bool
    ) -> Score | None:
        start, stop = self.band_range(n_layer, band)
        if start > stop:
            return best
        if probe:  # any cells will do: they only bound the miss
            centre = (
                math.floor(self._inverse(self.high, n_layer, self.n)),
                math.ceil(self._inverse(self.low, n_layer, self.n)),
            )
            candidates = sorted({min(max(c, start), stop) for c in centre})
        elif best is None:  # nothing to bound the window by yet: every in-band cell
            candidates = list(range(start, stop + 1))
        else:
            miss = best[0] * (1.0 + 1e-9) + 1e-15
            # the bounds are exact polynomials: 1e-9 covers their rounding many times over
            lo = math.ceil(self._inverse(self.high, n_layer, self.n * (1.0 - miss)) * _LOW_SIDE)
            hi = math.floor(self._inverse(self.low, n_layer, self.n * (1.0 + miss)) * _HIGH_SIDE)
            candidates = list(range(max(lo, start), min(hi, stop) + 1))
        for m in candidates:
            found = self.score(n_layer, m, band_log)
            if found is not None and (best is None or found < best):
                best = found
        return best
