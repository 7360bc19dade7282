"""The Chinchilla functional form ``L = E + A/N**alpha + B/D**beta`` (Hoffmann et al. 2022, Eq. 2).

Several papers fit this same form on different data (Hoffmann, Besiroglu, Muennighoff); their
modules share these functions and differ only in constants and conventions. Constants are
accepted plainly (``E, A, B``, as the printed papers give them) or in log space (``log_E,
log_A, log_B`` with ``E = exp(log_E)``, as Hoffmann's TeX source, Epoch's notebook and
Muennighoff's fit publish them), so each constant set holds the numbers exactly as published;
``beta`` defaults to ``alpha`` (tied exponents).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ._posynomial import PosynomialLoss, PowerTerm, optimum_of

__all__ = [
    "chinchilla_form",
    "chinchilla_terms",
    "frontier_exponent",
    "loss",
    "optimum",
    "posynomial",
]


def chinchilla_terms(values: Mapping[str, float]) -> tuple[float, float, float, float, float]:
    """(E, A, B, alpha, beta) from a constant set given plainly or in log space."""

    def pick(plain: str, log: str) -> float:
        if plain in values:
            return values[plain]
        return math.exp(values[log])

    alpha = values["alpha"]
    beta = values.get("beta", alpha)
    return pick("E", "log_E"), pick("A", "log_A"), pick("B", "log_B"), alpha, beta


def chinchilla_form(values: Mapping[str, float]) -> PosynomialLoss:
    """``E + A*N**-alpha + B*D**-beta`` as a :class:`PosynomialLoss`."""
    e, a, b, alpha, beta = chinchilla_terms(values)
    return PosynomialLoss(offset=e, terms=(PowerTerm(a, -alpha, 0.0), PowerTerm(b, 0.0, -beta)))


def posynomial(**constants: float) -> PosynomialLoss:
    """Eq. 2, ``L = E + A N^-alpha + B D^-beta`` with N [parameters] and D [tokens], as a
    posynomial (Hoffmann et al. 2022); constants plain or in log space (see the module)."""
    return chinchilla_form(constants)


def loss(n_params: float, n_tokens: float, **constants: float) -> float:
    """Eq. 2: loss [nats/token] of ``n_params`` [parameters] trained on ``n_tokens`` [tokens]
    (Hoffmann et al. 2022)."""
    return float(chinchilla_form(constants)(n_params, n_tokens))


def optimum(
    flops: float, flops_per_param_token: float = 6.0, **constants: float
) -> dict[str, float]:
    """Eq. 4: the loss-optimal ``n_params``, ``n_tokens``, ``tokens_per_param`` and ``loss``
    for ``flops`` [FLOPs] under C = k N D (Hoffmann et al. 2022)."""
    return optimum_of(chinchilla_form(constants), flops, flops_per_param_token)


def frontier_exponent(
    flops: float, flops_per_param_token: float = 6.0, **constants: float
) -> dict[str, float]:
    """``a`` of N_opt ~ C^a, read off the optimum at ``flops`` and ``10 flops`` [FLOPs]
    (equals beta / (alpha + beta), Hoffmann et al. 2022 Eq. 4)."""
    posy = chinchilla_form(constants)
    n_lo, _ = posy.compute_optimal(flops, flops_per_param_token)
    n_hi, _ = posy.compute_optimal(flops * 10, flops_per_param_token)
    return {"a": math.log10(n_hi / n_lo)}
