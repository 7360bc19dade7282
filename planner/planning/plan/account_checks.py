"""What can go wrong while laying out a plan's model, as errors and warnings that say why.

* :class:`VocabularyDoesNotFit`: the law's N is too small for the vocabulary's own parameters;
  the routes turn it into an error naming the limit that made N so small
  (:mod:`.limit_causes`);
* :func:`advise_vocabulary`: the vocabulary law without an answer (a budget of a few FLOPs)
  becomes a 422 naming the field that avoids it, not a 500;
* :func:`tensor_parallel_warnings`: a tensor-parallel shape far off the planned count.
"""

from __future__ import annotations

from laws_catalog import ResolvedLaw
from laws_catalog.architecture import ShapeChoice
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw, advise

from ...errors import InvalidRequest
from ...schemas.requests import Architecture
from ...schemas.responses import AnswerWarning

__all__ = [
    "SHAPE_DEVIATION_WARNING",
    "ModelTooSmall",
    "VocabularyDoesNotFit",
    "advise_vocabulary",
    "tensor_parallel_warnings",
]

SHAPE_DEVIATION_WARNING = 0.02
"""Relative miss of the shape's exact count beyond which a tensor-parallel plan says so (the
search aims at 0.5 %; widths in steps of t heads can miss by more on small models)."""


class ModelTooSmall(InvalidRequest):
    """The planned model cannot hold a vocabulary: the budget (or target) is too small, unless
    a limit made it so (:mod:`.limit_causes` names that limit instead)."""


class VocabularyDoesNotFit(ModelTooSmall):
    """The law's N is too small for the vocabulary's own parameters."""

    def __init__(self, n_law: float, vocab: float, d_model: float, copies: int) -> None:
        super().__init__(
            f"a {n_law:.3g}-parameter model cannot hold a {vocab:.0f}-entry vocabulary "
            f"at width {d_model:.0f}: raise the budget or fix architecture.vocab_size",
            field="architecture.vocab_size",
        )
        self.n_law, self.vocab, self.d_model = n_law, vocab, round(d_model)
        self.vocab_params = copies * vocab * d_model


def advise_vocabulary(
    vocab_law: ResolvedLaw[VocabularyLaw], n_nv: float, flops: float, d_model: float
) -> VocabularyAdvice:
    """The vocabulary law's advice, or a 422 when it has none at this size and budget."""
    try:
        return advise(vocab_law.law, n_nv, flops, float(d_model), vocab_law.constants.name)
    except ValueError as exc:
        raise ModelTooSmall(
            f"{vocab_law.ref} has no vocabulary for {n_nv:.3g} non-vocabulary parameters at "
            f"{flops:.3g} FLOPs ({exc}); raise the budget or fix architecture.vocab_size",
            field="architecture.vocab_size",
        ) from None


def tensor_parallel_warnings(
    shape: ShapeChoice | None, n_nv: float, arch: Architecture
) -> list[AnswerWarning]:
    if shape is None or arch.tensor_parallel == 1:
        return []
    if abs(shape.relative_deviation) <= SHAPE_DEVIATION_WARNING:
        return []
    return [
        AnswerWarning(
            code="law_caveat",
            message=f"the shape's exact non-embedding count {shape.n_params_non_embedding:.4g} "
            f"is {shape.relative_deviation:+.1%} off the planned {n_nv:.4g}: "
            f"architecture.tensor_parallel {arch.tensor_parallel} allows few widths at this size",
            quantity="params_non_embedding",
            value=shape.relative_deviation,
        )
    ]
