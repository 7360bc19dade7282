"""Sweep rows planned by an allocation law, as its route plans each (issue 13).

Without limits, ``routes/allocation.py`` takes N and D from the law's published closed form
at the budget, the loss from the loss law at that point, and the budget's margin from the law
again at 110 % of the budget. The route's loss does not fall convexly with compute, so the
saturation rule always probes the half budget: when the law's loss there is already within
the tolerance, the plan is cut (make_plan searches how far); otherwise it keeps the whole
budget. Here those numbers are computed for every row with the same functions; a row the rule
would cut, or that any function refuses, is left to make_plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from laws_catalog import ResolvedLaw
from laws_catalog.allocation import AllocationLaw, allocate
from laws_catalog.loss import LossLaw
from laws_catalog.loss import loss as law_loss

from ...errors import PlannerError
from ..plan.saturation import SATURATION_SHARE

__all__ = ["AllocatedRow", "allocated_rows"]

_MARGIN = 1.1
"""The route's budget margin: the allocation followed again at 110 % of the budget."""


@dataclass(frozen=True, slots=True)
class AllocatedRow:
    n_params: float
    n_tokens: float
    loss: float
    loss_change: float
    """Loss at 110 % of the budget (allocated again) minus the loss."""


def allocated_rows(
    allocation: ResolvedLaw[AllocationLaw],
    loss: ResolvedLaw[LossLaw],
    flops: Sequence[float],
    tolerance: Sequence[float],
    rows: Sequence[int],
) -> dict[int, AllocatedRow]:
    """The allocation of each row in ``rows`` that keeps its whole budget."""
    law, constants = allocation.law, allocation.constants.name

    def loss_at(budget: float) -> tuple[float, float, float]:
        found = allocate(law, budget, constants)
        value = law_loss(loss.law, found.n_params, found.n_tokens, loss.constants.name)
        return found.n_params, found.n_tokens, value

    half = math.exp(math.log(1.0 * SATURATION_SHARE))  # the saturation rule's probe
    out: dict[int, AllocatedRow] = {}
    for i in rows:
        try:
            n_params, n_tokens, value = loss_at(flops[i])
            more = loss_at(flops[i] * _MARGIN)[2]
            if (
                tolerance[i] > 0
                and not loss_at(flops[i] * half)[2] - value * (1.0 + tolerance[i]) > 0
            ):
                continue  # within the tolerance at half the budget: make_plan cuts it
        except (PlannerError, ValueError, ArithmeticError):
            continue
        out[i] = AllocatedRow(n_params, n_tokens, value, more - value)
    return out
