"""The geometric-program route, for a budget or for a target.

* budget: the lowest loss the budget buys (:func:`plan_for_budget`);
* target: the least budget reaching a target loss (:func:`plan_for_target`).

Every variant (training format, stream count) is one program, posed by one skeleton
(:func:`_solve_variant`) and reported whether chosen or not. Two kinds of FLOPs appear:

* **training FLOPs**: ``k (N + V d) D``, what training the model costs;
* **budget FLOPs**: training FLOPs plus the lifetime inference cost ``c N`` when the request
  plans it (:mod:`..serving.lifetime`); the budget bounds them and the target route minimises
  them.

Serving limits cap N (:mod:`..serving.fit`); the vocabulary's FLOPs are settled by re-solving
(:func:`..plan.model_account.settle_vocabulary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from laws_catalog import PosynomialLoss, PowerTerm

from ...deadline import checkpoint
from ...errors import PlanInfeasible, PlannerError, TargetUnreachable
from ...optimize.program import Constraint, compute_budget
from ...schemas.responses import AnswerWarning, MarginalValue
from ..laws.provenance import law_use
from ..plan.account_checks import VocabularyDoesNotFit
from ..plan.answer import RouteAnswer, VariantResult, answer_from_optimum
from ..plan.constraints import collect_bounds
from ..plan.limit_causes import unreachable_target, vocabulary_cause
from ..plan.model_account import (
    ModelAccount,
    account_model,
    compute_terms,
    settle_vocabulary,
    vocabulary_flop_params,
)
from ..plan.optimum import Optimum, minimise_compute, minimise_loss, relaxation_margins
from ..plan.problem import PlanProblem
from ..plan.variants import Variant
from ..serving.fit import ServingContext, solve_within_limits
from ..serving.lifetime import serving_terms

__all__ = ["BUDGET_METHOD", "TARGET_METHOD", "plan_for_budget", "plan_for_target"]

BUDGET_METHOD = (
    "arg-min of the loss law subject to the compute budget and the limits: geometric program "
    "(cvxpy, CLARABEL), refined by Newton steps on its active set"
)
TARGET_METHOD = (
    "least compute whose predicted loss reaches the target: geometric program (cvxpy, "
    "CLARABEL), refined by Newton steps on its active set"
)


class _Objective:
    """How one variant's program is posed; the skeleton around it is shared."""

    def check(self, posy: PosynomialLoss, law_ref: str) -> None:
        """Refuse a variant whose program cannot have an answer, before solving."""

    def solve(
        self,
        variant: Variant,
        posy: PosynomialLoss,
        budget_terms: tuple[PowerTerm, ...],
        bounds: list[Constraint],
        k: float,
        warm: Optimum | None,
    ) -> Optimum:
        raise NotImplementedError

    def vocabulary_flops(self, variant: Variant, training_flops: float) -> float:
        """The compute the vocabulary law sizes the vocabulary at."""
        raise NotImplementedError

    def budget_flops(self, training: float, lifetime: float, solved: float) -> float:
        """Budget FLOPs reported for the plan, from the training and lifetime FLOPs at the
        settled vocabulary and the budget FLOPs the last program counted."""
        raise NotImplementedError


@dataclass(frozen=True)
class _LowestLoss(_Objective):
    """Budget route: minimise the loss law; budget FLOPs at most the variant's budget."""

    budget_label: str

    def solve(
        self,
        variant: Variant,
        posy: PosynomialLoss,
        budget_terms: tuple[PowerTerm, ...],
        bounds: list[Constraint],
        k: float,
        warm: Optimum | None,
    ) -> Optimum:
        assert variant.flops is not None
        budget = compute_budget(budget_terms, variant.flops, (self.budget_label,))
        return minimise_loss(posy, budget, bounds, variant.flops, k, warm=warm)

    def vocabulary_flops(self, variant: Variant, training_flops: float) -> float:
        assert variant.flops is not None
        return variant.flops

    def budget_flops(self, training: float, lifetime: float, solved: float) -> float:
        return training + lifetime


