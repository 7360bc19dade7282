"""What the precision family declares about a law, and the helpers its modules share.

Three functional forms, one module each: floating-point quantised training (``sun2025``),
effective parameters under training precision plus post-training quantisation (``kumar2024``)
and a power law of post-training quantisation (``ouyang2024``); the law's ``kind`` says which.
Choosing a law for a number format is :mod:`laws_catalog.precision.decisions`' job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..law import Law, Traits

__all__ = [
    "FloatLayout",
    "PrecisionLaw",
    "PrecisionTraits",
    "TrainingParts",
    "out_of_range_messages",
    "require_positive",
]

TrainingParts = tuple[float | None, float | None, float | None]
"""Training bits of (weights, activations, KV cache); None = high precision (16-bit or above)."""


@dataclass(frozen=True, slots=True)
class FloatLayout:
    """Exponent and mantissa bits of a floating-point format (integers, or Eq. 19's reals)."""

    exponent_bits: float
    mantissa_bits: float


class PrecisionTraits(Traits):
    """A precision law: which N it speaks of, what its loss is measured on, what it quantised."""

    params_quantity: Literal["n_params_total", "n_params_non_embedding"]
    evaluation: str = Field(description="what the loss is measured on: data, tokenizer, units")
    quantised: str = Field(description="which tensors the fits quantised, and how")
    flops_per_bit_param_token: float | None = Field(
        default=None, description="k in C = k*P*N*D (P in bits; 6ND at P = 16)"
    )
    fitted_exponent_bits: tuple[int, int] | None = Field(
        default=None, description="E range of the fitted runs (E = 0 cannot be an Interval)"
    )


PrecisionLaw = Law[PrecisionTraits]
"""A law of the precision family."""


def require_positive(**values: float) -> None:
    """Raise ValueError unless every value is positive and finite."""
    for name, value in values.items():
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be positive and finite, got {value}")


def out_of_range_messages(law: PrecisionLaw, values: Mapping[str, float]) -> list[str]:
    """One warning text per glossary quantity in ``values`` outside ``law``'s fitted range."""
    messages = []
    for found in law.out_of_range(values):
        interval = found.interval
        side = "above" if found.value > interval.upper else "below"
        messages.append(
            f"{found.quantity} = {found.value:.4g} is {side} the fitted range "
            f"[{interval.lower:.4g}, {interval.upper:.4g}] of {law.key} "
            f"({interval.source}); the value is an extrapolation"
        )
    return messages
