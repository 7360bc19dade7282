"""POST /v1/fit, the fitted law in every route, and uncertainty on plans, seen from outside."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.fitting import huber
from planner.fitting.forms import FORMS
from planner.fitting.service import fit_runs
from planner.planning.plan.pipeline import make_plan
from planner.schemas.requests import PlanRequest

from ..fitting.synthetic import ladder, request

Body = dict[str, Any]
RUNS = ladder(7)


@pytest.fixture(scope="module")
def fitted(client: TestClient) -> Body:
    response = client.post(
        "/v1/fit", json={"runs": RUNS, "loss_name": "synthetic", "bootstrap": {"samples": 100}}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _post(client: TestClient, path: str, body: Body, status: int = 200) -> Body:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def test_fit_answer_says_what_was_fitted_and_how_well(fitted: Body) -> None:
    assert fitted["form"] == "chinchilla"
    assert "E + A / N^alpha" in fitted["equation"]
    assert set(fitted["constants"]) == {"E", "A", "B", "alpha", "beta"}
    assert set(fitted["standard_errors"]) == set(fitted["constants"])
    for name, (low, high) in fitted["intervals"].items():
        assert low <= fitted["constants"][name] <= high, name
    assert fitted["interval_level"] == 0.95
    assert fitted["bootstrap_samples"] >= 95
    assert fitted["huber_delta"] == 1e-3
    assert "Hoffmann" in fitted["huber_delta_why"]
    assert "L-BFGS-B" in fitted["method"]
    assert fitted["converged"] is True
    assert fitted["used"]["points_used"] == 25
    assert len(fitted["residuals"]) == 25  # one run per row without run names
    assert fitted["mape_in_sample"] < 0.01
    assert fitted["mape_largest_size_held_out"] < 0.02
    assert "8e+08" in fitted["largest_size_held_out_note"]
    law = fitted["law"]
    assert law["kind"] == "fitted"
    assert law["fitted_range"]["params"] == [5e7, 8e8]
    assert law["runs"] == 25
    assert len(law["bootstrap"]["E"]) == fitted["bootstrap_samples"]


def test_csv_runs_give_the_same_fit_as_json(client: TestClient, fitted: Body) -> None:
    text = "params,tokens,loss\n" + "".join(
        f"{r['params']!r},{r['tokens']!r},{r['loss']!r}\n" for r in RUNS
    )
    response = client.post(
        "/v1/fit?bootstrap_samples=100&loss_name=synthetic",
        content=text,
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["constants"] == fitted["constants"]
    assert response.json()["law"]["runs_sha256"] == fitted["law"]["runs_sha256"]


@pytest.mark.parametrize(
    ("runs", "field"),
    [
        ([*RUNS[:3], {**RUNS[3], "loss": -1.0}, *RUNS[4:]], "runs[3].loss"),
        ([*RUNS[:2], {**RUNS[2], "params": 0}, *RUNS[3:]], "runs[2].params"),
        ([*RUNS, RUNS[4]], "runs[25]"),
        (RUNS[:4], "runs"),
        ([{**r, "run": "one"} for r in RUNS[:6]], "runs[5].params"),
    ],
    ids=["negative loss", "zero params", "duplicate", "fewer points than constants", "size"],
)
def test_bad_runs_get_a_422_naming_row_and_field(
    client: TestClient, runs: list[Body], field: str
) -> None:
    error = _post(client, "/v1/fit", {"runs": runs}, status=422)
    assert error["field"] == field
    assert error["detail"]


def test_nan_in_a_run_is_a_422(client: TestClient) -> None:
    text = json.dumps({"runs": [*RUNS[:5], {**RUNS[5], "tokens": float("nan")}]})
    response = client.post("/v1/fit", content=text, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["field"] == "runs[5].tokens"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("params,tokens,loss\n1e8,2e9,3.3\n1e8,4e9,x\n", "line 3.loss"),
        ("params,tokens\n1e8,2e9\n", "csv header"),
        ("params,tokens,loss,seed\n1e8,2e9,3.3,1\n", "csv header"),
        ("params,tokens,loss\n1e8,2e9,3.3\n1e8,4e9,-3\n", "line 3.loss"),
    ],
)
def test_bad_csv_gets_a_422_naming_line_and_column(
    client: TestClient, text: str, field: str
) -> None:
    response = client.post("/v1/fit", content=text, headers={"content-type": "text/csv"})
    assert response.status_code == 422
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    ("body", "field", "allowed"),
    [
        ({"runs": RUNS, "bootstrap": {"samples": 501}}, "bootstrap.samples", "<= 500"),
        ({"runs": RUNS * 81}, "runs", None),
        ({"runs": RUNS, "early_fraction": 0.95}, "early_fraction", "<= 0.9"),
    ],
)
def test_request_size_limits_are_stated(
    client: TestClient, body: Body, field: str, allowed: str | None
) -> None:
    error = _post(client, "/v1/fit", body, status=422)
    assert error["field"] == field
    if allowed is not None:
        assert allowed in error["allowed"]
    else:
        assert "2000" in error["detail"]


def test_a_fit_that_does_not_converge_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huber, "_OPTIONS", {"maxiter": 1})
    answer = fit_runs(request(RUNS))
    assert answer.converged is False
    assert "not_converged" in {w.code for w in answer.warnings}


def test_the_fitted_law_plans_like_a_catalogue_law(client: TestClient, fitted: Body) -> None:
    body = _post(client, "/v1/plan", {"budget": {"flops": 1e21}, "laws": {"loss": fitted["law"]}})
    (use,) = [u for u in body["provenance"] if u["role"] == "loss"]
    assert use["law"] == f"fitted_{fitted['law']['runs_sha256'][:12]}"
    assert use["constant_set"] == "fitted_to_request"
    assert use["evidence"] == "fitted_here"
    assert use["constants"] == fitted["constants"]
    n, d = FORMS["chinchilla"].posynomial(fitted["constants"]).compute_optimal(1e21)
    assert body["plan"]["params"] == pytest.approx(n, rel=1e-4)
    assert body["plan"]["tokens"] == pytest.approx(d, rel=1e-4)
    # every post-hoc stage ran on it: vocabulary, shape, LR and batch
    plan = body["plan"]
    for name in ("vocab_size", "shape", "learning_rate", "batch_size_tokens", "steps"):
        assert plan[name], name
    assert "synthetic" in body["units"]["loss"]
    # 1e21 FLOPs is far above the runs: the plan says it extrapolates
    (extrapolated,) = [
        w
        for w in body["warnings"]
        if w["law"] == f"loss/{use['law']}" and w["code"] == "outside_fitted_range"
    ]
    assert {q["quantity"] for q in extrapolated["out_of_range"]} >= {"n_params_total", "flops"}


def test_provenance_names_the_runs_and_their_hash(client: TestClient, fitted: Body) -> None:
    law = fitted["law"]
    response = client.get(f"/v1/laws/loss/fitted_{law['runs_sha256'][:12]}")
    assert response.status_code == 404  # stateless: nothing was stored
    body = _post(client, "/v1/predict", {"params": 1e8, "tokens": 2e9, "laws": {"loss": law}})
    assert body["loss"] == pytest.approx(
        FORMS["chinchilla"].posynomial(fitted["constants"])(1e8, 2e9), rel=1e-12
    )
    plan = _post(client, "/v1/plan", {"budget": {"flops": 1e20}, "laws": {"loss": law}})
    reference = next(u for u in plan["provenance"] if u["role"] == "loss")["reference"]
    assert "fitted to 25 runs" in reference["title"]
    assert law["runs_sha256"] in reference["title"]
    assert reference["arxiv"] == "2203.15556"  # the form's paper (Hoffmann et al. 2022)


def test_every_route_accepts_the_fitted_law(client: TestClient, fitted: Body) -> None:
    laws = {"loss": fitted["law"]}
    target = _post(client, "/v1/plan", {"target": {"loss": 2.6}, "laws": laws})
    assert target["plan"]["loss"] == pytest.approx(2.6, rel=1e-6)
    served = _post(
        client,
        "/v1/plan",
        {"budget": {"flops": 1e22}, "laws": laws, "precision": {"serving": "int4"}},
    )
    assert served["precision"]["serving"]["format"] == "int4"
    limited = _post(
        client,
        "/v1/plan",
        {
            "budget": {"flops": 1e23},
            "laws": laws,
            "inference": {"device": "h100", "max_decode_latency_ms": 8.0},
        },
    )
    assert limited["inference"]["binding_limit"] == "inference.max_decode_latency_ms"
    sweep = _post(
        client, "/v1/sweep", {"budgets": [{"flops": 1e20}, {"flops": 1e21}], "laws": laws}
    )
    assert [r["plan"]["flops"] for r in sweep["rows"]] == pytest.approx([1e20, 1e21])


def test_an_invalid_inline_law_is_a_422(client: TestClient, fitted: Body) -> None:
    law = {**fitted["law"], "constants": {**fitted["constants"], "alpha": 5.0}}
    error = _post(client, "/v1/plan", {"budget": {"flops": 1e21}, "laws": {"loss": law}}, 422)
    assert error["field"].startswith("laws.loss")
    assert "alpha" in error["detail"]


def _inside(interval: list[float], value: float) -> bool:
    return interval[0] <= value <= interval[1]


def test_uncertainty_true_gives_intervals_around_the_default_plan(client: TestClient) -> None:
    body = _post(client, "/v1/plan", {"budget": {"flops": 1.3e21}, "uncertainty": True})
    found, plan = body["uncertainty"], body["plan"]
    assert found["level"] == 0.9
    assert found["samples"] == 200
    assert found["method"] == "closed_form_vectorised"
    assert "Besiroglu" in found["source"]
    for name in ("params", "tokens", "loss", "learning_rate", "tokens_per_param"):
        assert _inside(found["intervals"][name], plan[name]), name
    low, high = found["intervals"]["params"]
    assert 1.1 < high / low < 2  # joint draws: the allocation is known to ~+-10-25 %


def test_uncertainty_from_the_fitted_bootstrap(client: TestClient, fitted: Body) -> None:
    body = _post(
        client,
        "/v1/plan",
        {
            "budget": {"flops": 1e21},
            "laws": {"loss": fitted["law"]},
            "uncertainty": {"level": 0.8, "samples": 50},
        },
    )
    found = body["uncertainty"]
    assert found["samples"] == 50
    assert found["level"] == 0.8
    assert "25 runs" in found["source"]
    assert _inside(found["intervals"]["params"], body["plan"]["params"])


def test_a_law_without_published_uncertainty_says_so(client: TestClient) -> None:
    body = _post(
        client,
        "/v1/plan",
        {"budget": {"flops": 1e21}, "laws": {"loss": "hoffmann2022"}, "uncertainty": True},
    )
    found = body["uncertainty"]
    assert found["method"] == "none"
    assert found["intervals"] == {}
    assert "hoffmann2022@tex" in found["notes"][0]
    assert "no published uncertainty" in found["notes"][0]


def test_a_binding_limit_re_solves_each_sample(client: TestClient, fitted: Body) -> None:
    body = _post(
        client,
        "/v1/plan",
        {
            "budget": {"flops": 1e21},
            "laws": {"loss": fitted["law"]},
            "constraints": {"max_params": 1e9},
            "uncertainty": {"samples": 20},
        },
    )
    found = body["uncertainty"]
    assert found["method"] == "re_solved"
    assert found["intervals"]["params"] == pytest.approx([1e9, 1e9], rel=1e-4)
    assert found["intervals"]["loss"][0] < found["intervals"]["loss"][1]


def test_sweep_csv_gains_low_and_high_columns(client: TestClient) -> None:
    response = client.post(
        "/v1/sweep?format=csv",
        json={"budgets": [{"flops": 1e20}, {"flops": 1e22}], "uncertainty": True},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    for row in rows:
        for name in ("params", "tokens", "loss", "learning_rate"):
            assert float(row[f"{name}_low"]) <= float(row[name]) <= float(row[f"{name}_high"])
        assert row["uncertainty_method"] == "closed_form_vectorised"
    plain = client.post("/v1/sweep?format=csv", json={"budgets": [{"flops": 1e20}]})
    assert "params_low" not in plain.text


@pytest.mark.parametrize(
    ("uncertainty", "field"),
    [({"samples": 5}, "uncertainty.samples"), ({"level": 1.5}, "uncertainty.level")],
)
def test_uncertainty_bounds_are_422s(client: TestClient, uncertainty: Body, field: str) -> None:
    error = _post(client, "/v1/plan", {"budget": {"flops": 1e21}, "uncertainty": uncertainty}, 422)
    assert error["field"] == field


def test_200_samples_take_well_under_ten_ordinary_plans() -> None:
    """The closed-form path: measured ratio ~0.3 (200-sample plan / 10 plans) on 2 shared cores.
    Medians of 5 repeats each; the bound 0.7 leaves room for a noisy machine."""
    plain = PlanRequest.model_validate({"budget": {"flops": 1e21}})
    asked = PlanRequest.model_validate({"budget": {"flops": 1e21}, "uncertainty": True})
    make_plan(plain), make_plan(asked)

    def seconds(run: Any) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return float(np.median(times))

    ten = seconds(lambda: [make_plan(plain) for _ in range(10)])
    one = seconds(lambda: make_plan(asked))
    assert one / ten < 0.7, (one, ten)


_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e8, 2e9, 3.3, 1e30]),
)
_runs = st.lists(
    st.fixed_dictionaries(
        {"params": _numbers, "tokens": _numbers, "loss": _numbers},
        optional={"run": st.sampled_from(["a", "b", ""])},
    ),
    max_size=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    runs=st.one_of(_runs, st.just(RUNS[:8])),
    form=st.sampled_from(["chinchilla", "gadre2024", "x"]),
    samples=st.sampled_from([0, 3, -1]),
)
def test_fit_never_answers_500(
    client: TestClient, runs: list[Body], form: str, samples: int
) -> None:
    payload = json.dumps({"runs": runs, "form": form, "bootstrap": {"samples": samples}})
    response = client.post("/v1/fit", content=payload, headers={"content-type": "application/json"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["detail"]


def test_a_fit_without_bootstrap_gives_plans_no_invented_intervals(client: TestClient) -> None:
    law = _post(client, "/v1/fit", {"runs": RUNS, "bootstrap": {"samples": 0}})["law"]
    assert law.get("bootstrap") is None
    body = _post(
        client, "/v1/plan", {"budget": {"flops": 1e21}, "laws": {"loss": law}, "uncertainty": True}
    )
    assert body["uncertainty"]["method"] == "none"
    assert "without a bootstrap" in body["uncertainty"]["notes"][0]


def test_a_target_gets_closed_form_intervals_on_its_budget(client: TestClient) -> None:
    """Target loss 2.3 with Besiroglu's draws: the least-compute optimum of each draw in closed
    form; the FLOPs interval brackets the point plan's."""
    body = _post(client, "/v1/plan", {"target": {"loss": 2.3}, "uncertainty": True})
    found = body["uncertainty"]
    assert found["method"] == "closed_form_vectorised"
    assert found["samples"] == 200
    for name in ("params", "tokens", "flops", "learning_rate"):
        assert _inside(found["intervals"][name], body["plan"][name]), name
    near_floor = _post(client, "/v1/plan", {"target": {"loss": 1.83}, "uncertainty": True})
    left_out = near_floor["uncertainty"]
    assert left_out["samples"] < 200
    assert any("irreducible loss at or above the target" in n for n in left_out["notes"])


