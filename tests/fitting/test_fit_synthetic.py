"""The fitter on runs generated from known constants: recovery, coverage, monotone intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.fitting.forms import FORMS
from planner.fitting.service import fit_runs

from .synthetic import TRUTH, ladder, request

_CHINCHILLA = FORMS["chinchilla"]


def _n_opt(values: dict[str, float], flops: float = 1e21) -> float:
    return _CHINCHILLA.posynomial(values).compute_optimal(flops)[0]


def test_noise_free_runs_give_back_the_constants() -> None:
    """Exact losses: every constant to 0.1 % (the optimiser's tolerance, not the data's)."""
    answer = fit_runs(request(ladder(0, noise=0.0)))
    for name, value in TRUTH.items():
        assert answer.constants[name] == pytest.approx(value, rel=1e-3), name
    assert answer.converged
    assert answer.mape_in_sample < 1e-5


def test_noisy_runs_recover_the_identified_quantities() -> None:
    """0.2 % noise on a 5 x 5 ladder. E and the exponents are identified to a few percent; A and
    B trade off against the exponents (Besiroglu et al.'s SEs are 25-60 % of A and B), so the
    check on them is loose and the compute-optimal size (what a plan uses) is checked instead."""
    for seed in range(3):
        got = fit_runs(request(ladder(seed, noise=0.002))).constants
        assert got["E"] == pytest.approx(TRUTH["E"], rel=0.03)
        assert got["alpha"] == pytest.approx(TRUTH["alpha"], rel=0.06)
        assert got["beta"] == pytest.approx(TRUTH["beta"], rel=0.05)
        assert got["A"] == pytest.approx(TRUTH["A"], rel=0.35)
        assert got["B"] == pytest.approx(TRUTH["B"], rel=0.35)
        assert _n_opt(got) == pytest.approx(_n_opt(TRUTH), rel=0.1)


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_truth_at_about_their_level() -> None:
    """16 seeded ladders (0.5 % noise), 90 % percentile intervals from 50 resamples each.

    Measured: mean coverage 0.98 over E, A, B, alpha, beta and N_opt(1e21) (E 0.875, the others
    1.0): the run bootstrap of a 25-point ladder is conservative. The upper bound catches
    intervals so wide they always cover; one miss moves a rate by 0.06."""
    seeds, level = range(100, 116), 0.9
    hits: dict[str, int] = dict.fromkeys([*TRUTH, "n_opt"], 0)
    for seed in seeds:
        answer = fit_runs(
            request(ladder(seed), samples=50, bootstrap={"samples": 50, "seed": seed})
        )
        boot = answer.law.bootstrap
        assert boot is not None
        tail = (1 - level) / 2 * 100
        for name in TRUTH:
            low, high = np.percentile(boot[name], [tail, 100 - tail])
            hits[name] += int(low <= TRUTH[name] <= high)
        sizes = [_n_opt({k: boot[k][i] for k in TRUTH}) for i in range(len(boot["E"]))]
        low, high = np.percentile(sizes, [tail, 100 - tail])
        hits["n_opt"] += int(low <= _n_opt(TRUTH) <= high)
    rates = {k: v / len(seeds) for k, v in hits.items()}
    mean = sum(rates.values()) / len(rates)
    assert 0.8 <= mean <= 0.99, rates
    assert min(rates.values()) >= 0.7, rates


@pytest.mark.slow
def test_more_runs_never_widen_the_interval_on_average() -> None:
    """Property: adding sizes to a ladder (3 -> 5 sizes, same seeds) does not widen the
    bootstrap interval of the compute-optimal size, averaged over 5 ladders.

    Measured: mean log-width of the 90 % interval of N_opt(1e21) 2.10 with 3 sizes, 1.05 with 5."""

    def width(sizes: tuple[float, ...], seed: int) -> float:
        runs = ladder(seed, sizes=sizes)
        boot = fit_runs(
            request(runs, samples=30, bootstrap={"samples": 30, "seed": 1})
        ).law.bootstrap
        assert boot is not None
        sizes_ = [_n_opt({k: boot[k][i] for k in TRUTH}) for i in range(len(boot["E"]))]
        low, high = np.percentile(sizes_, [5, 95])
        return math.log(high / low)

    few = [width((1e8, 2e8, 4e8), seed) for seed in range(200, 205)]
    many = [width((5e7, 1e8, 2e8, 4e8, 8e8), seed) for seed in range(200, 205)]
    assert np.mean(many) <= np.mean(few)


def test_checkpoints_before_a_tenth_of_each_run_are_dropped_and_reported() -> None:
    """Choshen et al. 2024: intermediate checkpoints are used, the earliest ~10 % are not."""
    runs = []
    for point in ladder(3, multiples=(20, 40)):
        name = f"n{point['params']:g}_d{point['tokens']:g}"
        for fraction in (0.05, 0.2, 0.6, 1.0):
            scaled = dict(point, tokens=point["tokens"] * fraction, run=name)
            clean = TRUTH["E"] + TRUTH["A"] * point["params"] ** -TRUTH["alpha"]
            scaled["loss"] = clean + TRUTH["B"] * scaled["tokens"] ** -TRUTH["beta"]
            runs.append(scaled)
    answer = fit_runs(request(runs))
    assert answer.used.points_given == 40
    assert answer.used.points_dropped_early == 10  # the 0.05 checkpoint of each of 10 runs
    assert answer.used.runs == 10
    assert "Choshen" in answer.used.rule
    assert all(min(r.tokens) >= 0.1 * max(r.tokens) for r in answer.residuals)
    kept = fit_runs(request(runs, early_fraction=0.0))
    assert kept.used.points_dropped_early == 0
    assert kept.used.points_used == 40


def test_weak_identification_is_warned() -> None:
    two_sizes = fit_runs(request(ladder(1, sizes=(1e8, 2e8))))
    assert "few_sizes" in {w.code for w in two_sizes.warnings}
    one_ratio = fit_runs(request(ladder(1, multiples=(20,))))
    assert "few_ratios" in {w.code for w in one_ratio.warnings}
    no_floor = fit_runs(request(ladder(1, truth={**TRUTH, "E": 0.0}, noise=0.0)))
    codes = {w.code for w in no_floor.warnings}
    assert "irreducible_loss_near_zero" in codes


def test_the_gadre_form_recovers_its_own_constants() -> None:
    truth = {"E": 1.84, "a": 166.0, "b": 367.0, "p": 0.27}
    posy = FORMS["gadre2024"].posynomial(truth)
    runs = [
        {"params": n, "tokens": n * m, "loss": float(posy(n, n * m))}
        for n in (1e7, 8e7, 1.5e8, 4e8)
        for m in (20, 80, 320)
    ]
    answer = fit_runs(request(runs, form="gadre2024"))
    assert answer.form == "gadre2024"
    for name, value in truth.items():
        assert answer.constants[name] == pytest.approx(value, rel=2e-3), name


def test_a_bootstrap_out_of_time_says_how_far_it_got(monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.fitting import service

    monkeypatch.setattr(service, "BOOTSTRAP_SECONDS", 0.0)
    answer = fit_runs(request(ladder(0), samples=50))
    assert answer.bootstrap_samples == 0
    assert answer.standard_errors is None
    assert answer.law.bootstrap is None
    (warning,) = [w for w in answer.warnings if w.code == "bootstrap_truncated"]
    assert "0 of 50" in warning.message
