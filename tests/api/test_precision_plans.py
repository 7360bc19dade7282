"""Precision as a decision: training format, serving format, user hardware (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from laws_catalog import CATALOG, PosynomialLoss, PowerTerm
from laws_catalog.hardware import device
from laws_catalog.loss import besiroglu2024, posynomial
from laws_catalog.precision import decisions
from laws_catalog.precision.formats import number_format
from planner.api.app import create_app
from planner.config import Settings

from ..planner.bruteforce import min_loss

H100_BUDGET = {"gpu": "h100", "gpu_hours": 1e6, "mfu": 0.4}


def _plan(client: TestClient, **body: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_training_format_choice_matches_brute_force(client: TestClient) -> None:
    """Each candidate format's best loss, found by a solver-free grid, ranks the formats the
    same way the planner does, and the planner's losses agree within 1e-6."""
    body = _plan(client, budget=H100_BUDGET, precision={"training": "auto"})
    training = body["precision"]["training"]
    options = {o["format"]: o for o in training["options"]}
    assert set(options) == {p.format.name for p in decisions.training_formats("h100")}
    base = posynomial(besiroglu2024.LAW)
    sun = CATALOG.get("precision", "sun2025").constant_set().values
    brute = {}
    for name, option in options.items():
        fmt = number_format(name)
        k = decisions.training_penalty(fmt, 1.0, 1.0).value
        terms = (
            base.terms
            if fmt.is_reference
            else (*base.terms, PowerTerm(k, -sun["alpha"], sun["beta"]))
        )
        law = PosynomialLoss(base.offset, terms, base.power)
        brute[name] = min_loss(law, {"c_max": option["flops"]}, 6.0)[0]
        assert option["loss"] == pytest.approx(brute[name], rel=1e-6)
    assert training["format"] == min(brute, key=brute.__getitem__)
    assert body["plan"]["loss"] == pytest.approx(
        training["loss_without_penalty"] + training["penalty"], rel=1e-12
    )


def test_lower_precision_buys_more_flops_on_the_device(client: TestClient) -> None:
    body = _plan(client, budget=H100_BUDGET, precision={"training": "auto"})
    options = {o["format"]: o for o in body["precision"]["training"]["options"]}
    assert options["fp8_e4m3"]["flops"] == pytest.approx(2 * options["bf16"]["flops"], rel=1e-3)
    assert options["fp8_e4m3"]["penalty"] > 0
    assert options["bf16"]["penalty"] == 0
    assert body["budget"]["number_format"] == "fp8"  # priced at the chosen format's peak


def test_fixed_training_format(client: TestClient) -> None:
    body = _plan(client, budget=H100_BUDGET, precision={"training": "bf16"})
    assert body["precision"]["training"]["format"] == "bf16"
    assert body["precision"]["training"]["penalty"] == 0
    plain = _plan(client, budget=H100_BUDGET)
    assert body["plan"]["loss"] == pytest.approx(plain["plan"]["loss"], rel=1e-12)


def test_format_the_device_lacks_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/v1/plan",
        json={
            "budget": {"gpu": "a100", "gpu_hours": 1e5, "mfu": 0.4},
            "precision": {"training": "fp8_e4m3"},
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "precision.training"
    assert "bf16" in response.json()["allowed"]


def test_kumar_penalty_law_and_its_caveats(client: TestClient) -> None:
    body = _plan(
        client,
        budget=H100_BUDGET,
        precision={"training": "fp8_e4m3"},
        laws={"training_precision": "kumar2024"},
    )
    assert body["precision"]["training"]["penalty"] > 0
    assert any(
        u["role"] == "training_precision" and u["law"] == "kumar2024" for u in body["provenance"]
    )


def test_sun_caveat_travels_with_the_answer(client: TestClient) -> None:
    body = _plan(client, budget=H100_BUDGET, precision={"training": "auto"})
    sun = CATALOG.get("precision", "sun2025")
    (use,) = [u for u in body["provenance"] if u["law"] == "sun2025"]
    assert use["caveats"] == list(sun.caveats)  # in its provenance entry, once
    messages = [w["message"] for w in body["warnings"]]
    assert not any(caveat in messages for caveat in sun.caveats)


def test_serving_format_fixed(client: TestClient) -> None:
    body = _plan(client, budget={"flops": 1e23}, precision={"serving": "int4"})
    serving = body["precision"]["serving"]
    plan = body["plan"]
    assert serving["weight_bytes"] == pytest.approx(plan["params_total"] * 4 / 8, rel=1e-12)
    assert serving["loss_after_quantisation"] == pytest.approx(
        plan["loss"] + serving["loss_increase"], rel=1e-12
    )
    assert serving["loss_increase"] > 0


def test_best_serving_format_under_a_memory_limit_matches_brute_force(client: TestClient) -> None:
    limit = 40e9
    body = _plan(
        client, budget={"flops": 1e23}, precision={"serving": "auto", "serving_memory_bytes": limit}
    )
    serving = body["precision"]["serving"]
    assert serving["weight_bytes"] <= limit
    fitting = [o for o in serving["options"] if o["weight_bytes"] <= limit]
    assert all(o["fits"] for o in fitting)
    assert serving["loss_increase"] == pytest.approx(min(o["loss_increase"] for o in fitting))


def test_serving_limit_too_small_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/v1/plan",
        json={
            "budget": {"flops": 1e23},
            "precision": {"serving": "auto", "serving_memory_bytes": 1e6},
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "precision.serving_memory_bytes"


def test_serving_auto_needs_a_limit(client: TestClient) -> None:
    response = client.post(
        "/v1/plan", json={"budget": {"flops": 1e23}, "precision": {"serving": "auto"}}
    )
    assert response.status_code == 422


MY_GPU = {
    "id": "my_gpu",
    "name": "Lab accelerator",
    "dense_peak": {"bf16": 5e14, "fp8": 1e15},
    "memory_bytes": 96e9,
    "memory_bandwidth": 4e12,
}


def test_user_device_in_the_request(client: TestClient) -> None:
    body = _plan(
        client,
        budget={"gpu": "my_gpu", "gpu_hours": 1e5, "mfu": 0.5},
        devices=[MY_GPU],
        precision={"training": "auto"},
    )
    assert body["budget"]["gpu"] == "my_gpu"
    options = {o["format"] for o in body["precision"]["training"]["options"]}
    assert "fp8_e4m3" in options
    assert body["budget"]["peak_source"] == "user-supplied"


def test_user_device_with_a_sparse_figure_is_refused(client: TestClient) -> None:
    bad = {**MY_GPU, "dense_peak": {"bf16": {"value": 1e15, "sparse": True}}}
    response = client.post(
        "/v1/plan",
        json={"budget": {"gpu": "my_gpu", "gpu_hours": 1e5, "mfu": 0.5}, "devices": [bad]},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "devices[0]"
    assert "sparse" in response.json()["detail"]


def test_devices_file_setting(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    path.write_text(json.dumps({"devices": [MY_GPU]}))
    with TestClient(create_app(Settings(redis_url=None, devices_file=str(path)))) as app:
        listed = app.get("/v1/hardware").json()
        assert "my_gpu" in listed
        assert "h100_sxm" in listed
        body = app.post(
            "/v1/plan", json={"budget": {"gpu": "my_gpu", "gpu_hours": 1e5, "mfu": 0.5}}
        ).json()
        assert body["budget"]["peak_flops_per_gpu"] == 5e14


def test_dense_peak_is_what_the_budget_buys() -> None:
    assert device("h100").peak_flops("fp8") == pytest.approx(2 * device("h100").peak_flops("bf16"))
