"""Planning questions: plan, predict, sweep (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from ...planning.plan.pipeline import make_plan
from ...planning.questions.predict import predict
from ...planning.sweep.run import sweep_json, sweep_summary_json, sweep_table
from ...schemas.requests import PlanRequest, PredictRequest, SweepDetail, SweepRequest
from ...schemas.responses import (
    ErrorBody,
    PlanResponse,
    PredictResponse,
    SweepResponse,
    SweepSummaryResponse,
)
from ...schemas.uncertainty import UncertaintyRequest
from ..plan_query import plan_query
from ..query import ConstraintQuery, HardwareQuery, LawQuery, MinSeverityQuery, SweepRangeQuery
from ..services import Services, answer, get_services

router = APIRouter(tags=["planning"])

ServicesDep = Annotated[Services, Depends(get_services)]
_ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorBody, "description": "invalid field, infeasible constraints"},
    500: {"model": ErrorBody, "description": "solver failure"},
}
_CSV = "text/csv; charset=utf-8"
_TABLE_IS_FASTER = (
    'For the table alone, ask with `"detail": "summary"` (GET: `detail=summary`) or '
    "`format=csv`: the same rows, one line each instead of a full plan, answered far faster."
)
"""What a full JSON sweep that missed the deadline suggests (10,000 budgets: about 1.2 s as a
table against 7.5 s as full plans, README)."""


@router.post("/plan", response_model=PlanResponse, responses=_ERRORS)
async def post_plan(body: PlanRequest, services: ServicesDep) -> Response:
    """Best model size and token count for a budget, or least budget for a target loss."""
    return await answer(
        services,
        endpoint="plan",
        question=body,
        compute=lambda: make_plan(body, services.devices).model_dump_json().encode(),
    )


@router.get("/plan", response_model=PlanResponse, responses=_ERRORS)
async def get_plan(
    services: ServicesDep, body: Annotated[PlanRequest, Depends(plan_query)]
) -> Response:
    """The plan question as plain query parameters (for bots and links)."""
    return await post_plan(body, services)


@router.post("/predict", response_model=PredictResponse, responses=_ERRORS)
async def post_predict(body: PredictRequest, services: ServicesDep) -> Response:
    """Predicted loss (and downstream error) of a given model size and token count."""
    return await answer(
        services,
        endpoint="predict",
        question=body,
        compute=lambda: predict(body).model_dump_json().encode(),
    )


def _wants_csv(fmt: str | None, accept: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return accept is not None and "text/csv" in accept


_SWEEP_ANSWERS = SweepResponse | SweepSummaryResponse
_SWEEP_RESPONSES: dict[int | str, dict[str, object]] = {
    **_ERRORS,
    200: {
        "content": {"text/csv": {}},
        "description": "JSON: one full plan per row (SweepResponse), or with `detail` summary "
        "the CSV's table (SweepSummaryResponse); CSV with `format=csv` or `Accept: text/csv`",
    },
}


@router.post("/sweep", response_model=_SWEEP_ANSWERS, responses=_SWEEP_RESPONSES)
async def post_sweep(
    body: SweepRequest,
    services: ServicesDep,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """One plan per budget (or target); `"detail": "summary"` for the CSV's table as JSON; CSV
    with `format=csv` or `Accept: text/csv` (which ignores `detail`)."""
    max_points = services.settings.max_sweep_points
    if _wants_csv(format, accept):
        return await answer(
            services,
            endpoint="sweep",
            question=body,
            compute=lambda: sweep_table(
                body, max_points=max_points, devices=services.devices
            ).encode(),
            media_type=_CSV,
            response_format="csv",
            key_ignores=frozenset({"detail"}),  # the CSV is the table whatever the detail
        )
    summary = body.detail == "summary"
    as_json = sweep_summary_json if summary else sweep_json
    return await answer(
        services,
        endpoint="sweep",
        question=body,
        compute=lambda: as_json(body, max_points=max_points, devices=services.devices),
        deadline_advice=None if summary else _TABLE_IS_FASTER,
    )


@router.get("/sweep", response_model=_SWEEP_ANSWERS, responses=_SWEEP_RESPONSES)
async def get_sweep(
    services: ServicesDep,
    budgets: Annotated[SweepRangeQuery, Depends()],
    laws: Annotated[LawQuery, Depends()],
    constraints: Annotated[ConstraintQuery, Depends()],
    hardware: Annotated[HardwareQuery, Depends()],
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    accept: Annotated[str | None, Header()] = None,
    min_severity: MinSeverityQuery = "info",
    uncertainty: bool = False,
    detail: Annotated[
        SweepDetail,
        Query(description="JSON answer: `full` plans per row, or `summary`: the CSV's table"),
    ] = "full",
) -> Response:
    """Log-spaced budgets from `start` to `stop` as plain GET (spreadsheet IMPORTDATA)."""
    body = SweepRequest(
        budgets=budgets.budgets(hardware),
        laws=laws.model(),
        constraints=constraints.model(),
        min_severity=min_severity,
        uncertainty=UncertaintyRequest() if uncertainty else None,
        detail=detail,
    )
    return await post_sweep(body, services, format, accept)
