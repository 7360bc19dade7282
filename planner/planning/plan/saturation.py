"""Flat optima: spend what buys a meaningful loss reduction, report the rest.

When the loss stops falling with compute (repetition of limited unique data saturates, a
parameter cap or a serving limit binds, the loss floor is near), the best loss a budget buys
is reached, within a hair, by a small fraction of it. The plan then spends the least compute
whose best loss is within :data:`DEFAULT_LOSS_TOLERANCE` (relative) of the best loss of the
whole budget, and reports what it leaves unspent and what the rest would buy.

Rule (``tau`` = ``budget.loss_tolerance``, default 0.1 %): let ``L*`` be the best loss the
budget buys and ``S`` the compute that plan spends (``S`` < budget when hard limits bind). The
budget is *saturated* when ``S / 2`` already reaches ``L* (1 + tau)``: the second half of what
can be spent buys less than ``tau`` of the loss. A saturated plan is the route re-solved at
the least budget ``C_s`` whose best loss reaches ``L* (1 + tau)`` (found by Brent's method in
``ln C`` to 0.1 %); otherwise the plan spends ``S``. Either way no plan spends more than the
least compute reaching its own loss, up to that 0.1 % search tolerance.

The test is cheap for geometric programs: their optimal ``ln L`` is convex in ``ln C``, so
``L(S/2) >= L* (1 + |e| ln 2)`` with ``e`` the budget's elasticity at the optimum, and the
half-budget solve is needed only when ``|e| ln 2 < ln(1 + tau)`` (about ``|e| < 0.0014``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from scipy.optimize import brentq

from ...errors import PlannerError
from ...schemas.responses import AnswerWarning, MarginalValue
from .answer import RouteAnswer

__all__ = [
    "DEFAULT_LOSS_TOLERANCE",
    "SATURATION_SHARE",
    "Saturation",
    "saturate",
    "saturation_warning",
    "target_saturation",
]

DEFAULT_LOSS_TOLERANCE = 1e-3
"""Relative loss: 0.1 % (about 0.002-0.004 nats at typical LLM losses), below the
seed-to-seed spread of final pre-training losses, so a plan within it is as good in practice."""
SATURATION_SHARE = 0.5
"""Saturated when this share of the spendable compute reaches within the tolerance."""
_SEARCH_XTOL = 1e-3
"""Brent's tolerance in ln(budget): the sufficient budget is found to 0.1 %."""
_UNREACHED = 1e6
"""Stand-in loss excess for a budget with no feasible plan (too small for the limits)."""


Route = Callable[[float, bool], RouteAnswer]
"""The route re-solved with the budget scaled by a fraction (1.0: the request's budget); the
flag asks for marginal values (False: a probe for the loss alone)."""
Measure = Callable[[RouteAnswer, float], tuple[float, float]]
"""(loss, spent share of the full budget) of a route's answer at a fraction."""


@dataclass(frozen=True, slots=True)
class Saturation:
    """What the whole budget would buy, against what the plan spends."""

    tolerance: float
    best_loss: float
    """Best loss of the whole budget."""
    full_share: float
    """Share of the budget the best-loss plan spends (1 unless hard limits bind)."""
    plan_share: float
    """Share of the budget the returned plan spends."""
    plan_loss: float
    fraction: float
    """Budget fraction the returned plan was solved at (1.0 when not saturated)."""
    saturated: bool
    """True when the tolerance rule cut the budget (not only hard limits)."""

    @property
    def unspent_share(self) -> float:
        return max(0.0, 1.0 - self.plan_share)


def _elasticity(answer: RouteAnswer, budget_label: str) -> float | None:
    for margin in answer.margins:
        if margin.resource == budget_label and margin.elasticity is not None:
            return margin.elasticity
    return None


