"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from laws_catalog import CATALOG

from ..services import Services, get_services

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(services: Annotated[Services, Depends(get_services)]) -> dict[str, str | bool]:
    """Catalogue loaded; cache status (a down Redis does not make the service unready);
    whether the solver threads have finished warming up (requests wait for it until then)."""
    return {
        "status": "ready",
        "catalog_version": CATALOG.version,
        "cache": await services.cache.status(),
        "jobs": services.jobs.name,
        "warm": services.warm.is_set(),
    }
