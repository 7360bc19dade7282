"""Query parameters an endpoint does not take are an error, not silently ignored.

``GET /v1/plan?flops=1e24&device=h100&max_decode_latency_ms=4`` used to answer 200 with a plan
that ignored the serving limit. Now every route refuses undeclared query parameters with a 422
that names them, suggests the parameter meant (``quantiy`` -> ``quantity``) and, for fields
only a request body can carry, says where they go in the POST body.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from ..errors import InvalidRequest
from ..schemas.requests import PlanRequest

__all__ = ["reject_unknown_query_parameters"]


def _query_names(dependant: Dependant) -> frozenset[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


def _body_paths(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Every field of a request body by its last name -> its dotted path in the body."""
    paths: dict[str, str] = {}
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.setdefault(name, path)
        for inner in _models(field.annotation):
            for leaf, dotted in _body_paths(inner, f"{path}.").items():
                paths.setdefault(leaf, dotted)
    return paths


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        found += _models(arg)
    return found


@cache
def _plan_body_paths() -> dict[str, str]:
    return _body_paths(PlanRequest)


def _hint(name: str, declared: frozenset[str], path: str) -> str:
    close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.75)
    if close:
        return f"{name!r} (did you mean {close[0]!r}?)"
    body_path = _plan_body_paths().get(name)
    if body_path is not None and path.startswith(("/v1/plan", "/v1/sweep", "/v1/plots")):
        return f"{name!r} (only a POST body takes it, as {body_path!r})"
    return repr(name)


async def reject_unknown_query_parameters(request: Request) -> None:
    """Dependency for every route: 422 naming each query parameter the route does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    declared = _query_names(route.dependant)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in declared]
    if not unknown:
        return
    method = request.method
    path = request.url.path
    hints = ", ".join(_hint(name, declared, path) for name in unknown)
    needs_post = any(_plan_body_paths().get(name) for name in unknown)
    advice = (
        f"; serving, data, precision and architecture questions need POST {path} with a JSON body"
        if needs_post and method == "GET" and path in {"/v1/plan", "/v1/sweep"}
        else ""
    )
    raise InvalidRequest(
        f"{method} {path} does not take the query parameter(s) {hints}{advice}",
        field=unknown[0],
        allowed=sorted(declared),
    )
