"""Pictures: a plan's frontier and a sweep, as SVG (default) or PNG, cached like every answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ...plots import MEDIA_TYPES, ImageFormat, frontier_figure, sweep_figure
from ...schemas.requests import PlanRequest, SweepRequest
from ...schemas.responses import ErrorBody
from ..plan_query import plan_query
from ..query import ConstraintQuery, HardwareQuery, LawQuery, SweepRangeQuery
from ..services import Services, answer, get_services

router = APIRouter(tags=["pictures"])

ServicesDep = Annotated[Services, Depends(get_services)]
FormatQuery = Annotated[ImageFormat, Query(description="svg (default) or png")]
_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/svg+xml": {}, "image/png": {}},
        "description": "the picture (SVG or PNG)",
    },
    422: {"model": ErrorBody, "description": "invalid field, infeasible constraints"},
    500: {"model": ErrorBody, "description": "solver failure"},
}


@router.post("/plots/frontier", response_class=Response, responses=_IMAGE)
async def post_frontier_plot(
    body: PlanRequest, services: ServicesDep, format: FormatQuery = "svg"
) -> Response:
    """The plan on its law's loss-vs-compute frontier, with isoFLOP curves around it, its
    binding limits, the law's fitted range shaded and the loss interval when there is one."""
    return await answer(
        services,
        endpoint="plot-frontier",
        question=body,
        compute=lambda: frontier_figure(body, format, services.devices),
        media_type=MEDIA_TYPES[format],
        response_format=format,
    )


@router.get("/plots/frontier", response_class=Response, responses=_IMAGE)
async def get_frontier_plot(
    services: ServicesDep,
    body: Annotated[PlanRequest, Depends(plan_query)],
    format: FormatQuery = "svg",
) -> Response:
    """The frontier picture with the query parameters of `GET /v1/plan` (for `<img src>`)."""
    return await post_frontier_plot(body, services, format)


@router.post("/plots/sweep", response_class=Response, responses=_IMAGE)
async def post_sweep_plot(
    body: SweepRequest, services: ServicesDep, format: FormatQuery = "svg"
) -> Response:
    """Each sweep row's parameters, tokens and loss against its budget."""
    max_points = services.settings.max_sweep_points
    return await answer(
        services,
        endpoint="plot-sweep",
        question=body,
        compute=lambda: sweep_figure(body, format, services.devices, max_points),
        media_type=MEDIA_TYPES[format],
        response_format=format,
    )


@router.get("/plots/sweep", response_class=Response, responses=_IMAGE)
async def get_sweep_plot(
    services: ServicesDep,
    budgets: Annotated[SweepRangeQuery, Depends()],
    laws: Annotated[LawQuery, Depends()],
    constraints: Annotated[ConstraintQuery, Depends()],
    hardware: Annotated[HardwareQuery, Depends()],
    format: FormatQuery = "svg",
) -> Response:
    """The sweep picture with the query parameters of `GET /v1/sweep`."""
    body = SweepRequest(
        budgets=budgets.budgets(hardware), laws=laws.model(), constraints=constraints.model()
    )
    return await post_sweep_plot(body, services, format)
