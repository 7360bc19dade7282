"""What a loss-curve law L(step | LR schedule) declares (family ``loss_curve``), and how the
planner calls it.

A pre-fitted law exposes ``predict(lr_per_step, steps, *constants)``; a fit-only law (no
trustworthy published constants) exposes its fit and a synthetic recovery check instead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from ..law import Law, Traits
from ..quantities import STEP_CONVENTION

__all__ = ["LossCurveLaw", "LossCurveTraits", "predict"]


class LossCurveTraits(Traits):
    """What the loss of a loss-curve law is, and how it counts steps."""

    evaluation: str = Field(description="what the loss is: data, tokenizer, train or held-out")
    step_convention: str = STEP_CONVENTION


LossCurveLaw = Law[LossCurveTraits]
"""A law of the loss_curve family."""


def predict(
    law: LossCurveLaw,
    lr_per_step: ArrayLike,
    constant_set: str | None = None,
    steps: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Loss after the given updates (all by default) with one of ``law``'s constant sets."""
    if law.fit_only:
        raise ValueError(f"{law.key} is fit-only: fit it to your runs first")
    lr = np.asarray(lr_per_step, dtype=np.float64)
    result = law.call("predict", constant_set, lr_per_step=lr, steps=steps)
    return np.asarray(result, dtype=np.float64)
