"""Tissue et al. 2024 (fit-only): areas, fitting with uncertainty, refusals, known limits."""

from __future__ import annotations

import numpy as np
import pytest

from laws_catalog import CATALOG
from laws_catalog.loss_curve import tissue2024 as law
from laws_catalog.loss_curve.schedules import lr_schedule

TRUE = {"L0": 2.8, "A": 0.45, "alpha": 0.5, "C": 500.0}
DESIGN = {
    **TRUE,
    "peak_lr": 3e-4,
    "total_steps": 10_000,
    "warmup_steps": 200,
    "decay": 0.999,
    "points_per_curve": 400,
    "noise": 0.005,
}


def _noisy_fit(seed: int) -> law.LossCurveFit:
    steps, schedules, losses = law.synthetic_curves({**DESIGN, "seed": seed})
    return law.fit(steps, schedules, losses)


# --- areas --------------------------------------------------------------------------------


def test_forward_area_is_the_cumulative_lr() -> None:
    lr = lr_schedule("cosine", 50, 1e-3, warmup_steps=5)
    assert np.allclose(law.forward_area(lr), np.cumsum(lr))


def test_annealing_area_of_one_drop_has_the_closed_form() -> None:
    """One drop Delta at update k: S2(s) = Delta (1 - lambda^(s - k + 1)) for s >= k."""
    lr = np.full(3000, 3e-4)
    lr[1000:] = 1e-4
    s2 = law.annealing_area(lr, decay=0.999)
    s = np.arange(1000, 3000)
    assert np.all(s2[:1000] == 0)
    assert np.allclose(s2[1000:], 2e-4 * (1 - 0.999 ** (s - 1000 + 1)), rtol=1e-10, atol=0)


def test_annealing_area_tends_to_the_total_drop_and_ignores_warmup() -> None:
    lr = np.concatenate([np.linspace(1e-5, 3e-4, 100), np.full(100, 3e-4), np.full(20_000, 0.0)])
    s2 = law.annealing_area(lr, decay=0.999)
    assert np.all(s2[:200] == 0)  # the warmup rise does not count
    assert s2[-1] == pytest.approx(3e-4, rel=1e-8)  # max is eta_0 (reviewers' remark)
    # lambda = 0: S2 is the LR decrease so far, immediately
    cosine = lr_schedule("cosine", 500, 1e-3, warmup_steps=50)
    assert np.allclose(law.annealing_area(cosine, decay=0.0)[50:], 1e-3 - cosine[50:])


def test_re_warmup_counts_against_annealing() -> None:
    lr = np.concatenate([np.full(500, 3e-4), np.full(2000, 1e-4), np.full(2000, 3e-4)])
    s2 = law.annealing_area(lr)
    assert s2[2499] > 0
    assert s2[-1] < s2[2499]


# --- fitting ------------------------------------------------------------------------------


def test_fit_recovers_the_constants_within_three_standard_errors() -> None:
    """Constant + cosine pair, 0.5 % noise, five seeds: every constant within 3 SE."""
    for seed in range(1, 6):
        fitted = _noisy_fit(seed)
        for name, value in TRUE.items():
            z = (fitted.constants[name] - value) / fitted.standard_errors[name]
            assert abs(z) < 3, (seed, name, fitted.constants, fitted.standard_errors)
        assert fitted.n_points == 800
        assert fitted.r_squared > 0.99
        assert fitted.rmse == pytest.approx(0.005 * 2.95, rel=0.2)  # noise level x mean loss


def test_standard_errors_are_calibrated() -> None:
    """Across 40 seeds about 95 % of estimates should lie within 2 SE; require >= 85 %."""
    hits = dict.fromkeys(TRUE, 0)
    for seed in range(100, 140):
        fitted = _noisy_fit(seed)
        for name, value in TRUE.items():
            hits[name] += abs(fitted.constants[name] - value) <= 2 * fitted.standard_errors[name]
    assert all(count >= 34 for count in hits.values()), hits


