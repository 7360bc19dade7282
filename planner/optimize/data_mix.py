r"""Plan N and the tokens of each data source under one budget (multi-source model).

Model: :mod:`laws_catalog.data.multisource` (quality-weighted sum of per-source effective
data under the repetition law). The problem splits into two exact parts.

1. For a total of D training tokens the best split maximises ``sum_i q_i D'_i(D_i)`` with
   ``sum_i D_i = D``. Each ``q_i D'_i`` is concave and increasing, with marginal value ``q_i``
   during the first epoch and ``q_i exp(-R_i/R_i*)`` after ``R_i`` repetitions, so the optimum
   equalises marginal values at a level ``lambda`` (water-filling)::

       D_i = U_i (1 + R_i* ln(q_i / lambda))   if q_i > lambda,
             anywhere in [0, U_i]              if q_i = lambda,
             0                                 if q_i < lambda.

   Between two quality levels the total is linear in ``ln lambda``, so ``lambda`` has a
   closed form; :class:`TokenSplit` is exact, no iteration. By the envelope theorem
   ``d D'_total / d D = lambda``, so the split's value has an exact derivative.
2. The outer problem in ``(ln N, ln D)`` under the budget and limits is solved by
   :func:`planner.optimize.frontier.minimise_on_frontier` (bracketing grid + Brent on the
   exact derivative). With several qualities ``ln D'_total`` need not be concave in ``ln D``,
   so the loss along the boundary can have more than one local minimum: the grid brackets
   each and the best is kept; the tests check the result against brute force.

>>> from laws_catalog.data.multisource import DataSource
>>> plan = optimise_data_mix(1e21, [DataSource("web", 10e9), DataSource("code", 2e9, 1.5)])
>>> [(s.name, round(s.epochs, 2)) for s in plan.sources]
[('web', 4.31), ('code', 10.55)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from laws_catalog import CATALOG
from laws_catalog.data import RepetitionConstants, RepetitionLaw, repetition_constants
from laws_catalog.data.multisource import (
    CAVEATS,
    DataSource,
    mixture_effective_tokens,
    unique_pool,
)

from ..deadline import checkpoint
from ..errors import InvalidRequest
from .frontier import FloatArray, minimise_on_frontier
from .repetition import LIMIT_FOR_KEYWORD

__all__ = [
    "DataMixPlan",
    "SourcePlan",
    "TokenSplit",
    "optimise_data_mix",
    "solve_data_mix",
]

_KEYWORD_FOR_LIMIT = {v: k for k, v in LIMIT_FOR_KEYWORD.items()}


class TokenSplit:
    """Exact best split of a token total over sources (water-filling on marginal value)."""

    def __init__(self, sources: Sequence[DataSource], constants: RepetitionConstants) -> None:
        if not sources:
            raise ValueError("at least one data source is needed")
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"data source names must be unique: {names}")
        self.sources = tuple(sources)
        self.constants = constants
        self.quality = np.array([s.quality for s in sources])
        self.unique = np.array([s.unique_tokens for s in sources])
        self.decay = np.array([s.decay(constants) for s in sources])
        self.levels = np.unique(self.quality)[::-1]  # distinct qualities, best first
        self.level_of = np.array([int(np.flatnonzero(self.levels == q)[0]) for q in self.quality])
        m = len(self.levels)
        # for level j: P, Q of the sources strictly above it, and the totals at lambda = v_j
        self.p_above = np.zeros(m + 1)
        self.q_above = np.zeros(m + 1)
        self.t_lo = np.full(m, math.inf)
        self.t_hi = np.full(m, math.inf)
        for j in range(m + 1):
            above = self.level_of < j
            if np.any(~np.isfinite(self.unique[above])):
                break  # unreachable: an unlimited source above absorbs everything first
            u, r, q = self.unique[above], self.decay[above], self.quality[above]
            self.p_above[j] = float(np.sum(u * (1.0 + r * np.log(q))))
            self.q_above[j] = float(np.sum(u * r))
            if j < m:
                self.t_lo[j] = self.p_above[j] - self.q_above[j] * math.log(self.levels[j])
                self.t_hi[j] = self.t_lo[j] + float(np.sum(self.unique[self.level_of == j]))

    def split(self, total: float) -> tuple[FloatArray, float]:
        """Tokens per source [tokens] and the marginal value ``lambda`` of one more token
        [C4-token equivalents per token] for a ``total`` [tokens]."""
        if total < 0:
            raise ValueError("total tokens must be >= 0")
        j = int(np.searchsorted(self.t_hi, total, side="left"))
        tokens = np.zeros(len(self.sources))
        tie = j < len(self.levels) and total >= self.t_lo[j]
        # at a quality level lambda is that level; between two levels the total is linear
        # in ln(lambda)
        log_lam = math.log(self.levels[j]) if tie else (self.p_above[j] - total) / self.q_above[j]
        above = self.level_of < j
        tokens[above] = self.unique[above] * np.maximum(
            1.0 + self.decay[above] * (np.log(self.quality[above]) - log_lam), 1.0
        )
        if tie:
            tied = self.level_of == j
            rest = total - float(np.sum(tokens[above]))
            finite = tied & np.isfinite(self.unique)
            room = float(np.sum(self.unique[finite]))
            fill = min(1.0, rest / room) if room > 0 else 0.0
            tokens[finite] = fill * self.unique[finite]
            unlimited = tied & ~np.isfinite(self.unique)
            if np.any(unlimited):
                tokens[unlimited] = max(rest - fill * room, 0.0) / int(np.sum(unlimited))
        return tokens, math.exp(log_lam)

    def split_many(self, totals: FloatArray) -> tuple[FloatArray, FloatArray]:
        """:meth:`split` of every total at once: tokens (one row per total) and lambdas.

        Totals between two quality levels (the common case) take the same elementwise
        arithmetic as :meth:`split` in one array operation; totals on a level's plateau go
        through :meth:`split` itself.
        """
        totals = np.asarray(totals, dtype=np.float64)
        if np.any(totals < 0):
            raise ValueError("total tokens must be >= 0")
        m = len(self.levels)
        j = np.searchsorted(self.t_hi, totals, side="left")
        clipped = np.minimum(j, m - 1)
        tie = (j < m) & (totals >= self.t_lo[clipped])
        between = ~tie
        tokens = np.zeros((len(totals), len(self.sources)))
        lams = np.empty(len(totals))
        if np.any(between):
            jb = j[between]
            log_lam = (self.p_above[jb] - totals[between]) / self.q_above[jb]
            above = self.level_of[None, :] < jb[:, None]
            filled = self.unique[None, :] * np.maximum(
                1.0 + self.decay[None, :] * (np.log(self.quality)[None, :] - log_lam[:, None]),
                1.0,
            )
            tokens[between] = np.where(above, filled, 0.0)
            lams[between] = np.exp(log_lam)
        for i in np.flatnonzero(tie):
            tokens[i], lams[i] = self.split(float(totals[i]))
        return tokens, lams

    def effective(self, totals: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``D'_total`` [C4-token equivalents] of the best split of each total, and lambda."""
        checkpoint()
        tokens, lams = self.split_many(totals)
        columns = [tokens[:, s] for s in range(len(self.sources))]
        values = np.asarray(
            mixture_effective_tokens(columns, self.sources, self.constants), dtype=np.float64
        ).reshape(len(tokens))
        return values, lams


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """One source in the plan: ``tokens`` [tokens], ``epochs`` = tokens / unique tokens,
    ``share`` of all training tokens, ``effective_tokens`` = q_i D'_i [C4-token equivalents]."""

    name: str
    tokens: float
    epochs: float
    share: float
    effective_tokens: float


