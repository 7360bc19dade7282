"""Routes and static mounts of the page and of the offline Swagger UI."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

__all__ = ["PAGE_DIR", "SWAGGER_PREFIX", "install_web"]

PAGE_DIR = Path(__file__).resolve().parent / "static"
PAGE_PREFIX = "/static/page"
SWAGGER_PREFIX = "/static/swagger-ui"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def planner_page() -> FileResponse:
    """The planner page: a form for the common question, the answer, and its picture."""
    return FileResponse(PAGE_DIR / "index.html", media_type="text/html; charset=utf-8")


def _docs_router(app: FastAPI) -> APIRouter:
    docs = APIRouter(include_in_schema=False)
    openapi_url = app.openapi_url or "/openapi.json"

    @docs.get(DOCS_URL)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API docs",
            swagger_js_url=f"{SWAGGER_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PAGE_PREFIX}/favicon.svg",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            # the default validator badge would fetch from an outside host
            swagger_ui_parameters={"validatorUrl": None},
        )

    @docs.get(OAUTH2_REDIRECT_URL)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    return docs


def install_web(app: FastAPI) -> None:
    """Add the page, the docs (the app must be made with ``docs_url=None``) and their assets."""
    app.include_router(router)
    app.include_router(_docs_router(app))
    app.mount(SWAGGER_PREFIX, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    app.mount(PAGE_PREFIX, StaticFiles(directory=PAGE_DIR), name="page")
