"""What a planning route found, before the shared response assembly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ...schemas.responses import AnswerWarning, LawUse, MarginalValue, SourceOut
from .model_account import ModelAccount
from .optimum import Optimum, binding_labels
from .variants import Variant

__all__ = ["DataOutcome", "RouteAnswer", "VariantResult", "answer_from_optimum"]


@dataclass(frozen=True)
class DataOutcome:
    """What limited unique data did to the plan (repetition routes only)."""

    unique_tokens: float
    epochs: float
    effective_tokens: float
    effective_params: float
    loss: float
    loss_without_repetition: float
    sources: list[SourceOut] | None = None


@dataclass(frozen=True)
class VariantResult:
    """The variant a route chose and every one it weighed: (variant, N, D, loss), and those
    that had no plan with the reason."""

    chosen: Variant
    options: list[tuple[Variant, float, float, float]]
    failures: list[tuple[Variant, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RouteAnswer:
    """What a route found, fixed once built (a later stage that adjusts it makes a copy with
    :func:`dataclasses.replace`)."""

    n_params: float
    n_tokens: float
    training_flops: float
    """FLOPs of training alone (6 (N + V d) D with the law's k)."""
    status: str
    method: str
    binding: tuple[str, ...]
    margins: tuple[MarginalValue, ...] = ()
    provenance: tuple[LawUse, ...] = ()
    warnings: tuple[AnswerWarning, ...] = ()
    published_extras: Mapping[str, float] = field(default_factory=dict)
    """Further quantities an allocation law publishes with its (N, D)."""
    flops_accounted: float | None = None
    """Allocation routes: the FLOPs the planned model actually counts (6 (N + V d) D)."""
    account: ModelAccount | None = None
    data: DataOutcome | None = None
    loss: float | None = None
    """Set when the route's loss is not the loss law at (N, D) (e.g. repeated data)."""
    variant: VariantResult | None = None
    budget_flops: float | None = None
    """Budget FLOPs used when more than training spends them (lifetime inference)."""

    @property
    def budget_flops_spent(self) -> float:
        """Budget FLOPs the plan uses: training plus, when planned, lifetime inference."""
        return self.budget_flops or self.training_flops


def answer_from_optimum(
    optimum: Optimum,
    training_flops: float,
    *,
    method: str,
    loss: float,
    account: ModelAccount,
    budget_flops: float,
    variant: VariantResult,
    margins: Sequence[MarginalValue],
    provenance: Sequence[LawUse],
    warnings: Sequence[AnswerWarning],
    binding_first: Sequence[str] = (),
) -> RouteAnswer:
    """A geometric program's answer: the solver's status warning first, then ``warnings``."""
    solver: list[AnswerWarning] = []
    if not optimum.polished and optimum.status != "optimal":
        solver.append(
            AnswerWarning(
                code="solver_inaccurate",
                message=f"solver status {optimum.status}; the answer may be off in the 5th digit",
            )
        )
    return RouteAnswer(
        n_params=optimum.n_params,
        n_tokens=optimum.n_tokens,
        training_flops=training_flops,
        status=optimum.status,
        method=method,
        binding=(*binding_first, *binding_labels(optimum)),
        margins=tuple(margins),
        provenance=tuple(provenance),
        warnings=(*solver, *warnings),
        account=account,
        loss=loss,
        variant=variant,
        budget_flops=budget_flops,
    )
