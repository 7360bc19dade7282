"""Interval columns of the CSV sweep (``*_low``, ``*_high``) when uncertainty was asked."""

from __future__ import annotations

from ...schemas.responses import PlanResponse

__all__ = ["INTERVAL_FIELDS", "interval_cells", "interval_columns"]

INTERVAL_FIELDS = ("params", "tokens", "tokens_per_param", "loss", "learning_rate")


def interval_columns() -> tuple[str, ...]:
    columns = [f"{name}_{side}" for name in INTERVAL_FIELDS for side in ("low", "high")]
    return (*columns, "uncertainty_level", "uncertainty_method", "uncertainty_samples")


def interval_cells(plan: PlanResponse) -> dict[str, object]:
    """Blank cells where a plan has no interval (no samples for its law, or not computed)."""
    found = plan.uncertainty
    if found is None:
        return {}
    cells: dict[str, object] = {
        "uncertainty_level": found.level,
        "uncertainty_method": found.method,
        "uncertainty_samples": found.samples,
    }
    for name in INTERVAL_FIELDS:
        low, high = found.intervals.get(name, ("", ""))
        cells[f"{name}_low"], cells[f"{name}_high"] = low, high
    return cells
