"""Tao et al.'s Approach-3 vocabulary for many (N_nv, C, d) at once, to the last bit.

:func:`laws_catalog.vocabulary.tao2024._advise` with a given width and budget solves
``dL_u/dV = 0`` by bracketed Newton in ``ln V``. Sweeps ask it for thousands of rows; here the
rows' Newton iterations run together: numpy does the additions, products and quotients (the
same IEEE results as Python floats, in the same order) and ``math.log``/``math.exp`` are
called per element as the scalar code calls them, each row stopping where the scalar loop
stops. A row the scalar code would refuse (a non-positive input, an unbracketed root) comes
back as ``None``, as does every row of another approach; the caller then asks the law itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from laws_catalog import ResolvedLaw
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw, tao2024

from ...optimize.libm import exps, logs

__all__ = ["ParametricVocabulary"]

Floats = npt.NDArray[np.float64]
_ITERATIONS = 200
_METHOD = "Approach 3: dL_u/dV = 0 at the fixed budget"


def _log_vocab(n_nv: Floats, flops: Floats, d_model: Floats, values: dict[str, float]) -> Floats:
    """``ln V`` in the law's units (NaN where the scalar root search raises)."""
    n = n_nv / values["nnv_unit"]
    d = d_model / values["d_unit"]
    a2, beta = values["alpha2"], values["beta"]
    log_vocab_gain = logs(a2 * values["A2"] * d)
    log_data_gain = logs(beta * values["B"] * d)
    f = flops / values["flops_unit"]
    offset, used_slope = log_data_gain - beta * logs(f / 6.0), beta - 1.0
    offset = offset - (log_vocab_gain - (a2 + 1.0) * logs(d))

    def balance(log_v: Floats, idx: npt.NDArray[np.intp]) -> tuple[Floats, Floats]:
        """ln(data gain) - ln(vocabulary gain) and its derivative, on the rows ``idx``."""
        vocab_width = exps(log_v) * d[idx]
        used = n[idx] + vocab_width
        value = offset[idx] + used_slope * logs(used) + (a2 + 1.0) * log_v
        return value, used_slope * vocab_width / used + (a2 + 1.0)

    start = -(offset + used_slope * logs(n)) / (a2 + 1.0)
    rows = len(n)
    lo = np.full(rows, math.log(1e-6))
    hi = np.full(rows, math.log(1e7))
    every = np.arange(rows)
    f_lo, f_hi = balance(lo, every)[0], balance(hi, every)[0]
    bracketed = (f_lo < 0) & (f_hi > 0)
    x = np.where((lo < start) & (start < hi), start, 0.5 * (lo + hi))
    result = np.full(rows, np.nan)
    running = bracketed.copy()
    with np.errstate(all="ignore"):
        for _ in range(_ITERATIONS):
            if not running.any():
                break
            idx = np.flatnonzero(running)
            xi, li, hi_i = x[idx], lo[idx], hi[idx]
            value, slope = balance(xi, idx)
            exact = value == 0.0
            li = np.where(value < 0, xi, li)
            hi_i = np.where(value < 0, hi_i, xi)
            step = np.where(slope > 0, value / slope, math.inf)
            nxt = xi - step
            nxt = np.where((li < nxt) & (nxt < hi_i), nxt, 0.5 * (li + hi_i))
            scale = 4e-16 * np.maximum(1.0, np.abs(xi))
            close = (np.abs(nxt - xi) <= scale) | (hi_i - li <= scale)
            result[idx[exact]] = xi[exact]
            done = ~exact & close
            result[idx[done]] = nxt[done]
            running[idx[exact | done]] = False
            lo[idx], hi[idx], x[idx] = li, hi_i, np.where(exact | done, xi, nxt)
        result[running] = x[running]
    return result


@dataclass(frozen=True)
class ParametricVocabulary:
    """Tao et al.'s Approach 3 with one constant set, asked for many rows at once."""

    law: ResolvedLaw[VocabularyLaw]
    values: dict[str, float]

    @classmethod
    def of(cls, vocab_law: ResolvedLaw[VocabularyLaw]) -> ParametricVocabulary | None:
        """The law prepared, when it is tao2024 with an Approach-3 constant set."""
        law = vocab_law.law
        if law.functions.get("optimum_at_budget") is not tao2024.optimum_at_budget:
            return None
        values = {k: v for aux in law.auxiliary_constants for k, v in aux.values.items()}
        values.update(vocab_law.constants.values)
        if tao2024._approach(values) != "parametric":
            return None
        return cls(vocab_law, values)

    def vocab_params(
        self, n_nv: Sequence[float], flops: Sequence[float], d_model: Sequence[float]
    ) -> list[float | None]:
        """V d [parameters] of each row, as ``advise`` computes it; ``None`` where the scalar
        root search would raise (the caller asks the law, which says why)."""
        if not n_nv:
            return []
        n = np.array(n_nv, dtype=float)
        c = np.array(flops, dtype=float)
        d = np.array(d_model, dtype=float)
        positive = np.isfinite(n) & (n > 0) & np.isfinite(c) & (c > 0) & np.isfinite(d) & (d > 0)
        safe = np.where(positive, 1.0, np.nan)
        log_v = _log_vocab(n * safe, c * safe, d * safe, self.values)
        unit = self.values["vocab_unit"]
        return [
            None if math.isnan(lv) else math.exp(lv) * unit * di
            for lv, di in zip(log_v.tolist(), d.tolist(), strict=True)
        ]

    def advice(
        self, n_nv: float, flops: float, d_model: float, vocab_params: float
    ) -> VocabularyAdvice:
        """The whole advice of one row whose V d :meth:`vocab_params` gave."""
        n_tokens = flops / (6.0 * (n_nv + vocab_params))
        advice = tao2024._advice(
            n_nv, vocab_params, d_model, flops, n_tokens, self.values, _METHOD, ()
        )
        name = self.law.constants.name
        return advice if advice.approach == name else replace(advice, approach=name)
