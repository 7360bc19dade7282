"""Luo et al. (2025): the multi-power law for the loss curve under any LR schedule.

Indexing as in the authors' code (MultiPowerLaw ``src/models.py``, ``src/utils.py``): entry t of
the schedule is update t from t = 0; S1(t) is the cumulative LR through update t, warmup
included (the README's S1 + S_W); the loss-drop sum runs over every k >= 1, so LR increases
during warmup enter with negative sign, exactly as the constants were fitted. Those fits used
a 2,160-update linear warmup from 0 to 3e-4 (``src/data_loader.py``): use the same warmup, or
the warmup part of the sum shifts the prediction by up to B x peak LR.

>>> import numpy as np
>>> lr = np.full(10_000, 3e-4)
>>> round(float(predict(lr, steps=[9999], **LAW.constants("model_400m"))[0]), 5)
2.78319
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._registry import CATALOG
from .._types import ConstantSet, Evidence, Interval
from ..law import golden_vectors
from ..references import LUO2025
from ._arrays import as_schedule, as_steps
from ._law import LossCurveLaw, LossCurveTraits

__all__ = ["LAW", "PARAMETERS", "constant_lr_loss", "predict", "step_drop_loss"]

PARAMETERS = ("L0", "A", "alpha", "B", "C", "beta", "gamma")
_CHUNK = 256


def predict(
    lr_per_step: ArrayLike,
    steps: ArrayLike | None = None,
    *,
    L0: float,
    A: float,
    alpha: float,
    B: float,
    C: float,
    beta: float,
    gamma: float,
) -> NDArray[np.float64]:
    """Eq. 1 (Luo et al. 2025): the loss after the given updates (all by default) [the fitted
    curves' loss units] of the schedule ``lr_per_step`` [LR of each update from update 0].

    Cost is (number of steps asked) x (number of LR changes); ask for the steps you need on
    long decaying schedules. Every LR after update 0 must be positive (eta_k^-gamma).
    """
    lr = as_schedule(lr_per_step)
    at = as_steps(steps, lr.size)
    if np.any(lr[1:] <= 0):
        raise ValueError("the multi-power law needs a positive LR at every update after the first")
    cumulative = np.cumsum(lr)
    if np.any(cumulative[at] <= 0):
        raise ValueError("the loss is asked at a step before any learning (S1 = 0)")
    change = np.zeros_like(lr)
    change[1:] = lr[1:] - lr[:-1]  # eta_k - eta_{k-1}
    ks = np.flatnonzero(change)
    before_k = cumulative[ks - 1]
    scale = lr[ks] ** (-gamma)
    drop = np.zeros(at.size)
    for start in range(0, at.size, _CHUNK):
        t = at[start : start + _CHUNK, None]
        area = np.where(ks[None, :] <= t, cumulative[t] - before_k[None, :], 0.0)
        g = 1.0 - (C * scale[None, :] * area + 1.0) ** (-beta)
        drop[start : start + _CHUNK] = (np.where(ks[None, :] <= t, g, 0.0) * change[ks]).sum(1)
    return np.asarray(L0 + A * cumulative[at] ** (-alpha) + B * drop, dtype=np.float64)


def constant_lr_loss(lr: float, step: float, **constants: float) -> float:
    """Eq. 1 after update ``step`` of a run at the constant learning rate ``lr`` throughout
    (a check: no LR change, so the loss-drop term vanishes)."""
    schedule = np.full(int(step) + 1, lr)
    return float(predict(schedule, [int(step)], **constants)[0])


def step_drop_loss(
    lr_a: float, lr_b: float, drop_step: float, step: float, **constants: float
) -> float:
    """Eq. 1 after update ``step`` of a run at ``lr_a`` that drops to ``lr_b`` at update
    ``drop_step`` (a check: one loss-drop term)."""
    schedule = np.full(int(step) + 1, lr_a)
    schedule[int(drop_step) :] = lr_b
    return float(predict(schedule, [int(step)], **constants)[0])


_CODE_SOURCE = (
    "PARAMS in src/config.py of the authors' MultiPowerLaw code ([L0, A, alpha, B, C, beta, "
    "gamma] per model size), as seen in four public copies that agree (one carries the first "
    "author's own data paths); the upstream repository itself was not fetched"
)
_README_SOURCE = "repository README, 'Best Parameters' table (3 decimals)"
_README_WARNING = (
    "The README says these updated best parameters may differ from the paper's (experiments "
    "were not all rerun); fitted with a Huber loss on log-loss residuals."
)


def _sets(label: str, full: tuple[float, ...], printed: tuple[float, ...]) -> list[ConstantSet]:
    return [
        ConstantSet(
            name=f"model_{label}",
            values=dict(zip(PARAMETERS, full, strict=True)),
            source=f"{_CODE_SOURCE}; key '{label.removesuffix('m')}'",
            evidence=Evidence.VERIFIED_SECONDARY,
            note=_README_WARNING,
        ),
        ConstantSet(
            name=f"model_{label}_readme",
            values=dict(zip(PARAMETERS, printed, strict=True)),
            source=f"{_README_SOURCE}, row {label.upper()}",
            evidence=Evidence.VERIFIED,
            rounded=True,
            note=_README_WARNING,
        ),
    ]


_SETS = (
    *_sets(
        "25m",
        (3.04045406, 0.52468604, 0.50786857, 363.78751622, 2.06560812, 0.58279013, 0.64142257),
        (3.040, 0.525, 0.508, 363.788, 2.066, 0.583, 0.641),
    ),
    *_sets(
        "100m",
        (2.6514477, 0.60115152, 0.45295811, 437.9464276, 2.13245612, 0.59785199, 0.65523644),
        (2.651, 0.601, 0.453, 437.946, 2.132, 0.598, 0.655),
    ),
    *_sets(
        "400m",
        (2.37474466, 0.65421216, 0.42878731, 523.42464371, 2.02462735, 0.59350493, 0.63472457),
        (2.375, 0.654, 0.429, 523.425, 2.025, 0.594, 0.635),
    ),
)

LAW = CATALOG.register(
    LossCurveLaw(
        id="luo2025",
        family="loss_curve",
        kind="lr_schedule",
        title="Multi-power law: loss at every step under any LR schedule",
        reference=LUO2025,
        equations=(
            "L(t) = L0 + A (S1(t) + S_W)^(-alpha) - LD(t)  (README 'Formulation'; paper Eq. 1)",
            "LD(t) = B sum_{k=1..t} (eta_{k-1} - eta_k) G(eta_k^(-gamma) S_k(t)),  "
            "S_k(t) = sum_{tau=k..t} eta_tau",
            "G(x) = 1 - (C x + 1)^(-beta)",
        ),
        quantities={
            "t": "training_step",
            "eta": "learning_rate",
            "S1": "lr_forward_area",
            "L": "loss_nats_per_token",
        },
        traits=LossCurveTraits(
            evaluation="the loss column of the authors' released curves (loss_curve_repo/csv_25, "
            "csv_100, csv_400: 25M, 100M and 400M models); data set and tokenizer as in the paper, "
            "not checked here; not comparable with other laws' losses",
        ),
        validity={
            "training_step": Interval(
                lower=2160,
                upper=72_000,
                source="src/data_loader.py: fitted and tested runs of 24,000 and 72,000 updates "
                "after a 2,160-update linear warmup (constant, cosine, WSD, WSD-LD, two-stage)",
            ),
            "learning_rate": Interval(
                lower=3e-5,
                upper=3e-4,
                source="src/data_loader.py: peak 3e-4, final 3e-5; two-stage second LRs "
                "3e-5 to 1.8e-4",
            ),
        },
        constant_sets=_SETS,
        default_constant_set="model_400m",
        functions={
            "predict": predict,
            "constant_lr_loss": constant_lr_loss,
            "step_drop_loss": step_drop_loss,
        },
        golden=golden_vectors(__file__, "luo2025"),
        notes=(
            "Constants are per model size (25M, 100M, 400M as the repository labels them); "
            "the law has no model-size or data-size dependence of its own.",
            "README metrics of the fits (R^2 0.9988 / 0.9983 / 0.9978; worst relative error "
            "0.41 % / 0.58 % / 1.0 %) cannot be re-checked here: the curves are not shipped.",
        ),
        caveats=(
            "Fitted on 25M-400M models at peak LR 3e-4 with a 2,160-update warmup: other "
            "models, data or LR scales need a refit.",
            "Losses are the authors' curves' units, not comparable with Chinchilla-family laws.",
        ),
    )
)
