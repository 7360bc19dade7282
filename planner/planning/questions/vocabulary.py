"""The best vocabulary of a fixed model: at a budget, or for a fixed token count."""

from __future__ import annotations

from laws_catalog import CATALOG, vocabulary
from laws_catalog.vocabulary import VocabularyAdvice, VocabularyLaw

from ...errors import InvalidRequest
from ...schemas.side_questions import VocabularyAnswer, VocabularyRequest, VocabularyResponse
from ..checks.answer_checks import checked_vocabulary
from ..laws.provenance import law_use
from ..laws.selection import resolve
from ..laws.validity import range_warnings
from ..plan.model_account import round_vocab

__all__ = ["best_vocabulary"]


def _answer(advice: VocabularyAdvice) -> VocabularyAnswer:
    return VocabularyAnswer(
        approach=advice.approach,
        vocab_size=advice.vocab_size,
        vocab_size_rounded=round_vocab(advice.vocab_size),
        vocab_params=advice.vocab_params,
        d_model=advice.d_model,
        flops=advice.flops,
        tokens=advice.n_tokens,
        characters=advice.n_characters,
        method=advice.method,
        notes=list(advice.notes),
    )


def best_vocabulary(request: VocabularyRequest) -> VocabularyResponse:
    resolved = resolve("vocabulary", request.law, VocabularyLaw, "law")
    law = resolved.law
    d_model = float(request.d_model) if request.d_model is not None else None

    def advise(constant_set: str) -> VocabularyAdvice:
        try:
            if request.tokens is not None:
                return vocabulary.advise_for_tokens(
                    law, request.params_non_vocabulary, request.tokens, d_model, constant_set
                )
            return vocabulary.advise(
                law, request.params_non_vocabulary, request.flops, d_model, constant_set
            )
        except ValueError as exc:
            raise InvalidRequest(str(exc), field="params_non_vocabulary") from None

    chosen = advise(resolved.constants.name)
    others = [advise(c.name) for c in law.constant_sets if not c.rounded]
    question = "a fixed token count" if request.tokens is not None else "a FLOPs budget"
    response = VocabularyResponse(
        answer=_answer(chosen),
        approaches=[_answer(a) for a in others],
        provenance=[
            law_use(
                resolved,
                role="vocabulary",
                produces=["vocab_size", "vocab_params"],
                method=f"{resolved.ref} for {question}: {chosen.method}",
            )
        ],
        warnings=range_warnings(law, chosen.quantities()),
        catalog_version=CATALOG.version,
    )
    return checked_vocabulary(response)
