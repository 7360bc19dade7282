"""Budget + loss law: the lowest loss the budget buys, by geometric program.

Every variant (training format, stream count) is one GP; the lowest loss wins and all are
reported. Lifetime inference cost shares the budget (``6 N D + c N <= C``) and serving limits
cap N (:mod:`.serving_fit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import PlanInfeasible
from ..optimize.program import Constraint, compute_budget
from ..schemas.requests import PlanRequest
from ..schemas.responses import Warning
from .account_checks import VocabularyDoesNotFit
from .answer import RouteAnswer, VariantResult, answer_from_optimum
from .constraints import collect_bounds
from .law_selection import SelectedLaws
from .lifetime import serving_terms
from .limit_causes import vocabulary_cause
from .model_account import (
    ModelAccount,
    account_model,
    compute_terms,
    settle_vocabulary,
    vocabulary_flop_params,
)
from .optimum import Optimum, minimise_loss, relaxation_margins
from .provenance import law_use
from .serving_fit import ServingContext, solve_within_limits
from .variants import Variant

__all__ = ["GP_METHOD", "plan_for_budget"]

GP_METHOD = (
    "arg-min of the loss law subject to the compute budget and the limits: geometric program "
    "(cvxpy, CLARABEL), refined by Newton steps on its active set"
)


@dataclass
class _Solved:
    variant: Variant
    optimum: Optimum
    account: ModelAccount
    loss: float
    training_flops: float
    spent: float
    """Budget FLOPs used: training plus lifetime inference."""
    warnings: list[Warning]


def _solve_variant(
    request: PlanRequest,
    laws: SelectedLaws,
    variant: Variant,
    budget_label: str,
    serving: ServingContext | None,
) -> _Solved:
    law = laws.loss.law
    posy = variant.loss
    k = law.traits.flops_per_param_token * variant.compute_scale
    flops = variant.flops
    assert flops is not None
    vocab = None if request.architecture.vocab_size is not None else laws.vocabulary

    def account_for(found: Optimum) -> ModelAccount:
        try:
            return account_model(
                found.n_params, law.traits.params_quantity, flops, request.architecture, vocab
            )
        except VocabularyDoesNotFit as exc:
            raise vocabulary_cause(
                exc, found.program.constraints, serving, found.n_tokens
            ) from None

    last: list[Optimum] = []  # each re-solve (vocabulary, serving rounds) starts from the last

    def solve_with(extra_bounds: list[Constraint]) -> tuple[Optimum, ModelAccount]:
        def solve(extra: float) -> Optimum:
            training = compute_terms(k, extra)
            compute = training + serving_terms(variant.serving_per_param, extra)
            bounds = collect_bounds(
                request.constraints,
                params_quantity=law.traits.params_quantity,
                compute_terms=training,
                laws=[law],
            )
            budget = compute_budget(compute, flops, (budget_label,))
            found = minimise_loss(
                posy,
                budget,
                [*bounds, *variant.bounds, *extra_bounds],
                flops,
                k,
                warm=last[-1] if last else None,
            )
            last.append(found)
            return found

        return settle_vocabulary(solve, account_for, law.traits.params_quantity)

    optimum, account, warnings = solve_within_limits(
        serving, variant.streams, solve_with, lambda found: found.n_params
    )
    n, d = optimum.n_params, optimum.n_tokens
    extra = vocabulary_flop_params(account, law.traits.params_quantity)
    training = sum(t(n, d) for t in compute_terms(k, extra))
    serving_cost = sum(t(n, d) for t in serving_terms(variant.serving_per_param, extra))
    return _Solved(
        variant,
        optimum,
        account,
        float(posy(n, d)),
        float(training),
        float(training + serving_cost),
        warnings,
    )


def plan_for_budget(
    request: PlanRequest,
    laws: SelectedLaws,
    variants: Sequence[Variant],
    budget_label: str,
    serving: ServingContext | None = None,
    *,
    margins: bool = True,
) -> RouteAnswer:
    """``margins=False`` skips the relaxation re-solves (a probe for the loss alone)."""
    solved: list[_Solved] = []
    failures: list[tuple[Variant, PlanInfeasible]] = []
    for variant in variants:
        try:
            solved.append(_solve_variant(request, laws, variant, budget_label, serving))
        except PlanInfeasible as exc:
            if len(variants) == 1:
                raise
            failures.append((variant, exc))
    if not solved:
        raise failures[0][1]
    best = min(solved, key=lambda s: s.loss)
    optimum, posy = best.optimum, best.variant.loss
    n, d = optimum.n_params, optimum.n_tokens
    answer = answer_from_optimum(optimum, best.training_flops, method=GP_METHOD)
    answer.account = best.account
    answer.loss = best.loss
    answer.budget_spent = best.spent
    answer.warnings += best.warnings
    reducible = float(posy.reducible(n, d))
    # L = offset + P^power  =>  d ln L / d ln P = power * P^power / L
    log_scale = posy.power * reducible**posy.power / best.loss
    if margins:
        answer.margins = relaxation_margins(
            optimum, lambda n_, d_: float(posy(n_, d_)), "loss", log_scale
        )
    answer.provenance = [
        law_use(
            laws.loss,
            role="loss",
            produces=["params", "tokens", "tokens_per_param", "loss"],
            method=GP_METHOD,
        )
    ]
    answer.variant = VariantResult(
        chosen=best.variant,
        options=[(s.variant, s.optimum.n_params, s.optimum.n_tokens, s.loss) for s in solved],
        failures=[(v, exc.message) for v, exc in failures],
    )
    return answer