@dataclass(frozen=True, slots=True)
class DataMixPlan:
    """The arg-min: ``params`` [parameters, total], ``tokens`` [tokens, all sources],
    ``loss`` [nats/token, the law's C4 loss], ``token_value`` = d D'_total / d D at the plan,
    ``binding`` (user-facing limit names), and the caveats every answer must show."""

    params: float
    tokens: float
    flops: float
    loss: float
    effective_params: float
    effective_tokens: float
    token_value: float
    sources: tuple[SourcePlan, ...]
    binding: tuple[str, ...]
    law: str
    caveats: tuple[str, ...]


def optimise_data_mix(
    flops: float,
    sources: Sequence[DataSource],
    *,
    min_params: float | None = None,
    max_params: float | None = None,
    min_tokens: float | None = None,
    max_tokens: float | None = None,
    min_tokens_per_param: float | None = None,
    max_tokens_per_param: float | None = None,
    law: str = "muennighoff2023",
    flops_per_param_token: float | None = None,
) -> DataMixPlan:
    """Lowest loss over N and per-source tokens with ``k*N*sum(D_i) <= flops`` [FLOPs].

    Limits are as in :func:`planner.optimize.repetition.minimise_loss_with_repetition` and
    apply to the total tokens. Each source's repetitions are discounted by the repetition law
    (``law``, family ``data``) and weighted by its quality.
    """
    if not (flops > 0 and math.isfinite(flops)):
        raise InvalidRequest(f"flops must be a positive number, got {flops}", field="flops")
    resolved = CATALOG.resolve("data", law, RepetitionLaw)
    record, set_name = resolved.law, resolved.constants.name
    constants = repetition_constants(record, set_name)
    try:
        split = TokenSplit(sources, constants)
    except ValueError as exc:
        raise InvalidRequest(str(exc), field="sources") from exc
    k = flops_per_param_token or record.traits.flops_per_param_token
    given = {
        "min_params": min_params,
        "max_params": max_params,
        "min_tokens": min_tokens,
        "max_tokens": max_tokens,
        "min_tokens_per_param": min_tokens_per_param,
        "max_tokens_per_param": max_tokens_per_param,
    }
    limits = {"c_max": flops}
    for name, value in given.items():
        if value is None:
            continue
        if not (value > 0 and math.isfinite(value)):
            raise InvalidRequest(f"{name} must be a positive number, got {value}", field=name)
        limits[LIMIT_FOR_KEYWORD[name]] = value
    return solve_data_mix(constants, split, limits, k, f"{record.key}@{set_name}")


