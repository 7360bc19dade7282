"""Luo et al. 2025 multi-power law: structure checks (no published input->output pair)."""

from __future__ import annotations

import numpy as np
import pytest

from laws_catalog import CATALOG, Evidence
from laws_catalog.loss_curve import luo2025 as law
from laws_catalog.loss_curve.schedules import lr_schedule

C400 = law.LAW.constant_set("model_400m").values


def _naive(lr: np.ndarray, c: dict[str, float], t: int) -> float:
    """Direct transcription of the README formula with the authors' indexing (O(t))."""
    s1 = lr[: t + 1].sum()
    drop = 0.0
    for k in range(1, t + 1):
        s_k = lr[k : t + 1].sum()
        g = 1 - (c["C"] * lr[k] ** (-c["gamma"]) * s_k + 1) ** (-c["beta"])
        drop += (lr[k - 1] - lr[k]) * g
    return float(c["L0"] + c["A"] * s1 ** (-c["alpha"]) - c["B"] * drop)


def test_vectorised_prediction_matches_the_formula() -> None:
    rng = np.random.default_rng(0)
    lr = np.concatenate([np.linspace(0, 3e-4, 40), 3e-4 * rng.uniform(0.1, 1.0, 400)])
    steps = np.array([1, 39, 40, 41, 200, 439])
    got = law.predict(lr, steps=steps, **C400)
    expected = [_naive(lr, dict(C400), int(t)) for t in steps]
    assert got == pytest.approx(expected, rel=1e-12)


def test_constant_lr_is_a_power_law_in_the_forward_area() -> None:
    lr = np.full(5000, 2e-4)
    steps = np.array([0, 10, 999, 4999])
    s1 = (steps + 1) * 2e-4
    expected = C400["L0"] + C400["A"] * s1 ** (-C400["alpha"])
    assert law.predict(lr, steps=steps, **C400) == pytest.approx(expected, rel=1e-13)


def test_annealing_lowers_the_loss_and_the_authors_warmup_raises_it() -> None:
    warmup, total = 2160, 24_000
    constant = lr_schedule("constant", total, 3e-4, warmup_steps=warmup)
    cosine = lr_schedule("cosine", total, 3e-4, warmup_steps=warmup, final_lr_fraction=0.1)
    wsd = lr_schedule("wsd", total, 3e-4, warmup_steps=warmup, final_lr_fraction=0.1)
    end = [total - 1]
    at_end = {
        name: law.predict(lr, steps=end, **C400)[0]
        for name, lr in (("constant", constant), ("cosine", cosine), ("wsd", wsd))
    }
    assert at_end["wsd"] < at_end["constant"]
    assert at_end["cosine"] < at_end["constant"]
    # constant phase after warmup: loss falls with steps
    steps = np.arange(warmup, total, 500)
    assert np.all(np.diff(law.predict(constant, steps=steps, **C400)) < 0)
    # warmup increases enter the loss-drop sum with negative sign (authors' code): long after
    # warmup they add almost B x peak LR to the plain power law
    plain = C400["L0"] + C400["A"] * np.cumsum(constant)[-1] ** (-C400["alpha"])
    extra = law.predict(constant, steps=end, **C400)[0] - plain
    assert 0.9 * C400["B"] * 3e-4 < extra < C400["B"] * 3e-4


def test_rounded_sets_are_the_readme_print_of_the_code_sets() -> None:
    for size in ("25m", "100m", "400m"):
        full = law.LAW.constant_set(f"model_{size}")
        printed = law.LAW.constant_set(f"model_{size}_readme")
        assert printed.rounded
        assert not full.rounded
        assert printed.evidence is Evidence.VERIFIED
        for name in law.PARAMETERS:
            assert printed.values[name] == pytest.approx(full.values[name], abs=5.1e-4)


def test_default_is_unrounded_and_registered() -> None:
    entry = CATALOG.get("loss_curve", "luo2025")
    assert entry.default_constant_set == "model_400m"
    assert not entry.fit_only


def test_predict_refuses_zero_lr_after_the_first_update() -> None:
    lr = np.full(10, 1e-4)
    lr[5] = 0.0
    with pytest.raises(ValueError, match="positive LR"):
        law.predict(lr, **C400)
    with pytest.raises(ValueError, match="before any learning"):
        law.predict(np.concatenate([[0.0], np.full(9, 1e-4)]), steps=[0], **C400)
