"""Where a loss law's constant samples come from, or why there are none.

Sources, in the order tried: the bootstrap a fitted law carries (``POST /v1/fit``); the joint
bootstrap draws the catalogue ships for a constant set (Besiroglu et al. 2024's refit). A law
with neither gets no intervals: published marginal standard errors alone cannot be combined
(the constants are strongly correlated), and nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from laws_catalog import ResolvedLaw
from laws_catalog.loss import LossLaw, _besiroglu2024_bootstrap

from ...fitting.forms import FORMS
from ...schemas.fitted_law import FittedForm, FittedLaw

__all__ = ["ConstantSamples", "constant_samples"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ConstantSamples:
    """Samples of a chinchilla-type law, as arrays, with the form to rebuild each one."""

    form: FittedForm
    values: dict[str, FloatArray]
    source: str

    @property
    def count(self) -> int:
        return len(next(iter(self.values.values())))

    def first(self, count: int) -> ConstantSamples:
        return ConstantSamples(
            self.form, {k: v[:count] for k, v in self.values.items()}, self.source
        )

    def row(self, index: int) -> dict[str, float]:
        return {k: float(v[index]) for k, v in self.values.items()}

    def pair(self) -> tuple[FloatArray, ...]:
        """``(E, c_N, a, c_D, b)`` arrays of ``E + c_N N^-a + c_D D^-b``."""
        return FORMS[self.form].pair(self.values)


def _catalogue_draws() -> dict[str, ConstantSamples]:
    table = np.array(_besiroglu2024_bootstrap.DRAWS, dtype=np.float64)
    names = ("E", "A", "B", "alpha", "beta")
    return {
        "besiroglu2024@notebook": ConstantSamples(
            form="chinchilla",
            values={name: table[:, i] for i, name in enumerate(names)},
            source=f"{len(table)} joint bootstrap draws of besiroglu2024@notebook: the authors' "
            "bootstrap (points resampled, summed Huber refit) re-run on their digitised data "
            "(epoch-research/analyzing-chinchilla, data/svg_extracted_data.csv); their spread "
            "matches the published standard errors (Besiroglu et al. 2024, Table 1)",
        )
    }


_CATALOGUE = _catalogue_draws()


def constant_samples(
    resolved: ResolvedLaw[LossLaw], spec: FittedLaw | None
) -> ConstantSamples | str:
    """The samples for this law, or a sentence saying why there are none."""
    if spec is not None:
        if spec.bootstrap is None:
            return (
                f"{resolved.law.id} was fitted without a bootstrap (bootstrap.samples 0): "
                "no intervals"
            )
        return ConstantSamples(
            form=spec.form,
            values={k: np.asarray(v, dtype=np.float64) for k, v in spec.bootstrap.items()},
            source=f"bootstrap of the fit to the requester's {spec.runs} runs (sha256 "
            f"{spec.runs_sha256[:16]}...), {spec.sample_count()} resamples of whole runs",
        )
    found = _CATALOGUE.get(resolved.ref)
    if found is not None:
        return found
    return (
        f"{resolved.ref} has no published uncertainty we can sample (no joint bootstrap draws "
        "or covariance in its sources): no intervals are given rather than invented ones"
    )