def saturate(
    route: Route,
    measure: Measure,
    full: RouteAnswer,
    budget_label: str,
    tolerance: float,
    *,
    convex: bool,
) -> tuple[RouteAnswer, Saturation]:
    """The plan to return for ``full`` (the route at the whole budget) and its saturation.

    ``convex``: the route's ``ln L`` is convex in ``ln C`` (geometric programs), which allows
    skipping the half-budget solve when the budget's elasticity is large enough.
    """
    best, full_share = measure(full, 1.0)

    def keep() -> tuple[RouteAnswer, Saturation]:
        return full, Saturation(tolerance, best, full_share, full_share, best, 1.0, False)

    if tolerance <= 0:
        return keep()
    goal = best * (1.0 + tolerance)
    binds = full_share >= 1.0 - 1e-6
    elasticity = _elasticity(full, budget_label)
    enough = math.log(1.0 + tolerance) / math.log(1.0 / SATURATION_SHARE)
    if convex and binds and elasticity is not None and abs(elasticity) >= enough:
        return keep()

    seen: dict[float, float] = {}  # Brent re-evaluates the bracket's ends

    def excess(log_fraction: float) -> float:
        if log_fraction not in seen:
            try:
                fraction = math.exp(log_fraction)
                seen[log_fraction] = measure(route(fraction, False), fraction)[0] - goal
            except PlannerError:
                seen[log_fraction] = _UNREACHED
        return seen[log_fraction]

    high = math.log(full_share * SATURATION_SHARE)
    if excess(high) > 0:
        return keep()
    low = high
    for _ in range(40):  # the budget shrinks 10x per step down to ~1e-40 of it
        low -= math.log(10.0)
        if excess(low) > 0:
            break
    else:
        return keep()  # pragma: no cover - a loss that never rises as compute vanishes
    root = brentq(excess, low, high, xtol=_SEARCH_XTOL)
    fraction = math.exp(min(root + _SEARCH_XTOL, high))
    answer = route(fraction, True)
    loss, share = measure(answer, fraction)
    if loss > goal:  # root on the wrong side by round-off: take the bracket's feasible end
        fraction = math.exp(high)
        answer = route(fraction, True)
        loss, share = measure(answer, fraction)
    answer = replace(
        answer,
        binding=("budget.loss_tolerance", *(b for b in answer.binding if b != budget_label)),
        margins=(
            MarginalValue(
                resource=budget_label,
                relaxation="spend the whole budget",
                effect_on="loss",
                delta=best - loss,
                extra_flops=None,
            ),
            *(m for m in answer.margins if m.resource != budget_label),
        ),
    )
    return answer, Saturation(tolerance, best, full_share, share, loss, fraction, True)


def saturation_warning(
    saturation: Saturation, budget_flops: float, limits: list[str], budget_label: str
) -> AnswerWarning | None:
    """``compute_saturated`` when the plan leaves part of the budget unspent."""
    unspent = saturation.unspent_share * budget_flops
    if unspent <= 1e-6 * budget_flops:
        return None
    spent = saturation.plan_share * budget_flops
    cause = ", ".join(limits) if limits else "the loss law's floor"
    if saturation.saturated:
        message = (
            f"{spent:.3g} FLOPs suffice: they reach loss {saturation.plan_loss:.5g}, within "
            f"{saturation.tolerance:.2%} of the best loss {saturation.best_loss:.5g} that the "
            f"whole {budget_label} of {budget_flops:.3g} FLOPs buys; the remaining "
            f"{unspent:.3g} FLOPs would lower the loss by only "
            f"{saturation.plan_loss - saturation.best_loss:.2g} nats (limited by {cause}; set "
            "budget.loss_tolerance to 0 to spend it anyway)"
        )
    else:
        message = (
            f"the limits ({cause}) let the plan spend only {spent:.3g} of the "
            f"{budget_flops:.3g} FLOPs budget; the remaining {unspent:.3g} FLOPs would buy no "
            "lower loss"
        )
    return AnswerWarning(code="compute_saturated", message=message, value=spent, quantity="flops")


def target_saturation(
    cost_of: Callable[[float], float],
    target_loss: float,
    cost: float,
    tolerance: float,
    elasticity: float | None,
    limits: list[str],
    loss_at: Callable[[float], float] | None = None,
) -> AnswerWarning | None:
    """``compute_saturated`` for a target within ``tolerance`` of what the limits allow.

    ``cost_of(loss)`` is the least compute reaching ``loss``; ``elasticity`` is
    ``d ln C / d ln L`` at the target when known (``ln C`` is convex in ``ln L`` for geometric
    programs, so a small one rules saturation out without a second solve); ``loss_at(C)``, the
    best loss of a budget, rules it out with one cheap solve at half the cost.
    """
    if tolerance <= 0:
        return None
    step = math.log(1.0 + tolerance)
    if elasticity is not None and abs(elasticity) * step < math.log(1.0 / SATURATION_SHARE):
        return None
    eased = target_loss * (1.0 + tolerance)
    if loss_at is not None:
        try:
            if loss_at(SATURATION_SHARE * cost) > eased:
                return None
        except PlannerError:
            return None
    try:
        cheaper = cost_of(eased)
    except PlannerError:
        return None
    if cheaper > SATURATION_SHARE * cost:
        return None
    cause = ", ".join(limits) if limits else "the loss law's floor"
    return AnswerWarning(
        code="compute_saturated",
        message=f"the target is within {tolerance:.2%} of the lowest loss reachable (limited by "
        f"{cause}): loss {eased:.5g} needs only {cheaper:.3g} FLOPs; the last "
        f"{cost - cheaper:.3g} of the {cost:.3g} FLOPs buy {eased - target_loss:.2g} nats",
        value=cheaper,
        quantity="flops",
    )
