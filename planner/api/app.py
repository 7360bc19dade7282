"""FastAPI application factory. Run with ``uvicorn planner.api.app:create_app --factory``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from laws_catalog import CATALOG

from .. import __version__
from ..config import Settings, get_settings
from .body_limit import BodyLimit
from .documented_errors import COMMON_ERRORS
from .errors import add_exception_handlers
from .routes import router
from .services import start_services

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = start_services(settings)
        app.state.services = services
        try:
            yield
        finally:
            await services.cache.close()
            services.solver_pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="LLM compute-budget planner",
        version=__version__,
        summary="What to train with a compute budget, from published scaling laws, traced.",
        description=f"Catalogue version {CATALOG.version}.",
        lifespan=lifespan,
    )
    add_exception_handlers(app)
    app.include_router(router, responses=COMMON_ERRORS)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