def test_fit_on_constant_and_cosine_predicts_wsd() -> None:
    """WSD (20 % linear cooldown) from a constant+cosine fit, five seeds.

    Tolerance 0.3 % at every step: the points carry 0.5 % noise each, the fit averages 800
    of them, and the predicted standard error stays below 0.23 % of the loss. The true curve
    also lies within 4 predicted SE at every step (max over ~400 correlated steps).
    """
    wsd = lr_schedule("wsd", 10_000, 3e-4, warmup_steps=200)
    steps = np.arange(200, 10_000, 25)
    truth = law.predict(wsd, steps=steps, **TRUE)
    for seed in range(1, 6):
        predicted = law.predict_schedule(_noisy_fit(seed), wsd, steps=steps)
        assert np.all(np.abs(predicted.loss / truth - 1) < 0.003), seed
        assert np.all(np.abs(predicted.loss - truth) < 4 * predicted.standard_error), seed
        assert np.all(predicted.steps == steps)


def test_uncertainty_grows_when_extrapolating() -> None:
    fitted = _noisy_fit(1)
    long_run = lr_schedule("cosine", 100_000, 3e-4, warmup_steps=200)
    far = fitted.predict_with_uncertainty(long_run, steps=[5_000, 99_999])
    assert far.standard_error[1] > far.standard_error[0] > 0
    assert fitted.step_range == (200, 9_999)


def test_single_curve_input_is_accepted() -> None:
    lr = lr_schedule("cosine", 6000, 3e-4, warmup_steps=100)
    steps = np.arange(100, 6000, 20)
    fitted = law.fit(steps, lr, law.predict(lr, steps=steps, **TRUE))
    for name, value in TRUE.items():
        assert fitted.constants[name] == pytest.approx(value, rel=1e-6)


def test_fit_refuses_unidentifiable_inputs() -> None:
    constant = lr_schedule("constant", 5000, 3e-4, warmup_steps=100)
    steps = np.arange(100, 5000, 50)
    with pytest.raises(ValueError, match="C is not identifiable"):
        law.fit(steps, constant, law.predict(constant, steps=steps, **TRUE))
    wsd = lr_schedule("wsd", 5000, 3e-4, warmup_steps=100, cooldown_fraction=0.2)
    before_cooldown = np.arange(100, 4000, 50)
    with pytest.raises(ValueError, match="C is not identifiable"):
        law.fit(before_cooldown, wsd, law.predict(wsd, steps=before_cooldown, **TRUE))
    few = np.array([500, 1500, 2500, 3500, 4500, 4999])
    with pytest.raises(ValueError, match="at least 8 observed points"):
        law.fit(few, wsd, law.predict(wsd, steps=few, **TRUE))
    with pytest.raises(ValueError, match="one finite loss per observed step"):
        law.fit(steps, wsd, np.ones(3))
    with pytest.raises(ValueError, match="same number of curves"):
        law.fit([steps], [wsd, wsd], [np.ones(steps.size)])
    with pytest.raises(ValueError, match="steps must lie in"):
        law.fit(np.array([1, 2, 99_999]), wsd, np.ones(3))
    with pytest.raises(ValueError, match="decay"):
        law.fit(steps, wsd, np.ones(steps.size), decay=1.0)


def test_predict_refuses_a_step_before_learning() -> None:
    lr = np.concatenate([[0.0], np.full(99, 1e-3)])
    with pytest.raises(ValueError, match="before any learning"):
        law.predict(lr, steps=[0], **TRUE)
    assert np.isfinite(law.predict(lr, steps=[1], **TRUE)[0])


# --- documented limits (caveats) ----------------------------------------------------------


def test_known_failure_modes_are_real() -> None:
    """The caveats shown with the law: a scaled-up LR keeps lowering the prediction (no
    optimum), and zero-LR padding lowers it although nothing is learned."""
    base = lr_schedule("cosine", 5000, 3e-4, warmup_steps=100)
    finals = [law.predict(base * scale, steps=[4999], **TRUE)[0] for scale in (1, 10, 100)]
    assert finals[0] > finals[1] > finals[2]
    stepped = np.concatenate([np.full(3000, 3e-4), np.full(2000, 0.0)])
    padded = law.predict(stepped, steps=[3100, 4999], **TRUE)
    assert padded[1] < padded[0]


def test_registered_as_fit_only() -> None:
    entry = CATALOG.get("loss_curve", "tissue2024")
    assert entry.fit_only
    assert not entry.constant_sets
    assert any("without limit" in c for c in entry.caveats)
