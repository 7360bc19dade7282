"""Plausibility bounds on what an answer may say, each with the reason it is a bound.

A scaling law evaluated far from its fit can return numbers no trained model has (a loss worse
than guessing, a vocabulary of a billion entries). They are never clipped: the value stays as
the law gives it, and :func:`implausible` returns a ``critical`` or ``warning`` with the bound,
its basis (what it rests on, with the published source) and, where the request can steer
around it, how.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ...schemas.responses import AnswerWarning
from ...schemas.severity import Severity

__all__ = ["BOUNDS", "LARGEST_PUBLISHED_VOCAB", "Bound", "implausible", "loss_bound"]

LARGEST_PUBLISHED_VOCAB = 262_144
"""Gemma 3's vocabulary: the largest of a published LLM pretraining run we found."""


@dataclass(frozen=True)
class Bound:
    quantity: str
    side: Literal["upper", "lower"]
    limit: float | None
    """None when the bound depends on the answer (the loss bound is ln of its vocabulary)."""
    severity: Severity
    meaning: str
    """What breaking it says, in the message's words."""
    basis: str


BOUNDS: dict[str, Bound] = {
    bound.quantity: bound
    for bound in (
        Bound(
            quantity="loss",
            side="upper",
            limit=None,
            severity="critical",
            meaning="worse than a uniform guess over the vocabulary",
            basis="ln V nats/token is the cross-entropy of a uniform guess over a V-entry "
            "vocabulary: a model that learned nothing scores it, so a loss above it is not a "
            "language model's loss but the law evaluated where it no longer applies",
        ),
        Bound(
            quantity="vocab_size",
            side="upper",
            limit=float(LARGEST_PUBLISHED_VOCAB),
            severity="critical",
            meaning="larger than any published LLM's vocabulary",
            basis="262,144 entries is the largest vocabulary of a published LLM pretraining "
            "run we found (Gemma 3, Gemma Team 2025, arXiv 2503.19786, tokenizer: '262k "
            "entries'; Gemma 1 and 2: 256,000; BLOOM: 250,680, bigscience/bloom model card); "
            "beyond it no trained model backs the number",
        ),
        Bound(
            quantity="learning_rate",
            side="upper",
            limit=1e-2,
            severity="warning",
            meaning="above any published LLM pretraining peak LR",
            basis="1e-2 is the largest peak learning rate of a published LLM pretraining "
            "recipe we found (MiniCPM, Hu et al. 2024, arXiv 2404.06395: base LR 0.01 under "
            "muP, optimal from 0.04B to 2.1B parameters); released AdamW recipes peak lower "
            "(GPT-3, Brown et al. 2020, Table 2.1: 6e-4 at 125M; Pythia-70M model card: 1e-3)",
        ),
        Bound(
            quantity="tokens_per_param",
            side="lower",
            limit=1.0,
            severity="warning",
            meaning="fewer training tokens than parameters",
            basis="fewer training tokens than parameters: Hoffmann et al. 2022 (arXiv "
            "2203.15556) put the compute-optimal ratio near 20 (Table 3), and of the large "
            "models they list (Table 1) only MT-NLG 530B trained below one token per "
            "parameter (270B tokens), their example of an undertrained model",
        ),
    )
}


def loss_bound(vocab_size: int | None) -> tuple[float, str]:
    """ln V of the answer's vocabulary, or of the largest published one when it has none."""
    if vocab_size is not None:
        return math.log(vocab_size), f"V = {vocab_size:,}, the answer's vocabulary"
    return (
        math.log(LARGEST_PUBLISHED_VOCAB),
        f"V = {LARGEST_PUBLISHED_VOCAB:,}, the largest published vocabulary (the answer "
        "has none of its own; a smaller vocabulary only lowers the bound)",
    )


def implausible(
    quantity: str,
    value: float | None,
    *,
    remedy: str | None = None,
    vocab_size: int | None = None,
    law: str | None = None,
    where: str | None = None,
) -> AnswerWarning | None:
    """The ``implausible`` warning for ``value`` of ``quantity``, or None within its bound.

    ``where`` names the response field when it is not the quantity itself (e.g.
    ``precision.serving.loss_after_quantisation``).
    """
    if value is None:
        return None
    bound = BOUNDS[quantity]
    limit, note = (bound.limit, "") if bound.limit is not None else loss_bound(vocab_size)
    assert limit is not None
    broken = value > limit if bound.side == "upper" else value < limit
    if not broken:
        return None
    field = where or quantity
    relation = "above" if bound.side == "upper" else "below"
    basis = bound.basis + (f"; here {note}" if note else "")
    shown = f"ln V = {limit:.4g}, {note}" if note else f"{limit:.4g}"
    message = f"{field} = {value:.4g}: {bound.meaning} ({relation} {shown}; see basis)"
    if remedy:
        message += f". {remedy}"
    return AnswerWarning(
        code="implausible",
        message=message,
        law=law,
        quantity=field,
        value=value,
        severity=bound.severity,
        bound=limit,
        basis=basis,
        remedy=remedy,
    )
