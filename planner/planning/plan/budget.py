"""Turn a budget given as FLOPs, GPU time or dollars into FLOPs, and price FLOPs back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from laws_catalog.hardware import Device, DeviceLookupError, UnknownDevice, device

from ...errors import InvalidRequest
from ...schemas.requests import MIN_TRAINING_FLOPS, Budget, BudgetKind
from ...schemas.responses import BudgetOut

__all__ = ["budget_device", "budget_flops", "describe_budget", "gpu_hours"]

SECONDS_PER_HOUR = 3600.0
Devices = Mapping[str, Device] | None


def budget_device(
    budget: Budget | None, extra: Devices = None, number_format: str | None = None
) -> Device | None:
    """The budget's GPU (built-in or user-supplied), checked to run ``number_format``."""
    if budget is None or budget.gpu is None:
        return None
    fmt = number_format or budget.number_format
    try:
        found = device(budget.gpu, extra)
        found.peak_flops(fmt)
    except DeviceLookupError as exc:
        field = "budget.gpu" if type(exc) is UnknownDevice else "budget.number_format"
        raise InvalidRequest(f"{field}: {exc.message}", field=field, allowed=exc.allowed) from None
    return found


def gpu_hours(budget: Budget) -> float | None:
    if budget.gpu_hours is not None:
        return budget.gpu_hours
    if budget.gpu_count is not None and budget.hours is not None:
        return budget.gpu_count * budget.hours
    if budget.dollars is not None and budget.price_per_gpu_hour is not None:
        return budget.dollars / budget.price_per_gpu_hour
    return None


def budget_flops(budget: Budget, extra: Devices = None, number_format: str | None = None) -> float:
    """Training FLOPs the budget buys in ``number_format`` (default the budget's own)."""
    if budget.flops is not None:
        return budget.flops
    fmt = number_format or budget.number_format
    hardware = budget_device(budget, extra, fmt)
    hours = gpu_hours(budget)
    assert hardware is not None
    assert hours is not None
    assert budget.mfu is not None
    flops = hours * SECONDS_PER_HOUR * hardware.peak_flops(fmt) * budget.mfu
    if not flops >= MIN_TRAINING_FLOPS:  # also catches an underflow to 0
        kind = budget.amount_kind()
        field = {"gpu_count_hours": "budget.hours", None: "budget"}.get(kind, f"budget.{kind}")
        raise InvalidRequest(
            f"{field}: the budget buys {flops:.3g} FLOPs ({hardware.id}, {fmt}, MFU "
            f"{budget.mfu:g}), below the smallest training budget planned",
            field=field,
            allowed=f"a budget worth >= {MIN_TRAINING_FLOPS:g} FLOPs",
        )
    return flops


def describe_budget(
    budget: Budget | None, flops: float, extra: Devices = None, number_format: str | None = None
) -> BudgetOut:
    """The budget as the plan spends it, converted to GPU-hours and dollars where possible."""
    given_as: BudgetKind | Literal["target"] = (
        budget.amount_kind() if budget is not None else None
    ) or "target"
    fmt = number_format or (budget.number_format if budget is not None else "bf16")
    hardware = budget_device(budget, extra, fmt) if budget is not None else None
    if budget is None or hardware is None or budget.mfu is None:
        return BudgetOut(
            flops=flops,
            given_as=given_as,
            conversion="FLOPs as given" if given_as == "flops" else "FLOPs the plan needs",
        )
    peak = hardware.dense_peak[fmt]
    hours = flops / (SECONDS_PER_HOUR * peak.value * budget.mfu)
    price = budget.price_per_gpu_hour
    return BudgetOut(
        flops=flops,
        given_as=given_as,
        conversion=(
            f"FLOPs = GPU-hours x 3600 s x {peak.value:.4g} FLOP/s ({hardware.name}, dense "
            f"{fmt}) x MFU {budget.mfu:g}"
            + (f"; dollars = GPU-hours x {price:g} $/GPU-hour" if price is not None else "")
        ),
        gpu=hardware.id,
        gpu_name=hardware.name,
        number_format=fmt,
        peak_flops_per_gpu=peak.value,
        peak_source=peak.source,
        mfu=budget.mfu,
        gpu_hours=hours,
        price_per_gpu_hour=price,
        dollars=hours * price if price is not None else None,
    )
