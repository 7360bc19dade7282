"""The plan stages called directly, without HTTP: the resolved problem, the geometric-program
route for a budget and for a target, the data route, the discrete variants built from the
request's sections, and the frozen route answer."""

from __future__ import annotations

import dataclasses
import math

import pytest

from laws_catalog.loss import downstream_error, posynomial
from laws_catalog.loss import loss as law_loss
from laws_catalog.precision import decisions
from planner import PlanRequest, make_plan
from planner.errors import InvalidRequest, TargetUnreachable
from planner.planning.laws.selection import select_laws
from planner.planning.plan.answer import RouteAnswer
from planner.planning.plan.precision_stage import precision_law
from planner.planning.plan.problem import PlanProblem, request_devices, resolve_problem
from planner.planning.plan.variants import Variant, base_variant, training_variants
from planner.planning.routes.gp import plan_for_budget, plan_for_target
from planner.planning.routes.route_data import plan_with_data
from planner.planning.serving.streams import STREAM_CHOICES, requested_streams
from planner.schemas.inference import InferenceSpec
from planner.schemas.requests import Budget

BUDGET = 1e22
MY_GPU = {
    "id": "my_gpu",
    "name": "Lab accelerator",
    "dense_peak": {"bf16": 5e14, "fp8": 1e15},
    "memory_bytes": 96e9,
    "memory_bandwidth": 4e12,
}


def _problem(body: dict[str, object], build_flops: float = 0.0) -> PlanProblem:
    request = PlanRequest.model_validate(body)
    devices = request_devices(request, None)
    return resolve_problem(request, select_laws(request.laws), devices, build_flops)


def _variant(problem: PlanProblem, flops: float | None, **changes: float) -> Variant:
    loss = problem.laws.loss
    variant = base_variant(posynomial(loss.law, loss.constants.name), flops)
    return dataclasses.replace(variant, **changes)


# --- the resolved problem --------------------------------------------------------------------


def test_a_flops_budget_resolves_to_flops_less_the_build() -> None:
    problem = _problem({"budget": {"flops": BUDGET}}, build_flops=1e20)
    assert problem.budget_flops == BUDGET - 1e20
    assert problem.budget_label == "budget.flops"
    assert problem.target_loss is None
    assert problem.laws.loss.law.id == "besiroglu2024"


def test_gpu_hours_resolve_through_the_requests_own_device() -> None:
    problem = _problem(
        {"budget": {"gpu": "my_gpu", "gpu_hours": 1e5, "mfu": 0.5}, "devices": [MY_GPU]}
    )
    assert problem.budget_label == "budget.gpu_hours"
    assert "my_gpu" in problem.devices
    assert problem.budget_flops == pytest.approx(1e5 * 3600 * 5e14 * 0.5, rel=1e-12)


def test_a_device_that_fails_validation_names_its_index() -> None:
    broken = {**MY_GPU, "dense_peak": {"bf16": -1.0}}
    request = PlanRequest.model_validate({"budget": {"flops": BUDGET}, "devices": [broken]})
    with pytest.raises(InvalidRequest) as raised:
        request_devices(request, None)
    assert raised.value.field == "devices[0]"


def test_a_downstream_target_resolves_to_a_loss() -> None:
    problem = _problem({"target": {"downstream_error": 0.5}, "laws": {"loss": "gadre2024"}})
    assert problem.budget_flops is None
    assert problem.target_error == 0.5
    assert problem.target_loss is not None
    law = problem.laws.loss
    assert law.law.traits.downstream is not None
    error = downstream_error(law.law, problem.target_loss, law.constants.name)
    assert error == pytest.approx(0.5, rel=1e-9)


def test_a_law_without_downstream_refuses_an_error_target() -> None:
    with pytest.raises(InvalidRequest) as raised:
        _problem({"target": {"downstream_error": 0.5}})
    assert raised.value.field == "target.downstream_error"


def test_limited_data_resolves_with_its_repetition_law() -> None:
    problem = _problem({"budget": {"flops": BUDGET}, "data": {"unique_tokens": 1e10}})
    assert problem.data is not None
    assert problem.data.spec.unique_tokens == 1e10
    assert problem.data.repetition.law.id == "muennighoff2023"
    assert _problem({"budget": {"flops": BUDGET}}).data is None


