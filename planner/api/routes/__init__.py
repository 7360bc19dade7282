"""One module per resource; ``router`` mounts them all under /v1."""

from fastapi import APIRouter

from . import catalog, fit, health, jobs, plans, plots, questions

router = APIRouter()
router.include_router(health.router)
router.include_router(catalog.router, prefix="/v1")
router.include_router(plans.router, prefix="/v1")
router.include_router(questions.router, prefix="/v1")
router.include_router(plots.router, prefix="/v1")
router.include_router(jobs.router, prefix="/v1")
router.include_router(fit.router, prefix="/v1")

__all__ = ["router"]
