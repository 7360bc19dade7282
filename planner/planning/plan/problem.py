"""The problem a plan's routes solve, resolved once from the request.

The request names laws, devices, a budget in FLOPs, GPU time or dollars, or a target loss or
downstream error, and perhaps a limited amount of unique data. Resolving them (catalogue
look-ups, the settings' and the request's devices, the budget in FLOPs less a retrieval
datastore's build, the target as a loss, the repetition law for the data) happens here, so the
routes receive numbers and laws rather than the raw request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from laws_catalog import CATALOG, ResolvedLaw
from laws_catalog.data import RepetitionLaw
from laws_catalog.hardware import Device, InvalidDevice, parse_device
from laws_catalog.loss import LossLaw, is_loss_law, loss_for_downstream_error

from ...errors import InvalidRequest, TargetUnreachable
from ...schemas.requests import Architecture, Constraints, DataSpec, PlanRequest, Target
from ..laws.selection import SelectedLaws, resolve
from .budget import budget_flops
from .saturation import DEFAULT_LOSS_TOLERANCE

__all__ = [
    "BUDGET_FIELD",
    "LimitedData",
    "PlanProblem",
    "request_devices",
    "resolve_problem",
    "target_loss_of",
]

BUDGET_FIELD = {
    "flops": "budget.flops",
    "gpu_hours": "budget.gpu_hours",
    "gpu_count_hours": "budget.hours",
    "dollars": "budget.dollars",
}
"""The request field a budget was given as, by the kind of its amount."""


@dataclass(frozen=True)
class LimitedData:
    """The unique data the request has and the law that discounts repeating it."""

    spec: DataSpec
    repetition: ResolvedLaw[RepetitionLaw]


@dataclass(frozen=True)
class PlanProblem:
    """One plan question with everything the routes need resolved."""

    laws: SelectedLaws
    devices: Mapping[str, Device]
    """The settings' devices overridden by the request's own."""
    architecture: Architecture
    limits: Constraints
    budget_label: str
    """The request field the budget came as (``budget.flops`` for a target question)."""
    loss_tolerance: float
    """The saturation rule's relative loss tolerance: the budget section's, else the default."""
    budget_flops: float | None
    """Training FLOPs the budget buys, less a retrieval datastore's build; None for a target."""
    target_loss: float | None
    """The loss to reach (a downstream-error target converted by the loss law); None for a
    budget."""
    target_error: float | None = None
    """The downstream error asked, when the target was given as one."""
    data: LimitedData | None = None
    """The limited unique data (the data route's question); None when data is unlimited."""


def request_devices(
    request: PlanRequest, configured: Mapping[str, Device] | None
) -> dict[str, Device]:
    """Settings devices overridden by the request's own (validated)."""
    out = dict(configured or {})
    for i, raw in enumerate(request.devices or []):
        try:
            parsed = parse_device(raw)
        except InvalidDevice as exc:
            raise InvalidRequest(f"devices[{i}]: {exc}", field=f"devices[{i}]") from None
        out[parsed.id] = parsed
    return out


def target_loss_of(loss: ResolvedLaw[LossLaw], target: Target) -> float:
    """The loss a target asks for: as given, or the loss law's loss at the asked error."""
    if target.loss is not None:
        return target.loss
    law = loss.law
    assert target.downstream_error is not None
    if law.traits.downstream is None:
        with_downstream = [
            candidate.id
            for candidate in CATALOG.all_laws()
            if is_loss_law(candidate) and candidate.traits.downstream is not None
        ]
        raise InvalidRequest(
            f"target.downstream_error: {law.id} has no downstream-error law",
            field="target.downstream_error",
            allowed={"laws.loss": with_downstream},
        )
    try:
        return loss_for_downstream_error(law, target.downstream_error, loss.constants.name)
    except ValueError as exc:
        raise TargetUnreachable(
            f"target.downstream_error: {exc}", field="target.downstream_error"
        ) from None


def resolve_problem(
    request: PlanRequest,
    laws: SelectedLaws,
    devices: Mapping[str, Device],
    build_flops: float = 0.0,
) -> PlanProblem:
    """The request's budget (in FLOPs, less ``build_flops``) or target (as a loss), its laws,
    devices, limits, loss tolerance and limited data."""
    flops: float | None = None
    loss: float | None = None
    if request.target is not None:
        label = "budget.flops"
        loss = target_loss_of(laws.loss, request.target)
    else:
        assert request.budget is not None
        label = BUDGET_FIELD[request.budget.amount_kind() or "flops"]
        flops = budget_flops(request.budget, devices) - build_flops
    data = None
    if request.data is not None:  # after the budget and target: their errors are reported first
        repetition = resolve("data", request.laws.repetition, RepetitionLaw, "laws.repetition")
        data = LimitedData(request.data, repetition)
    return PlanProblem(
        laws=laws,
        devices=devices,
        architecture=request.architecture,
        limits=request.constraints,
        budget_label=label,
        loss_tolerance=(
            DEFAULT_LOSS_TOLERANCE if request.budget is None else request.budget.loss_tolerance
        ),
        budget_flops=flops,
        target_loss=loss,
        target_error=None if request.target is None else request.target.downstream_error,
        data=data,
    )