def test_the_repetition_law_is_looked_up_only_for_limited_data() -> None:
    """An unknown repetition law is refused when there is data to repeat, as before the
    problem resolved it; without data the data route never runs and it is not looked up."""
    laws = {"repetition": "nope"}
    assert _problem({"budget": {"flops": BUDGET}, "laws": laws}).data is None
    with pytest.raises(InvalidRequest) as raised:
        _problem({"budget": {"flops": BUDGET}, "laws": laws, "data": {"unique_tokens": 1e10}})
    assert raised.value.field == "laws.repetition"


# --- the geometric-program route for a budget -----------------------------------------------


def test_the_budget_route_spends_the_budget_on_training() -> None:
    problem = _problem({"budget": {"flops": BUDGET}})
    answer = plan_for_budget(problem, [_variant(problem, BUDGET)])
    assert answer.binding == ("budget.flops",)
    assert answer.training_flops == pytest.approx(BUDGET, rel=1e-9)
    assert answer.budget_flops_spent == pytest.approx(BUDGET, rel=1e-9)
    law = problem.laws.loss
    assert answer.loss == pytest.approx(
        law_loss(law.law, answer.n_params, answer.n_tokens, law.constants.name), rel=1e-12
    )
    assert [m.resource for m in answer.margins] == ["budget.flops"]
    assert answer.variant is not None
    assert len(answer.variant.options) == 1


def test_the_budget_route_is_the_plan_the_service_answers() -> None:
    problem = _problem({"budget": {"flops": BUDGET}})
    answer = plan_for_budget(problem, [_variant(problem, BUDGET)])
    plan = make_plan(PlanRequest.model_validate({"budget": {"flops": BUDGET}})).plan
    assert (plan.params, plan.tokens, plan.loss) == (answer.n_params, answer.n_tokens, answer.loss)


def test_lifetime_inference_shares_the_budget() -> None:
    """With a lifetime cost the budget bounds budget FLOPs (training + c N), so training
    gets less than the whole budget and the model is smaller."""
    problem = _problem({"budget": {"flops": BUDGET}})
    alone = plan_for_budget(problem, [_variant(problem, BUDGET)])
    served = plan_for_budget(problem, [_variant(problem, BUDGET, serving_per_param=2e11)])
    assert served.budget_flops_spent == pytest.approx(BUDGET, rel=1e-9)
    assert served.training_flops < 0.99 * BUDGET
    assert served.n_params < alone.n_params


def test_the_lowest_loss_variant_wins_and_every_variant_is_reported() -> None:
    problem = _problem({"budget": {"flops": BUDGET}})
    small, large = _variant(problem, BUDGET / 10), _variant(problem, BUDGET)
    answer = plan_for_budget(problem, [small, large])
    assert answer.variant is not None
    assert answer.variant.chosen is large
    assert [option[0] for option in answer.variant.options] == [small, large]


# --- the geometric-program route for a target -----------------------------------------------


def test_the_target_route_inverts_the_budget_route() -> None:
    """The least compute reaching the loss a budget buys is that budget."""
    problem = _problem({"budget": {"flops": BUDGET}})
    bought = plan_for_budget(problem, [_variant(problem, BUDGET)])
    assert bought.loss is not None
    target = dataclasses.replace(
        problem, budget_flops=None, target_loss=bought.loss, budget_label="budget.flops"
    )
    answer = plan_for_target(target, [_variant(target, None)])
    assert answer.binding[0] == "target"
    assert answer.training_flops == pytest.approx(BUDGET, rel=1e-6)
    assert answer.n_params == pytest.approx(bought.n_params, rel=1e-4)
    assert answer.loss == pytest.approx(bought.loss, rel=1e-9)
    assert answer.margins[0].resource == "target.loss"
    assert answer.margins[0].effect_on == "flops"


def test_the_target_route_minimises_budget_flops_with_a_lifetime() -> None:
    problem = _problem({"target": {"loss": 2.3}})
    answer = plan_for_target(problem, [_variant(problem, None, serving_per_param=2e11)])
    assert answer.budget_flops is not None
    assert answer.budget_flops > answer.training_flops
    assert answer.margins[0].effect_on == "lifetime_flops"
    assert math.isclose(
        answer.budget_flops - answer.training_flops,
        2e11 * answer.n_params,
        rel_tol=0.01,
    )


