"""FastAPI application factory. Run with ``uvicorn planner.api.app:create_app --factory``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from laws_catalog import CATALOG

from .. import __version__
from ..config import Settings, get_settings
from ..log_format import configure_logging
from ..web import install_web
from .answer_shortcut import CachedAnswerShortcut
from .body_limit import BodyLimit
from .documented_errors import COMMON_ERRORS
from .errors import add_exception_handlers
from .guard import add_guards
from .metrics import AdmissionNumbers, add_metrics_route, set_admission_provider
from .observe import ObserveMiddleware
from .openapi import install_openapi, route_name
from .routes import router, slack
from .services import start_services
from .strict_query import reject_unknown_query_parameters

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = start_services(settings)
        app.state.services = services
        admission = services.admission
        set_admission_provider(
            app,
            lambda: AdmissionNumbers(
                queue_depth=admission.queue_depth,
                deadline_exceeded=admission.deadline_exceeded_total,
                shed=admission.shed_total,
            ),
        )
        try:
            yield
        finally:
            await services.close()

    app = FastAPI(
        title="LLM compute-budget planner",
        version=__version__,
        summary="What to train with a compute budget, from published scaling laws, traced.",
        description=f"Catalogue version {CATALOG.version}.",
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query_parameters)],
        generate_unique_id_function=route_name,
        docs_url=None,  # served offline by install_web
        redoc_url=None,
    )
    # first, so it sits innermost: every other middleware still sees each request
    app.add_middleware(CachedAnswerShortcut, max_entries=max(settings.memory_cache_entries, 1))
    add_exception_handlers(app)
    app.include_router(router, responses=COMMON_ERRORS)
    if settings.slack_signing_secret is not None:
        app.include_router(slack.router, prefix="/v1")
    install_web(app)
    install_openapi(app)
    configure_logging(settings.log_level, settings.log_format)
    add_metrics_route(app)
    # inside the key check and rate limit (a refused client sends no body we read), outside
    # the cached shortcut, which reads small bodies whole
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        path_limits={"/v1/jobs": settings.max_job_body_bytes},
    )
    add_guards(app, settings)  # API keys, rate limit (when configured)
    app.add_middleware(ObserveMiddleware, log_requests=settings.access_log)  # outermost
    return app
