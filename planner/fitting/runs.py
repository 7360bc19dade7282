"""The runs a fit uses: checks that name the bad row, Choshen et al.'s early-checkpoint rule,
and the hash that names the data in provenance."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import InvalidRequest
from ..schemas.fit import RunIn

__all__ = ["EARLY_RULE", "FitPoints", "select_points"]

FloatArray = npt.NDArray[np.float64]

EARLY_RULE = (
    "Choshen et al. 2024 (A Hitchhiker's Guide to Scaling Law Estimation, arXiv:2410.11840): "
    "use every checkpoint of a run except those before early_fraction of its last token count; "
    "a run given as one point keeps it"
)


@dataclass(frozen=True, slots=True)
class FitPoints:
    """The points the fit uses, with each point's run and original row index."""

    n: FloatArray
    d: FloatArray
    loss: FloatArray
    run: list[str]
    row: list[int]
    given: int
    dropped_early: int

    def subset(self, keep: npt.NDArray[np.bool_]) -> FitPoints:
        index = np.flatnonzero(keep)
        return FitPoints(
            self.n[index],
            self.d[index],
            self.loss[index],
            [self.run[i] for i in index],
            [self.row[i] for i in index],
            self.given,
            self.dropped_early,
        )

    @property
    def runs(self) -> list[str]:
        return sorted(set(self.run))

    def sha256(self) -> str:
        """Hash of the fitted points (run, N, D, L) in canonical JSON."""
        rows = sorted(
            zip(self.run, self.n.tolist(), self.d.tolist(), self.loss.tolist(), strict=True)
        )
        return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def _run_name(index: int, run: RunIn) -> str:
    return run.run if run.run is not None else f"row{index}"


def select_points(runs: list[RunIn], early_fraction: float, n_constants: int) -> FitPoints:
    """Check the runs and keep the points the fit uses; 422 naming the row otherwise."""
    seen: dict[tuple[str | None, float, float], int] = {}
    sizes: dict[str, float] = {}
    for i, run in enumerate(runs):
        key = (run.run, run.params, run.tokens)
        if key in seen:
            raise InvalidRequest(
                f"runs[{i}]: duplicate point (run {run.run!r}, params {run.params:g}, tokens "
                f"{run.tokens:g}) already given as runs[{seen[key]}]",
                field=f"runs[{i}]",
                allowed="each (run, params, tokens) once; name seed replicates as separate runs",
            )
        seen[key] = i
        if run.run is not None:
            first = sizes.setdefault(run.run, run.params)
            if first != run.params:
                raise InvalidRequest(
                    f"runs[{i}].params: run {run.run!r} has params {run.params:g} here and "
                    f"{first:g} earlier; checkpoints of one run share one size",
                    field=f"runs[{i}].params",
                    allowed=f"{first:g} (or another run name)",
                )
    names = [_run_name(i, r) for i, r in enumerate(runs)]
    last = dict.fromkeys(names, 0.0)
    for name, run in zip(names, runs, strict=True):
        last[name] = max(last[name], run.tokens)
    counts = {name: names.count(name) for name in last}
    keep = [
        counts[name] == 1 or run.tokens >= early_fraction * last[name]
        for name, run in zip(names, runs, strict=True)
    ]
    index = [i for i, k in enumerate(keep) if k]
    if len(index) < n_constants:
        raise InvalidRequest(
            f"runs: {len(index)} points left to fit (of {len(runs)} given, after dropping "
            f"checkpoints before {early_fraction:g} of each run), but the form has {n_constants} "
            "constants",
            field="runs",
            allowed=f"at least {n_constants} points after the early-checkpoint rule",
        )
    return FitPoints(
        n=np.array([runs[i].params for i in index], dtype=np.float64),
        d=np.array([runs[i].tokens for i in index], dtype=np.float64),
        loss=np.array([runs[i].loss for i in index], dtype=np.float64),
        run=[names[i] for i in index],
        row=index,
        given=len(runs),
        dropped_early=len(runs) - len(index),
    )
