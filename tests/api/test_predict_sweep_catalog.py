"""Predict, sweep (JSON and CSV), catalogue and OpenAPI endpoints."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from laws_catalog import CATALOG
from planner.planning.sweep.csv_table import CSV_COLUMNS


def test_predict_returns_loss_at_top_level(client: TestClient) -> None:
    body = client.post(
        "/v1/predict",
        json={"params": 70e9, "tokens": 1.4e12, "laws": {"loss": "hoffmann2022@eq10"}},
    ).json()
    assert body["loss"] == pytest.approx(1.9366, abs=5e-4)  # Hoffmann Eq. 2, rounded Eq. 10
    assert body["flops"] == pytest.approx(6 * 70e9 * 1.4e12)
    assert body["provenance"][0]["constant_set"] == "eq10"


def test_predict_downstream_error(client: TestClient) -> None:
    body = client.post(
        "/v1/predict",
        json={"params": 6.889e9, "tokens": 20 * 6.889e9, "laws": {"loss": "gadre2024@redpajama"}},
    ).json()
    assert body["loss"] == pytest.approx(2.4427, abs=0.01)
    assert body["downstream_error"] == pytest.approx(0.4719, abs=0.005)


def test_predict_rejects_allocation_laws(client: TestClient) -> None:
    response = client.post(
        "/v1/predict", json={"params": 1e9, "tokens": 1e10, "laws": {"allocation": "kaplan2020"}}
    )
    assert response.status_code == 422


def test_sweep_json(client: TestClient) -> None:
    body = client.post(
        "/v1/sweep", json={"budgets": [{"flops": 1e20}, {"flops": 1e22}, {"flops": 1e24}]}
    ).json()
    params = [row["plan"]["params"] for row in body["rows"]]
    assert params == sorted(params)
    assert body["catalog_version"] == CATALOG.version


def test_sweep_csv_by_accept_header(client: TestClient) -> None:
    response = client.post(
        "/v1/sweep",
        json={"budgets": [{"flops": 1e20}, {"flops": 1e21}]},
        headers={"accept": "text/csv"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert tuple(rows[0]) == CSV_COLUMNS
    assert float(rows[1]["flops"]) == pytest.approx(1e21)


def test_sweep_row_errors_do_not_fail_the_sweep(client: TestClient) -> None:
    body = client.post(
        "/v1/sweep",
        json={
            "budgets": [{"flops": 1e21}, {"flops": 1e18}],
            "constraints": {"min_params": 1e9, "min_tokens": 1e9},
        },
    ).json()
    ok, failed = body["rows"]
    assert "plan" in ok
    assert failed["error"] == "PlanInfeasible"
    assert failed["index"] == 1


def test_sweep_by_plain_get_for_spreadsheets(client: TestClient) -> None:
    response = client.get(
        "/v1/sweep",
        params={
            "start": 1e6,
            "stop": 1e7,
            "num": 3,
            "quantity": "dollars",
            "gpu": "h100",
            "mfu": 0.4,
            "price_per_gpu_hour": 2,
            "format": "csv",
        },
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [float(r["dollars"]) for r in rows] == pytest.approx([1e6, 10**6.5, 1e7])
    assert all(r["gpu"] == "h100_sxm" for r in rows)


def test_sweep_size_is_limited(client: TestClient) -> None:
    """The default limit is 10,000 rows (issue 13: spreadsheet and fleet scale)."""
    response = client.get("/v1/sweep", params={"start": 1e20, "stop": 1e24, "num": 10_001})
    assert response.status_code == 422
    assert response.json()["field"] == "budgets"


def test_sweep_of_targets(client: TestClient) -> None:
    body = client.post("/v1/sweep", json={"targets": [{"loss": 2.3}, {"loss": 2.1}]}).json()
    flops = [row["plan"]["flops"] for row in body["rows"]]
    assert flops[0] < flops[1]


def test_laws_list_and_detail(client: TestClient) -> None:
    listing = client.get("/v1/laws").json()
    keys = {(law["family"], law["id"]) for law in listing["laws"]}
    assert ("loss", "besiroglu2024") in keys
    assert ("allocation", "deepseek2024") in keys
    detail = client.get("/v1/laws/kaplan2020").json()
    families = {entry["family"] for entry in detail["entries"]}
    assert families == {"loss", "allocation", "hyperparams"}
    loss_entry = next(e for e in detail["entries"] if e["family"] == "loss")
    assert loss_entry["params_quantity"] == "n_params_non_embedding"
    assert loss_entry["golden"]
    assert loss_entry["constant_sets"][0]["source"]


def test_unknown_law_is_404(client: TestClient) -> None:
    response = client.get("/v1/laws/chinchilla")
    assert response.status_code == 404
    assert "besiroglu2024" in response.json()["allowed"]


def test_hardware_and_glossary(client: TestClient) -> None:
    assert client.get("/v1/hardware").json()["h100_sxm"]["dense_peak"]["bf16"]["value"] == 989.5e12
    assert client.get("/v1/hardware/b200").json()["id"] == "b200_hgx"
    assert client.get("/v1/hardware/h900").status_code == 404
    assert client.get("/v1/glossary").json()["n_params_total"]["unit"] == "parameters"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["catalog_version"] == CATALOG.version
    assert ready["cache"].startswith("in-process")


def test_openapi_documents_every_route_with_typed_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/v1/plan", "/v1/predict", "/v1/sweep", "/v1/laws", "/v1/laws/{law_id}"):
        assert path in spec["paths"]
    plan_post = spec["paths"]["/v1/plan"]["post"]
    ok_schema = plan_post["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok_schema["$ref"].endswith("/PlanResponse")
    assert "422" in plan_post["responses"]
