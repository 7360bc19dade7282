"""What a vocabulary-size law declares (family ``vocabulary``), and how the planner calls it.

Two questions, one answer type: the compute-optimal vocabulary of a model with N_nv
non-vocabulary parameters at a FLOPs budget (:func:`advise`, the law's ``optimum_at_budget``),
and the best vocabulary of a fixed model trained on a fixed number of tokens
(:func:`advise_for_tokens`, its ``optimum_for_tokens``). Each law states how it counts
parameters and FLOPs (``counting``) so the planner can count the vocabulary the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from ..law import Law, Traits

__all__ = [
    "VocabularyAdvice",
    "VocabularyLaw",
    "VocabularyTraits",
    "advise",
    "advise_for_tokens",
]


@dataclass(frozen=True, slots=True)
class VocabularyAdvice:
    """A vocabulary size with the quantities it implies, in the law's counting.

    ``vocab_size`` [vocabulary entries] is unrounded (round it to a multiple of 64 or 128 for
    the hardware). ``vocab_params`` = V d [parameters], one matrix counted once. ``flops`` =
    6 (N_nv + V d) D [FLOPs] is the budget the answer refers to, ``n_tokens`` D [tokens] the
    data it buys with this vocabulary and ``n_characters`` H = D / f(V) [characters] the same
    data measured independently of the tokenizer. ``approach`` is the constant set used.
    """

    vocab_size: float
    vocab_params: float
    d_model: float
    n_params_non_vocab: float
    flops: float
    n_tokens: float
    n_characters: float
    approach: str
    method: str
    notes: tuple[str, ...] = ()

    def quantities(self) -> dict[str, float]:
        """The answer keyed by glossary quantity name (for fitted-range checks)."""
        return {
            "vocab_size": self.vocab_size,
            "n_params_vocabulary": self.vocab_params,
            "d_model": self.d_model,
            "n_params_non_vocabulary": self.n_params_non_vocab,
            "flops": self.flops,
            "n_tokens": self.n_tokens,
            "n_characters": self.n_characters,
        }


class VocabularyTraits(Traits):
    """How a vocabulary law counts, and the widths it assumes when none is given."""

    counting: str = Field(description="how parameters, data and FLOPs are counted")
    approaches: tuple[str, ...] = Field(
        description="the constant sets, one per approach (and its rounded print)"
    )
    width_map: tuple[tuple[float, int], ...] = Field(
        default=(),
        description="(largest N_nv, d_model) steps the law assumes when no width is given",
    )
    width_beyond: int | None = Field(
        default=None, description="d_model above the last step of width_map"
    )


VocabularyLaw = Law[VocabularyTraits]
"""A law of the vocabulary family."""


_PREPARED: dict[tuple[int, str, str], tuple[VocabularyLaw, Callable[..., Any], dict[str, float]]]
_PREPARED = {}


def _call(law: VocabularyLaw, function: str, constant_set: str, **quantities: Any) -> Any:
    """``law.call`` with the constants looked up once per law and set: the vocabulary is
    asked for at every step of a plan's width/vocabulary fixed point."""
    key = (id(law), function, constant_set)
    found = _PREPARED.get(key)
    if found is None or found[0] is not law:
        fn = law.functions[function]
        shared = {k: v for aux in law.auxiliary_constants for k, v in aux.values.items()}
        found = (law, fn, shared | dict(law.constants(constant_set)))
        _PREPARED[key] = found
    return found[1](**quantities, **found[2])


def _named(advice: VocabularyAdvice, constant_set: str) -> VocabularyAdvice:
    return (
        advice
        if advice.approach == constant_set
        else dataclasses.replace(advice, approach=constant_set)
    )


def advise(
    law: VocabularyLaw,
    n_params_non_vocab: float,
    flops: float | None = None,
    d_model: float | None = None,
    constant_set: str | None = None,
) -> VocabularyAdvice:
    """Compute-optimal vocabulary for ``n_params_non_vocab`` at ``flops`` [FLOPs].

    ``flops`` defaults to the law's compute-optimal budget for the model and ``d_model`` to
    its width map.
    """
    name = constant_set or law.default_constant_set or ""
    advice: VocabularyAdvice = _call(
        law,
        "optimum_at_budget",
        name,
        n_params_non_vocabulary=n_params_non_vocab,
        flops=flops,
        d_model=d_model,
    )
    return _named(advice, name)


def advise_for_tokens(
    law: VocabularyLaw,
    n_params_non_vocab: float,
    n_tokens: float,
    d_model: float | None = None,
    constant_set: str | None = None,
) -> VocabularyAdvice:
    """Best vocabulary for a model of ``n_params_non_vocab`` trained on ``n_tokens``."""
    name = constant_set or law.default_constant_set or ""
    advice: VocabularyAdvice = _call(
        law,
        "optimum_for_tokens",
        name,
        n_params_non_vocabulary=n_params_non_vocab,
        n_tokens=n_tokens,
        d_model=d_model,
    )
    return _named(advice, name)
