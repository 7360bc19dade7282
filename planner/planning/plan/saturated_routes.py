"""The routes with the saturation rule applied (:mod:`.saturation`): a min-loss route re-solved
at a fraction of its budget, a target route asked for an eased target, and the report of what a
plan leaves unspent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...schemas.responses import AnswerWarning, BudgetOut
from ..routes.allocation import plan_by_allocation
from ..routes.gp import plan_for_budget, plan_for_target
from ..routes.route_data import plan_with_data
from ..serving.fit import ServingContext
from .answer import RouteAnswer
from .problem import PlanProblem
from .saturation import Saturation, saturate, saturation_warning, target_saturation
from .variants import Variant

__all__ = ["budget_answer", "report_saturation", "saturating_limits", "target_saturation_warning"]


def budget_answer(
    problem: PlanProblem,
    variants: list[Variant],
    serving: ServingContext | None,
) -> tuple[RouteAnswer, Saturation]:
    """The min-loss route, cut to the least compute within the loss tolerance when the
    budget is saturated (:mod:`.saturation`)."""
    laws, label, flops = problem.laws, problem.budget_label, problem.budget_flops
    assert flops is not None
    route: Callable[[float, bool], RouteAnswer]
    if problem.data is not None or laws.allocation is not None:
        by_data = problem.data is not None

        def route(fraction: float, margins: bool) -> RouteAnswer:
            if by_data:
                return plan_with_data(problem, flops * fraction, margins=margins)
            return plan_by_allocation(problem, flops * fraction)

        def measure(answer: RouteAnswer, fraction: float) -> tuple[float, float]:
            assert answer.loss is not None
            return answer.loss, answer.budget_flops_spent / flops

    else:

        def route(fraction: float, margins: bool) -> RouteAnswer:
            scaled = variants if fraction == 1.0 else [_scaled(v, fraction) for v in variants]
            return plan_for_budget(problem, scaled, serving, margins=margins)

        def measure(answer: RouteAnswer, fraction: float) -> tuple[float, float]:
            assert answer.loss is not None
            assert answer.variant is not None
            assert answer.variant.chosen.flops is not None
            spent = answer.budget_flops_spent
            return answer.loss, fraction * spent / answer.variant.chosen.flops

    full = route(1.0, True)
    convex = problem.data is None and laws.allocation is None
    return saturate(route, measure, full, label, problem.loss_tolerance, convex=convex)


def target_saturation_warning(
    problem: PlanProblem,
    answer: RouteAnswer,
    variants: list[Variant],
    serving: ServingContext | None,
) -> AnswerWarning | None:
    """``compute_saturated`` when a target within the loss tolerance of what the limits allow
    costs more than twice the compute of the eased target (:mod:`.saturation`)."""
    assert answer.loss is not None

    def cost(found: RouteAnswer) -> float:
        spent = found.budget_flops_spent
        if found.variant is None:
            return spent
        return spent / found.variant.chosen.throughput

    def cost_of(loss: float) -> float:
        if problem.data is not None:
            return cost(plan_with_data(problem, None, loss))
        eased = replace(problem, target_loss=loss, target_error=None)
        return cost(plan_for_target(eased, variants, serving))

    elasticity = next((m.elasticity for m in answer.margins if m.resource == "target.loss"), None)
    limits = [b for b in answer.binding if b != "target"]
    if problem.data is not None:
        limits.append("the repetition of the unique data")
    loss_at = None
    if problem.data is not None:

        def loss_at(flops: float) -> float:
            found = plan_with_data(problem, flops, margins=False).loss
            assert found is not None
            return found

    return target_saturation(
        cost_of, answer.loss, cost(answer), problem.loss_tolerance, elasticity, limits, loss_at
    )


def _scaled(variant: Variant, fraction: float) -> Variant:
    assert variant.flops is not None
    return replace(variant, flops=variant.flops * fraction)


def saturating_limits(problem: PlanProblem, answer: RouteAnswer) -> list[str]:
    """The request fields that stop more compute from buying a lower loss."""
    label = problem.budget_label
    names = [b for b in answer.binding if b not in (label, "budget.loss_tolerance", "target")]
    if problem.data is not None:
        names.append(
            "the repetition of data.unique_tokens"
            if problem.data.spec.unique_tokens is not None
            else "the repetition of data.sources"
        )
    return list(dict.fromkeys(names))


def report_saturation(
    problem: PlanProblem,
    answer: RouteAnswer,
    budget: BudgetOut,
    saturation: Saturation,
    bought: float,
) -> RouteAnswer:
    """Fill the budget's spent/unspent fields; the answer with ``compute_saturated`` added when
    due."""
    unspent = saturation.unspent_share * bought
    budget.flops_unspent = unspent
    budget.flops_spent = budget.flops - unspent
    budget.loss_tolerance = saturation.tolerance
    if unspent > 0:
        budget.loss_with_full_budget = saturation.best_loss
    limits = saturating_limits(problem, answer)
    found = saturation_warning(saturation, bought, limits, problem.budget_label)
    if found is None:
        return answer
    return replace(answer, warnings=(*answer.warnings, found))
