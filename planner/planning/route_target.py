"""Target loss (or downstream error): the least compute reaching it, by geometric program."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from laws_catalog import CATALOG, PosynomialLoss, PowerTerm, ResolvedLaw
from laws_catalog.loss import LossLaw, is_loss_law, loss_for_downstream_error

from ..deadline import checkpoint
from ..errors import InvalidRequest, PlanInfeasible, PlannerError, TargetUnreachable
from ..optimize.program import Constraint
from ..schemas.requests import PlanRequest, Target
from ..schemas.responses import MarginalValue, Warning
from .account_checks import VocabularyDoesNotFit
from .answer import RouteAnswer, VariantResult, answer_from_optimum
from .constraints import collect_bounds
from .law_selection import SelectedLaws
from .lifetime import serving_terms
from .limit_causes import unreachable_target, vocabulary_cause
from .model_account import (
    ModelAccount,
    account_model,
    compute_terms,
    settle_vocabulary,
    vocabulary_flop_params,
)
from .optimum import Optimum, minimise_compute, relaxation_margins
from .provenance import law_use
from .serving_fit import ServingContext, solve_within_limits
from .variants import Variant

__all__ = ["plan_for_target", "target_loss_of"]

METHOD = (
    "least compute whose predicted loss reaches the target: geometric program (cvxpy, "
    "CLARABEL), refined by Newton steps on its active set"
)


def target_loss_of(loss: ResolvedLaw[LossLaw], target: Target) -> float:
    if target.loss is not None:
        return target.loss
    law = loss.law
    assert target.downstream_error is not None
    if law.traits.downstream is None:
        with_downstream = [
            candidate.id
            for candidate in CATALOG.all_laws()
            if is_loss_law(candidate) and candidate.traits.downstream is not None
        ]
        raise InvalidRequest(
            f"target.downstream_error: {law.id} has no downstream-error law",
            field="target.downstream_error",
            allowed={"laws.loss": with_downstream},
        )
    try:
        return loss_for_downstream_error(law, target.downstream_error, loss.constants.name)
    except ValueError as exc:
        raise TargetUnreachable(
            f"target.downstream_error: {exc}", field="target.downstream_error"
        ) from None


def _lower_target_margin(
    posy: PosynomialLoss,
    optimum: Optimum,
    compute: tuple[PowerTerm, ...],
    bounds: list[Constraint],
    target_loss: float,
    k: float,
    effect_on: str,
) -> MarginalValue:
    """FLOPs (of what ``compute`` counts) needed for a 1 % lower loss target."""
    base = sum(t(optimum.n_params, optimum.n_tokens) for t in compute)
    index = next(i for i, c in enumerate(optimum.program.constraints) if c.key == "target")
    multiplier = optimum.multipliers[index]
    # ln P_target = ln(L - offset) / power  =>  d ln t / d ln L = L / (power (L - offset))
    elasticity = -multiplier * target_loss / (posy.power * (target_loss - posy.offset))
    lowered = target_loss * 0.99
    delta = None
    if lowered > posy.offset:
        try:
            harder = minimise_compute(posy, compute, posy.reducible_for_loss(lowered), bounds, k)
            delta = float(sum(t(harder.n_params, harder.n_tokens) for t in compute) - base)
        except PlanInfeasible:
            delta = None  # the limits do not reach 1 % lower: no finite cost
    return MarginalValue(
        resource="target.loss",
        relaxation="-1%",
        effect_on=effect_on,  # type: ignore[arg-type]
        delta=delta,
        elasticity=elasticity,
    )


@dataclass
class _Solved:
    variant: Variant
    optimum: Optimum
    compute: tuple[PowerTerm, ...]
    """What the program minimised: training plus lifetime inference, in budget FLOPs."""
    bounds: list[Constraint]
    account: ModelAccount
    spent: float
    """Training FLOPs."""
    total: float
    warnings: list[Warning]

    @property
    def cost(self) -> float:
        """Budget units: FLOPs divided by the variant's throughput (reference-format FLOPs)."""
        return self.total / self.variant.throughput


