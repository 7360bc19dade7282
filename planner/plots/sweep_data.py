"""The numbers a sweep picture draws: each answered row against its budget."""

from __future__ import annotations

from dataclasses import dataclass

from ..planning.laws.selection import select_laws
from ..schemas.requests import SweepRequest
from ..schemas.responses import PlanResponse, SweepResponse

__all__ = ["SweepData", "sweep_data"]


@dataclass(frozen=True)
class SweepData:
    title: str
    law_ref: str
    params_quantity: str
    flops: tuple[float, ...]
    params: tuple[float, ...]
    tokens: tuple[float, ...]
    loss: tuple[float, ...]
    failed: tuple[str, ...]
    """``row i: detail`` for each row that has no answer."""


def sweep_data(request: SweepRequest, response: SweepResponse) -> SweepData:
    law = select_laws(request.laws).loss
    plans = [row for row in response.rows if isinstance(row, PlanResponse)]
    failed = tuple(
        f"row {row.index}: {row.detail}"
        for row in response.rows
        if not isinstance(row, PlanResponse)
    )
    ref = f"{law.law.id}@{law.constants.name}"
    return SweepData(
        title=f"Sweep of {len(response.rows)} plans\nloss law {ref} ({law.law.reference.short()})",
        law_ref=ref,
        params_quantity=law.law.traits.params_quantity,
        flops=tuple(p.plan.flops for p in plans),
        params=tuple(p.plan.params for p in plans),
        tokens=tuple(p.plan.tokens for p in plans),
        loss=tuple(p.plan.loss for p in plans),
        failed=failed,
    )
