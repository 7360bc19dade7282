"""The requests whose answers are recorded in ``answers.json.gz`` (see ``record_answers``).

They cover every question the service answers: each request example of the OpenAPI document,
every loss and allocation law of the catalogue across budgets, the serving, data, precision and
target routes, and the catalogue and hardware descriptions' numbers.
"""

from __future__ import annotations

from typing import Any

from planner.api.openapi import REQUEST_EXAMPLES

__all__ = ["RECORDED_REQUESTS"]

_PATHS = {
    "PlanRequest": "/v1/plan",
    "PredictRequest": "/v1/predict",
    "SweepRequest": "/v1/sweep",
    "VocabularyRequest": "/v1/vocabulary",
    "MixtureRequest": "/v1/mixture",
    "ContinualRequest": "/v1/continual-pretraining",
    "LossCurveRequest": "/v1/loss-curve",
}

_LOSS_LAWS = (
    "hoffmann2022",
    "hoffmann2022@eq10",
    "besiroglu2024",
    "kaplan2020",
    "muennighoff2023",
    "gadre2024",
)
_ALLOCATION_LAWS = ("hoffmann2022", "kaplan2020", "deepseek2024")


def _requests() -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    for schema, examples in REQUEST_EXAMPLES.items():
        path = _PATHS.get(schema)
        if path is not None:
            out += [("POST", path, example) for example in examples]
    for law in _LOSS_LAWS:
        for flops in (1e19, 1e21, 1e23, 1e25, 1e27):
            out.append(("POST", "/v1/plan", {"budget": {"flops": flops}, "laws": {"loss": law}}))
        out.append(("POST", "/v1/plan", {"target": {"loss": 2.2}, "laws": {"loss": law}}))
        out.append(("POST", "/v1/predict", {"params": 7e9, "tokens": 2e12, "laws": {"loss": law}}))
    for law in _ALLOCATION_LAWS:
        for flops in (1e20, 1e22, 1e24):
            out.append(
                ("POST", "/v1/plan", {"budget": {"flops": flops}, "laws": {"allocation": law}})
            )
    plans: list[dict[str, Any]] = [
        {"budget": {"flops": 1e22}, "data": {"unique_tokens": 1e8}},
        {"budget": {"flops": 1e23}, "data": {"unique_tokens": 5e10}},
        {"budget": {"flops": 1e23}, "precision": {"training": "auto"}},
        {"budget": {"flops": 1e23}, "precision": {"training": "fp8_e4m3"}},
        {"budget": {"flops": 1e23}, "precision": {"serving": "int4"}},
        {"budget": {"flops": 1e23}, "precision": {"serving": "auto", "serving_memory_bytes": 8e9}},
        {"budget": {"flops": 1e23}, "architecture": {"gated_mlp": True, "grouped_query": True}},
        {
            "budget": {"flops": 1e23},
            "data": {
                "sources": [
                    {"name": "web", "unique_tokens": 2e11},
                    {"name": "code", "unique_tokens": 3e10},
                ]
            },
        },
        {"budget": {"flops": 1e24}, "architecture": {"tensor_parallel": 8}},
        {"budget": {"flops": 1e23}, "constraints": {"max_params": 3e9}},
        {"budget": {"flops": 1e23}, "constraints": {"max_learning_rate": 1e-3}},
        {
            "budget": {"flops": 1e24},
            "inference": {
                "device": "h100",
                "max_decode_latency_ms": 20,
                "parallel_streams": "auto",
            },
        },
        {
            "budget": {"flops": 1e24},
            "inference": {"lifetime_tokens": 1e13, "device": "h100"},
        },
        {"budget": {"gpu": "a100", "gpu_count": 64, "hours": 240, "mfu": 0.35}},
        {"budget": {"flops": 1e23}, "uncertainty": True},
        {"budget": {"flops": 1e23}, "min_severity": "info"},
        {"target": {"loss": 2.5}, "data": {"unique_tokens": 1e10}},
    ]
    out += [("POST", "/v1/plan", body) for body in plans]
    out.append(
        ("POST", "/v1/sweep", {"budgets": [{"flops": 1e20}, {"flops": 1e26}], "uncertainty": True})
    )
    out.append(("POST", "/v1/vocabulary", {"params_non_vocabulary": 7e8}))
    out.append(("GET", "/v1/plan?flops=3e22", {}))
    out.append(("GET", "/v1/sweep?start=1e20&stop=1e24&num=5&format=csv", {}))
    out.append(("GET", "/v1/hardware", {}))
    return out


RECORDED_REQUESTS = _requests()
