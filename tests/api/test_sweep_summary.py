"""``/v1/sweep`` with ``detail: "summary"``: the CSV's table as typed JSON, POST and GET."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from planner.api.app import create_app
from planner.config import Settings
from planner.schemas.responses import SweepSummaryResponse
from tests.planner.summary_cells import assert_summary_is_csv

_GPU = {"gpu": "h100", "mfu": 0.4}


def _body(unique: float) -> dict[str, Any]:
    """FLOPs rows (planned together), a GPU-hour row and a too-small one (an error row)."""
    budgets: list[dict[str, Any]] = [{"flops": unique * 10.0**k} for k in range(-6, 6)]
    return {"budgets": [*budgets, {"gpu_hours": 1e5, **_GPU}, {"gpu_hours": 1e-9, **_GPU}]}


def test_post_summary_is_the_csv_typed(client: TestClient, unique: float) -> None:
    body = _body(unique)
    summary = client.post("/v1/sweep", json={**body, "detail": "summary"})
    assert summary.status_code == 200, summary.text[:300]
    assert summary.headers["content-type"] == "application/json"
    table = client.post("/v1/sweep?format=csv", json=body)
    parsed = assert_summary_is_csv(summary.content, table.text)
    errors = [row for row in parsed["rows"] if row[parsed["columns"].index("error")]]
    assert len(errors) == 1
    SweepSummaryResponse.model_validate_json(summary.content)


def test_get_summary_with_intervals_is_the_csv_typed(client: TestClient, unique: float) -> None:
    query = {"start": unique, "stop": unique * 100, "num": 3, "uncertainty": "true"}
    summary = client.get("/v1/sweep", params={**query, "detail": "summary"})
    assert summary.status_code == 200, summary.text[:300]
    table = client.get("/v1/sweep", params={**query, "format": "csv"})
    parsed = assert_summary_is_csv(summary.content, table.text)
    assert {"params_low", "loss_high", "uncertainty_samples"} <= set(parsed["columns"])
    posted = client.post(
        "/v1/sweep",
        json={
            "budgets": [{"flops": unique * 10.0**k} for k in (0, 1, 2)],
            "uncertainty": True,
            "detail": "summary",
        },
    )
    assert posted.json()["columns"] == parsed["columns"]


def test_full_and_summary_answers_are_cached_apart(client: TestClient, unique: float) -> None:
    body = {"budgets": [{"flops": unique}]}
    full = client.post("/v1/sweep", json=body)
    summary = client.post("/v1/sweep", json={**body, "detail": "summary"})
    assert summary.headers["x-cache"] == "miss"
    assert "plan" in full.json()["rows"][0]
    assert summary.json()["columns"][0] == "index"
    again = client.post("/v1/sweep", json={**body, "detail": "summary"})
    assert again.headers["x-cache"] == "hit"
    assert again.content == summary.content


@pytest.mark.parametrize("fmt", ["csv", None])
def test_the_csv_ignores_detail(client: TestClient, unique: float, fmt: str | None) -> None:
    body = _body(unique)
    params = {"format": fmt} if fmt else {}
    headers = {} if fmt else {"accept": "text/csv"}
    plain = client.post("/v1/sweep", json=body, params=params, headers=headers)
    summary = client.post(
        "/v1/sweep", json={**body, "detail": "summary"}, params=params, headers=headers
    )
    assert summary.headers["content-type"].startswith("text/csv")
    assert summary.text == plain.text
    assert (plain.headers["x-cache"], summary.headers["x-cache"]) == ("miss", "hit")


def test_a_bad_detail_is_a_422_naming_the_field(client: TestClient) -> None:
    posted = client.post("/v1/sweep", json={"budgets": [{"flops": 1e21}], "detail": "brief"})
    assert posted.status_code == 422
    assert posted.json()["field"] == "detail"
    got = client.get("/v1/sweep", params={"start": 1e20, "stop": 1e21, "detail": "brief"})
    assert got.status_code == 422
    assert got.json()["field"] == "detail"
    assert "summary" in str(got.json()["allowed"])


def test_openapi_documents_both_json_shapes(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for method in ("post", "get"):
        operation = doc["paths"]["/v1/sweep"][method]
        content = operation["responses"]["200"]["content"]
        refs = {
            choice["$ref"].rsplit("/", 1)[1]
            for choice in content["application/json"]["schema"]["anyOf"]
        }
        assert refs == {"SweepResponse", "SweepSummaryResponse"}
        assert "text/csv" in content
    names = {p["name"] for p in doc["paths"]["/v1/sweep"]["get"]["parameters"]}
    assert "detail" in names
    request = doc["components"]["schemas"]["SweepRequest"]["properties"]["detail"]
    assert request["enum"] == ["full", "summary"]
    assert "summary" in request["description"]


@pytest.fixture(scope="module")
def hurried() -> Iterator[TestClient]:
    """An app whose 50 ms request deadline none of the 2,000-row sweeps below can meet."""
    settings = Settings(redis_url=None, request_deadline_seconds=0.05, solver_threads=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


_MANY = 2000
_FULL_JSON = [
    ("POST", {}, {}, {}),
    ("GET", {}, {}, {}),
    ("POST", {"detail": "full"}, {}, {}),
]
_TABLES = [
    ("POST", {"detail": "summary"}, {}, {}),
    ("GET", {"detail": "summary"}, {}, {}),
    ("POST", {}, {"format": "csv"}, {}),
    ("POST", {"detail": "summary"}, {"format": "csv"}, {}),
    ("GET", {}, {"format": "csv"}, {}),
    ("POST", {}, {}, {"accept": "text/csv"}),
]


def _deadline_message(
    client: TestClient,
    method: str,
    detail: dict[str, str],
    params: dict[str, str],
    headers: dict[str, str],
) -> str:
    if method == "GET":
        query = {"start": 1e18, "stop": 1e24, "num": _MANY, **detail, **params}
        response = client.get("/v1/sweep", params=query, headers=headers)
    else:
        budgets = [{"flops": float(c)} for c in np.logspace(18, 24, _MANY)]
        body = {"budgets": budgets, **detail}
        response = client.post("/v1/sweep", json=body, params=params, headers=headers)
    assert response.status_code == 503, response.text[:300]
    assert response.json()["error"] == "DeadlineExceeded"
    message: str = response.json()["detail"]
    assert "POST /v1/jobs" in message  # the generic advice stays
    return message


@pytest.mark.parametrize(("method", "detail", "params", "headers"), _FULL_JSON)
def test_full_plans_past_the_deadline_point_to_the_table(
    hurried: TestClient,
    method: str,
    detail: dict[str, str],
    params: dict[str, str],
    headers: dict[str, str],
) -> None:
    message = _deadline_message(hurried, method, detail, params, headers)
    assert '"detail": "summary"' in message
    assert "detail=summary" in message
    assert "format=csv" in message


@pytest.mark.parametrize(("method", "detail", "params", "headers"), _TABLES)
def test_a_table_past_the_deadline_does_not_suggest_itself(
    hurried: TestClient,
    method: str,
    detail: dict[str, str],
    params: dict[str, str],
    headers: dict[str, str],
) -> None:
    message = _deadline_message(hurried, method, detail, params, headers)
    assert "detail" not in message
    assert "format=csv" not in message
