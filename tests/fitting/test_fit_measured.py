"""The fitter on other teams' measured runs (../shared/data, read, never copied)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from laws_catalog.loss import _besiroglu2024_bootstrap, posynomial
from laws_catalog.loss.besiroglu2024 import LAW as BESIROGLU
from planner.fitting.forms import FORMS
from planner.fitting.service import fit_runs
from planner.schemas.fit import FitRequest


def _request(n: np.ndarray, d: np.ndarray, loss: np.ndarray, **extra: object) -> FitRequest:
    runs = [
        {"params": float(a), "tokens": float(b), "loss": float(c)}
        for a, b, c in zip(n, d, loss, strict=True)
    ]
    return FitRequest.model_validate({"runs": runs, "bootstrap": {"samples": 0}, **extra})


@pytest.mark.slow
def test_fit_reproduces_epochs_lbfgs_replication(epoch_runs: tuple[np.ndarray, ...]) -> None:
    """On all 240 points, our estimator lands where Besiroglu et al.'s own "replicate exactly"
    L-BFGS grid search did (data_analysis.ipynb, epoch-research/analyzing-chinchilla@f341459:
    A=477.8, B=2143.9, E=1.8172, alpha=0.3473, beta=0.3672; printed to 4-5 figures)."""
    got = fit_runs(_request(*epoch_runs)).constants
    assert got["E"] == pytest.approx(1.8172, abs=1e-4)
    assert got["A"] == pytest.approx(477.8, abs=0.1)
    assert got["B"] == pytest.approx(2143.9, rel=1e-3)
    assert got["alpha"] == pytest.approx(0.3473, abs=1e-4)
    assert got["beta"] == pytest.approx(0.3672, abs=1e-4)


@pytest.mark.slow
def test_fit_below_1_5e21_flops_predicts_the_larger_chinchilla_runs(
    epoch_runs: tuple[np.ndarray, ...],
) -> None:
    """Fit the 223 runs under 1.5e21 FLOPs, predict the 17 above: MAPE 0.95 % measured (the
    full-data refit of Besiroglu et al. scores 0.81 % on the same 17, having seen them)."""
    n, d, loss = epoch_runs
    small = 6 * n * d < 1.5e21
    assert (small.sum(), (~small).sum()) == (223, 17)
    answer = fit_runs(_request(n[small], d[small], loss[small]))
    law = FORMS["chinchilla"].posynomial(answer.constants)
    mape = float(np.mean(np.abs(law(n[~small], d[~small]) / loss[~small] - 1)))
    assert mape == pytest.approx(0.0095, abs=0.001)
    seen = float(np.mean(np.abs(posynomial(BESIROGLU)(n[~small], d[~small]) / loss[~small] - 1)))
    assert mape < 0.0125
    assert seen < mape


def test_shipped_besiroglu_draws_match_the_published_standard_errors(
    epoch_runs: tuple[np.ndarray, ...],
) -> None:
    """The joint draws plans sample from (re-run of the authors' bootstrap) have the spread the
    authors publish (notebook SEs: E 0.02566, A 124.52, B 1293.28, alpha 0.01540, beta 0.02060;
    Table 1 prints 0.03, 124.58, 1293.23, 0.02, 0.02). 200 draws estimate an SE to ~5 %; the
    re-run differs in optimiser (L-BFGS-B vs their BFGS) and start, so 20 % is allowed."""
    draws = np.array(_besiroglu2024_bootstrap.DRAWS)
    published = BESIROGLU.constant_set("notebook").uncertainty
    for i, name in enumerate(("E", "A", "B", "alpha", "beta")):
        se = published[name].standard_error
        assert se is not None
        assert float(np.std(draws[:, i], ddof=1)) == pytest.approx(se, rel=0.2), name
    centre = np.median(draws, axis=0)
    assert centre[0] == pytest.approx(1.817, abs=0.01)


@pytest.fixture(scope="module")
def gadre_runs(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "gadre2024" / "models_flat.csv").open() as fh:
        return list(csv.DictReader(fh))


# Gadre et al. 2024 Table 1 fitting set: N in {0.011, 0.079, 0.154, 0.411}B at M = 20, plus
# 0.011B at M = 320
_FITTING_SET = {
    "d=96_l=8_h=4": (20.0, 320.0),
    "d=512_l=8_h=4": (20.0,),
    "d=576_l=24_h=8": (20.0,),
    "d=1024_l=24_h=8": (20.0,),
}
# (training set, model, M) -> relative error the paper reports (Table 2 / Figure 5)
_PAPER = {
    ("rpj", "open_lm_1b", 640.0): 0.007,
    ("rpj", "open_lm_7b", 20.0): 0.007,
    ("c4_original", "open_lm_7b", 20.0): 0.043,
    ("rw_original", "open_lm_1b", 320.0): 0.0001,
}
# measured here, for the report: 0.40 %, 0.42 %, 4.68 %, 0.03 %


@pytest.mark.parametrize(("case", "paper_error"), _PAPER.items(), ids=str)
def test_fit_on_gadres_fitting_set_reproduces_their_extrapolation_errors(
    gadre_runs: list[dict[str, str]], case: tuple[str, str, float], paper_error: float
) -> None:
    """Gadre et al.'s form fitted by our estimator (Huber on log loss; they used least squares
    with Levenberg-Marquardt) on their 5 small runs: the 1.4B / 6.9B errors come back within
    about a point (0.5 percentage point allowed)."""
    dataset, config, multiplier = case
    fitting = [
        r
        for r in gadre_runs
        if r["dataset"] == dataset
        and float(r["token_multiplier_M"]) in _FITTING_SET.get(r["model_config"], ())
    ]
    assert len(fitting) == 5
    runs = [
        {
            "params": float(r["params"]),
            "tokens": float(r["tokens"]),
            "loss": float(r["loss_c4_val"]),
        }
        for r in fitting
    ]
    answer = fit_runs(
        FitRequest.model_validate({"runs": runs, "form": "gadre2024", "bootstrap": {"samples": 0}})
    )
    (target,) = [
        r
        for r in gadre_runs
        if r["dataset"] == dataset
        and r["model_config"] == config
        and float(r["token_multiplier_M"]) == multiplier
    ]
    n, d = float(target["params"]), float(target["tokens"])
    predicted = FORMS["gadre2024"].posynomial(answer.constants)(n, d)
    error = abs(predicted / float(target["loss_c4_val"]) - 1)
    assert error == pytest.approx(paper_error, abs=0.005)
