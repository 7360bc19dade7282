"""The saturation rule on routes whose best loss is known in closed form."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from planner.errors import PlanInfeasible
from planner.planning.plan.answer import RouteAnswer
from planner.planning.plan.saturation import (
    SATURATION_SHARE,
    saturate,
    saturation_warning,
    target_saturation,
)
from planner.schemas.responses import MarginalValue

BUDGET = 1e24


def _route(
    loss_of: LossCurve, calls: list[float] | None = None
) -> Callable[[float, bool], RouteAnswer]:
    def route(fraction: float, margins: bool) -> RouteAnswer:
        if calls is not None:
            calls.append(fraction)
        flops = BUDGET * fraction
        loss = loss_of(flops)
        found = ()
        if margins:
            found = (
                MarginalValue(
                    resource="budget.flops",
                    relaxation="+10%",
                    effect_on="loss",
                    delta=loss_of(flops * 1.1) - loss,
                    elasticity=loss_of.elasticity(flops),
                ),
            )
        answer = RouteAnswer(
            n_params=1.0,
            n_tokens=1.0,
            training_flops=flops,
            status="optimal",
            method="test",
            binding=("budget.flops",),
            margins=found,
            loss=loss,
        )
        return answer

    return route


class LossCurve:
    """L(C) = E + A C^-g for C below a knee, flat above it (a cap that stops all progress)."""

    def __init__(self, knee: float = math.inf, e: float = 1.8, a: float = 1e3, g: float = 0.15):
        self.knee, self.e, self.a, self.g = knee, e, a, g

    def __call__(self, flops: float) -> float:
        if flops < 1e10:
            raise PlanInfeasible("too small for the limits", conflicting=["constraints.min_params"])
        return self.e + self.a * min(flops, self.knee) ** -self.g

    def elasticity(self, flops: float) -> float:
        if flops >= self.knee:
            return 0.0
        reducible = self.a * flops**-self.g
        return -self.g * reducible / (self.e + reducible)


def _measure(answer: RouteAnswer, fraction: float) -> tuple[float, float]:
    assert answer.loss is not None
    return answer.loss, answer.training_flops / BUDGET


def test_a_power_law_budget_is_spent_without_a_second_solve() -> None:
    curve, calls = LossCurve(), []
    route = _route(curve, calls)
    answer, found = saturate(route, _measure, route(1.0, True), "budget.flops", 1e-3, convex=True)
    assert calls == [1.0]  # the elasticity alone rules saturation out
    assert not found.saturated
    assert found.unspent_share == 0
    assert answer.training_flops == BUDGET


def test_a_flat_optimum_spends_the_least_compute_within_the_tolerance() -> None:
    curve = LossCurve(knee=1e21)
    route = _route(curve)
    answer, found = saturate(route, _measure, route(1.0, True), "budget.flops", 1e-3, convex=True)
    goal = curve(BUDGET) * 1.001
    # closed form: E + A C^-g = goal
    least = ((goal - curve.e) / curve.a) ** (-1 / curve.g)
    assert found.saturated
    assert answer.training_flops == pytest.approx(least, rel=3e-3)
    assert answer.training_flops >= least * (1 - 1e-12)
    assert found.plan_loss <= goal
    assert answer.binding[0] == "budget.loss_tolerance"
    (rest,) = answer.margins
    assert rest.delta == pytest.approx(found.best_loss - found.plan_loss)
    warning = saturation_warning(found, BUDGET, ["constraints.max_params"], "budget.flops")
    assert warning is not None
    assert warning.code == "compute_saturated"
    assert warning.value == pytest.approx(answer.training_flops)
    assert "constraints.max_params" in warning.message


def test_saturation_needs_half_the_budget_to_reach_the_tolerance() -> None:
    """Right at the rule's edge: L(C/2) just above or below L(C) (1 + tau)."""
    curve = LossCurve()
    best = curve(BUDGET)
    half_gap = curve(BUDGET * SATURATION_SHARE) / best - 1
    for tolerance, saturated in ((half_gap * 0.99, False), (half_gap * 1.01, True)):
        route = _route(curve)
        _, found = saturate(
            route, _measure, route(1.0, True), "budget.flops", tolerance, convex=False
        )
        assert found.saturated is saturated


def test_zero_tolerance_never_cuts() -> None:
    route = _route(LossCurve(knee=1e15))
    answer, found = saturate(route, _measure, route(1.0, True), "budget.flops", 0.0, convex=True)
    assert answer.training_flops == BUDGET
    assert saturation_warning(found, BUDGET, [], "budget.flops") is None


def test_target_saturation_warns_only_near_the_floor() -> None:
    """L(C) = E + A C^-g approaches its floor E: a target 0.02 % above E costs 6^(1/g) times
    the compute of one 0.12 % above it; a target 5 % above E is not near it."""
    curve = LossCurve()

    def cost_of(loss: float) -> float:
        return float(((loss - curve.e) / curve.a) ** (-1 / curve.g))

    near = curve.e * 1.0002
    warning = target_saturation(cost_of, near, cost_of(near), 1e-3, None, ["x"])
    assert warning is not None
    assert warning.value == pytest.approx(cost_of(near * 1.001))
    far = curve.e * 1.05
    assert target_saturation(cost_of, far, cost_of(far), 1e-3, None, ["x"]) is None
    # d ln C / d ln L small enough rules it out without asking cost_of
    assert target_saturation(_never, near, cost_of(near), 1e-3, -100.0, ["x"]) is None


def _never(loss: float) -> float:
    raise AssertionError("the elasticity alone should have answered")
