"""Inputs a careless or hostile client sends (issue 12): a 4xx naming the field and the allowed
range, never a 5xx, and never a NaN or infinity in a number field of an answer."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from planner.api.app import create_app
from planner.api.finite import NonFiniteAnswer, refusing_non_finite
from planner.config import Settings
from planner.schemas.requests import MIN_TRAINING_FLOPS
from planner.schemas.responses import PredictResponse
from planner.schemas.side_questions import MAX_TOTAL_STEPS


def _finite_numbers(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite_numbers(v) for v in value)
    return True


# the reproductions from the issue text, each with the field the 422 must name
REPRODUCTIONS: dict[str, tuple[str, str, Any, str]] = {
    "GET plan flops=1e11": ("GET", "/v1/plan?flops=1e11", None, "flops"),
    "target loss 100": ("POST", "/v1/plan", {"target": {"loss": 100}}, "target.loss"),
    "flops 1e-300": ("POST", "/v1/plan", {"budget": {"flops": 1e-300}}, "budget.flops"),
    "dollars 1e-300 at mfu 1e-300": (
        "POST",
        "/v1/plan",
        {
            "budget": {
                "dollars": 1e-300,
                "price_per_gpu_hour": 1e13,
                "gpu": "h100",
                "mfu": 1e-300,
            }
        },
        "budget.dollars",
    ),
    "GET sweep 5e-324": ("GET", "/v1/sweep?start=5e-324&stop=5e-324", None, "start"),
    "predict 5e-324 params": (
        "POST",
        "/v1/predict",
        {"params": 5e-324, "tokens": 1e12},
        "params",
    ),
}


@pytest.mark.parametrize(
    ("method", "url", "body", "field"), REPRODUCTIONS.values(), ids=list(REPRODUCTIONS)
)
def test_issue_reproductions_are_422s_naming_the_field(
    client: TestClient, method: str, url: str, body: Any, field: str
) -> None:
    response = client.request(method, url, json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["field"] == field, error
    assert error["detail"]
    assert error.get("allowed"), error


@pytest.mark.slow
def test_no_budget_in_the_old_500_band_gives_a_server_error(client: TestClient) -> None:
    """Every budget from 0.4 to 1e11 FLOPs gave 500; now below the planned minimum is a 422
    stating it, and from the minimum up a plan."""
    for flops in map(float, np.geomspace(0.4, 1e14, 30)):
        response = client.get(f"/v1/plan?flops={flops!r}")
        expected = 200 if flops >= MIN_TRAINING_FLOPS else 422
        assert response.status_code == expected, (flops, response.text)
        if expected == 422:
            assert response.json()["allowed"].startswith(">= 1")


def test_a_tiny_budget_in_gpu_hours_names_its_field(client: TestClient) -> None:
    response = client.post(
        "/v1/plan", json={"budget": {"gpu_hours": 1e-9, "gpu": "h100", "mfu": 0.4}}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "budget.gpu_hours"


def test_continual_fit_on_constant_losses_never_sends_nan(client: TestClient) -> None:
    """All runs with the same losses: r² is undefined (null by documentation), the other
    figures finite, or the fit is refused with a 422 naming the runs; never NaN."""
    runs = [
        {
            "params": 1e8 * (1 + i),
            "tokens": 1e9 * (1 + i % 3),
            "domain_ratio": (i % 5) / 5,
            "domain_loss": 2.5,
            "general_loss": 2.5,
        }
        for i in range(12)
    ]
    response = client.post(
        "/v1/continual-pretraining", json={"runs": runs, "params": 1e9, "tokens": 1e10}
    )
    assert response.status_code in (200, 422), response.text
    assert "NaN" not in response.text
    if response.status_code == 200:
        body = response.json()
        assert _finite_numbers(body)
        for quality in body["fit_quality"].values():
            assert quality["rmse"] is not None
    else:
        assert response.json()["field"] == "runs"


def test_an_answer_with_a_non_finite_number_is_refused() -> None:
    def compute() -> bytes:
        return (
            PredictResponse.model_validate(
                {
                    "loss": 2.0,
                    "params": 1.0,
                    "params_definition": "n_params_total",
                    "tokens": 1e12,
                    "tokens_per_param": math.inf,
                    "flops": 6e12,
                    "units": {},
                    "provenance": [],
                    "warnings": [],
                    "catalog_version": "x",
                }
            )
            .model_dump_json()
            .encode()
        )

    with pytest.raises(NonFiniteAnswer, match="tokens_per_param"):
        refusing_non_finite(compute)()


def test_invalid_utf8_is_a_422_naming_the_body(client: TestClient) -> None:
    response = client.post(
        "/v1/plan",
        content=b'{"budget": {"flops": 1e23\xff}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()
    assert error["field"] == "body"
    assert "UTF-8" in error["detail"]


def test_invalid_json_names_the_body_and_says_where(client: TestClient) -> None:
    response = client.post(
        "/v1/plan",
        content=b'{"budget": {"flops": 1e23',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()
    assert error["field"] == "body"
    assert "character 25" in error["detail"]


def test_loss_curve_schedules_are_bounded_before_any_fit(client: TestClient) -> None:
    """20 curves of 10M updates each (the 92 s case) are refused at validation."""
    curve = {
        "schedule": {"kind": "cosine", "total_steps": 10_000_000, "peak_lr": 3e-4},
        "steps": [1000, 2000, 3000],
        "loss": [4.0, 3.5, 3.2],
    }
    started = time.perf_counter()
    response = client.post("/v1/loss-curve", json={"curves": [curve] * 20})
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 422
    assert str(MAX_TOTAL_STEPS) in response.json()["detail"]


def test_a_too_long_list_states_its_maximum(client: TestClient) -> None:
    sources = [{"name": f"s{i}", "unique_tokens": 1e10} for i in range(51)]
    response = client.post(
        "/v1/plan", json={"budget": {"flops": 1e22}, "data": {"sources": sources}}
    )
    assert response.status_code == 422
    error = response.json()
    assert error["field"] == "data.sources"
    assert error["allowed"] == "at most 50 items"


def _arrays_and_maps(node: Any, path: str, found: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "array" or isinstance(node.get("additionalProperties"), dict):
            found.append((path, node))
        for key, value in node.items():
            _arrays_and_maps(value, f"{path}/{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _arrays_and_maps(value, f"{path}/{i}", found)


def test_every_list_and_map_in_every_request_is_bounded_in_openapi(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    request_models: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in request_models:
                    request_models.add(name)
                    collect(schemas[name])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path_item in document["paths"].values():
        for operation in path_item.values():
            collect(operation.get("requestBody", {}))
            collect(operation.get("parameters", []))
    assert {"PlanRequest", "SweepRequest", "LossCurveRequest", "MixtureRequest"} <= request_models
    found: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(request_models):
        _arrays_and_maps(schemas[name], name, found)
    unbounded = [
        path
        for path, node in found
        if ("maxItems" not in node if node.get("type") == "array" else "maxProperties" not in node)
    ]
    assert found
    assert not unbounded, unbounded


def test_every_operation_documents_its_error_statuses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            documented = set(operation["responses"])
            assert {"413", "422", "503"} <= documented, (method, path, documented)


def test_body_above_the_limit_is_refused_by_its_declared_length() -> None:
    with TestClient(create_app(Settings(redis_url=None, max_body_bytes=4096))) as small:
        body = json.dumps({"budgets": [{"flops": 1e21 + i} for i in range(1000)]})
        response = small.post(
            "/v1/sweep", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        error = response.json()
        assert error["error"] == "PayloadTooLarge"
        assert "4096" in error["allowed"]


def test_streamed_body_above_the_limit_is_refused_without_a_length() -> None:
    received = []

    def chunks() -> Any:
        for _ in range(1000):
            received.append(1)
            yield b" " * 1024

    with TestClient(create_app(Settings(redis_url=None, max_body_bytes=8192))) as small:
        response = small.post(
            "/v1/plan", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        assert "8192" in response.json()["detail"]