def test_weak_identification_travels_with_the_law_into_plans(client: TestClient) -> None:
    runs = ladder(1, sizes=(1e8, 2e8))
    fit = _post(client, "/v1/fit", {"runs": runs, "bootstrap": {"samples": 0}})
    assert "few_sizes" in {w["code"] for w in fit["warnings"]}
    assert any("distinct model sizes" in c for c in fit["law"]["caveats"])
    plan = _post(client, "/v1/plan", {"budget": {"flops": 1e20}, "laws": {"loss": fit["law"]}})
    caveats = [w for w in plan["warnings"] if w["code"] == "law_caveat" and "fit:" in w["message"]]
    assert caveats
    assert caveats[0]["law"].startswith("loss/fitted_")


def test_fits_are_cached_and_run_on_their_own_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fit never occupies a solver thread (plans keep flowing during a long fit)."""
    from planner.api.routes import fit as fit_route

    threads: list[str] = []

    def recording(body: Any) -> Any:
        threads.append(threading.current_thread().name)
        return fit_runs(body)

    monkeypatch.setattr(fit_route, "fit_runs", recording)
    body = {"runs": ladder(42), "bootstrap": {"samples": 5}}
    first = client.post("/v1/fit", json=body)
    second = client.post("/v1/fit", json=body)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert len(threads) == 1
    assert threads[0].startswith("fit")


def test_plain_get_sweep_asks_for_intervals_too(client: TestClient) -> None:
    response = client.get("/v1/sweep?start=1e20&stop=1e21&num=2&format=csv&uncertainty=true")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert all(
        float(r["params_low"]) <= float(r["params"]) <= float(r["params_high"]) for r in rows
    )
    plan = client.get("/v1/plan?flops=1e21&uncertainty=true").json()
    assert plan["uncertainty"]["method"] == "closed_form_vectorised"
