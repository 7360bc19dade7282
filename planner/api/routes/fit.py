"""``POST /v1/fit``: fit a loss law to the requester's runs (JSON or CSV)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError

from ...cache import cache_key
from ...errors import InvalidRequest
from ...fitting.csv_runs import runs_from_csv
from ...fitting.service import fit_runs
from ...schemas.fit import FitRequest, FitResponse
from ...schemas.responses import ErrorBody
from ..services import Services, get_services

router = APIRouter(tags=["fitting"])

ServicesDep = Annotated[Services, Depends(get_services)]
_MAX_BODY = 1_000_000
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": FitRequest.model_json_schema()},
            "text/csv": {
                "schema": {"type": "string"},
                "example": "params,tokens,loss,run\n1e8,2e9,3.31,s1\n",
            },
        },
    }
}


def _csv_body(text: str, query: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"runs": runs_from_csv(text)}
    bootstrap = {
        key: query[name]
        for key, name in (("samples", "bootstrap_samples"), ("seed", "seed"), ("level", "level"))
        if query.get(name) is not None
    }
    if bootstrap:
        body["bootstrap"] = bootstrap
    for name in ("form", "params_definition", "loss_name", "early_fraction", "huber_delta"):
        if query.get(name) is not None:
            body[name] = query[name]
    return body


def _csv_request(text: str, query: dict[str, Any]) -> FitRequest:
    """Validate CSV runs, naming a bad cell by its line and column (data starts on line 2)."""
    try:
        return FitRequest.model_validate(_csv_body(text, query))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc", ())
        if len(loc) == 3 and loc[0] == "runs" and isinstance(loc[1], int):
            field = f"line {loc[1] + 2}.{loc[2]}"
            raise InvalidRequest(
                f"{field}: {first.get('msg', 'invalid value')}",
                field=field,
                allowed="a positive finite number (loss <= 100)",
            ) from None
        raise


@router.post(
    "/fit",
    response_model=FitResponse,
    responses={422: {"model": ErrorBody, "description": "bad run (row and field named)"}},
    openapi_extra=_BODY,
)
async def post_fit(
    request: Request,
    services: ServicesDep,
    form: Annotated[Literal["chinchilla", "gadre2024"] | None, Query()] = None,
    params_definition: Annotated[
        Literal["n_params_total", "n_params_non_embedding"] | None, Query()
    ] = None,
    loss_name: Annotated[str | None, Query(max_length=200)] = None,
    early_fraction: Annotated[float | None, Query()] = None,
    huber_delta: Annotated[float | None, Query()] = None,
    bootstrap_samples: Annotated[int | None, Query()] = None,
    seed: Annotated[int | None, Query()] = None,
    level: Annotated[float | None, Query()] = None,
) -> Response:
    """Fit ``chinchilla`` or ``gadre2024`` to runs given as JSON, or as CSV
    (``Content-Type: text/csv``, columns params,tokens,loss[,run]; the other fields as query
    parameters). The answer's ``law`` goes in ``laws.loss`` of any plan, predict or sweep."""
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        return Response(
            b'{"error":"ValidationError","detail":"body: more than 1000000 bytes",'
            b'"field":"body","allowed":"at most 1000000 bytes"}',
            status_code=413,
            media_type="application/json",
        )
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("text/csv"):
            query = {
                "form": form,
                "params_definition": params_definition,
                "loss_name": loss_name,
                "early_fraction": early_fraction,
                "huber_delta": huber_delta,
                "bootstrap_samples": bootstrap_samples,
                "seed": seed,
                "level": level,
            }
            body = _csv_request(raw.decode("utf-8", "replace"), query)
        else:
            body = FitRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    return await _cached_fit(services, body)


_FIT_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fit")
"""Fits take seconds (the largest ~20 s): they queue on their own thread, so they never hold
the solver threads plans run on."""


async def _cached_fit(services: Services, body: FitRequest) -> Response:
    """Read-through cache as :func:`..services.answer`, computed on the fit thread."""
    key = cache_key("fit", body.model_dump_json().encode(), "json")
    cached = await services.cache.get(key)
    if cached is not None:
        return Response(cached, media_type="application/json", headers={"X-Cache": "hit"})
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    found = await loop.run_in_executor(_FIT_THREAD, lambda: fit_runs(body).model_dump_json())
    elapsed_ms = (time.perf_counter() - started) * 1e3
    await services.cache.set(key, found.encode(), services.settings.cache_ttl_seconds)
    return Response(
        found,
        media_type="application/json",
        headers={"X-Cache": "miss", "Server-Timing": f"fit;dur={elapsed_ms:.2f}"},
    )
