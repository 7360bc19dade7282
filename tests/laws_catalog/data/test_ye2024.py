"""The fit-only data mixing law of Ye et al. (2024): fitting, gauge, quality and region."""

from __future__ import annotations

import numpy as np
import pytest

from laws_catalog import CATALOG, WrongFamily
from laws_catalog.data import MixtureLaw
from laws_catalog.data.ye2024 import LAW, MixtureRegion, fit, mixing_law

RNG_SEED = 7


def _synthetic(runs: int, noise: float = 0.0, seed: int = RNG_SEED):  # type: ignore[no-untyped-def]
    """4 training domains, 2 target domains (K != M), gauge-free truth."""
    rng = np.random.default_rng(seed)
    c = np.array([1.1, 2.4])
    k = np.array([0.7, 0.5])
    t = np.array([[-1.8, 0.9, 0.4, 0.5], [0.3, 0.2, -1.1, 0.6]])
    mixtures = rng.dirichlet(np.ones(4), size=runs)
    losses = mixing_law(mixtures, c, k, t) + noise * rng.standard_normal((runs, 2))
    return mixtures, losses, c, k, t


def test_recovers_generating_constants_with_more_domains_than_targets() -> None:
    mixtures, losses, c, k, t = _synthetic(runs=10)
    fitted = fit(mixtures, losses, domains=("web", "code", "books", "math"), targets=("a", "b"))
    np.testing.assert_allclose(fitted.c, c, rtol=1e-7)
    np.testing.assert_allclose(fitted.k, k, rtol=1e-7)
    np.testing.assert_allclose(fitted.t, t, rtol=1e-7, atol=1e-9)
    assert fitted.constants()["t[a,web]"] == pytest.approx(-1.8, rel=1e-7)
    assert fitted.quality["a"].r2 == pytest.approx(1.0, abs=1e-12)
    assert fitted.quality["a"].loo_rmse is not None
    assert fitted.quality["a"].loo_rmse < 1e-7


def test_gauge_is_fixed_so_shifted_exponents_fit_the_same() -> None:
    """sum_j r_j = 1 makes (t + s, k e^-s) indistinguishable; the fit reports sum_j t_ij = 0."""
    mixtures, _, c, k, t = _synthetic(runs=9)
    shifted = mixing_law(mixtures, c, k * np.exp(-2.0), t + 2.0)
    fitted = fit(mixtures, shifted)
    np.testing.assert_allclose(fitted.t.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(fitted.t, t, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fitted.k, k, rtol=1e-7)


def test_noisy_fit_reports_honest_quality() -> None:
    mixtures, losses, *_ = _synthetic(runs=14, noise=0.01)
    fitted = fit(mixtures, losses)
    for quality in fitted.quality.values():
        assert 0.5e-2 < quality.rmse < 2e-2  # about the noise level
        assert quality.loo_rmse is not None
        assert quality.loo_rmse > quality.rmse
        assert quality.n_runs == 14
        assert quality.n_constants == 5


def test_too_few_runs_for_leave_one_out_reports_none() -> None:
    mixtures, losses, *_ = _synthetic(runs=5)  # M + 1 = 5: fit possible, LOO not
    assert fit(mixtures, losses).quality["L0"].loo_rmse is None


@pytest.mark.parametrize(
    ("mixtures", "losses", "message"),
    [
        (np.array([[0.5, 0.6]] * 4), np.ones((4, 1)), "sum to 1"),
        (np.array([[0.5, 0.5]] * 2), np.ones((2, 1)), "at least 3 runs"),
        (np.array([[0.5, 0.5]] * 4), -np.ones((4, 1)), "positive"),
    ],
)
def test_bad_runs_are_rejected(mixtures: np.ndarray, losses: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit(mixtures, losses)


def test_region_box_and_hull() -> None:
    region = MixtureRegion(np.array([[0.6, 0.4, 0.0], [0.4, 0.4, 0.2], [0.5, 0.2, 0.3]]))
    inside = np.array([0.5, 1 / 3, 1 / 6])  # the centroid
    assert region.in_box(inside)
    assert region.in_hull(inside)
    corner = np.array([0.6, 0.2, 0.2])  # each share in range, not a blend of the runs
    assert region.in_box(corner)
    assert not region.in_hull(corner)
    far = np.array([0.9, 0.05, 0.05])
    assert not region.in_box(far)
    assert not region.in_hull(far)


def test_fit_only_law_has_no_constants_and_cannot_be_planned_with() -> None:
    assert LAW.fit_only
    assert not LAW.constant_sets
    with pytest.raises(WrongFamily):
        CATALOG.resolve("data", "ye2024", MixtureLaw)