@dataclass(frozen=True)
class _ReachTarget(_Objective):
    """Target route: minimise budget FLOPs subject to the loss law reaching the target."""

    target_loss: float

    def check(self, posy: PosynomialLoss, law_ref: str) -> None:
        if self.target_loss <= posy.offset:
            raise TargetUnreachable(
                f"target loss {self.target_loss:.4g} is not above the irreducible loss "
                f"{posy.offset:.4g} of {law_ref}",
                field="target.loss",
                allowed=f"> {posy.offset:.6g}",
            )

    def solve(
        self,
        variant: Variant,
        posy: PosynomialLoss,
        budget_terms: tuple[PowerTerm, ...],
        bounds: list[Constraint],
        k: float,
        warm: Optimum | None,
    ) -> Optimum:
        reducible = posy.reducible_for_loss(self.target_loss)
        try:
            return minimise_compute(posy, budget_terms, reducible, bounds, k, warm=warm)
        except PlanInfeasible as exc:
            if exc.conflicting:
                raise
            raise unreachable_target(posy, bounds, self.target_loss) from None

    def vocabulary_flops(self, variant: Variant, training_flops: float) -> float:
        return training_flops

    def budget_flops(self, training: float, lifetime: float, solved: float) -> float:
        return solved


@dataclass(frozen=True)
class _Solved:
    """One variant's program, solved until its model meets the limits and its vocabulary."""

    variant: Variant
    optimum: Optimum
    account: ModelAccount
    budget_terms: tuple[PowerTerm, ...]
    """The budget FLOPs the last program counted: training plus lifetime inference."""
    bounds: list[Constraint]
    loss: float
    training_flops: float
    budget_flops: float
    warnings: list[AnswerWarning]

    @property
    def cost(self) -> float:
        """Budget units: budget FLOPs divided by the variant's throughput (reference-format
        FLOPs)."""
        return self.budget_flops / self.variant.throughput


_Found = tuple[Optimum, tuple[PowerTerm, ...], list[Constraint], tuple[PowerTerm, ...]]


def _flops(terms: tuple[PowerTerm, ...], n: float, d: float) -> float:
    return float(sum(t(n, d) for t in terms))


def _solve_variant(
    problem: PlanProblem,
    variant: Variant,
    objective: _Objective,
    serving: ServingContext | None,
) -> _Solved:
    law = problem.laws.loss.law
    posy = variant.loss
    k = law.traits.flops_per_param_token * variant.compute_scale
    objective.check(posy, problem.laws.loss.ref)
    architecture = problem.architecture
    vocab = None if architecture.vocab_size is not None else problem.laws.vocabulary

    def account_for(found: _Found) -> ModelAccount:
        optimum, _, _, training = found
        flops = objective.vocabulary_flops(
            variant, _flops(training, optimum.n_params, optimum.n_tokens)
        )
        try:
            return account_model(
                optimum.n_params, law.traits.params_quantity, flops, architecture, vocab
            )
        except VocabularyDoesNotFit as exc:
            raise vocabulary_cause(
                exc, optimum.program.constraints, serving, optimum.n_tokens
            ) from None

    last: list[Optimum] = []  # each re-solve (vocabulary, serving rounds) starts from the last

    def solve_with(extra_bounds: list[Constraint]) -> tuple[_Found, ModelAccount]:
        def solve(extra: float) -> _Found:
            training = compute_terms(k, extra)
            budget_terms = training + serving_terms(variant.serving_per_param, extra)
            bounds = [
                *collect_bounds(
                    problem.limits,
                    params_quantity=law.traits.params_quantity,
                    compute_terms=training,
                    laws=[law],
                ),
                *variant.bounds,
                *extra_bounds,
            ]
            found = objective.solve(
                variant, posy, budget_terms, bounds, k, last[-1] if last else None
            )
            last.append(found)
            return found, budget_terms, bounds, training

        return settle_vocabulary(solve, account_for, law.traits.params_quantity)

    (optimum, budget_terms, bounds, _), account, warnings = solve_within_limits(
        serving, variant.streams, solve_with, lambda found: found[0].n_params
    )
    n, d = optimum.n_params, optimum.n_tokens
    extra = vocabulary_flop_params(account, law.traits.params_quantity)
    training = _flops(compute_terms(k, extra), n, d)
    lifetime = _flops(serving_terms(variant.serving_per_param, extra), n, d)
    return _Solved(
        variant=variant,
        optimum=optimum,
        account=account,
        budget_terms=budget_terms,
        bounds=bounds,
        loss=float(posy(n, d)),
        training_flops=training,
        budget_flops=objective.budget_flops(training, lifetime, _flops(budget_terms, n, d)),
        warnings=warnings,
    )