def solve_data_mix(
    constants: RepetitionConstants,
    split: TokenSplit,
    limits: Mapping[str, float],
    k: float,
    law_label: str,
) -> DataMixPlan:
    """Core solve with ``limits`` keyed by :func:`planner.optimize.program.named_limit` names
    (``c_max`` required) and any repetition constants (e.g. another base loss law's)."""
    checkpoint()
    sources = split.sources
    pool = unique_pool(sources)

    def objective(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        n, d = np.exp(x), np.exp(y)
        n_term = constants.a * np.asarray(constants.effective_params(pool, n)) ** -constants.alpha
        d_eff, lam = split.effective(d)
        d_term = constants.b * d_eff**-constants.beta
        grad_n = -constants.alpha * n_term * constants.params_elasticity(pool, n)
        grad_d = -constants.beta * d_term * d * lam / d_eff
        return constants.e + (n_term + d_term), grad_n, grad_d

    optimum = minimise_on_frontier(objective, limits, k)
    n, d = optimum.n_params, optimum.n_tokens
    tokens, lam = split.split(d)
    per_source = []
    for source, d_i in zip(sources, tokens, strict=True):
        one = float(np.asarray(mixture_effective_tokens([d_i], [source], constants)))
        per_source.append(
            SourcePlan(
                name=source.name,
                tokens=float(d_i),
                epochs=float(d_i / source.unique_tokens),
                share=float(d_i / d),
                effective_tokens=one,
            )
        )
    d_eff = float(np.asarray(mixture_effective_tokens(list(tokens), sources, constants)))
    n_eff = float(constants.effective_params(pool, n))
    return DataMixPlan(
        params=n,
        tokens=d,
        flops=k * n * d,
        loss=float(constants.loss_from_effective(n_eff, d_eff)),
        effective_params=n_eff,
        effective_tokens=d_eff,
        token_value=lam,
        sources=tuple(per_source),
        binding=tuple(_KEYWORD_FOR_LIMIT[name] for name in optimum.binding),
        law=law_label,
        caveats=CAVEATS,
    )
