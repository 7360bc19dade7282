"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from laws_catalog import CATALOG

from ..services import Services, get_services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=dict[str, str | bool],
    responses={503: {"description": "saturated: every solver thread busy and the queue full"}},
)
async def readyz(
    services: Annotated[Services, Depends(get_services)],
) -> Response:
    """Catalogue loaded; cache status (a down Redis does not make the service unready);
    whether the solver threads have finished warming up (requests wait for it until then).

    503 while saturated (all solver threads busy and the queue full), so a load balancer
    sends new traffic to another instance.
    """
    admission = services.admission
    body: dict[str, str | bool] = {
        "status": "saturated" if admission.saturated else "ready",
        "catalog_version": CATALOG.version,
        "cache": await services.cache.status(),
        "jobs": services.jobs.name,
        "warm": services.warm.is_set(),
        "solver_queue": f"{admission.in_flight} running, {admission.queue_depth} queued, "
        f"capacity {admission.capacity}",
    }
    return JSONResponse(body, status_code=503 if admission.saturated else 200)