def _variant_result(
    best: _Solved, solved: list[_Solved], failures: list[tuple[Variant, PlannerError]]
) -> VariantResult:
    return VariantResult(
        chosen=best.variant,
        options=[(s.variant, s.optimum.n_params, s.optimum.n_tokens, s.loss) for s in solved],
        failures=[(v, exc.message) for v, exc in failures],
    )


def _program_of(variant: Variant) -> tuple[object, ...]:
    """Everything :func:`_solve_variant` reads from a variant: equal tuples, equal answers."""
    return (
        variant.loss,
        variant.flops,
        variant.compute_scale,
        variant.serving_per_param,
        variant.bounds,
        variant.streams,
    )


def _same_program(
    variant: Variant,
    outcomes: list[tuple[Variant, _Solved | PlanInfeasible]],
    serving: ServingContext | None,
) -> _Solved | PlanInfeasible | None:
    """The outcome of an earlier variant that posed the very same program (BF16 and FP16 on
    one GPU: same throughput, no penalty), so it is solved and laid out once. Not under
    serving limits: there each solve starts from the vocabulary the previous one settled."""
    if serving is not None and serving.limits:
        return None
    program = _program_of(variant)
    for earlier, outcome in outcomes:
        if _program_of(earlier) == program:
            return outcome
    return None


def plan_for_budget(
    problem: PlanProblem,
    variants: Sequence[Variant],
    serving: ServingContext | None = None,
    *,
    margins: bool = True,
) -> RouteAnswer:
    """The lowest loss over every variant, each within its budget FLOPs.

    ``margins=False`` skips the relaxation re-solves (a probe for the loss alone).
    """
    objective = _LowestLoss(problem.budget_label)
    solved: list[_Solved] = []
    failures: list[tuple[Variant, PlannerError]] = []
    outcomes: list[tuple[Variant, _Solved | PlanInfeasible]] = []
    for variant in variants:
        outcome = _same_program(variant, outcomes, serving)
        if outcome is None:
            try:
                outcome = _solve_variant(problem, variant, objective, serving)
            except PlanInfeasible as exc:
                if len(variants) == 1:
                    raise
                outcome = exc
            outcomes.append((variant, outcome))
        if isinstance(outcome, PlanInfeasible):
            failures.append((variant, outcome))
        else:
            solved.append(replace(outcome, variant=variant))
    if not solved:
        raise failures[0][1]
    best = min(solved, key=lambda s: s.loss)
    optimum, posy = best.optimum, best.variant.loss
    found: list[MarginalValue] = []
    if margins:
        reducible = float(posy.reducible(optimum.n_params, optimum.n_tokens))
        # L = offset + P^power  =>  d ln L / d ln P = power * P^power / L
        log_scale = posy.power * reducible**posy.power / best.loss
        found = relaxation_margins(optimum, lambda n_, d_: float(posy(n_, d_)), "loss", log_scale)
    return answer_from_optimum(
        optimum,
        best.training_flops,
        method=BUDGET_METHOD,
        loss=best.loss,
        account=best.account,
        budget_flops=best.budget_flops,
        variant=_variant_result(best, solved, failures),
        margins=found,
        provenance=[
            law_use(
                problem.laws.loss,
                role="loss",
                produces=["params", "tokens", "tokens_per_param", "loss"],
                method=BUDGET_METHOD,
            )
        ],
        warnings=best.warnings,
    )


