"""Turn a loss law's parameter count into a concrete model: vocabulary, shape, exact counts.

Conventions (stated in every answer's ``units``):

* N_nv (``params_non_embedding``) excludes the input embedding and the output head; the
  vocabulary is V x d_model, counted once when tied and twice when untied.
* FLOP-bearing parameters are N_nv + V d: the output head is a matmul, the input embedding a
  lookup (Tao et al. 2024: C = 6 (N_nv + V d) D).
* A loss law that counts total parameters (Chinchilla family) already contains the vocabulary
  in its N, so N_nv = N - V d (tied) or N - 2 V d (untied), and its 6ND is the budget. A law
  that counts non-embedding parameters (Kaplan) does not, so the vocabulary's 6 V d D FLOPs are
  added to the budget constraint by the caller (:func:`vocabulary_flop_params`).

The vocabulary law needs the model's width and the width comes from the shape of N_nv, which
itself depends on V for total-parameter laws: a short fixed-point iteration settles all three.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from laws_catalog import PowerTerm, ResolvedLaw
from laws_catalog.architecture import (
    N_PARAMS_RANGE,
    ShapeChoice,
    embedding_params,
    shape_for_non_embedding_params,
)
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw
from laws_catalog.vocabulary.tao2024 import width_for_non_vocab_params

from ..deadline import checkpoint
from ..errors import InvalidRequest, SolverFailure
from ..schemas.requests import Architecture
from ..schemas.responses import Warning

__all__ = [
    "ModelAccount",
    "ModelTooSmall",
    "account_model",
    "compute_terms",
    "round_vocab",
    "settle_vocabulary",
    "vocabulary_flop_params",
]

VOCAB_MULTIPLE = 64
_MAX_ITERATIONS = 40


def round_vocab(vocab: float) -> int:
    """Round to a multiple of 64 (kernel-friendly; the law's answer is continuous)."""
    return max(VOCAB_MULTIPLE, int(round(vocab / VOCAB_MULTIPLE)) * VOCAB_MULTIPLE)


class ModelTooSmall(InvalidRequest):
    """The planned model cannot hold a vocabulary: the budget (or target) is too small."""


@dataclass
class ModelAccount:
    n_non_embedding: float
    vocab_size: int
    d_model: int
    embedding_params: float
    total_params: float
    flop_params: float
    """N_nv + V d: the parameters that carry matmul FLOPs."""
    tied: bool
    shape: ShapeChoice | None
    vocab: VocabularyAdvice | None
    warnings: list[Warning] = field(default_factory=list)

    @property
    def vocab_params(self) -> float:
        return float(self.vocab_size * self.d_model)


def _shape(n_non_embedding: float, arch: Architecture) -> ShapeChoice | None:
    low, high = N_PARAMS_RANGE
    if not low <= n_non_embedding <= high:
        return None
    checkpoint("the shape search")
    return shape_for_non_embedding_params(
        n_non_embedding, gated_mlp=arch.gated_mlp, grouped_query=arch.grouped_query
    )


def _width(n_non_embedding: float, shape: ShapeChoice | None) -> int:
    if shape is not None:
        return shape.shape.d_model
    return width_for_non_vocab_params(max(n_non_embedding, 1.0))


def account_model(
    n_law: float,
    params_quantity: str,
    flops: float,
    arch: Architecture,
    vocab_law: ResolvedLaw[VocabularyLaw] | None,
) -> ModelAccount:
    """Vocabulary, shape and exact counts for a plan whose loss law found ``n_law``."""
    copies = 1 if arch.tied_embeddings else 2
    total_convention = params_quantity == "n_params_total"
    n_nv = n_law
    vocab = float(arch.vocab_size) if arch.vocab_size is not None else 32_768.0
    advice: VocabularyAdvice | None = None
    shape: ShapeChoice | None = None
    for _ in range(_MAX_ITERATIONS):
        shape = _shape(n_nv, arch)
        d_model = _width(n_nv, shape)
        if vocab_law is not None and arch.vocab_size is None:
            try:
                advice = vocab_law.law.advise(n_nv, flops, float(d_model), vocab_law.constants.name)
            except ValueError as exc:
                raise ModelTooSmall(
                    f"no vocabulary size for a {n_law:.3g}-parameter model at {flops:.3g} "
                    f"FLOPs ({exc}): raise the budget or fix architecture.vocab_size",
                    field="architecture.vocab_size",
                ) from None
            new_vocab = advice.vocab_size
        else:
            new_vocab = vocab
        new_n_nv = n_law - copies * new_vocab * d_model if total_convention else n_law
        if new_n_nv <= 0:
            raise ModelTooSmall(
                f"a {n_law:.3g}-parameter model cannot hold a {new_vocab:.0f}-entry vocabulary "
                f"at width {d_model}: raise the budget or fix architecture.vocab_size",
                field="architecture.vocab_size",
            )
        settled = abs(new_vocab - vocab) < 1e-6 * vocab and abs(new_n_nv - n_nv) < 1e-9 * n_nv
        vocab, n_nv = new_vocab, new_n_nv
        if settled:
            break
    vocab_size = arch.vocab_size if arch.vocab_size is not None else round_vocab(vocab)
    if total_convention and vocab_size != vocab:
        n_nv = n_law - copies * vocab_size * _width(n_nv, shape)
        if n_nv <= 0:
            raise ModelTooSmall(
                f"a {n_law:.3g}-parameter model cannot hold a {vocab_size}-entry vocabulary: "
                "raise the budget or fix architecture.vocab_size",
                field="architecture.vocab_size",
            )
        shape = _shape(n_nv, arch)
    d_model = _width(n_nv, shape)
    warnings = []
    if shape is None:
        low, high = N_PARAMS_RANGE
        warnings.append(
            Warning(
                code="law_caveat",
                message=f"no shape: {n_nv:.3g} non-embedding parameters is outside the shape "
                f"rule's range [{low:.0e}, {high:.0e}]; width {d_model} from Tao et al.'s map",
            )
        )
    embedding = (
        float(embedding_params(shape.shape, vocab_size, arch.tied_embeddings))
        if shape is not None
        else float(copies * vocab_size * d_model)
    )
    if embedding > 0.5 * (n_nv + embedding):
        warnings.append(
            Warning(
                code="law_caveat",
                message=f"the vocabulary holds {embedding / (n_nv + embedding):.0%} of the "
                "parameters; the loss laws were fitted on models where it held far less",
            )
        )
    return ModelAccount(
        n_non_embedding=n_nv,
        vocab_size=vocab_size,
        d_model=d_model,
        embedding_params=embedding,
        total_params=n_nv + embedding,
        flop_params=n_nv + vocab_size * d_model,
        tied=arch.tied_embeddings,
        shape=shape,
        vocab=advice,
        warnings=warnings,
    )


def vocabulary_flop_params(account: ModelAccount, params_quantity: str) -> float:
    """FLOP-bearing parameters missing from a loss law's own N (0 for total-parameter laws)."""
    return 0.0 if params_quantity == "n_params_total" else account.vocab_params


def compute_terms(k: float, extra_params: float = 0.0) -> tuple[PowerTerm, ...]:
    """``k N D`` plus ``k * extra * D`` for FLOP-bearing parameters outside the law's N."""
    terms = (PowerTerm(k, 1.0, 1.0),)
    return terms + ((PowerTerm(k * extra_params, 0.0, 1.0),) if extra_params > 0 else ())


S = TypeVar("S")


def settle_vocabulary(
    solve: Callable[[float], S],
    account_for: Callable[[S], ModelAccount],
    params_quantity: str,
) -> tuple[S, ModelAccount]:
    """Solve, size the vocabulary, and re-solve with its FLOPs until they agree.

    ``solve(extra)`` must count ``extra`` FLOP-bearing parameters (V d) besides the law's N in
    the compute (6 (N + extra) D). For total-parameter laws one solve suffices (extra = 0).
    """
    extra = 0.0
    for _ in range(_MAX_ITERATIONS):
        solution = solve(extra)
        account = account_for(solution)
        found = vocabulary_flop_params(account, params_quantity)
        if math.isclose(found, extra, rel_tol=1e-12, abs_tol=0.5):
            return solution, account
        extra = found
    raise SolverFailure("the vocabulary and the budget did not settle")  # pragma: no cover
