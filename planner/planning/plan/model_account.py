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
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, TypeVar

from laws_catalog import PowerTerm, ResolvedLaw
from laws_catalog.architecture import (
    N_PARAMS_RANGE,
    ShapeChoice,
    embedding_params,
    shape_for_non_embedding_params,
    target_aspect_ratio,
)
from laws_catalog.tensor_parallel import tensor_parallel_shape
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw
from laws_catalog.vocabulary.tao2024 import width_for_non_vocab_params

from ...deadline import checkpoint
from ...errors import InvalidRequest, SolverFailure
from ...schemas.requests import Architecture
from ...schemas.responses import AnswerWarning
from .account_checks import (
    ModelTooSmall,
    VocabularyDoesNotFit,
    advise_vocabulary,
    tensor_parallel_warnings,
)

__all__ = [
    "AccountSteps",
    "AdviceQuestion",
    "ModelAccount",
    "ModelTooSmall",
    "Question",
    "ShapeQuestion",
    "VocabularyQuestion",
    "account_model",
    "account_steps",
    "compute_terms",
    "round_vocab",
    "settle_vocabulary",
    "shape_of",
    "vocabulary_flop_params",
]

VOCAB_MULTIPLE = 64
_MAX_ITERATIONS = 40


def round_vocab(vocab: float) -> int:
    """Round to a multiple of 64 (kernel-friendly; the law's answer is continuous)."""
    return max(VOCAB_MULTIPLE, int(round(vocab / VOCAB_MULTIPLE)) * VOCAB_MULTIPLE)


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
    warnings: list[AnswerWarning] = field(default_factory=list)

    @property
    def vocab_params(self) -> float:
        return float(self.vocab_size * self.d_model)


def shape_of(n_non_embedding: float, arch: Architecture) -> ShapeChoice | None:
    """The shape rule's model for ``n_non_embedding`` parameters; ``None`` outside its range."""
    low, high = N_PARAMS_RANGE
    if not low <= n_non_embedding <= high:
        return None
    checkpoint("the shape search")
    if arch.tensor_parallel > 1:
        return _searched_tp_shape(
            n_non_embedding, arch.tensor_parallel, arch.gated_mlp, arch.grouped_query
        )
    return _searched_shape(n_non_embedding, arch.gated_mlp, arch.grouped_query)


@lru_cache(maxsize=8192)
def _searched_tp_shape(
    n_non_embedding: float, tensor_parallel: int, gated_mlp: bool, grouped_query: bool
) -> ShapeChoice:
    """:func:`_searched_shape` with heads, kv-heads and d_ff divisible by the TP degree."""
    return tensor_parallel_shape(
        n_non_embedding,
        tensor_parallel=tensor_parallel,
        gated_mlp=gated_mlp,
        grouped_query=grouped_query,
    )


@lru_cache(maxsize=8192)
def _searched_shape(n_non_embedding: float, gated_mlp: bool, grouped_query: bool) -> ShapeChoice:
    """The shape search is pure: repeated counts (sweeps over the same budgets, re-plans of
    one request) reuse its answer."""
    return shape_for_non_embedding_params(
        n_non_embedding, gated_mlp=gated_mlp, grouped_query=grouped_query
    )


def _width(n_non_embedding: float, shape: ShapeChoice | None) -> int:
    if shape is not None:
        return shape.shape.d_model
    return width_for_non_vocab_params(max(n_non_embedding, 1.0))


@dataclass(frozen=True)
class ShapeQuestion:
    """The shape rule's model for this many non-embedding parameters (:func:`shape_of`)."""

    n_non_embedding: float


@dataclass(frozen=True)
class VocabularyQuestion:
    """The vocabulary law's size [entries] for ``n_nv`` non-vocabulary parameters at ``flops``
    and width ``d_model``: answered with the size alone, or the law's error thrown back."""

    n_nv: float
    flops: float
    d_model: float


@dataclass(frozen=True)
class AdviceQuestion:
    """The vocabulary law's whole advice where the account last asked its size."""

    at: VocabularyQuestion


Question = ShapeQuestion | VocabularyQuestion | AdviceQuestion
AccountSteps = Generator[Question, Any, ModelAccount]
""":func:`account_steps`: the account's questions one at a time, then the account."""


@dataclass
class _Settled:
    vocab: float
    n_nv: float
    last_n_nv: float
    """Where the last iteration took its width (the original loop's shape)."""
    width: int
    asked: VocabularyQuestion | None
    """The vocabulary question of the last iteration (its advice is the account's)."""
    settled: bool


