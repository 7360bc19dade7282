"""Bad input: a 4xx naming the field and the allowed range, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BAD_BODIES: dict[str, tuple[Any, str]] = {
    "negative budget": ({"budget": {"flops": -1}}, "budget.flops"),
    "zero budget": ({"budget": {"flops": 0}}, "budget.flops"),
    "huge budget": ({"budget": {"flops": 1e40}}, "budget.flops"),
    "string budget": ({"budget": {"flops": "1e23"}}, "budget.flops"),
    "bool budget": ({"budget": {"flops": True}}, "budget.flops"),
    "two amounts": ({"budget": {"flops": 1e23, "gpu_hours": 10}}, "budget"),
    "gpu hours without mfu": ({"budget": {"gpu_hours": 1e5, "gpu": "h100"}}, "budget"),
    "mfu above one": ({"budget": {"gpu_hours": 1e5, "gpu": "h100", "mfu": 1.5}}, "budget.mfu"),
    "unknown gpu": ({"budget": {"gpu_hours": 1e5, "gpu": "h900", "mfu": 0.4}}, "budget.gpu"),
    "format the gpu lacks": (
        {"budget": {"gpu_hours": 1e5, "gpu": "a100", "mfu": 0.4, "number_format": "fp8"}},
        "budget.number_format",
    ),
    "unknown law": ({"budget": {"flops": 1e23}, "laws": {"loss": "nope"}}, "laws.loss"),
    "unknown constant set": (
        {"budget": {"flops": 1e23}, "laws": {"loss": "hoffmann2022@nope"}},
        "laws.loss",
    ),
    "allocation as loss": (
        {"budget": {"flops": 1e23}, "laws": {"loss": "deepseek2024"}},
        "laws.loss",
    ),
    "min above max": (
        {"budget": {"flops": 1e23}, "constraints": {"min_params": 2e9, "max_params": 1e9}},
        "constraints",
    ),
    "no budget": ({}, "body"),
    "budget and target": ({"budget": {"flops": 1e23}, "target": {"loss": 2.0}}, "body"),
    "unknown field": ({"budget": {"flops": 1e23}, "bugdet": 1}, "bugdet"),
    "target below floor": ({"target": {"loss": 1.5}}, "target.loss"),
    "target error without downstream law": (
        {"target": {"downstream_error": 0.4}},
        "target.downstream_error",
    ),
    "target error out of reach": (
        {"target": {"downstream_error": 0.99}, "laws": {"loss": "gadre2024"}},
        "target.downstream_error",
    ),
    "body is a list": ([1, 2], "body"),
}


@pytest.mark.parametrize(("body", "field"), BAD_BODIES.values(), ids=list(BAD_BODIES))
def test_bad_plan_request_is_a_422_naming_the_field(
    client: TestClient, body: Any, field: str
) -> None:
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["field"] == field or error["field"].startswith(field), error
    assert error["detail"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_rejected(client: TestClient, literal: str) -> None:
    response = client.post(
        "/v1/plan",
        content=f'{{"budget": {{"flops": {literal}}}}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "budget.flops"


def test_out_of_range_error_states_the_allowed_range(client: TestClient) -> None:
    error = client.post("/v1/plan", json={"budget": {"flops": -5}}).json()
    assert error["allowed"].startswith(">= 1000000000000")  # the smallest budget planned


def test_unknown_law_lists_allowed_values(client: TestClient) -> None:
    error = client.post(
        "/v1/plan", json={"budget": {"flops": 1e23}, "laws": {"loss": "chinchilla"}}
    ).json()
    assert "besiroglu2024" in error["allowed"]


def test_invalid_json(client: TestClient) -> None:
    response = client.post(
        "/v1/plan", content="{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


def test_contradictory_constraints_name_the_conflict(client: TestClient) -> None:
    response = client.post(
        "/v1/plan",
        json={"budget": {"flops": 1e20}, "constraints": {"min_params": 1e10, "min_tokens": 1e10}},
    )
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "PlanInfeasible"
    assert set(error["conflicting"]) == {
        "budget.flops",
        "constraints.min_params",
        "constraints.min_tokens",
    }


def test_unreachable_target_names_the_limits(client: TestClient) -> None:
    error = client.post(
        "/v1/plan",
        json={"target": {"loss": 1.9}, "constraints": {"max_params": 1e9, "max_tokens": 1e10}},
    ).json()
    assert error["error"] == "TargetUnreachable"
    assert set(error["conflicting"]) == {"constraints.max_params", "constraints.max_tokens"}
    assert "lowest loss they allow" in error["detail"]


def test_unknown_route_and_method_are_json(client: TestClient) -> None:
    assert client.get("/v1/nope").json()["error"] == "HTTPError"
    assert client.get("/v1/predict").status_code == 405


def test_get_plan_with_bad_query_is_a_422(client: TestClient) -> None:
    response = client.get("/v1/plan", params={"flops": "-1"})
    assert response.status_code == 422
    assert response.json()["field"] == "flops"
