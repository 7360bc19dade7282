"""The model accounts of many sweep rows, their questions asked together (issue 13).

:func:`planner.planning.plan.model_account.account_steps` yields what a plan's account needs
to know: shapes, vocabulary sizes, the final vocabulary advice. A single plan answers each
question at once; here the questions of every waiting row are gathered and each kind answered
together - one shape search per distinct count (:mod:`.shapes`), the vocabulary law's root for
every row at once (:mod:`.vocabulary`), the whole advice only where an account settled - until
every row's account is done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from laws_catalog import ResolvedLaw
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw

from ...deadline import checkpoint
from ...errors import InvalidRequest
from ...schemas.requests import Architecture
from ..plan.account_checks import advise_vocabulary
from ..plan.model_account import (
    AccountSteps,
    AdviceQuestion,
    ModelAccount,
    Question,
    ShapeQuestion,
    VocabularyQuestion,
    account_steps,
)
from .shapes import shapes_for_counts
from .vocabulary import ParametricVocabulary

__all__ = ["accounts_together"]

_CHUNK = 512
"""Rows between deadline checkpoints while the accounts start."""

Reply = tuple[object, Exception | None]
"""A question's answer, or the error raised for it (thrown back into the account)."""


class _Answers:
    """The questions of many accounts (:func:`.model_account.account_steps`), each kind
    asked at once: one shape search per distinct count (:mod:`.shapes`), the vocabulary
    law's root for every row (:mod:`.vocabulary`), the whole advice only where an account
    settled."""

    def __init__(self, architecture: Architecture, vocab_law: ResolvedLaw[VocabularyLaw]) -> None:
        self.architecture = architecture
        self.vocab_law = vocab_law
        self.parametric = ParametricVocabulary.of(self.vocab_law)
        self.vocab_params: dict[VocabularyQuestion, float] = {}
        self.advices: dict[VocabularyQuestion, VocabularyAdvice] = {}

    def __call__(self, asked: Mapping[int, Question]) -> dict[int, Reply]:
        shape_rows = [i for i, q in asked.items() if isinstance(q, ShapeQuestion)]
        vocab_rows = [i for i, q in asked.items() if isinstance(q, VocabularyQuestion)]
        out: dict[int, Reply] = {}
        if shape_rows:
            counts = [cast(ShapeQuestion, asked[i]).n_non_embedding for i in shape_rows]
            arch = self.architecture
            shapes = shapes_for_counts(
                counts, gated_mlp=arch.gated_mlp, grouped_query=arch.grouped_query
            )
            for i, count in zip(shape_rows, counts, strict=True):
                shape = shapes.get(count)  # None outside the rule's range
                out[i] = (None, shape) if isinstance(shape, ValueError) else (shape, None)
        questions = [cast(VocabularyQuestion, asked[i]) for i in vocab_rows]
        sizes: list[float | None] = [None] * len(questions)
        if self.parametric is not None:
            sizes = self.parametric.vocab_params(
                [q.n_nv for q in questions],
                [q.flops for q in questions],
                [float(q.d_model) for q in questions],
            )
        for i, question, vocab_params in zip(vocab_rows, questions, sizes, strict=True):
            out[i] = self._size(question, vocab_params)
        for i, settled in asked.items():
            if isinstance(settled, AdviceQuestion):
                out[i] = (self._advice(settled.at), None)
        return out

    def _size(self, question: VocabularyQuestion, vocab_params: float | None) -> Reply:
        if vocab_params is not None:
            self.vocab_params[question] = vocab_params
            return vocab_params / float(question.d_model), None
        try:  # another approach, or the root search refuses: ask the law the usual way
            advice = advise_vocabulary(
                self.vocab_law, question.n_nv, question.flops, question.d_model
            )
        except InvalidRequest as exc:
            return None, exc
        self.advices[question] = advice
        return advice.vocab_size, None

    def _advice(self, question: VocabularyQuestion) -> VocabularyAdvice:
        if question in self.advices:
            return self.advices[question]
        assert self.parametric is not None
        return self.parametric.advice(
            question.n_nv, question.flops, float(question.d_model), self.vocab_params[question]
        )


def accounts_together(
    rows: Iterable[int],
    n_law: Sequence[float],
    flops: Sequence[float],
    *,
    params_quantity: str,
    architecture: Architecture,
    vocab_law: ResolvedLaw[VocabularyLaw],
) -> dict[int, ModelAccount | None]:
    """The account of each row ``i`` of ``rows`` for a loss law's ``n_law[i]`` at budget
    ``flops[i]`` (``None`` where it raises: make_plan raises the same), the rows' questions
    gathered and answered together."""
    out: dict[int, ModelAccount | None] = {}
    waiting: dict[int, tuple[AccountSteps, Question]] = {}
    answers = _Answers(architecture, vocab_law)

    def advance(i: int, steps: AccountSteps, reply: object, error: Exception | None) -> None:
        try:
            question = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as stop:
            out[i] = stop.value
            return
        except (InvalidRequest, ValueError):
            out[i] = None
            return
        waiting[i] = (steps, question)

    for count, i in enumerate(rows):
        if count % _CHUNK == 0:
            checkpoint(f"sweep row {i + 1} of the batch (vocabulary)")
        steps = account_steps(
            n_law[i], params_quantity, flops[i], architecture, with_vocabulary_law=True
        )
        advance(i, steps, None, None)
    while waiting:
        checkpoint("the sweep's shape and vocabulary questions")
        asked = {i: question for i, (_, question) in waiting.items()}
        steps_of = {i: steps for i, (steps, _) in waiting.items()}
        waiting = {}
        for i, (reply, error) in answers(asked).items():
            advance(i, steps_of[i], reply, error)
    return out
