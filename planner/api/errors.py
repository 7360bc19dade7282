"""Map every error to one JSON shape (``ErrorBody``) and status code, in one place."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import PlannerError

__all__ = ["add_exception_handlers", "validation_body"]

log = logging.getLogger(__name__)

_ALLOWED_KEYS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def _allowed(error: Mapping[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    bounds = [f"{sym} {ctx[key]}" for key, sym in _ALLOWED_KEYS.items() if key in ctx]
    if bounds:
        return " and ".join(bounds) + " (finite)"
    if "max_length" in ctx and error.get("type") == "too_long":
        return f"at most {ctx['max_length']} items"
    if "min_length" in ctx and error.get("type") == "too_short":
        return f"at least {ctx['min_length']} items"
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    if "expected" in ctx:
        return str(ctx["expected"])
    if error.get("type") in ("finite_number",):
        return "a finite number"
    return None


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query")]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text or "body"


def validation_body(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One readable error body from pydantic's error list (first error up front)."""
    items = []
    for error in errors:
        message = str(error.get("msg", "invalid value"))
        field = _field(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            position = next((p for p in error.get("loc", ()) if isinstance(p, int)), None)
            reason = (error.get("ctx") or {}).get("error")
            message = "request body is not valid JSON" + (
                f" ({reason} at character {position})" if position is not None else ""
            )
            field = "body"
        item: dict[str, Any] = {"field": field, "detail": message}
        allowed = _allowed(error)
        if allowed is not None:
            item["allowed"] = allowed
        items.append(item)
    first = items[0] if items else {"field": "body", "detail": "invalid request"}
    body: dict[str, Any] = {
        "error": "ValidationError",
        "detail": f"{first['field']}: {first['detail']}",
        "field": first["field"],
    }
    if "allowed" in first:
        body["allowed"] = first["allowed"]
    if len(items) > 1:
        body["errors"] = items
    return body


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlannerError)
    async def _planner(_: Request, exc: PlannerError) -> JSONResponse:
        if exc.status_code == 503:
            log.warning("refused: %s", exc.message)
        elif exc.status_code >= 500:
            log.error("planner failure: %s", exc.message)
        return JSONResponse(
            exc.to_dict(), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(exc.errors()), status_code=422)

    @app.exception_handler(ValidationError)
    async def _validation(_: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(validation_body(exc.errors()), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        cause = exc.__cause__
        if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
            return JSONResponse(
                {
                    "error": "ValidationError",
                    "detail": f"request body is not valid UTF-8 (byte {cause.start})",
                    "field": "body",
                    "allowed": "JSON text encoded as UTF-8",
                },
                status_code=422,
            )
        return JSONResponse(
            {"error": "HTTPError", "detail": str(exc.detail), "field": "body"}
            if exc.status_code == 400
            else {"error": "HTTPError", "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(ValueError)
    @app.exception_handler(ArithmeticError)
    async def _numeric(_: Request, exc: Exception) -> JSONResponse:
        """Last resort: a numeric failure no guard anticipated comes from the inputs' values
        (logged with its traceback as a bug to fix at the cause), answered as a 422."""
        log.exception("unanticipated numeric failure")
        return JSONResponse(
            {
                "error": "UnsupportedInput",
                "detail": f"the planner cannot evaluate these inputs ({type(exc).__name__}: "
                f"{exc}); use values nearer the laws' fitted ranges",
                "field": "body",
            },
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        log.exception("unexpected error")
        return JSONResponse(
            {"error": "InternalError", "detail": f"unexpected {type(exc).__name__}"},
            status_code=500,
        )
