"""Sardana et al. 2024: the reference solver finds the true optimum; accounting identities."""

from __future__ import annotations

import numpy as np
import pytest

from laws_catalog import CATALOG
from laws_catalog.inference import sardana2024 as sd
from laws_catalog.loss import hoffmann2022, loss


def _loss(n: float, d: float) -> float:
    return loss(hoffmann2022.LAW, n, d, "sardana")


def test_loss_law_is_hoffmann_sardana_set() -> None:
    plan = sd.chinchilla_style_for_params(70e9)
    assert plan.loss == pytest.approx(_loss(70e9, plan.train_tokens), rel=1e-14)
    assert "hoffmann2022@sardana" in CATALOG.get("inference", "sardana2024").notes[0]


@pytest.mark.parametrize("demand", [0.0, 1e11, 2e12, 1e14])
def test_compute_optimal_beats_every_model_of_equal_loss(demand: float) -> None:
    target = 1.947
    best = sd.compute_optimal_with_inference(target, demand)
    assert _loss(best.params, best.train_tokens) == pytest.approx(target, rel=1e-12)
    for factor in np.geomspace(0.5, 4.0, 41):
        d = best.train_tokens * factor
        if abs(factor - 1) < 1e-9:
            continue
        n = sd._params_on_curve(target, d, "sardana")
        assert sd.lifetime_flops(n, d, demand) >= best.lifetime_flops * (1 - 1e-12)


def test_more_inference_demand_means_smaller_longer_trained_models() -> None:
    plans = [sd.compute_optimal_with_inference(1.95, t) for t in (0, 1e11, 1e12, 1e13, 1e14)]
    params = [p.params for p in plans]
    tokens = [p.train_tokens for p in plans]
    assert np.all(np.diff(params) < 0)
    assert np.all(np.diff(tokens) > 0)
    base = sd.chinchilla_style_for_loss(1.95)
    assert plans[0].params == pytest.approx(base.params, rel=1e-12)


def test_cost_optimal_minimises_dollars_on_the_loss_curve() -> None:
    pricing = sd.PhasePricing.repo_defaults()
    prompt, output = 1e10 * 70, 1e10 * 215
    best = sd.cost_optimal(1.947, prompt, output, pricing)
    best_cost = sd.lifetime_cost(best.params, best.train_tokens, prompt, output, pricing)
    for factor in (0.8, 0.95, 0.99, 1.01, 1.05, 1.25):
        d = best.train_tokens * factor
        n = sd._params_on_curve(1.947, d, "sardana")
        assert sd.lifetime_cost(n, d, prompt, output, pricing) > best_cost


def test_cost_equals_flops_times_price_at_full_utilisation() -> None:
    pricing = sd.PhasePricing(1e15, 3.6, 1e15, 3.6, 1.0, 1.0, 1.0)  # $1e-18 per FLOP
    dollars = sd.lifetime_cost(7e9, 1e12, 3e11, 1e11, pricing)
    assert dollars == pytest.approx(sd.lifetime_flops(7e9, 1e12, 4e11) * 1e-18, rel=1e-12)


def test_repo_defaults_constant_set() -> None:
    pricing = sd.PhasePricing.repo_defaults()
    assert (pricing.mfu_train, pricing.mfu_prefill, pricing.mfu_decode) == (0.5, 0.5, 0.01)
    assert pricing.inference_peak_flops == 1.978e15


def test_unreachable_loss_is_rejected() -> None:
    with pytest.raises(ValueError, match="floor"):
        sd.chinchilla_style_for_loss(1.69)
