"""Many budgets or targets in one request; rows that fail carry their error, not the request."""

from __future__ import annotations

from collections.abc import Mapping

from laws_catalog import CATALOG
from laws_catalog.hardware import Device

from ..deadline import checkpoint
from ..errors import InvalidRequest, PlannerError
from ..schemas.requests import SweepRequest
from ..schemas.responses import PlanResponse, SweepResponse, SweepRowError
from .law_selection import select_laws
from .plan import make_plan

__all__ = ["sweep"]


def sweep(
    request: SweepRequest, *, max_points: int, devices: Mapping[str, Device] | None = None
) -> SweepResponse:
    list_field = "budgets" if request.budgets is not None else "targets"
    count = len(request.budgets or request.targets or [])
    if count > max_points:
        raise InvalidRequest(
            f"{list_field}: {count} entries, at most {max_points} allowed",
            field=list_field,
            allowed=f"1 to {max_points} entries",
        )
    select_laws(request.laws)  # an unknown law fails the whole request, once
    plans = request.plan_requests()
    rows: list[PlanResponse | SweepRowError] = []
    for index, plan_request in enumerate(plans):
        checkpoint(f"sweep row {index + 1} of {len(plans)}")
        try:
            rows.append(make_plan(plan_request, devices))
        except PlannerError as exc:
            if exc.status_code >= 500:
                raise
            body = exc.to_dict()
            field = body.get("field")
            if field is not None and field.split(".")[0] in ("budget", "target"):
                body["field"] = f"{list_field}[{index}]." + field.split(".", 1)[-1]
            rows.append(SweepRowError(index=index, **body))
    return SweepResponse(rows=rows, catalog_version=CATALOG.version)
