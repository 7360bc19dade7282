"""What the loss family declares about a law, and how the planner calls it.

A loss law predicts held-out loss from parameters N and tokens D. Each law exposes
``posynomial(*constants) -> PosynomialLoss`` (the law reduced to numbers, which the optimiser
builds its geometric program from) and ``loss(n_params, n_tokens, *constants)``; a law with a
downstream-error law (``traits.downstream``) also exposes ``downstream_error(loss,
*constants)`` and its inverse ``loss_for_downstream_error(error, *constants)``.
"""

from __future__ import annotations

import weakref
from typing import Literal, TypeGuard

from pydantic import Field

from ..law import Law, Traits
from ._posynomial import PosynomialLoss

__all__ = [
    "DownstreamTraits",
    "LossLaw",
    "LossTraits",
    "downstream_error",
    "is_loss_law",
    "loss",
    "loss_for_downstream_error",
    "posynomial",
]


class DownstreamTraits(Traits):
    """A law mapping the loss to an average downstream error (e.g. Gadre et al. 2024, Eq. 5)."""

    suite: str
    equation: str


class LossTraits(Traits):
    """A parametric loss law ``L(N, D)``: which N it speaks of, what loss it predicts."""

    params_quantity: Literal["n_params_total", "n_params_non_embedding"]
    flops_per_param_token: float = Field(
        default=6.0, description="k in C = k*N*D with this law's N"
    )
    evaluation: str = Field(description="what the loss is measured on: data, tokenizer")
    downstream: DownstreamTraits | None = None


LossLaw = Law[LossTraits]
"""A law of the loss family."""


def is_loss_law(law: object) -> TypeGuard[LossLaw]:
    """True for a law of the loss family."""
    return isinstance(law, Law) and isinstance(law.traits, LossTraits)


_POSYNOMIALS: dict[int, dict[str, PosynomialLoss]] = {}


def _posynomials_of(law: LossLaw) -> dict[str, PosynomialLoss]:
    """The posynomials built for ``law`` so far, by constant set (dropped with the law)."""
    found = _POSYNOMIALS.get(id(law))
    if found is None:
        found = _POSYNOMIALS[id(law)] = {}
        weakref.finalize(law, _POSYNOMIALS.pop, id(law), None)
    return found


def posynomial(law: LossLaw, constant_set: str | None = None) -> PosynomialLoss:
    """``law`` with one constant set bound, as numbers (built once per law and set: every
    plan reads it)."""
    name = constant_set or law.default_constant_set
    assert name is not None, f"{law.key} is fit-only"
    cache = _posynomials_of(law)
    found = cache.get(name)
    if found is None:
        found = cache[name] = law.call("posynomial", name)
    return found


def loss(law: LossLaw, n_params: float, n_tokens: float, constant_set: str | None = None) -> float:
    """Predicted loss [nats/token] at ``n_params`` (the law's N) and ``n_tokens``."""
    return float(posynomial(law, constant_set)(n_params, n_tokens))


def downstream_error(law: LossLaw, loss: float, constant_set: str | None = None) -> float | None:
    """Average downstream error [fraction] at ``loss``; None for a law without one."""
    if law.traits.downstream is None:
        return None
    return float(law.call("downstream_error", constant_set, loss=loss))


def loss_for_downstream_error(law: LossLaw, error: float, constant_set: str | None = None) -> float:
    """The loss [nats/token] at which ``law`` predicts ``error``; raises ValueError when the
    error is out of the law's reach and when the law has no downstream-error law."""
    if law.traits.downstream is None:
        raise ValueError(f"{law.key} has no downstream-error law")
    return float(law.call("loss_for_downstream_error", constant_set, error=error))