class _Shapes:
    """The shapes one account has asked for, each asked once."""

    def __init__(self) -> None:
        self.known: dict[float, ShapeChoice | None] = {}

    def at(self, n: float) -> Generator[Question, Any, ShapeChoice | None]:
        if n not in self.known:
            self.known[n] = yield ShapeQuestion(n)
        return self.known[n]


def _iterate(
    n_law: float,
    flops: float,
    arch: Architecture,
    shapes: _Shapes,
    *,
    asks_vocabulary: bool,
    total_convention: bool,
    width_of: Callable[[float], float] | None,
    strict: bool,
    start: _Settled | None = None,
    iterations: int = _MAX_ITERATIONS,
) -> Generator[Question, Any, _Settled | None]:
    """The vocabulary/width fixed point with widths from ``width_of`` (``None``: the shape
    rule's own), from ``start`` (else from N = the law's N and a 32,768 vocabulary).
    ``strict``: raise the user's error when the vocabulary cannot fit; otherwise return
    ``None``."""
    copies = 1 if arch.tied_embeddings else 2
    n_nv = last = n_law
    vocab = float(arch.vocab_size) if arch.vocab_size is not None else 32_768.0
    if start is not None:
        n_nv = last = start.n_nv
        vocab = start.vocab
    asked: VocabularyQuestion | None = None
    d_model: float = 0.0
    settled = False
    for _ in range(iterations):
        if width_of is not None:
            d_model = width_of(n_nv)
        else:  # the shape rule's width, searched where the iteration stands
            d_model = _width(n_nv, (yield from shapes.at(n_nv)))
        last = n_nv
        if asks_vocabulary:
            asked = VocabularyQuestion(n_nv, flops, d_model)
            try:
                new_vocab: float = yield asked
            except InvalidRequest:
                if not strict:  # a rough pass: the exact loop decides and reports
                    return None
                raise
        else:
            new_vocab = vocab
        new_n_nv = n_law - copies * new_vocab * d_model if total_convention else n_law
        if new_n_nv <= 0:
            if not strict:
                return None
            raise VocabularyDoesNotFit(n_law, new_vocab, d_model, copies)
        settled = abs(new_vocab - vocab) < 1e-6 * vocab and abs(new_n_nv - n_nv) < 1e-9 * n_nv
        vocab, n_nv = new_vocab, new_n_nv
        if settled:
            break
    return _Settled(vocab, n_nv, last, int(d_model), asked, settled)


def _width_estimate(n_non_embedding: float) -> float:
    """A continuous stand-in for the shape rule's width (12 L d^2 = N, d = r L)."""
    low, high = N_PARAMS_RANGE
    if not low <= n_non_embedding <= high:
        return _width(n_non_embedding, None)
    return float((n_non_embedding * target_aspect_ratio(n_non_embedding) / 12.0) ** (1.0 / 3.0))


@dataclass(frozen=True)
class _Held:
    """A width held fixed through an iteration."""

    width: int

    def __call__(self, _: float) -> float:
        return self.width


_PIN_ROUNDS = 3
_ROUGH_ITERATIONS = 2
"""Iterations with the estimated width: they only choose where to search the shape first."""


def _pinned_fixed_point(
    n_law: float, flops: float, arch: Architecture, shapes: _Shapes, asks_vocabulary: bool
) -> Generator[Question, Any, _Settled | None]:
    """The fixed point of :func:`account_steps` with one shape search per round, not one per
    iteration: iterate with a width held fixed, then search the shape where the iteration
    took its last width; if that shape has the same width, the point is a fixed point of
    the search itself (the one the per-iteration loop converges to), else hold the new width
    and go again. ``None`` when it does not settle that way (the caller loops exactly)."""
    iterate = partial(
        _iterate,
        n_law,
        flops,
        arch,
        shapes,
        asks_vocabulary=asks_vocabulary,
        total_convention=True,
        strict=False,
    )
    where = yield from iterate(width_of=_width_estimate, iterations=_ROUGH_ITERATIONS)
    if where is None:
        return None
    for _ in range(_PIN_ROUNDS):
        shape = yield from shapes.at(where.n_nv)
        if shape is None:
            return None  # outside the shape rule the width map is cheap: loop exactly
        width = _width(where.n_nv, shape)
        found = yield from iterate(width_of=_Held(width), start=where)
        if found is None or not found.settled:
            return None
        if _width(found.last_n_nv, (yield from shapes.at(found.last_n_nv))) == width:
            return found
        where = found
    return None


