"""What the data family declares about a law, and how the planner calls it.

Two kinds of law live here. A repetition law (kind ``repetition``) adds decay terms to a
single-epoch loss law that is already in the catalogue: its decay constant sets are completed
with that base law's numbers by :func:`with_base_constants`, which reads them from the base
law, so each number is written once; a set that is a printed, rounded equation of its own
(Muennighoff's Eq. 17) carries its numbers instead. A mixture law (kind ``mixture``) is a
published form users fit to their own runs (``fit_only``); its golden vectors are recovery
checks on synthetic data.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from .._types import ConstantSet
from ..law import Law, Traits
from ..loss._chinchilla import chinchilla_terms
from ..loss._law import LossLaw
from ._repetition import RepetitionConstants

__all__ = [
    "MixtureLaw",
    "MixtureTraits",
    "RepetitionLaw",
    "RepetitionTraits",
    "constant_values",
    "repetition_constants",
    "resolve_constants",
    "with_base_constants",
]

_DECAY_KEYS = frozenset({"rd_star", "rn_star", "unique_params_per_token"})


class RepetitionTraits(Traits):
    """A law of loss under repeated data ``L(N, D, U)`` built on a single-epoch loss law."""

    params_quantity: Literal["n_params_total", "n_params_non_embedding"]
    flops_per_param_token: float = Field(default=6.0, description="k in C = k*N*D")
    evaluation: str = Field(description="what the loss is measured on: data, tokenizer")
    base_loss: str = Field(description="id of the single-epoch law in family 'loss'")
    base_constant_sets: dict[str, str] = Field(
        description="repetition constant set -> base law constant set its E, A, B, alpha, "
        "beta come from; a set not listed carries those numbers as published itself"
    )


class MixtureTraits(Traits):
    """A data-mixture law shipped as a form plus a fitting routine (nothing to declare)."""


RepetitionLaw = Law[RepetitionTraits]
"""A repetition law of the data family."""

MixtureLaw = Law[MixtureTraits]
"""A fit-only data-mixture law of the data family."""


def with_base_constants(decay: ConstantSet, base: LossLaw, base_set: str) -> ConstantSet:
    """``decay`` completed with the numbers of ``base``'s constant set ``base_set``.

    ``decay`` holds only decay constants, so each base number is written in one place.
    """
    extra = set(decay.values) - _DECAY_KEYS
    if extra:
        raise ValueError(f"decay set {decay.name!r} repeats base constants {sorted(extra)}")
    if base_set not in base.constant_set_names():
        raise ValueError(f"{decay.name!r}: base law {base.key} has no set {base_set!r}")
    values = {**base.constant_set(base_set).values, **decay.values}
    return decay.model_copy(update={"values": values})


def resolve_constants(values: Mapping[str, float]) -> RepetitionConstants:
    """A repetition constant set's numbers (base constants plain or in log space)."""
    e, a, b, alpha, beta = chinchilla_terms(values)
    return RepetitionConstants(
        e=e,
        a=a,
        b=b,
        alpha=alpha,
        beta=beta,
        rd_star=values["rd_star"],
        rn_star=values["rn_star"],
        unique_params_per_token=values.get("unique_params_per_token"),
    )


_RESOLVED: dict[int, dict[str, RepetitionConstants]] = {}


def _resolved_of(law: RepetitionLaw) -> dict[str, RepetitionConstants]:
    found = _RESOLVED.get(id(law))
    if found is None:
        found = _RESOLVED[id(law)] = {}
        weakref.finalize(law, _RESOLVED.pop, id(law), None)
    return found


def repetition_constants(
    law: RepetitionLaw, constant_set: str | None = None
) -> RepetitionConstants:
    """``law``'s numbers for one constant set (resolved once per law and set)."""
    name = constant_set or law.default_constant_set
    assert name is not None
    cache = _resolved_of(law)
    found = cache.get(name)
    if found is None:
        found = cache[name] = resolve_constants(law.constants(name))
    return found


def constant_values(law: RepetitionLaw, constant_set: str | None = None) -> dict[str, float]:
    """Every number the set uses, base constants plain (for provenance in answers)."""
    c = repetition_constants(law, constant_set)
    out = {"E": c.e, "A": c.a, "B": c.b, "alpha": c.alpha, "beta": c.beta}
    out |= {"rd_star": c.rd_star, "rn_star": c.rn_star}
    if c.unique_params_per_token is not None:
        out["unique_params_per_token"] = c.unique_params_per_token
    return out
