"""Regenerate laws_catalog/loss/_besiroglu2024_bootstrap.py (joint constant samples).

Besiroglu et al. 2024 publish standard errors and marginal bootstrap intervals of their refit
(Table 1; data_analysis.ipynb in epoch-research/analyzing-chinchilla) but not the bootstrap
draws, and the constants are strongly correlated, so the marginals cannot be sampled
independently. This re-runs their bootstrap (resample the 240 points with replacement, refit the
summed Huber(1e-3) objective) on their digitised data and stores the draws;
tests/fitting/test_besiroglu_bootstrap.py checks them against the published standard errors.

    python scripts/besiroglu_bootstrap.py ../shared/data/epoch_chinchilla/svg_extracted_data.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from laws_catalog.loss.besiroglu2024 import LAW
from planner.fitting.forms import FORMS
from planner.fitting.huber import fit_form

SAMPLES = 200
SEED = 20240415
OUT = Path(__file__).resolve().parents[1] / "laws_catalog" / "loss" / "_besiroglu2024_bootstrap.py"


def main(path: str) -> None:
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = np.argsort(loss)[:-5]  # the 5 highest-loss points are excluded, as in the paper
    n, d, loss = n[keep], c[keep] / (6 * n[keep]), loss[keep]
    form = FORMS["chinchilla"]
    values = LAW.constant_set("notebook").values
    start = form.from_constants(
        {
            "E": np.exp(values["log_E"]),
            "A": np.exp(values["log_A"]),
            "B": np.exp(values["log_B"]),
            "alpha": values["alpha"],
            "beta": values["beta"],
        }
    )
    rng = np.random.default_rng(SEED)
    draws: list[dict[str, float]] = []
    while len(draws) < SAMPLES:
        index = rng.integers(0, len(n), len(n))
        found = fit_form(form, n[index], d[index], loss[index], start=start)
        if found.converged:
            draws.append(form.to_constants(found.theta))
    lines = [
        '"""Joint bootstrap draws of besiroglu2024@notebook (generated; do not edit).',
        "",
        "Made by scripts/besiroglu_bootstrap.py: the authors' bootstrap (points resampled with",
        "replacement, summed Huber(1e-3) refit) re-run on their digitised data",
        "(epoch-research/analyzing-chinchilla data/svg_extracted_data.csv), "
        f"{SAMPLES} draws, seed {SEED}.",
        '"""',
        "",
        "# (E, A, B, alpha, beta) per draw",
        "DRAWS: tuple[tuple[float, float, float, float, float], ...] = (",
    ]
    for row in draws:
        values_ = ", ".join(f"{row[k]:.6g}" for k in ("E", "A", "B", "alpha", "beta"))
        lines.append(f"    ({values_}),")
    lines.append(")")
    OUT.write_text("\n".join(lines) + "\n")
    table = np.array([[r[k] for k in ("E", "A", "B", "alpha", "beta")] for r in draws])
    names = ("E", "A", "B", "alpha", "beta")
    print("SE", dict(zip(names, table.std(axis=0, ddof=1).round(5), strict=True)))


if __name__ == "__main__":
    main(sys.argv[1])