def account_steps(
    n_law: float,
    params_quantity: str,
    flops: float,
    arch: Architecture,
    *,
    with_vocabulary_law: bool,
) -> AccountSteps:
    """:func:`account_model` as the questions it asks (shapes, vocabulary sizes, the final
    advice), so that one driver may answer them at once (:func:`account_model`) and another
    gather them across many plans (the sweep's batch path)."""
    copies = 1 if arch.tied_embeddings else 2
    total_convention = params_quantity == "n_params_total"
    asks_vocabulary = with_vocabulary_law and arch.vocab_size is None
    shapes = _Shapes()
    result = None
    if total_convention:
        result = yield from _pinned_fixed_point(n_law, flops, arch, shapes, asks_vocabulary)
    if result is None:
        result = yield from _iterate(
            n_law,
            flops,
            arch,
            shapes,
            asks_vocabulary=asks_vocabulary,
            total_convention=total_convention,
            width_of=None,
            strict=True,
        )
        assert result is not None
    vocab, n_nv = result.vocab, result.n_nv
    shape = yield from shapes.at(result.last_n_nv)
    vocab_size = arch.vocab_size if arch.vocab_size is not None else round_vocab(vocab)
    if total_convention and vocab_size != vocab:
        n_nv = n_law - copies * vocab_size * _width(n_nv, shape)
        if n_nv <= 0:
            raise VocabularyDoesNotFit(n_law, vocab_size, _width(n_law, shape), copies)
        shape = yield from shapes.at(n_nv)
    advice: VocabularyAdvice | None = None
    if result.asked is not None:
        advice = yield AdviceQuestion(result.asked)
    d_model = _width(n_nv, shape)
    warnings = []
    if shape is None:
        low, high = N_PARAMS_RANGE
        warnings.append(
            AnswerWarning(
                code="law_caveat",
                severity="warning",
                message=f"no shape: {n_nv:.3g} non-embedding parameters is outside the shape "
                f"rule's range [{low:.0e}, {high:.0e}]; width {d_model} from Tao et al.'s map",
            )
        )
    embedding = (
        float(embedding_params(shape.shape, vocab_size, arch.tied_embeddings))
        if shape is not None
        else float(copies * vocab_size * d_model)
    )
    warnings += tensor_parallel_warnings(shape, n_nv, arch)
    if embedding > 0.5 * (n_nv + embedding):
        warnings.append(
            AnswerWarning(
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


def account_model(
    n_law: float,
    params_quantity: str,
    flops: float,
    arch: Architecture,
    vocab_law: ResolvedLaw[VocabularyLaw] | None,
) -> ModelAccount:
    """Vocabulary, shape and exact counts for a plan whose loss law found ``n_law``: the
    questions of :func:`account_steps` answered one by one."""
    steps = account_steps(
        n_law, params_quantity, flops, arch, with_vocabulary_law=vocab_law is not None
    )
    advices: dict[VocabularyQuestion, VocabularyAdvice] = {}
    reply: object = None
    error: InvalidRequest | None = None
    while True:
        try:
            question = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as stop:
            account: ModelAccount = stop.value
            return account
        reply, error = None, None
        if isinstance(question, ShapeQuestion):
            reply = shape_of(question.n_non_embedding, arch)
        elif isinstance(question, AdviceQuestion):
            reply = advices[question.at]
        else:
            assert vocab_law is not None
            try:
                advice = advise_vocabulary(
                    vocab_law, question.n_nv, question.flops, question.d_model
                )
            except InvalidRequest as exc:
                error = exc
            else:
                advices[question] = advice
                reply = advice.vocab_size


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
    seen: set[float] = set()
    counted: tuple[S, ModelAccount] | None = None
    for _ in range(_MAX_ITERATIONS):
        solution = solve(extra)
        account = account_for(solution)
        found = vocabulary_flop_params(account, params_quantity)
        if math.isclose(found, extra, rel_tol=1e-12, abs_tol=0.5):
            return solution, account
        if found <= extra:
            counted = solution, account
            if found in seen:
                # N sits on a shape-rule boundary (e.g. the d_head switch) and the width
                # alternates: keep the plan whose budget counted at least its vocabulary's FLOPs
                return counted
        seen.add(found)
        extra = found
    if counted is not None:
        # a loss flat in N (a binding token cap) leaves N, and so the vocabulary, adrift within
        # the solver's tolerance: any plan that counted its vocabulary's FLOPs is as good
        return counted
    raise SolverFailure("the vocabulary and the budget did not settle")  # pragma: no cover
