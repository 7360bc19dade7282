"""The record type of loss-curve laws L(step | LR schedule) (family ``loss_curve``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from .._types import GoldenVector, LawBase
from ..quantities import STEP_CONVENTION

__all__ = ["LossCurveLaw", "PredictFn", "RecoverFn"]

PredictFn = Callable[
    [NDArray[np.float64], Mapping[str, float], NDArray[np.int64] | None], NDArray[np.float64]
]
"""(lr_per_step, constants, steps or None for all) -> loss after those updates."""

RecoverFn = Callable[[Mapping[str, float]], dict[str, float]]
"""(design of a synthetic recovery check) -> recovered constants."""


class LossCurveLaw(LawBase):
    """A law for the loss at every step of a run under any learning-rate schedule.

    Pre-fitted laws carry ``predict_fn``; fit-only laws (no trustworthy published constants)
    carry ``recover_fn``, which runs a synthetic recovery check for the golden vectors.
    """

    family: Literal["loss_curve"] = "loss_curve"
    kind: Literal["lr_schedule"] = "lr_schedule"
    evaluation: str = Field(description="what the loss is: data, tokenizer, train or held-out")
    step_convention: str = STEP_CONVENTION
    predict_fn: PredictFn | None = Field(default=None, exclude=True)
    recover_fn: RecoverFn | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _needs_its_functions(self) -> LossCurveLaw:
        """A fit-only law runs recovery checks (``recover_fn``); a pre-fitted one predicts."""
        if self.fit_only and self.recover_fn is None:
            raise ValueError(f"fit-only law {self.id} needs recover_fn for its checks")
        if not self.fit_only and self.predict_fn is None:
            raise ValueError(f"pre-fitted law {self.id} needs predict_fn")
        return self

    def predict(
        self,
        lr_per_step: NDArray[np.float64],
        constant_set: str | None = None,
        steps: NDArray[np.int64] | None = None,
    ) -> NDArray[np.float64]:
        """Loss after the given updates (all by default) with one of the law's constant sets."""
        if self.predict_fn is None:
            raise ValueError(f"{self.key} is fit-only: fit it to your runs first")
        values = self.constant_set(constant_set).values
        return self.predict_fn(np.asarray(lr_per_step, dtype=np.float64), values, steps)

    def run_check(self, vector: GoldenVector) -> dict[str, float]:
        """``recovery``: fit synthetic curves; ``constant_lr`` / ``step_drop``: predict."""
        inputs = vector.inputs
        if vector.check == "recovery":
            if self.recover_fn is None:
                raise ValueError(f"{self.key} has no recovery check")
            return self.recover_fn(inputs)
        step = int(inputs["step"])
        if vector.check == "constant_lr":
            lr = np.full(step + 1, inputs["lr"])
        elif vector.check == "step_drop":
            lr = np.full(step + 1, inputs["lr_a"])
            lr[int(inputs["drop_step"]) :] = inputs["lr_b"]
        else:
            raise ValueError(f"{self.id}: unknown golden check {vector.check!r}")
        at = np.array([step], dtype=np.int64)
        return {"loss": float(self.predict(lr, vector.constant_set, at)[0])}
