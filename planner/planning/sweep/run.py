"""Many budgets or targets in one request; rows that fail carry their error, not the request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

from laws_catalog import CATALOG
from laws_catalog.hardware import Device

from ...deadline import checkpoint
from ...errors import InvalidRequest, PlannerError
from ...schemas.requests import SweepRequest
from ...schemas.responses import PlanResponse, SweepResponse, SweepRowError
from ..laws.selection import select_laws
from ..plan.pipeline import make_plan
from .csv_table import csv_rows
from .json_rows import json_rows

__all__ = ["sweep", "sweep_json", "sweep_rows", "sweep_table"]


def sweep_rows(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> Iterator[PlanResponse | SweepRowError]:
    """The rows of :func:`sweep` one at a time (a CSV writer keeps none of them)."""
    plans = request.plan_requests()
    list_field = "budgets" if request.budgets is not None else "targets"
    count = len(request.budgets or request.targets or [])
    if count > max_points:
        raise InvalidRequest(
            f"{list_field}: {count} entries, at most {max_points} allowed",
            field=list_field,
            allowed=f"1 to {max_points} entries",
        )
    select_laws(request.laws)  # an unknown law fails the whole request, once
    # make_plan is pure: equal rows share one answer (kept only for rows that repeat, so a
    # CSV sweep holds no plan longer than its line). Rows differ only in their budget or
    # target (the rest is the sweep's own), so that is the key.
    keys = [item.model_dump_json() for item in request.budgets or request.targets or []]
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    answered: dict[str, PlanResponse] = {}
    for index, (key, plan_request) in enumerate(zip(keys, plans, strict=True)):
        checkpoint(f"sweep row {index + 1} of {len(plans)}")
        if key in answered:  # a copy: later steps may annotate rows one by one
            yield answered[key].model_copy(deep=True)
            continue
        try:
            plan = make_plan(plan_request, devices)
            if key in repeated:
                answered[key] = plan
            yield plan
        except PlannerError as exc:
            if exc.status_code >= 500:
                raise
            body = exc.to_dict()
            field = body.get("field")
            if field is not None and field.split(".")[0] in ("budget", "target"):
                body["field"] = f"{list_field}[{index}]." + field.split(".", 1)[-1]
            yield SweepRowError(index=index, **body)


def sweep(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> SweepResponse:
    rows = list(sweep_rows(request, max_points=max_points, devices=devices))
    return SweepResponse(rows=rows, catalog_version=CATALOG.version)


def sweep_table(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> str:
    """The sweep as CSV, each row written as soon as it is planned."""
    rows = sweep_rows(request, max_points=max_points, devices=devices)
    return csv_rows(rows, CATALOG.version, uncertain=request.uncertainty is not None)


def sweep_json(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> bytes:
    """:func:`sweep` serialised (the same bytes), each row written as soon as it is planned."""
    rows = sweep_rows(request, max_points=max_points, devices=devices)
    return json_rows(rows, CATALOG.version)