def _solve_variant(
    request: PlanRequest,
    laws: SelectedLaws,
    variant: Variant,
    target_loss: float,
    serving: ServingContext | None,
) -> _Solved:
    law = laws.loss.law
    posy = variant.loss
    k = law.traits.flops_per_param_token * variant.compute_scale
    if target_loss <= posy.offset:
        raise TargetUnreachable(
            f"target loss {target_loss:.4g} is not above the irreducible loss "
            f"{posy.offset:.4g} of {laws.loss.ref}",
            field="target.loss",
            allowed=f"> {posy.offset:.6g}",
        )
    reducible = posy.reducible_for_loss(target_loss)
    vocab = None if request.architecture.vocab_size is not None else laws.vocabulary
    Found = tuple[Optimum, tuple[PowerTerm, ...], list[Constraint], tuple[PowerTerm, ...]]

    def account_for(found: Found) -> ModelAccount:
        optimum, _, _, training = found
        spent = float(sum(t(optimum.n_params, optimum.n_tokens) for t in training))
        try:
            return account_model(
                optimum.n_params, law.traits.params_quantity, spent, request.architecture, vocab
            )
        except VocabularyDoesNotFit as exc:
            raise vocabulary_cause(
                exc, optimum.program.constraints, serving, optimum.n_tokens
            ) from None

    last: list[Optimum] = []  # each re-solve (vocabulary, serving rounds) starts from the last

    def solve_with(extra_bounds: list[Constraint]) -> tuple[Found, ModelAccount]:
        def solve(extra: float) -> Found:
            training = compute_terms(k, extra)
            compute = training + serving_terms(variant.serving_per_param, extra)
            bounds = [
                *collect_bounds(
                    request.constraints,
                    params_quantity=law.traits.params_quantity,
                    compute_terms=training,
                    laws=[law],
                ),
                *variant.bounds,
                *extra_bounds,
            ]
            try:
                found = minimise_compute(
                    posy, compute, reducible, bounds, k, warm=last[-1] if last else None
                )
                last.append(found)
            except PlanInfeasible as exc:
                if exc.conflicting:
                    raise
                raise unreachable_target(posy, bounds, target_loss) from None
            return found, compute, bounds, training

        return settle_vocabulary(solve, account_for, law.traits.params_quantity)

    (optimum, compute, bounds, _), account, warnings = solve_within_limits(
        serving, variant.streams, solve_with, lambda found: found[0].n_params
    )
    n, d = optimum.n_params, optimum.n_tokens
    extra = vocabulary_flop_params(account, law.traits.params_quantity)
    spent = float(sum(t(n, d) for t in compute_terms(k, extra)))
    total = float(sum(t(n, d) for t in compute))
    return _Solved(variant, optimum, compute, bounds, account, spent, total, warnings)


def plan_for_target(
    request: PlanRequest,
    laws: SelectedLaws,
    target: Target,
    variants: Sequence[Variant],
    serving: ServingContext | None = None,
) -> tuple[RouteAnswer, dict[str, float]]:
    """Least budget reaching the target over every variant (the cheapest in budget units)."""
    target_loss = target_loss_of(laws.loss, target)
    solved: list[_Solved] = []
    failures: list[tuple[Variant, PlannerError]] = []
    for number, variant in enumerate(variants, 1):
        checkpoint(f"variant {number} of {len(variants)}")
        try:
            solved.append(_solve_variant(request, laws, variant, target_loss, serving))
        except (PlanInfeasible, TargetUnreachable) as exc:
            if target.downstream_error is not None and exc.field == "target.loss":
                exc.field = "target.downstream_error"
            failures.append((variant, exc))
    if not solved:
        raise failures[0][1]
    best = min(solved, key=lambda s: s.cost)
    optimum, posy, k = best.optimum, best.variant.loss, laws.loss.law.traits.flops_per_param_token
    answer = answer_from_optimum(optimum, best.spent, method=METHOD)
    answer.account = best.account
    answer.loss = float(posy(optimum.n_params, optimum.n_tokens))
    answer.binding = ["target", *answer.binding]
    answer.warnings += best.warnings
    answer.budget_spent = best.total
    compute = best.compute
    effect = "lifetime_flops" if best.variant.serving_per_param > 0 else "flops"
    answer.margins = [
        _lower_target_margin(posy, optimum, compute, best.bounds, target_loss, k, effect),
        *relaxation_margins(
            optimum, lambda n_, d_: float(sum(t(n_, d_) for t in compute)), effect, 1.0
        ),
    ]
    answer.provenance = [
        law_use(
            laws.loss,
            role="loss",
            produces=["params", "tokens", "tokens_per_param", "flops", "loss"],
            method=METHOD,
        )
    ]
    answer.variant = VariantResult(
        chosen=best.variant,
        options=[(s.variant, s.optimum.n_params, s.optimum.n_tokens, target_loss) for s in solved],
        failures=[(v, exc.message) for v, exc in failures],
    )
    targets = {"loss": target_loss}
    if target.downstream_error is not None:
        targets["downstream_error"] = target.downstream_error
    return answer, targets
