"""What the allocation family declares about a law, and how the planner calls it.

These papers publish the compute-optimal split directly as power laws of the budget, without a
loss function; the planner evaluates the loss of the allocated (N, D) with a loss law. Each
law exposes one function, ``allocate(flops, *constants) -> Allocation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from ..law import Law, Traits

__all__ = ["Allocation", "AllocationLaw", "AllocationTraits", "allocate"]


@dataclass(frozen=True, slots=True)
class Allocation:
    """Parameters and tokens for a budget, plus law-specific extras (e.g. DeepSeek's M)."""

    n_params: float
    n_tokens: float
    extras: dict[str, float] = field(default_factory=dict)


class AllocationTraits(Traits):
    """A published compute-optimal allocation rule: which N it speaks of, and its loss law."""

    params_quantity: Literal["n_params_total", "n_params_non_embedding"]
    flops_per_param_token: float = Field(default=6.0, description="k in C = k*N*D")
    companion_loss: str | None = Field(
        default=None,
        description="loss law (ID@SET) of the same paper used to predict the loss of the "
        "allocation when the request names none",
    )


AllocationLaw = Law[AllocationTraits]
"""A law of the allocation family."""


def allocate(law: AllocationLaw, flops: float, constant_set: str | None = None) -> Allocation:
    """``law``'s compute-optimal parameters and tokens for ``flops`` [FLOPs]."""
    result: Allocation = law.call("allocate", constant_set, flops=flops)
    return result
