"""HTTP conventions (issue 14): no silently ignored query parameters, readable operation ids,
an example for every request schema that the service really answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient


def test_serving_parameters_on_get_plan_are_refused_not_ignored(client: TestClient) -> None:
    """Seen from outside: this answered 200 with a 96B model and no serving section."""
    response = client.get("/v1/plan?flops=1e24&device=h100&max_decode_latency_ms=4")
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "device"
    assert "max_decode_latency_ms" in body["detail"]
    assert "inference.max_decode_latency_ms" in body["detail"]
    assert "POST /v1/plan" in body["detail"]
    assert "flops" in body["allowed"]


def test_a_typo_is_named_with_the_parameter_meant(client: TestClient) -> None:
    response = client.get("/v1/sweep?start=1e20&stop=1e22&quantiy=flops")
    assert response.status_code == 422
    assert response.json()["field"] == "quantiy"
    assert "did you mean 'quantity'" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    ["/v1/laws?verbose=1", "/v1/hardware?family=nvidia", "/v1/glossary?q=x", "/healthz?x=1"],
)
def test_every_get_refuses_unknown_parameters(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["field"] == url.split("?")[1].split("=")[0]


def test_post_refuses_unknown_query_parameters_too(client: TestClient) -> None:
    response = client.post("/v1/sweep?formt=csv", json={"budgets": [{"flops": 1e21}]})
    assert response.status_code == 422
    assert "did you mean 'format'" in response.json()["detail"]


def test_declared_parameters_still_work(client: TestClient) -> None:
    assert client.get("/v1/plan?flops=1e22&max_params=1e9&loss=hoffmann2022").status_code == 200
    csv = client.get("/v1/sweep?start=1e20&stop=1e22&num=3&format=csv")
    assert csv.status_code == 200
    assert csv.text.startswith("index,")


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(path, m): op for path, ops in doc["paths"].items() for m, op in ops.items()}


def test_operation_ids_are_readable(client: TestClient) -> None:
    ids = {
        key: op["operationId"]
        for key, op in _operations(client.get("/openapi.json").json()).items()
    }
    assert len(set(ids.values())) == len(ids)
    assert all(re.fullmatch(r"[a-z][a-z_]*", name) for name in ids.values()), ids
    assert ids[("/v1/plan", "post")] == "plan"
    assert ids[("/v1/plan", "get")] == "plan_query"
    assert ids[("/v1/predict", "post")] == "predict"
    assert ids[("/v1/sweep", "post")] == "sweep"
    assert ids[("/v1/sweep", "get")] == "sweep_query"
    assert ids[("/v1/continual-pretraining", "post")] == "continual_pretraining"
    assert ids[("/v1/laws", "get")] == "list_laws"


def _request_schemas(doc: dict[str, Any]) -> dict[str, str]:
    """Request schema name -> the POST path whose JSON body it is."""
    found = {}
    for (path, method), op in _operations(doc).items():
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if method == "post" and content and "$ref" in content["schema"]:
            found[content["schema"]["$ref"].rsplit("/", 1)[1]] = path
    return found


def test_every_request_schema_has_examples_the_service_answers(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = _request_schemas(doc)
    assert {"PlanRequest", "PredictRequest", "SweepRequest", "VocabularyRequest"} <= set(schemas)
    for name, path in schemas.items():
        examples = doc["components"]["schemas"][name].get("examples")
        assert examples, f"{name} has no example"
        for example in examples:
            response = client.post(path, json=example)
            assert response.status_code in (200, 202), (name, example, response.text)
