"""Issue 9: numbers beyond a plausibility bound carry an ``implausible`` warning (never clipped).

Each example of the issue text is a test; the bounds are restated here from their sources
(ln V of a uniform guess; Gemma 3's 262,144-entry vocabulary, arXiv 2503.19786; MiniCPM's
0.01 peak LR, arXiv 2404.06395; one token per parameter, Hoffmann et al. 2022 Tables 1 and 3),
so a change of the table in planner/planning/checks/plausibility.py must be deliberate.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planner.planning.checks.plausibility import BOUNDS, LARGEST_PUBLISHED_VOCAB

LARGEST_VOCAB = 262_144
LARGEST_LR = 1e-2


def _plan(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _implausible(body: dict[str, Any], quantity: str) -> dict[str, Any] | None:
    found = [
        w for w in body["warnings"] if w["code"] == "implausible" and w["quantity"] == quantity
    ]
    assert len(found) <= 1
    return found[0] if found else None


def test_the_table_states_the_published_bounds() -> None:
    assert LARGEST_PUBLISHED_VOCAB == LARGEST_VOCAB
    assert BOUNDS["vocab_size"].limit == LARGEST_VOCAB
    assert BOUNDS["learning_rate"].limit == LARGEST_LR
    assert BOUNDS["tokens_per_param"].limit == 1.0
    assert "2503.19786" in BOUNDS["vocab_size"].basis
    assert "2404.06395" in BOUNDS["learning_rate"].basis
    assert "uniform" in BOUNDS["loss"].basis


def test_loss_worse_than_a_uniform_guess_is_critical(client: TestClient) -> None:
    # issue: 13.98 nats with a 23,552 vocabulary from 1e6 unique tokens at 1e20 FLOPs
    body = _plan(client, {"budget": {"flops": 1e20}, "data": {"unique_tokens": 1e6}})
    plan = body["plan"]
    bound = math.log(plan["vocab_size"])
    assert plan["loss"] > bound  # the law's value, not clipped
    warning = _implausible(body, "loss")
    assert warning is not None
    assert warning["severity"] == "critical"
    assert warning["value"] == plan["loss"]
    assert warning["bound"] == pytest.approx(bound, rel=1e-12)
    assert "uniform" in warning["basis"]
    assert "data.unique_tokens" in warning["remedy"]


def test_predict_worse_than_a_uniform_guess_is_critical(client: TestClient) -> None:
    # issue: POST /v1/predict gives 23.9 nats for 1e5 params on 1e6 tokens
    body = client.post("/v1/predict", json={"params": 1e5, "tokens": 1e6}).json()
    assert body["loss"] == pytest.approx(23.9, abs=0.05)
    warning = _implausible(body, "loss")
    assert warning is not None
    assert warning["severity"] == "critical"
    # no vocabulary of its own: the bound is ln of the largest published one
    assert warning["bound"] == pytest.approx(math.log(LARGEST_VOCAB), rel=1e-12)


def test_predict_fewer_tokens_than_parameters(client: TestClient) -> None:
    body = client.post("/v1/predict", json={"params": 1e9, "tokens": 5e8}).json()
    warning = _implausible(body, "tokens_per_param")
    assert warning is not None
    assert warning["bound"] == 1.0
    ok = client.post("/v1/predict", json={"params": 1e9, "tokens": 2e10}).json()
    assert _implausible(ok, "tokens_per_param") is None
    assert _implausible(ok, "loss") is None


@pytest.mark.parametrize(
    ("request_body", "at_least"),
    [
        ({"target": {"loss": 1.82}}, 1e9),  # issue: a vocabulary of 1.0e9 entries
        ({"budget": {"flops": 1e27}}, 1e6),  # issue: over 1M at 1e27 FLOPs
    ],
)
def test_vocabulary_beyond_any_published_one(
    client: TestClient, request_body: dict[str, Any], at_least: float
) -> None:
    body = _plan(client, request_body)
    assert body["plan"]["vocab_size"] > at_least
    warning = _implausible(body, "vocab_size")
    assert warning is not None
    assert warning["severity"] == "critical"
    assert warning["bound"] == LARGEST_VOCAB
    assert warning["law"] == "vocabulary/tao2024"
    assert "architecture.vocab_size" in warning["remedy"]
    # the remedy works: a fixed vocabulary is kept and nothing is implausible about it
    steered = _plan(client, {**request_body, "architecture": {"vocab_size": 128_000}})
    assert steered["plan"]["vocab_size"] == 128_000
    assert _implausible(steered, "vocab_size") is None


def test_a_fixed_vocabulary_beyond_the_bound_is_still_flagged(client: TestClient) -> None:
    body = _plan(client, {"budget": {"flops": 1e22}, "architecture": {"vocab_size": 1_000_000}})
    warning = _implausible(body, "vocab_size")
    assert warning is not None
    assert "request's own" in warning["remedy"]


def test_learning_rate_beyond_any_published_peak(client: TestClient) -> None:
    # issue: a peak LR of 0.028 for 100M params capped at 1e21 FLOPs
    request = {"budget": {"flops": 1e21}, "constraints": {"max_params": 1e8}}
    body = _plan(client, request)
    assert body["plan"]["learning_rate"] == pytest.approx(0.028, rel=0.02)
    warning = _implausible(body, "learning_rate")
    assert warning is not None
    assert warning["severity"] == "warning"
    assert warning["bound"] == LARGEST_LR
    assert "laws.hyperparams" in warning["remedy"]
    assert "constraints.max_learning_rate" in warning["remedy"]
    # the remedy works: DeepSeek's LR(C) is within published practice here
    steered = _plan(client, {**request, "laws": {"hyperparams": "deepseek2024"}})
    assert steered["plan"]["learning_rate"] < LARGEST_LR
    assert _implausible(steered, "learning_rate") is None


@pytest.mark.parametrize("flops", [1e23, 1e24, 1e26])
def test_kaplan_allocation_below_one_token_per_parameter(client: TestClient, flops: float) -> None:
    # issue: Kaplan's allocation gives fewer tokens than parameters from 1e23 FLOPs up
    request = {"budget": {"flops": flops}, "laws": {"allocation": "kaplan2020"}}
    body = _plan(client, request)
    assert body["plan"]["tokens_per_param"] < 1
    warning = _implausible(body, "tokens_per_param")
    assert warning is not None
    assert warning["value"] == body["plan"]["tokens_per_param"]
    assert "laws.allocation" in warning["remedy"]
    assert "constraints.min_tokens_per_param" in warning["remedy"]
    # the remedy works: Kaplan's own loss law optimised, at least one token per parameter
    steered = _plan(
        client,
        {
            "budget": {"flops": flops},
            "laws": {"loss": "kaplan2020"},
            "constraints": {"min_tokens_per_param": 1},
        },
    )
    assert steered["plan"]["tokens_per_param"] >= 1 - 1e-9
    assert _implausible(steered, "tokens_per_param") is None


def test_allocation_route_honours_min_tokens_per_param(client: TestClient) -> None:
    body = _plan(
        client,
        {
            "budget": {"flops": 1e24},
            "laws": {"allocation": "kaplan2020"},
            "constraints": {"min_tokens_per_param": 1},
        },
    )
    assert body["plan"]["tokens_per_param"] >= 1 - 1e-9
    assert body["plan"]["tokens_per_param"] <= 1.001  # on the limit, not far inside it


def test_a_paper_sized_plan_is_plausible(client: TestClient) -> None:
    body = _plan(client, {"budget": {"flops": 5.76e23}, "laws": {"loss": "hoffmann2022"}})
    assert not [w for w in body["warnings"] if w["code"] == "implausible"]


def test_sweep_rows_are_checked(client: TestClient) -> None:
    body = client.post("/v1/sweep", json={"budgets": [{"flops": 1e23}, {"flops": 1e27}]}).json()
    small, large = body["rows"]
    assert _implausible(small, "vocab_size") is None
    assert _implausible(large, "vocab_size") is not None


def test_vocabulary_question_is_checked(client: TestClient) -> None:
    body = client.post("/v1/vocabulary", json={"params_non_vocabulary": 3e12, "flops": 1e27}).json()
    assert body["answer"]["vocab_size_rounded"] > LARGEST_VOCAB
    warning = _implausible(body, "answer.vocab_size_rounded")
    assert warning is not None
    assert warning["bound"] == LARGEST_VOCAB
    small = client.post("/v1/vocabulary", json={"params_non_vocabulary": 1e9, "flops": 1e21})
    assert not [w for w in small.json()["warnings"] if w["code"] == "implausible"]


def test_a_learning_rate_cap_steers_around_the_bound(client: TestClient) -> None:
    request = {"budget": {"flops": 1e21}, "constraints": {"max_params": 1e8}}
    law_lr = _plan(client, request)["plan"]["learning_rate"]
    body = _plan(client, {**request, "constraints": {"max_params": 1e8, "max_learning_rate": 0.01}})
    assert body["plan"]["learning_rate"] == 0.01
    assert _implausible(body, "learning_rate") is None
    (capped,) = [w for w in body["warnings"] if w["code"] == "learning_rate_capped"]
    assert capped["value"] == law_lr  # the law's value is reported, not silently replaced
    assert capped["bound"] == 0.01
    assert capped["severity"] == "info"
    assert law_lr in [row["learning_rate"] for row in body["hyperparams_by_law"]]
    # a cap above the law's value changes nothing
    loose = _plan(client, {**request, "constraints": {"max_params": 1e8, "max_learning_rate": 0.5}})
    assert loose["plan"]["learning_rate"] == law_lr
    by_get = client.get(
        "/v1/plan", params={"flops": 1e21, "max_params": 1e8, "max_learning_rate": 0.01}
    ).json()
    assert by_get["plan"]["learning_rate"] == 0.01
