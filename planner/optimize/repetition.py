r"""Lowest data-constrained loss for a FLOPs budget and a fixed amount of unique data.

Problem: minimise ``L(N, D, U)`` of a repetition law (default ``data/muennighoff2023``)
subject to ``k*N*D <= C`` (k = 6) and optional limits on N, D and D/N, with U fixed.

Why it is solved exactly this way: the effective-data term is not a posynomial, so the GP
of :mod:`planner.optimize.gp` does not apply, but the problem is convex in
``x = ln N, y = ln D``. ``ln N'`` is linear in ``x`` up to ``N_opt(U)`` and then concave (its
slope ``N e^{-R_N/R_N*} / N'`` falls, because ``1 - e^{-u} <= u``); the same holds for
``ln D'`` in ``y`` past one epoch; the two pieces join with slope 1 (C1). So each term
``A e^{-alpha ln N'}`` and ``B e^{-beta ln D'}`` is ``exp`` of a convex function, hence convex,
and both fall in N and D. Every limit is a half-plane in ``(x, y)``. The minimum therefore
sits on the upper boundary of the feasible polygon, where the loss is a convex function of
``x`` alone: :func:`planner.optimize.frontier.minimise_on_frontier` finds it with a bracketing
grid and Brent's method on the exact derivative (~1e-14 in ``ln N``).

Marginal values are re-solves or exact differences, never linearisations: one more epoch at
the chosen N (and the FLOPs it costs), the same FLOPs added to the budget and re-planned,
10 % more budget, and 10 % more unique data (re-planned).

>>> plan = minimise_loss_with_repetition(6 * 8.67e9 * 178e9, 25e9)  # Figure 1 budget
>>> round(plan.params / 1e9, 2), round(plan.tokens / 1e9), round(plan.epochs, 2)
(6.8, 227, 9.07)
>>> plan.binding
('flops',)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from laws_catalog import CATALOG
from laws_catalog.data import RepetitionConstants, RepetitionLaw, repetition_constants

from ..errors import InvalidRequest
from .frontier import FloatArray, minimise_on_frontier

__all__ = [
    "LIMIT_FOR_KEYWORD",
    "EpochMarginal",
    "RepetitionMarginals",
    "RepetitionPlan",
    "minimise_loss_with_repetition",
    "solve_repetition",
]

#: user-facing limit name -> name in :func:`planner.optimize.program.named_limit`
LIMIT_FOR_KEYWORD = {
    "flops": "c_max",
    "min_params": "n_min",
    "max_params": "n_max",
    "min_tokens": "d_min",
    "max_tokens": "d_max",
    "min_tokens_per_param": "r_min",
    "max_tokens_per_param": "r_max",
}
_KEYWORD_FOR_LIMIT = {v: k for k, v in LIMIT_FOR_KEYWORD.items()}
RELAXATION = 1.1


@dataclass(frozen=True, slots=True)
class EpochMarginal:
    """One more pass over the unique data.

    ``delta_loss`` [nats/token]: at the plan's parameters, tokens + U (limits on tokens
    ignored: it prices the epoch); ``extra_flops`` = k*N*U; ``delta_loss_replanned``: the same
    FLOPs added to the budget and the plan re-optimised under the same limits.
    """

    delta_loss: float
    extra_flops: float
    delta_loss_replanned: float


@dataclass(frozen=True, slots=True)
class RepetitionMarginals:
    """Loss changes [nats/token] from more of each resource (``None`` where meaningless,
    e.g. more unique data when it is unlimited)."""

    one_more_epoch: EpochMarginal | None
    flops_plus_10pct: float
    unique_tokens_plus_10pct: float | None


@dataclass(frozen=True, slots=True)
class RepetitionPlan:
    """The arg-min and what it means.

    ``params`` [parameters, the law's convention: total], ``tokens`` [tokens, all epochs],
    ``epochs`` = tokens / unique_tokens (0 when unique data is unlimited), ``flops`` = k*N*D
    actually used, ``loss`` [nats/token], ``effective_*`` the law's N' and D', ``binding``
    the user-facing names of the limits that hold with equality (``"flops"`` for the budget).
    """

    params: float
    tokens: float
    unique_tokens: float
    epochs: float
    flops: float
    loss: float
    effective_params: float
    effective_tokens: float
    binding: tuple[str, ...]
    law: str
    marginals: RepetitionMarginals | None


def solve_repetition(
    constants: RepetitionConstants,
    unique_tokens: float,
    limits: Mapping[str, float],
    flops_per_param_token: float,
) -> tuple[float, float, tuple[str, ...]]:
    """Core solve: ``(N, D, binding limit names)`` with ``limits`` keyed by ``named_limit`` names
    (``c_max`` required). Raises ``PlanInfeasible`` naming conflicting limits."""

    def objective(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        return constants.loss_and_log_gradient(np.exp(x), np.exp(y), unique_tokens)

    optimum = minimise_on_frontier(objective, limits, flops_per_param_token)
    return optimum.n_params, optimum.n_tokens, optimum.binding


def _check_positive(name: str, value: float | None, *, allow_inf: bool = False) -> None:
    if value is None:
        return
    ok = value > 0 and (allow_inf or math.isfinite(value))
    if not ok:
        allowed = "a positive number" + (" or inf" if allow_inf else "")
        raise InvalidRequest(f"{name} must be {allowed}, got {value}", field=name, allowed=allowed)


def _resolve(law: str) -> tuple[RepetitionLaw, str]:
    resolved = CATALOG.resolve("data", law, RepetitionLaw)
    return resolved.law, resolved.constants.name


def minimise_loss_with_repetition(
    flops: float,
    unique_tokens: float,
    *,
    min_params: float | None = None,
    max_params: float | None = None,
    min_tokens: float | None = None,
    max_tokens: float | None = None,
    min_tokens_per_param: float | None = None,
    max_tokens_per_param: float | None = None,
    law: str = "muennighoff2023",
    flops_per_param_token: float | None = None,
    marginals: bool = True,
) -> RepetitionPlan:
    """Lowest predicted loss with ``k*N*D <= flops`` and ``unique_tokens`` of unique data.

    Parameters
    ----------
    flops : float
        Training budget [FLOPs], C = k*N*D with the law's N (total parameters).
    unique_tokens : float
        Unique tokens available [tokens]; ``math.inf`` means no data limit (then the plan is
        the single-epoch compute-optimal one of the base law).
    min_params, max_params, min_tokens, max_tokens, min_tokens_per_param, max_tokens_per_param
        Optional limits [parameters, tokens, tokens/parameter].
    law : str
        ``"ID"`` or ``"ID@CONSTANT_SET"`` of a repetition law in family ``data``.
    flops_per_param_token : float, optional
        k; defaults to the law's (6).
    marginals : bool
        Also compute the marginal values (four more solves).
    """
    _check_positive("flops", flops)
    _check_positive("unique_tokens", unique_tokens, allow_inf=True)
    given = {
        "min_params": min_params,
        "max_params": max_params,
        "min_tokens": min_tokens,
        "max_tokens": max_tokens,
        "min_tokens_per_param": min_tokens_per_param,
        "max_tokens_per_param": max_tokens_per_param,
    }
    for name, value in given.items():
        _check_positive(name, value)
    record, set_name = _resolve(law)
    constants = repetition_constants(record, set_name)
    k = flops_per_param_token or record.traits.flops_per_param_token
    limits = {"c_max": flops}
    limits |= {LIMIT_FOR_KEYWORD[name]: v for name, v in given.items() if v is not None}

    def solve(budget: float, unique: float) -> tuple[float, float, tuple[str, ...]]:
        return solve_repetition(constants, unique, {**limits, "c_max": budget}, k)

    def loss_at(n: float, d: float, unique: float) -> float:
        return float(constants.loss(n, d, unique))

    n, d, binding = solve(flops, unique_tokens)
    loss = loss_at(n, d, unique_tokens)
    found: RepetitionMarginals | None = None
    if marginals:
        epoch: EpochMarginal | None = None
        more_unique: float | None = None
        if math.isfinite(unique_tokens):
            extra = k * n * unique_tokens
            n2, d2, _ = solve(flops + extra, unique_tokens)
            epoch = EpochMarginal(
                delta_loss=loss_at(n, d + unique_tokens, unique_tokens) - loss,
                extra_flops=extra,
                delta_loss_replanned=loss_at(n2, d2, unique_tokens) - loss,
            )
            n3, d3, _ = solve(flops, unique_tokens * RELAXATION)
            more_unique = loss_at(n3, d3, unique_tokens * RELAXATION) - loss
        n4, d4, _ = solve(flops * RELAXATION, unique_tokens)
        found = RepetitionMarginals(
            one_more_epoch=epoch,
            flops_plus_10pct=loss_at(n4, d4, unique_tokens) - loss,
            unique_tokens_plus_10pct=more_unique,
        )
    return RepetitionPlan(
        params=n,
        tokens=d,
        unique_tokens=unique_tokens,
        epochs=d / unique_tokens,
        flops=k * n * d,
        loss=loss,
        effective_params=float(constants.effective_params(unique_tokens, n)),
        effective_tokens=float(constants.effective_tokens(unique_tokens, d)),
        binding=tuple(_KEYWORD_FOR_LIMIT[name] for name in binding),
        law=f"{record.key}@{set_name}",
        marginals=found,
    )
