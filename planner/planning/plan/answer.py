"""What a planning route found, before the shared response assembly."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...schemas.responses import AnswerWarning, LawUse, MarginalValue, SourceOut
from .model_account import ModelAccount
from .optimum import Optimum, binding_labels
from .variants import Variant

__all__ = ["DataOutcome", "RouteAnswer", "VariantResult", "answer_from_optimum"]


@dataclass
class DataOutcome:
    """What limited unique data did to the plan (repetition routes only)."""

    unique_tokens: float
    epochs: float
    effective_tokens: float
    effective_params: float
    loss: float
    loss_without_repetition: float
    sources: list[SourceOut] | None = None


@dataclass
class VariantResult:
    """The variant a route chose and every one it weighed: (variant, N, D, loss), and those
    that had no plan with the reason."""

    chosen: Variant
    options: list[tuple[Variant, float, float, float]]
    failures: list[tuple[Variant, str]] = field(default_factory=list)


@dataclass
class RouteAnswer:
    n_params: float
    n_tokens: float
    flops: float
    status: str
    method: str
    binding: list[str]
    margins: list[MarginalValue] = field(default_factory=list)
    provenance: list[LawUse] = field(default_factory=list)
    warnings: list[AnswerWarning] = field(default_factory=list)
    extras: dict[str, float] = field(default_factory=dict)
    account: ModelAccount | None = None
    data: DataOutcome | None = None
    loss: float | None = None
    """Set when the route's loss is not the loss law at (N, D) (e.g. repeated data)."""
    variant: VariantResult | None = None
    budget_spent: float | None = None
    """Budget FLOPs used when more than training spends them (lifetime inference)."""


def answer_from_optimum(optimum: Optimum, flops: float, *, method: str) -> RouteAnswer:
    warnings = []
    if not optimum.polished and optimum.status != "optimal":
        warnings.append(
            AnswerWarning(
                code="solver_inaccurate",
                message=f"solver status {optimum.status}; the answer may be off in the 5th digit",
            )
        )
    return RouteAnswer(
        n_params=optimum.n_params,
        n_tokens=optimum.n_tokens,
        flops=flops,
        status=optimum.status,
        method=method,
        binding=binding_labels(optimum),
        warnings=warnings,
    )