def plan_for_target(
    problem: PlanProblem,
    variants: Sequence[Variant],
    serving: ServingContext | None = None,
) -> RouteAnswer:
    """The least budget reaching the target over every variant (the cheapest in budget
    units)."""
    target_loss = problem.target_loss
    assert target_loss is not None
    objective = _ReachTarget(target_loss)
    solved: list[_Solved] = []
    failures: list[tuple[Variant, PlannerError]] = []
    for number, variant in enumerate(variants, 1):
        checkpoint(f"variant {number} of {len(variants)}")
        try:
            solved.append(_solve_variant(problem, variant, objective, serving))
        except (PlanInfeasible, TargetUnreachable) as exc:
            if problem.target_error is not None and exc.field == "target.loss":
                exc.field = "target.downstream_error"
            failures.append((variant, exc))
    if not solved:
        raise failures[0][1]
    best = min(solved, key=lambda s: s.cost)
    optimum, posy = best.optimum, best.variant.loss
    k = problem.laws.loss.law.traits.flops_per_param_token
    budget_terms = best.budget_terms
    effect: Literal["flops", "lifetime_flops"] = (
        "lifetime_flops" if best.variant.serving_per_param > 0 else "flops"
    )
    return answer_from_optimum(
        optimum,
        best.training_flops,
        method=TARGET_METHOD,
        loss=best.loss,
        account=best.account,
        budget_flops=best.budget_flops,
        variant=VariantResult(
            chosen=best.variant,
            options=[
                (s.variant, s.optimum.n_params, s.optimum.n_tokens, target_loss) for s in solved
            ],
            failures=[(v, exc.message) for v, exc in failures],
        ),
        margins=[
            _lower_target_margin(posy, optimum, budget_terms, best.bounds, target_loss, k, effect),
            *relaxation_margins(optimum, lambda n_, d_: _flops(budget_terms, n_, d_), effect, 1.0),
        ],
        provenance=[
            law_use(
                problem.laws.loss,
                role="loss",
                produces=["params", "tokens", "tokens_per_param", "flops", "loss"],
                method=TARGET_METHOD,
            )
        ],
        warnings=best.warnings,
        binding_first=["target"],
    )


def _lower_target_margin(
    posy: PosynomialLoss,
    optimum: Optimum,
    budget_terms: tuple[PowerTerm, ...],
    bounds: list[Constraint],
    target_loss: float,
    k: float,
    effect_on: Literal["flops", "lifetime_flops"],
) -> MarginalValue:
    """Budget FLOPs needed for a 1 % lower loss target."""
    base = sum(t(optimum.n_params, optimum.n_tokens) for t in budget_terms)
    index = next(i for i, c in enumerate(optimum.program.constraints) if c.key == "target")
    multiplier = optimum.multipliers[index]
    # ln P_target = ln(L - offset) / power  =>  d ln t / d ln L = L / (power (L - offset))
    elasticity = -multiplier * target_loss / (posy.power * (target_loss - posy.offset))
    lowered = target_loss * 0.99
    delta = None
    if lowered > posy.offset:
        try:
            harder = minimise_compute(
                posy, budget_terms, posy.reducible_for_loss(lowered), bounds, k
            )
            delta = float(sum(t(harder.n_params, harder.n_tokens) for t in budget_terms) - base)
        except PlanInfeasible:
            delta = None  # the limits do not reach 1 % lower: no finite cost
    return MarginalValue(
        resource="target.loss",
        relaxation="-1%",
        effect_on=effect_on,
        delta=delta,
        elasticity=elasticity,
    )