def test_a_target_below_the_irreducible_loss_is_unreachable() -> None:
    problem = _problem({"target": {"loss": 1.0}})
    with pytest.raises(TargetUnreachable) as raised:
        plan_for_target(problem, [_variant(problem, None)])
    assert raised.value.field == "target.loss"


# --- the data route ------------------------------------------------------------------------


def test_the_data_route_is_the_plan_the_service_answers() -> None:
    body: dict[str, object] = {"budget": {"flops": BUDGET}, "data": {"unique_tokens": 1e10}}
    problem = _problem(body)
    assert problem.budget_flops is not None
    answer = plan_with_data(problem, problem.budget_flops)
    assert answer.data is not None
    assert answer.data.epochs > 1  # the budget outgrows the data: it repeats
    assert answer.binding[0] == "budget.flops"
    plan = make_plan(PlanRequest.model_validate(body)).plan
    assert (plan.params, plan.tokens, plan.loss, plan.epochs) == (
        answer.n_params,
        answer.n_tokens,
        answer.loss,
        answer.data.epochs,
    )


def test_the_data_route_finds_the_least_budget_for_a_target() -> None:
    problem = _problem({"budget": {"flops": BUDGET}, "data": {"unique_tokens": 1e10}})
    assert problem.budget_flops is not None
    bought = plan_with_data(problem, problem.budget_flops)
    assert bought.loss is not None
    target = dataclasses.replace(problem, budget_flops=None, target_loss=bought.loss)
    answer = plan_with_data(target, None, bought.loss)
    assert answer.binding[0] == "target"
    assert answer.training_flops == pytest.approx(BUDGET, rel=1e-6)
    assert answer.loss == pytest.approx(bought.loss, rel=1e-9)


# --- the variants from the request's sections -----------------------------------------------


def test_training_variants_come_from_the_format_and_the_budget() -> None:
    raw = {"gpu": "h100", "gpu_hours": 1e5, "mfu": 0.4}
    budget = Budget.model_validate(raw)
    problem = _problem({"budget": raw})
    base = posynomial(problem.laws.loss.law, problem.laws.loss.constants.name)
    resolved = precision_law("sun2025", "laws.training_precision", decisions.TRAINING_LAWS)
    auto = training_variants("auto", budget, base, resolved, problem.devices)
    native = [p.format.name for p in decisions.training_formats("h100")]
    assert [v.format.name for v in auto if v.format is not None] == native
    (fixed,) = training_variants("bf16", budget, base, resolved, problem.devices)
    assert fixed.flops == pytest.approx(problem.budget_flops, rel=1e-12)
    with pytest.raises(InvalidRequest) as raised:
        training_variants("fp7", budget, base, resolved, problem.devices)
    assert raised.value.field == "precision.training"


def test_stream_counts_come_from_the_inference_section() -> None:
    assert requested_streams(None) == (1,)
    auto = InferenceSpec.model_validate({"device": "h100", "parallel_streams": "auto"})
    assert requested_streams(auto) == STREAM_CHOICES
    fixed = InferenceSpec.model_validate({"device": "h100", "parallel_streams": 4})
    assert requested_streams(fixed) == (4,)


# --- the frozen route answer ----------------------------------------------------------------


def test_a_route_answer_cannot_be_changed_in_place() -> None:
    problem = _problem({"budget": {"flops": BUDGET}})
    answer = plan_for_budget(problem, [_variant(problem, BUDGET)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.loss = 0.0  # type: ignore[misc]
    assert isinstance(answer.warnings, tuple)
    assert isinstance(answer.binding, tuple)


def test_a_later_stage_adjusts_a_copy() -> None:
    answer = RouteAnswer(
        n_params=1e9,
        n_tokens=2e10,
        training_flops=1.2e20,
        status="optimal",
        method="test",
        binding=("budget.flops",),
    )
    moved = dataclasses.replace(answer, binding=("budget.loss_tolerance",))
    assert answer.binding == ("budget.flops",)
    assert moved.binding == ("budget.loss_tolerance",)
    assert moved.budget_flops_spent == answer.training_flops == 1.2e20
    with_lifetime = dataclasses.replace(answer, budget_flops=1.5e20)
    assert with_lifetime.budget_flops_spent == 1.5e20
