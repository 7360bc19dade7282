"""Resolve the request's ``laws`` section against the catalogue, as field-named 422s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from laws_catalog import (
    CATALOG,
    AllocationLaw,
    AnyLaw,
    CatalogLookupError,
    ResolvedLaw,
)
from laws_catalog.hyperparams import HyperparamLaw
from laws_catalog.loss import LossLaw
from laws_catalog.vocabulary import VocabularyLaw

from ...errors import InvalidRequest
from ...fitting.record import fitted_law_record
from ...schemas.fitted_law import FittedLaw
from ...schemas.requests import DEFAULT_LOSS_LAW, LawChoice

__all__ = ["SelectedLaws", "resolve", "resolve_one_of", "select_laws"]

L = TypeVar("L", bound=AnyLaw)


@dataclass(frozen=True, slots=True)
class SelectedLaws:
    loss: ResolvedLaw[LossLaw]
    allocation: ResolvedLaw[AllocationLaw] | None
    hyperparams: ResolvedLaw[HyperparamLaw]
    vocabulary: ResolvedLaw[VocabularyLaw]


def resolve(family: str, ref: str, expected: type[L], field: str) -> ResolvedLaw[L]:
    try:
        return CATALOG.resolve(family, ref, expected)
    except CatalogLookupError as exc:
        raise InvalidRequest(f"{field}: {exc.message}", field=field, allowed=exc.allowed) from None


def resolve_one_of(
    family: str, ref: str, expected: type[L], field: str, answers: tuple[str, ...]
) -> ResolvedLaw[L]:
    """Resolve ``ref`` and check it is one of the laws that answer this question."""
    resolved = resolve(family, ref, expected, field)
    if resolved.law.id not in answers:
        raise InvalidRequest(
            f"{field}: {resolved.law.id} does not answer this question",
            field=field,
            allowed=list(answers),
        )
    return resolved


def select_laws(choice: LawChoice) -> SelectedLaws:
    allocation = None
    if choice.allocation is not None:
        allocation = resolve("allocation", choice.allocation, AllocationLaw, "laws.allocation")
    loss_ref = choice.loss
    if loss_ref is None:
        companion = allocation.law.traits.companion_loss if allocation is not None else None
        loss_ref = companion or DEFAULT_LOSS_LAW
    if isinstance(loss_ref, FittedLaw):
        loss = fitted_law_record(loss_ref)
    else:
        loss = resolve("loss", loss_ref, LossLaw, "laws.loss")
    return SelectedLaws(
        loss=loss,
        allocation=allocation,
        hyperparams=resolve("hyperparams", choice.hyperparams, HyperparamLaw, "laws.hyperparams"),
        vocabulary=resolve("vocabulary", choice.vocabulary, VocabularyLaw, "laws.vocabulary"),
    )
