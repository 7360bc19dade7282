"""Score a repetition law against measured runs (Muennighoff et al.'s released final losses).

The runs live outside the project (``shared/data/muennighoff2023/datablations_runs.csv``,
read, never copied; :func:`find_shared_data` finds them). Runs that diverged are dropped: a
non-finite loss, or a loss at or above 90 % of ``ln(50257)`` = 9.74 nats, the loss of
predicting GPT-2's vocabulary uniformly (the file's README names two such runs, 10.7 and
11.0 nats). Runs whose loss rose with more epochs are kept: the law cannot represent that, and
the score should show it.

The baseline is the same single-epoch law with repetition ignored (``D' = D``, ``N' = N``):
plain Chinchilla with the same constants.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ._law import RepetitionLaw, repetition_constants
from .muennighoff2023 import LAW

__all__ = [
    "DIVERGED_LOSS",
    "EPOCH_BUCKETS",
    "Comparison",
    "ErrorFigures",
    "MeasuredRun",
    "compare_with_single_epoch",
    "drop_diverged",
    "find_shared_data",
    "read_runs",
]

FloatArray = npt.NDArray[np.float64]
DIVERGED_LOSS = 0.9 * math.log(50257)
#: (label, lower bound exclusive, upper bound inclusive) on epochs
EPOCH_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("1 epoch", 0.0, 1.0),
    ("1-4 epochs", 1.0, 4.0),
    ("4-16 epochs", 4.0, 16.0),
    ("16-40 epochs", 16.0, 40.0),
    ("40-100 epochs", 40.0, 100.0),
    (">100 epochs", 100.0, math.inf),
)


@dataclass(frozen=True, slots=True)
class MeasuredRun:
    """One run: ``params`` [total parameters], ``tokens`` and ``unique_tokens`` [tokens],
    ``loss`` [nats/token, C4 validation, GPT-2 tokenizer]."""

    name: str
    params: float
    tokens: float
    unique_tokens: float
    loss: float

    @property
    def epochs(self) -> float:
        return self.tokens / self.unique_tokens


def find_shared_data(start: Path, relative: Path | str = ".") -> Path | None:
    """``relative`` inside the workspace's shared measured data, if it is there.

    Looks in ``$PLANNER_SHARED_DATA``, then in ``shared/data`` of every directory above
    ``start`` (nearest first), so a checkout anywhere below the workspace finds it.
    """
    configured = os.environ.get("PLANNER_SHARED_DATA")
    bases = [Path(configured)] if configured else []
    bases += [parent / "shared" / "data" for parent in start.resolve().parents]
    for base in bases:
        if (base / relative).exists():
            return base / relative
    return None


def read_runs(path: Path) -> list[MeasuredRun]:
    """Rows of ``datablations_runs.csv`` (columns run_name, params, tokens, unique_tokens,
    val_loss)."""
    with path.open(newline="") as handle:
        return [
            MeasuredRun(
                name=row["run_name"],
                params=float(row["params"]),
                tokens=float(row["tokens"]),
                unique_tokens=float(row["unique_tokens"]),
                loss=float(row["val_loss"]),
            )
            for row in csv.DictReader(handle)
        ]


def drop_diverged(runs: Sequence[MeasuredRun]) -> tuple[list[MeasuredRun], list[MeasuredRun]]:
    """``(kept, dropped)``: dropped runs have a non-finite loss or one >= DIVERGED_LOSS."""
    kept = [r for r in runs if math.isfinite(r.loss) and r.loss < DIVERGED_LOSS]
    dropped = [r for r in runs if r not in kept]
    return kept, dropped


@dataclass(frozen=True, slots=True)
class ErrorFigures:
    """``mean_abs_rel_error`` = mean |pred/obs - 1|; ``rmse`` [nats/token];
    ``mean_rel_bias`` = mean (pred/obs - 1) (negative: the law predicts too low);
    ``r2`` = 1 - SSE/SST on the losses."""

    n: int
    mean_abs_rel_error: float
    rmse: float
    mean_rel_bias: float
    r2: float

    @classmethod
    def of(cls, observed: FloatArray, predicted: FloatArray) -> ErrorFigures:
        rel = predicted / observed - 1.0
        total = float(np.sum((observed - observed.mean()) ** 2))
        return cls(
            n=len(observed),
            mean_abs_rel_error=float(np.mean(np.abs(rel))),
            rmse=float(np.sqrt(np.mean((predicted - observed) ** 2))),
            mean_rel_bias=float(np.mean(rel)),
            r2=float(1.0 - np.sum((predicted - observed) ** 2) / total) if total > 0 else math.nan,
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """The repetition law and the single-epoch baseline on the same runs."""

    label: str
    law: ErrorFigures
    single_epoch: ErrorFigures


def compare_with_single_epoch(
    runs: Sequence[MeasuredRun], law: RepetitionLaw = LAW, constant_set: str | None = None
) -> list[Comparison]:
    """Error figures overall, for <= 16 and > 16 epochs, and per :data:`EPOCH_BUCKETS`."""
    n = np.array([r.params for r in runs])
    d = np.array([r.tokens for r in runs])
    u = np.array([r.unique_tokens for r in runs])
    observed = np.array([r.loss for r in runs])
    epochs = d / u
    constants = repetition_constants(law, constant_set)
    predicted = np.asarray(constants.loss(n, d, u), dtype=np.float64)
    # same constants, repetition ignored: D' = D and N' = N
    baseline = np.asarray(constants.loss_from_effective(n, d), dtype=np.float64)
    groups = [("all runs", np.ones(len(runs), dtype=bool))]
    groups += [("<= 16 epochs", epochs <= 16.0), ("> 16 epochs", epochs > 16.0)]
    groups += [(label, (epochs > lo) & (epochs <= hi)) for label, lo, hi in EPOCH_BUCKETS]
    return [
        Comparison(
            label=label,
            law=ErrorFigures.of(observed[mask], predicted[mask]),
            single_epoch=ErrorFigures.of(observed[mask], baseline[mask]),
        )
        for label, mask in groups
        if mask.any()
    ]
