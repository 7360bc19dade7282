"""Infeasible requests name the limit that makes them infeasible, and by how much it misses.

Two symptoms surface far from their cause:

* the model cannot hold its vocabulary (:class:`.model_account.VocabularyDoesNotFit`): a cap
  on N (``constraints.max_params``, a fitted range, or a serving limit turned into a cap)
  left too few parameters, so the cap is named with the parameters (or, for a serving limit,
  the latency, memory or throughput) the smallest model holding the vocabulary needs;
* a target loss out of reach: the limits are named with the lowest loss they allow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from laws_catalog import PosynomialLoss
from laws_catalog.architecture import N_PARAMS_RANGE

from ...errors import PlanInfeasible, PlannerError, TargetUnreachable
from ...optimize.program import Constraint
from ..serving.fit import ServingContext
from ..serving.limits import LimitSpec
from ..serving.model import ServedModelMap
from .account_checks import VocabularyDoesNotFit

__all__ = ["lowest_loss_within", "unreachable_target", "vocabulary_cause"]

_AT_LIMIT = 1e-4
"""Relative distance of N to a cap below which the cap counts as what stopped N."""


def _caps_at(bounds: Sequence[Constraint], n_law: float) -> list[Constraint]:
    return [
        c
        for c in bounds
        if c.key == "n_max" and c.limit is not None and n_law >= c.limit * (1.0 - _AT_LIMIT)
    ]


def _serving_limit(serving: ServingContext | None, label: str) -> LimitSpec | None:
    if serving is None:
        return None
    return next((limit for limit in serving.limits if limit.label == label), None)


def _needed(limit: LimitSpec, serving: ServingContext, exc: VocabularyDoesNotFit) -> float:
    """The limit's value for the smallest shaped model (1e7 non-embedding parameters) that holds
    the vocabulary."""
    served = ServedModelMap(
        "n_params_non_embedding", serving.architecture, max(1, round(exc.vocab)), 1
    )
    return limit.value(served.shape(N_PARAMS_RANGE[0]))


def _squeezes(bounds: Sequence[Constraint], n_law: float, n_tokens: float) -> list[Constraint]:
    """Lower limits on D (or D/N) that hold at the plan and so, with the budget, shrink N."""
    out = []
    for c in bounds:
        if c.limit is None:
            continue
        value = {"d_min": n_tokens, "r_min": n_tokens / n_law}.get(c.key)
        if value is not None and value <= c.limit * (1.0 + _AT_LIMIT):
            out.append(c)
    return out


def _squeezed(
    exc: VocabularyDoesNotFit, bounds: Sequence[Constraint], squeezes: list[Constraint]
) -> PlannerError:
    budget = next((c for c in bounds if c.key == "c_max"), None)
    labels = [label for c in squeezes for label in c.labels]
    if budget is None:
        return exc
    # N grows like C under a token floor, like sqrt(C) under a tokens-per-parameter floor
    power = 2.0 if any(c.key == "r_min" for c in squeezes) else 1.0
    factor = (exc.vocab_params / exc.n_law) ** power
    needed = budget.limit * factor if budget.limit else math.inf
    return PlanInfeasible(
        f"{', '.join(labels)} with {budget.labels[0]} = {budget.limit:.4g} FLOPs leave the "
        f"model {exc.n_law:.3g} parameters, too few for the {exc.vocab:.0f}-entry vocabulary "
        f"({exc.vocab_params:.3g} parameters at width {exc.d_model}): the budget misses by a "
        f"factor of about {factor:.3g}. Raise {budget.labels[0]} to about "
        f"{needed:.3g} FLOPs, relax {', '.join(labels)} or fix architecture.vocab_size",
        field=labels[0],
        conflicting=[*labels, *budget.labels],
    )


def vocabulary_cause(
    exc: VocabularyDoesNotFit,
    bounds: Sequence[Constraint],
    serving: ServingContext | None = None,
    n_tokens: float | None = None,
) -> PlannerError:
    """The error to raise for ``exc``: naming the cap on N that binds, or the lower limits on
    D that squeeze N within the budget, else ``exc`` itself."""
    caps = _caps_at(bounds, exc.n_law)
    if not caps:
        squeezes = [] if n_tokens is None else _squeezes(bounds, exc.n_law, n_tokens)
        return _squeezed(exc, bounds, squeezes) if squeezes else exc
    cap = min(caps, key=lambda c: c.limit or math.inf)
    label = cap.labels[0]
    held = (
        f"too few for the {exc.vocab:.0f}-entry vocabulary the vocabulary law picks at this "
        f"budget ({exc.vocab_params:.3g} parameters at width {exc.d_model})"
    )
    limit = _serving_limit(serving, label)
    if limit is not None and serving is not None:
        needed = _needed(limit, serving, exc)
        relation = ">=" if limit.direction == "upper" else "<="
        message = (
            f"{label}: {limit.limit:.4g} ({limit.unit}) caps the model at {exc.n_law:.3g} "
            f"parameters, {held}; the smallest model holding it needs {needed:.4g}: the limit "
            f"misses by a factor {max(needed / limit.limit, limit.limit / needed):.3g}. Relax "
            f"{label} to {relation} {needed:.4g} or fix architecture.vocab_size"
        )
        allowed: object = f"{relation} {needed:.6g}"
    else:
        message = (
            f"{label} caps the model at {exc.n_law:.3g} parameters, {held}: it misses by a "
            f"factor {exc.vocab_params / exc.n_law:.3g}. Raise {label} above "
            f"{exc.vocab_params:.3g} or fix architecture.vocab_size"
        )
        allowed = f"> {exc.vocab_params:.6g}"
    return PlanInfeasible(message, field=label, allowed=allowed, conflicting=list(cap.labels))


def lowest_loss_within(posy: PosynomialLoss, bounds: Sequence[Constraint]) -> float | None:
    """The infimum of the loss over the box the upper limits draw (None when a limit on
    compute or a lower limit shapes it, which this closed form does not cover)."""
    keys = {c.key: c.limit for c in bounds if c.limit is not None}
    if not keys.keys() & {"n_max", "d_max", "r_max"}:
        return None
    if keys.keys() & {"c_range_max", "n_min", "d_min", "r_min"}:
        return None
    n = min((c.limit for c in bounds if c.key == "n_max" and c.limit), default=math.inf)
    d = min((c.limit for c in bounds if c.key == "d_max" and c.limit), default=math.inf)
    if "r_max" in keys:
        r = min(c.limit for c in bounds if c.key == "r_max" and c.limit)
        d = min(d, r * n)
    if math.isinf(n) and math.isinf(d):
        return None
    with np.errstate(all="ignore"):
        reducible = float(posy.reducible(n, d))
    if not math.isfinite(reducible):
        return None
    return float(posy.loss_from_reducible(reducible))


def unreachable_target(
    posy: PosynomialLoss, bounds: Sequence[Constraint], loss: float
) -> TargetUnreachable:
    uppers = [label for c in bounds if c.direction == "upper" for label in c.labels]
    best = lowest_loss_within(posy, bounds)
    detail = ""
    allowed = None
    if best is not None and math.isfinite(best):
        detail = (
            f": the lowest loss they allow is {best:.5g}, {best - loss:.3g} nats above the "
            "target; relax them or aim higher"
        )
        allowed = f"> {best:.6g}"
    return TargetUnreachable(
        f"target loss {loss:.4g} cannot be reached within {', '.join(uppers)}{detail}",
        field="target.loss",
        allowed=allowed,
        conflicting=uppers,
    )
