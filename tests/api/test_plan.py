"""POST/GET /v1/plan: one HTTP behaviour per test."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from laws_catalog import CATALOG


def test_plan_for_flops_has_the_documented_shape(client: TestClient, unique: float) -> None:
    response = client.post("/v1/plan", json={"budget": {"flops": unique}})
    assert response.status_code == 200
    body = response.json()
    plan = body["plan"]
    for field in ("params", "tokens", "tokens_per_param", "flops", "loss"):
        assert isinstance(plan[field], float)
        assert math.isfinite(plan[field])
    assert plan["flops"] == pytest.approx(unique, rel=1e-9)
    assert plan["tokens_per_param"] == pytest.approx(plan["tokens"] / plan["params"])
    assert body["binding_constraints"] == ["budget.flops"]
    assert body["catalog_version"] == CATALOG.version
    use = next(u for u in body["provenance"] if u["role"] == "loss")
    assert use["law"] == "besiroglu2024"
    assert use["constant_set"] == "notebook"
    assert use["reference"]["arxiv"] == "2404.10102"
    assert set(use["produces"]) >= {"params", "tokens", "loss"}
    assert "nats/token" in body["units"]["loss"]


def test_marginal_value_of_more_compute_is_negative(client: TestClient, unique: float) -> None:
    body = client.post("/v1/plan", json={"budget": {"flops": unique}}).json()
    (margin,) = body["marginal_values"]
    assert margin["resource"] == "budget.flops"
    assert margin["relaxation"] == "+10%"
    assert margin["delta"] < 0
    # first-order check: delta ~ elasticity * L * ln(1.1)
    expected = margin["elasticity"] * body["plan"]["loss"] * math.log(1.1)
    assert margin["delta"] == pytest.approx(expected, rel=0.05)


def test_cache_header_miss_then_hit(client: TestClient, unique: float) -> None:
    first = client.post("/v1/plan", json={"budget": {"flops": unique}})
    second = client.post("/v1/plan", json={"budget": {"flops": unique}})
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert first.content == second.content


def test_equivalent_requests_share_a_cache_entry(client: TestClient, unique: float) -> None:
    client.post("/v1/plan", json={"budget": {"flops": unique}})
    spelled_out = {"budget": {"flops": unique, "number_format": "bf16"}, "constraints": {}}
    assert client.post("/v1/plan", json=spelled_out).headers["x-cache"] == "hit"


def test_named_constant_set(client: TestClient, unique: float) -> None:
    body = client.post(
        "/v1/plan", json={"budget": {"flops": unique}, "laws": {"loss": "hoffmann2022@eq10"}}
    ).json()
    use = next(u for u in body["provenance"] if u["role"] == "loss")
    assert use["constant_set"] == "eq10"
    assert use["constants"]["alpha"] == 0.34


def test_gpu_budget_is_converted_and_priced(client: TestClient) -> None:
    body = client.post(
        "/v1/plan",
        json={
            "budget": {
                "gpu": "h100",
                "gpu_count": 2000,
                "hours": 720,
                "mfu": 0.4,
                "price_per_gpu_hour": 2.0,
            }
        },
    ).json()
    budget = body["budget"]
    assert budget["gpu_hours"] == pytest.approx(1.44e6)
    assert budget["flops"] == pytest.approx(1.44e6 * 3600 * 989.5e12 * 0.4)
    assert budget["dollars"] == pytest.approx(2.88e6)
    assert budget["peak_source"]
    assert body["binding_constraints"] == ["budget.hours"]


def test_dollar_budget(client: TestClient) -> None:
    body = client.post(
        "/v1/plan",
        json={"budget": {"dollars": 4e6, "gpu": "h100_sxm", "mfu": 0.4, "price_per_gpu_hour": 2.0}},
    ).json()
    assert body["budget"]["gpu_hours"] == pytest.approx(2e6)
    assert body["plan"]["flops"] == pytest.approx(2e6 * 3600 * 989.5e12 * 0.4, rel=1e-9)


def test_constraint_binds_and_has_a_marginal_value(client: TestClient) -> None:
    body = client.post(
        "/v1/plan", json={"budget": {"flops": 1e23}, "constraints": {"max_params": 1e10}}
    ).json()
    assert body["plan"]["params"] == pytest.approx(1e10, rel=1e-9)
    assert "constraints.max_params" in body["binding_constraints"]
    resources = {m["resource"] for m in body["marginal_values"]}
    assert resources == {"budget.flops", "constraints.max_params"}


def test_leaving_the_fitted_range_warns_and_does_not_clip(client: TestClient) -> None:
    body = client.post("/v1/plan", json={"budget": {"flops": 1e25}}).json()
    (warning,) = [
        w
        for w in body["warnings"]
        if w["code"] == "outside_fitted_range" and w["law"] == "loss/besiroglu2024"
    ]  # one warning for the law, naming every quantity out of range
    warned = {item["quantity"]: item for item in warning["out_of_range"]}
    assert set(warned) == {"n_params_total", "n_tokens", "flops"}
    assert warned["flops"]["factor"] == pytest.approx(1e25 / 1.3e22)
    assert warning["factor"] == max(item["factor"] for item in warned.values())
    assert all(name in warning["message"] for name in warned)
    assert body["plan"]["params"] > 1.62e10  # not clipped to the range


def test_stay_in_fitted_range_turns_ranges_into_constraints(client: TestClient) -> None:
    body = client.post(
        "/v1/plan",
        json={"budget": {"flops": 1e25}, "constraints": {"stay_in_fitted_range": True}},
    ).json()
    assert body["plan"]["params"] <= 1.62e10 * (1 + 1e-9)
    assert body["plan"]["flops"] <= 1.3e22 * (1 + 1e-9)
    assert any(label.startswith("fitted_range:") for label in body["binding_constraints"])
    (saturated,) = [w for w in body["warnings"] if w["code"] == "compute_saturated"]
    assert "fitted_range:" in saturated["message"]
    assert body["budget"]["flops_unspent"] == pytest.approx(1e25 - body["plan"]["flops"], rel=1e-9)


def test_target_loss_gives_the_least_budget(client: TestClient) -> None:
    body = client.post(
        "/v1/plan",
        json={
            "target": {"loss": 2.1},
            "budget": {"gpu": "h100", "mfu": 0.4, "price_per_gpu_hour": 2.5},
        },
    ).json()
    assert body["objective"] == "min_flops"
    assert body["plan"]["loss"] == pytest.approx(2.1, rel=1e-9)
    assert body["budget"]["given_as"] == "target"
    assert body["budget"]["dollars"] > 0
    forward = client.post("/v1/plan", json={"budget": {"flops": body["plan"]["flops"]}}).json()
    assert forward["plan"]["loss"] == pytest.approx(2.1, rel=1e-9)


def test_target_downstream_error(client: TestClient) -> None:
    body = client.post(
        "/v1/plan", json={"target": {"downstream_error": 0.45}, "laws": {"loss": "gadre2024"}}
    ).json()
    assert body["plan"]["downstream_error"] == pytest.approx(0.45, rel=1e-9)
    roles = {use["role"] for use in body["provenance"]}
    assert {"loss", "downstream_error"} <= roles


def test_allocation_law_with_companion_loss(client: TestClient) -> None:
    body = client.post(
        "/v1/plan", json={"budget": {"flops": 1e21}, "laws": {"allocation": "kaplan2020"}}
    ).json()
    assert body["method"] == "closed_form_allocation"
    assert body["plan"]["params"] == pytest.approx(4.68e9, rel=0.01)
    assert body["plan"]["params_definition"] == "n_params_non_embedding"
    roles = {use["role"]: use["law"] for use in body["provenance"]}
    assert roles["allocation"] == "kaplan2020"
    assert roles["loss"] == "kaplan2020"


def test_allocation_without_own_loss_law_warns_about_conventions(client: TestClient) -> None:
    body = client.post(
        "/v1/plan", json={"budget": {"flops": 1e20}, "laws": {"allocation": "deepseek2024"}}
    ).json()
    assert body["plan"]["model_flops_per_token"] == pytest.approx(0.1715 * 1e20**0.5243)
    codes = {w["code"] for w in body["warnings"]}
    assert "convention_mismatch" in codes
    # the allocation law's standing caveats travel in its provenance entry, not as warnings
    (use,) = [u for u in body["provenance"] if u["role"] == "allocation"]
    assert use["caveats"] == list(CATALOG.get("allocation", "deepseek2024").caveats)
    assert use["caveats"]


def test_allocation_overridden_by_a_constraint_says_so(client: TestClient) -> None:
    body = client.post(
        "/v1/plan",
        json={
            "budget": {"flops": 1e21},
            "laws": {"allocation": "kaplan2020"},
            "constraints": {"max_params": 1e9},
        },
    ).json()
    assert body["plan"]["params"] == pytest.approx(1e9)
    assert "constraints.max_params" in body["binding_constraints"]
    assert any(w["code"] == "allocation_overridden" for w in body["warnings"])


def test_get_plan_equals_post_plan(client: TestClient) -> None:
    by_get = client.get(
        "/v1/plan", params={"flops": 3e22, "loss": "hoffmann2022", "max_params": 2e10}
    )
    by_post = client.post(
        "/v1/plan",
        json={
            "budget": {"flops": 3e22},
            "laws": {"loss": "hoffmann2022"},
            "constraints": {"max_params": 2e10},
        },
    )
    assert by_get.status_code == 200
    assert by_get.json()["plan"] == by_post.json()["plan"]
