"""Data-constrained planning: repetition, several sources, mixture laws (issue 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from laws_catalog.data import muennighoff2023, repetition_constants
from laws_catalog.loss import gadre2024, posynomial

REPETITION = repetition_constants(muennighoff2023.LAW)

MUENNIGHOFF = {"loss": "muennighoff2023"}


def _plan(client: TestClient, **body: object) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_published_optimum_with_25b_unique_tokens(client: TestClient) -> None:
    """huggingface/datablations README.md optimal_allocation: arg-min at C = 1e22, U = 25e9 is N
    ~7.02e9, D ~2.373e11, 9.49
    epochs (the authors' README grid; 0.5 % tolerance from the grid's spacing)."""
    plan = _plan(client, budget={"flops": 1e22}, data={"unique_tokens": 25e9}, laws=MUENNIGHOFF)[
        "plan"
    ]
    assert plan["params"] == pytest.approx(7.02e9, rel=5e-3)
    assert plan["tokens"] == pytest.approx(2.373e11, rel=5e-3)
    assert plan["epochs"] == pytest.approx(9.49, rel=5e-3)
    assert plan["loss"] == pytest.approx(
        float(REPETITION.loss(plan["params"], plan["tokens"], 25e9)), rel=1e-12
    )
    assert plan["loss_without_repetition"] < plan["loss"]


def test_unlimited_unique_data_gives_the_single_epoch_plan(client: TestClient) -> None:
    free = _plan(client, budget={"flops": 3e21}, laws=MUENNIGHOFF)["plan"]
    plenty = _plan(client, budget={"flops": 3e21}, data={"unique_tokens": 1e18}, laws=MUENNIGHOFF)[
        "plan"
    ]
    assert plenty["params"] == pytest.approx(free["params"], rel=1e-7)
    assert plenty["tokens"] == pytest.approx(free["tokens"], rel=1e-7)
    assert plenty["loss"] == pytest.approx(free["loss"], rel=1e-10)


def test_marginal_values_of_data_and_epochs(client: TestClient) -> None:
    body = _plan(client, budget={"flops": 1e22}, data={"unique_tokens": 25e9}, laws=MUENNIGHOFF)
    margins = {m["resource"]: m for m in body["marginal_values"]}
    assert margins["data.unique_tokens"]["delta"] < 0
    epoch = margins["epochs"]
    assert epoch["delta"] < 0
    assert epoch["extra_flops"] == pytest.approx(6 * body["plan"]["params"] * 25e9)
    assert margins["budget.flops"]["delta"] < 0
    roles = {u["role"] for u in body["provenance"]}
    assert "repetition" in roles


def test_dozens_of_epochs_match_a_brute_force_grid(client: TestClient) -> None:
    """Relative loss gap under 1e-6 against a dense grid along the budget line, for a budget
    that forces ~60 epochs (Muennighoff et al. 2023 Eq. 5-6: C = 1e21, U = 1.5B)."""
    plan = _plan(client, budget={"flops": 1e21}, data={"unique_tokens": 1.5e9}, laws=MUENNIGHOFF)[
        "plan"
    ]
    assert plan["epochs"] > 40
    n = np.exp(np.linspace(math.log(1e8), math.log(1e11), 200_001))
    grid = np.asarray(REPETITION.loss(n, 1e21 / (6 * n), 1.5e9))
    best = int(np.argmin(grid))
    lo, hi = n[max(best - 2, 0)], n[min(best + 2, n.size - 1)]
    fine = np.exp(np.linspace(math.log(lo), math.log(hi), 200_001))
    finest = float(np.min(np.asarray(REPETITION.loss(fine, 1e21 / (6 * fine), 1.5e9))))
    assert abs(plan["loss"] - finest) / finest < 1e-6
    assert plan["loss"] <= finest * (1 + 1e-12)


def test_transplanted_decay_on_the_default_loss_law_warns(client: TestClient) -> None:
    body = _plan(client, budget={"flops": 1e22}, data={"unique_tokens": 25e9})
    assert any("decay constants" in w["message"] for w in body["warnings"])
    assert body["plan"]["epochs"] > 1


def test_several_sources_share_the_budget(client: TestClient) -> None:
    sources = [
        {"name": "web", "unique_tokens": 50e9},
        {"name": "code", "unique_tokens": 10e9, "quality": 1.5},
    ]
    body = _plan(client, budget={"flops": 1e22}, data={"sources": sources})
    mix = {s["name"]: s for s in body["plan"]["data_mix"]}
    assert sum(s["share"] for s in mix.values()) == pytest.approx(1.0)
    assert sum(s["tokens"] for s in mix.values()) == pytest.approx(body["plan"]["tokens"])
    for source in sources:
        entry = mix[source["name"]]
        assert entry["epochs"] == pytest.approx(entry["tokens"] / source["unique_tokens"])
    assert mix["code"]["epochs"] > mix["web"]["epochs"]  # better data is repeated more
    resources = {m["resource"] for m in body["marginal_values"]}
    assert {"data.sources[web].unique_tokens", "data.sources[code].unique_tokens"} <= resources
    assert any("Multi-source model" in w["message"] for w in body["warnings"])


def test_target_with_limited_data(client: TestClient) -> None:
    body = _plan(client, target={"loss": 2.4}, data={"unique_tokens": 25e9}, laws=MUENNIGHOFF)
    assert body["plan"]["loss"] == pytest.approx(2.4, rel=1e-9)
    assert body["binding_constraints"][0] == "target"


def test_target_below_the_data_floor_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/v1/plan",
        json={"target": {"loss": 2.0}, "data": {"unique_tokens": 1e8}, "laws": MUENNIGHOFF},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "target.loss"
    assert "lowest loss" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "budget": {"flops": 1e22},
                "data": {"unique_tokens": 1e10},
                "laws": {"loss": "kaplan2020"},
            },
            "laws.loss",
        ),
        (
            {
                "budget": {"flops": 1e22},
                "data": {"unique_tokens": 1e10},
                "laws": {"allocation": "kaplan2020"},
            },
            "body",
        ),
        ({"budget": {"flops": 1e22}, "data": {"unique_tokens": 1e10, "sources": []}}, "data"),
        (
            {
                "budget": {"flops": 1e22},
                "data": {
                    "sources": [
                        {"name": "a", "unique_tokens": 1e9},
                        {"name": "a", "unique_tokens": 1e9},
                    ]
                },
            },
            "data",
        ),
        ({"budget": {"flops": 1e22}, "data": {"unique_tokens": -5}}, "data.unique_tokens"),
        (
            {
                "budget": {"flops": 1e22},
                "data": {"unique_tokens": 1e10},
                "laws": {"repetition": "nope"},
            },
            "laws.repetition",
        ),
    ],
)
def test_bad_data_requests_are_422(client: TestClient, body: dict, field: str) -> None:  # type: ignore[type-arg]
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith(field)


def _mixture_runs(seed: int = 0) -> list[dict]:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    c, k = np.array([2.0, 1.5]), np.array([1.0, 0.8])
    t = np.array([[-1.5, 0.5, 1.0], [0.8, -2.0, 1.2]])
    runs = []
    for _ in range(12):
        r = rng.dirichlet([1, 1, 1])
        losses = c + k * np.exp(t @ r)
        runs.append(
            {
                "mixture": dict(zip(["web", "code", "books"], r.tolist(), strict=True)),
                "losses": dict(zip(["web_val", "code_val"], losses.tolist(), strict=True)),
            }
        )
    return runs


def test_mixture_law_fit_and_best_mixture(client: TestClient) -> None:
    """Runs generated by the law: the fit is exact and the optimum beats a dense simplex grid."""
    weights = {"web_val": 0.7, "code_val": 0.3}
    body = client.post("/v1/mixture", json={"runs": _mixture_runs(), "target_weights": weights})
    assert body.status_code == 200, body.text
    out = body.json()
    assert out["fit_quality"]["web_val"]["r2"] > 0.999999
    assert sum(out["proportions"].values()) == pytest.approx(1.0)
    c, k = np.array([2.0, 1.5]), np.array([1.0, 0.8])
    t = np.array([[-1.5, 0.5, 1.0], [0.8, -2.0, 1.2]])
    grid = [
        (a, b, 1 - a - b)
        for a in np.linspace(0, 1, 401)
        for b in np.linspace(0, 1, 401)
        if a + b <= 1
    ]
    objective = [float(np.dot([0.7, 0.3], c + k * np.exp(t @ np.array(g)))) for g in grid]
    assert out["objective"] <= min(objective) + 1e-9


def test_mixture_outside_the_runs_is_flagged(client: TestClient) -> None:
    out = client.post("/v1/mixture", json={"runs": _mixture_runs()}).json()
    if out["extrapolated"]:
        assert any(w["code"] == "outside_fitted_range" for w in out["warnings"])
    kept = client.post(
        "/v1/mixture", json={"runs": _mixture_runs(), "stay_in_seen_region": True}
    ).json()
    assert kept["inside_seen_hull"] is True


def test_mixture_request_errors(client: TestClient) -> None:
    runs = _mixture_runs()
    runs[0]["mixture"]["web"] += 0.5
    assert client.post("/v1/mixture", json={"runs": runs}).status_code == 422
    response = client.post(
        "/v1/mixture", json={"runs": _mixture_runs(), "lower": {"web": 0.8, "code": 0.8}}
    )
    assert response.status_code == 422


DCPT_DOMAIN = {
    "E": 1.2,
    "A": 40.0,
    "B": 60.0,
    "C": 0.25,
    "alpha": 0.3,
    "beta": 0.25,
    "gamma": 0.5,
    "eta": 0.3,
    "eps": 0.05,
}
DCPT_GENERAL = {
    "E": 1.6,
    "A": 40.0,
    "B": 50.0,
    "C": 0.15,
    "alpha": 0.3,
    "beta": 0.25,
    "gamma": 0.6,
    "eta": 0.2,
    "eps": 0.1,
}


def _dcpt_runs() -> list[dict]:  # type: ignore[type-arg]
    from laws_catalog.data.que2024 import dcpt_loss

    runs = []
    for n in (5e8, 1.8e9, 4e9):
        for d in (1e9, 3e9, 1e10):
            for r in (0.1, 0.3, 0.5, 0.7, 0.9):
                runs.append(
                    {
                        "params": n,
                        "tokens": d,
                        "domain_ratio": r,
                        "domain_loss": float(dcpt_loss(n, d, r, DCPT_DOMAIN)),
                        "general_loss": float(dcpt_loss(n, d, 1 - r, DCPT_GENERAL)),
                    }
                )
    return runs


def test_continual_pretraining_ratio_matches_brute_force(client: TestClient) -> None:
    """Runs generated by the D-CPT form: fits reproduce them, and the chosen domain ratio
    minimises the weighted loss on a dense grid of the true law."""
    from laws_catalog.data.que2024 import dcpt_loss

    body = client.post(
        "/v1/continual-pretraining",
        json={"runs": _dcpt_runs(), "params": 1.8e9, "tokens": 1e10, "domain_weight": 0.6},
    )
    assert body.status_code == 200, body.text
    out = body.json()
    assert out["fit_quality"]["domain"]["r2"] > 0.9999
    grid = np.linspace(0, 1, 100_001)
    truth = 0.6 * dcpt_loss(1.8e9, 1e10, grid, DCPT_DOMAIN) + 0.4 * dcpt_loss(
        1.8e9, 1e10, 1 - grid, DCPT_GENERAL
    )
    assert out["objective"] == pytest.approx(float(truth.min()), rel=1e-4)
    assert out["domain_ratio"] == pytest.approx(float(grid[np.argmin(truth)]), abs=2e-3)


def test_continual_pretraining_general_loss_cap(client: TestClient) -> None:
    free = client.post(
        "/v1/continual-pretraining",
        json={"runs": _dcpt_runs(), "params": 1.8e9, "tokens": 1e10, "domain_weight": 0.9},
    ).json()
    cap = free["predicted_general_loss"] * 0.99
    capped = client.post(
        "/v1/continual-pretraining",
        json={
            "runs": _dcpt_runs(),
            "params": 1.8e9,
            "tokens": 1e10,
            "domain_weight": 0.9,
            "max_general_loss": cap,
        },
    ).json()
    assert capped["predicted_general_loss"] <= cap * (1 + 1e-9)
    assert capped["domain_ratio"] < free["domain_ratio"]


SOURCES_WITH_A_LAW = [
    {"name": "c4", "unique_tokens": 5e10},
    {"name": "refinedweb", "unique_tokens": 1e11, "loss_law": "gadre2024@refinedweb"},
]


def test_a_source_can_bring_its_own_loss_law(client: TestClient) -> None:
    """The law-set quality is a fixed point: the data-term equivalence evaluated at the tokens
    the plan gives that source; the same plan with that quality given by hand is identical."""
    body = _plan(
        client,
        budget={"flops": 1e22},
        laws={"loss": "gadre2024@c4"},
        data={"sources": SOURCES_WITH_A_LAW},
    )
    mix = {s["name"]: s for s in body["plan"]["data_mix"]}
    rw = mix["refinedweb"]
    assert rw["quality_from"] == "gadre2024@refinedweb"
    assert mix["c4"]["quality_from"] == "request"
    c4_law = posynomial(gadre2024.LAW, "c4")
    rw_law = posynomial(gadre2024.LAW, "refinedweb")
    (b, beta), (b_s, beta_s) = (
        (law.terms[1].coefficient, -law.terms[1].d_exponent) for law in (c4_law, rw_law)
    )
    expected = (b / b_s) ** (1 / beta) * rw["tokens"] ** (beta_s / beta - 1)
    assert rw["quality"] == pytest.approx(expected, rel=1e-8)
    by_hand = _plan(
        client,
        budget={"flops": 1e22},
        laws={"loss": "gadre2024@c4"},
        data={
            "sources": [
                SOURCES_WITH_A_LAW[0],
                {"name": "refinedweb", "unique_tokens": 1e11, "quality": rw["quality"]},
            ]
        },
    )
    assert by_hand["plan"]["loss"] == pytest.approx(body["plan"]["loss"], rel=1e-9)
    assert {u["role"] for u in body["provenance"]} >= {"data_quality"}
    assert any("only how fast" in w["message"] for w in body["warnings"])


def test_a_source_law_equal_to_the_plan_law_is_quality_one(client: TestClient) -> None:
    body = _plan(
        client,
        budget={"flops": 3e21},
        laws={"loss": "gadre2024@c4"},
        data={
            "sources": [
                {"name": "a", "unique_tokens": 2e10},
                {"name": "b", "unique_tokens": 3e10, "loss_law": "gadre2024@c4"},
            ]
        },
    )
    mix = {s["name"]: s for s in body["plan"]["data_mix"]}
    assert mix["b"]["quality"] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"name": "x", "unique_tokens": 1e10, "quality": 2.0, "loss_law": "gadre2024@c4"}, "data"),
        ({"name": "x", "unique_tokens": 1e10, "loss_law": "nope"}, "data.sources[0].loss_law"),
        (
            {"name": "x", "unique_tokens": 1e10, "loss_law": "kaplan2020"},
            "data.sources[0].loss_law",
        ),
    ],
)
def test_bad_source_laws_are_422(client: TestClient, source: dict, field: str) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/v1/plan", json={"budget": {"flops": 1e21}, "data": {"sources": [source]}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith(field)
