"""The OpenAPI document's conventions: readable operation ids and an example for every request.

Operation ids are what generated clients name their methods: ``plan``, ``predict``, ``sweep``
rather than FastAPI's ``post_plan_v1_plan_post``. The examples are real requests; the tests post
each one and expect a 2xx answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

__all__ = ["REQUEST_EXAMPLES", "install_openapi", "readable_ids", "route_name"]

# Illustrative constants of the D-CPT form (Que et al. 2024, parameterisation L3) for the
# example's runs: any positive constants make a valid example; these are not fitted values.
_DOMAIN = (1.2, 40.0, 60.0, 0.25, 0.3, 0.25, 0.5, 0.3, 0.05)
_GENERAL = (1.6, 40.0, 50.0, 0.15, 0.3, 0.25, 0.6, 0.2, 0.1)


def _dcpt(n: float, d: float, r: float, k: tuple[float, ...]) -> float:
    e, a, b, c, alpha, beta, gamma, eta, eps = k
    return float(e + a * n**-alpha + b * r**eta * d**-beta + c * (r + eps) ** -gamma)


REQUEST_EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "PlanRequest": [
        {
            "budget": {
                "gpu": "h100",
                "gpu_count": 1024,
                "hours": 720,
                "mfu": 0.4,
                "price_per_gpu_hour": 2.5,
            },
            "constraints": {"max_params": 7e10},
        },
        {"target": {"loss": 2.1}},
        {
            "budget": {"flops": 1e24},
            "inference": {"device": "h100", "max_decode_latency_ms": 4},
        },
    ],
    "PredictRequest": [{"params": 7e10, "tokens": 1.4e12}],
    "JobSubmission": [
        {"kind": "sweep", "request": {"budgets": [{"flops": 1e21}, {"flops": 1e22}]}},
        {"kind": "plan", "request": {"budget": {"flops": 1e23}}},
    ],
    "SweepRequest": [
        {"budgets": [{"flops": 1e21}, {"flops": 1e22}, {"flops": 1e23}]},
        {"targets": [{"loss": 2.3}, {"loss": 2.1}]},
        {"budgets": [{"flops": 1e21}, {"flops": 1e22}, {"flops": 1e23}], "detail": "summary"},
    ],
    "VocabularyRequest": [{"params_non_vocabulary": 7e9}],
    "MixtureRequest": [
        {
            "runs": [
                {
                    "mixture": {"web": w, "code": round(1 - w, 2)},
                    "losses": {"web_val": 2.0 + 0.9 * (1 - w) ** 2, "code_val": 1.6 + 0.7 * w**2},
                }
                for w in (0.1, 0.3, 0.5, 0.7, 0.9)
            ]
        }
    ],
    "ContinualRequest": [
        {
            "runs": [
                {
                    "params": n,
                    "tokens": d,
                    "domain_ratio": r,
                    "domain_loss": round(_dcpt(n, d, r, _DOMAIN), 6),
                    "general_loss": round(_dcpt(n, d, 1 - r, _GENERAL), 6),
                }
                for n in (5e8, 1.8e9, 4e9)
                for d in (1e9, 3e9, 1e10)
                for r in (0.1, 0.3, 0.5, 0.7, 0.9)
            ],
            "params": 1.8e9,
            "tokens": 1e10,
            "domain_weight": 0.6,
        }
    ],
    "LossCurveRequest": [
        {
            "law": "luo2025@model_400m",
            "predict": {
                "schedule": {
                    "kind": "cosine",
                    "total_steps": 20000,
                    "peak_lr": 3e-4,
                    "warmup_steps": 2160,
                    "final_lr_fraction": 0.1,
                }
            },
        }
    ],
}


def route_name(route: APIRoute) -> str:
    """Each route's handler name as its id while the document is built (see below)."""
    return route.name


def readable_ids(paths: dict[str, dict[str, Any]]) -> None:
    """Handler names -> operation ids, in place: a POST drops its ``post_`` prefix, and a GET
    that mirrors a POST of the same path with query parameters is ``<post id>_query``."""
    for operations in paths.values():
        post = operations.get("post")
        post_id = post["operationId"].removeprefix("post_") if post else None
        for method, operation in operations.items():
            name: str = operation["operationId"]
            if method == "post":
                name = name.removeprefix("post_")
            elif method == "get" and post_id is not None:
                name = f"{post_id}_query"
            operation["operationId"] = name


def install_openapi(app: FastAPI) -> None:
    """Build the document once, with the examples added to the request schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        readable_ids(document.get("paths", {}))
        schemas = document.get("components", {}).get("schemas", {})
        for name, examples in REQUEST_EXAMPLES.items():
            if name in schemas:
                schemas[name]["examples"] = examples
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
