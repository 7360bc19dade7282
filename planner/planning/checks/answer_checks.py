"""The last step of every answer: plausibility bounds on its numbers, then the warning digest.

Plans (and so sweep rows), predictions and the vocabulary question pass through here, so no
answer carries a number beyond a bound of :mod:`.plausibility` without its ``implausible``
warning, and every answer's warnings are merged, ordered and filtered the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...schemas.requests import PlanRequest, PredictRequest
from ...schemas.responses import AnswerWarning, LawUse, PlanResponse, PredictResponse
from ...schemas.severity import Severity
from ...schemas.side_questions import VocabularyResponse
from .lr_cap import capped
from .plausibility import LARGEST_PUBLISHED_VOCAB, implausible
from .warning_digest import digest

__all__ = ["checked_plan", "checked_prediction", "checked_vocabulary"]

_VOCAB_REMEDY = (
    f"Fix architecture.vocab_size (at most {LARGEST_PUBLISHED_VOCAB}): the plan keeps it and "
    "recounts the parameters"
)


def _law_producing(provenance: Iterable[LawUse], output: str) -> str | None:
    for use in provenance:
        if output in use.produces:
            return f"{use.family}/{use.law}"
    return None


def _loss_remedy(request: PlanRequest, epochs: float | None) -> str:
    if request.data is not None:
        repeated = f" (repeated {epochs:.3g} times here)" if epochs is not None else ""
        return (
            f"The unique data{repeated} is the cause: give more unique tokens "
            "(data.unique_tokens) or a smaller budget"
        )
    return (
        "No setting makes this loss meaningful: the loss law is far outside its fit (see its "
        "outside_fitted_range warning); plan a larger model or more tokens"
    )


def _tokens_remedy(request: PlanRequest) -> str:
    if request.laws.allocation is not None:
        return (
            f"The allocation law {request.laws.allocation} gives this split: omit "
            "laws.allocation to optimise the loss law, with constraints.min_tokens_per_param "
            "(e.g. 1) if it too goes below"
        )
    return "Add constraints.min_tokens_per_param (e.g. 1) or loosen the token limits"


def _lr_remedy(hyperparams: str) -> str:
    return (
        f"The LR comes from {hyperparams} far from its fit: cap it with "
        "constraints.max_learning_rate, or choose another law with laws.hyperparams (e.g. "
        "deepseek2024, whose LR follows compute; compare hyperparams_by_law), and tune the LR "
        "at small scale before training"
    )


def _finish(
    warnings: Iterable[AnswerWarning | None], min_severity: Severity
) -> list[AnswerWarning]:
    return digest([w for w in warnings if w is not None], min_severity)


def checked_plan(response: PlanResponse, request: PlanRequest) -> PlanResponse:
    response = capped(response, request)
    plan, provenance = response.plan, response.provenance
    loss_law = _law_producing(provenance, "loss")
    found = [
        implausible(
            "loss",
            plan.loss,
            vocab_size=plan.vocab_size,
            law=loss_law,
            remedy=_loss_remedy(request, plan.epochs),
        ),
        implausible(
            "vocab_size",
            plan.vocab_size,
            law=_law_producing(provenance, "vocab_size"),
            remedy=_VOCAB_REMEDY
            if request.architecture.vocab_size is None
            else "architecture.vocab_size is the request's own: choose a smaller one",
        ),
        implausible(
            "learning_rate",
            plan.learning_rate,
            law=_law_producing(provenance, "learning_rate"),
            remedy=_lr_remedy(request.laws.hyperparams),
        ),
        implausible(
            "tokens_per_param",
            plan.tokens_per_param,
            law=_law_producing(provenance, "tokens_per_param"),
            remedy=_tokens_remedy(request),
        ),
    ]
    serving = response.precision.serving if response.precision is not None else None
    if serving is not None:
        found.append(
            implausible(
                "loss",
                serving.loss_after_quantisation,
                vocab_size=plan.vocab_size,
                law=loss_law,
                where="precision.serving.loss_after_quantisation",
            )
        )
    warnings = _finish([*response.warnings, *found], request.min_severity)
    return response.model_copy(update={"warnings": warnings})


def checked_prediction(response: PredictResponse, request: PredictRequest) -> PredictResponse:
    law = _law_producing(response.provenance, "loss")
    found = [
        implausible(
            "loss",
            response.loss,
            law=law,
            remedy="The law at this (N, D) is outside anything it was fitted on: the value is "
            "not a loss a trained model would reach",
        ),
        implausible(
            "tokens_per_param",
            response.tokens_per_param,
            law=law,
            remedy="Predict with more tokens (tokens >= params)",
        ),
    ]
    warnings = _finish([*response.warnings, *found], request.min_severity)
    return response.model_copy(update={"warnings": warnings})


def checked_vocabulary(response: VocabularyResponse) -> VocabularyResponse:
    law = _law_producing(response.provenance, "vocab_size")
    found = [
        implausible(
            "vocab_size",
            float(answer.vocab_size_rounded),
            law=law,
            where=f"{name}.vocab_size_rounded",
            remedy=f"Choose a vocabulary of at most {LARGEST_PUBLISHED_VOCAB} and give it to "
            "plans as architecture.vocab_size",
        )
        for name, answer in [
            ("answer", response.answer),
            *(
                (f"approaches[{i}]", a)
                for i, a in enumerate(response.approaches)
                if a.approach != response.answer.approach
            ),
        ]
    ]
    return response.model_copy(update={"warnings": _finish([*response.warnings, *found], "info")})
