"""What should I train? Budget (or target) in, traced plan out.

The routes share one assembly step:

* budget + loss law      -> :mod:`..routes.gp` (geometric program, minimise loss);
* budget + allocation    -> :mod:`..routes.allocation` (published N_opt(C), limits as overrides);
* target loss or error   -> :mod:`..routes.gp` (geometric program, minimise budget FLOPs);
* limited unique data    -> :mod:`..routes.route_data` (repetition, several sources).

The routes receive a :class:`.problem.PlanProblem`: the request's laws, devices, budget in
FLOPs or target as a loss, limits, and limited data with its repetition law, resolved once.

Before the route, the discrete choices become variants (training format, parallel streams;
:mod:`.variants`, :mod:`..serving.streams`), a lifetime inference cost joins the compute
(:mod:`..serving.lifetime`), a retrieval datastore's build leaves the budget
(:mod:`..serving.retrieval`) and serving limits become parameter caps (:mod:`..serving.limits`,
:mod:`..serving.fit`). A budget whose optimum is flat is cut to the least compute within the
loss tolerance (:mod:`.saturation`, :mod:`.saturated_routes`). After the route, the model is
laid out (:mod:`.model_account`: vocabulary, shape, exact counts), the training recipe derived
(:mod:`.training_recipe`: LR, batch, steps) and serving reported (:mod:`..serving.report`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from laws_catalog import CATALOG, AnyLaw
from laws_catalog.architecture import ModelShape
from laws_catalog.hardware import Device
from laws_catalog.loss import downstream_error, posynomial
from laws_catalog.loss import loss as law_loss
from laws_catalog.precision import decisions

from ...errors import InvalidRequest
from ...schemas.requests import PlanRequest
from ...schemas.responses import (
    AnswerWarning,
    BudgetOut,
    LawUse,
    PlanBody,
    PlanObjective,
    PlanResponse,
    PrecisionOut,
    ShapeOut,
)
from ..checks.answer_checks import checked_plan
from ..laws.provenance import law_use, plan_units
from ..laws.selection import SelectedLaws, select_laws
from ..laws.validity import fit_warnings, range_warnings
from ..routes.gp import plan_for_target
from ..routes.route_data import plan_with_data
from ..serving.fit import ServingContext
from ..serving.lifetime import lifetime_cost
from ..serving.limits import limit_specs
from ..serving.model import serving_setup
from ..serving.report import InferenceInputs, inference_report
from ..serving.retrieval import RetrievalCost, retrieval_cost
from ..serving.streams import requested_streams, stream_law, with_streams
from .answer import RouteAnswer
from .budget import budget_flops, describe_budget
from .model_account import ModelAccount, ModelTooSmall, account_model
from .precision_stage import (
    precision_law,
    serving_precision,
    training_precision,
)
from .problem import BUDGET_FIELD, PlanProblem, request_devices, resolve_problem
from .saturated_routes import budget_answer, report_saturation, target_saturation_warning
from .training_recipe import TrainingRecipe, training_recipe
from .uncertainty import plan_with_uncertainty
from .variants import Variant, base_variant, training_variants

__all__ = ["make_plan"]

SHAPE_COUNTING = (
    "attention q, k, v, o and MLP matrices plus one d_model gain per norm (two per layer and a "
    "final one); no biases, no positional parameters (laws_catalog.architecture)"
)


def make_plan(request: PlanRequest, devices: Mapping[str, Device] | None = None) -> PlanResponse:
    """Answer one plan request (pure: no I/O, no cache), plausibility-checked.

    ``devices`` are accelerators from the settings' devices file; the request's own
    ``devices`` override them.
    """
    if request.uncertainty is not None:
        return plan_with_uncertainty(request, devices, make_plan)
    try:
        return checked_plan(_plan(request, devices), request)
    except ModelTooSmall as exc:
        if request.architecture.vocab_size is None:  # the budget or target is what is too small
            exc.field, exc.allowed = _too_small_field(request)
        raise


def _too_small_field(request: PlanRequest) -> tuple[str, str]:
    if request.target is not None:
        field = "target.loss" if request.target.loss is not None else "target.downstream_error"
        return field, "a lower target (a larger model)"
    assert request.budget is not None
    return BUDGET_FIELD[request.budget.amount_kind() or "flops"], "a larger budget"


def _plan(request: PlanRequest, devices: Mapping[str, Device] | None) -> PlanResponse:
    extra = request_devices(request, devices)
    laws = select_laws(request.laws)
    _check_combinations(request, laws)
    retrieval = retrieval_cost(request)
    inference = _inference_inputs(request, laws, extra, retrieval)
    serving = inference.serving if inference is not None else None
    variants = _variants(request, laws, extra, inference, retrieval)
    problem = resolve_problem(request, laws, extra, _build_flops(retrieval))
    if problem.target_loss is not None:
        if problem.data is not None:
            answer = plan_with_data(problem, None, problem.target_loss)
        else:
            answer = plan_for_target(problem, variants, serving)
        found = target_saturation_warning(problem, answer, variants, serving)
        if found is not None:
            answer = replace(answer, warnings=(*answer.warnings, found))
        spent = answer.budget_flops_spent + _build_flops(retrieval)
        budget = describe_budget(request.budget, spent, extra, _format_of(answer))
        return _assemble(
            request,
            laws,
            answer,
            budget,
            "min_flops",
            _targets(problem),
            extra,
            inference,
            retrieval,
        )
    assert request.budget is not None
    assert problem.budget_flops is not None
    answer, saturation = budget_answer(problem, variants, serving)
    bought = problem.budget_flops
    if answer.variant is not None and answer.variant.chosen.flops is not None:
        bought = answer.variant.chosen.flops / saturation.fraction
    budget = describe_budget(
        request.budget, bought + _build_flops(retrieval), extra, _format_of(answer)
    )
    answer = report_saturation(problem, answer, budget, saturation, bought)
    return _assemble(request, laws, answer, budget, "min_loss", None, extra, inference, retrieval)


def _check_combinations(request: PlanRequest, laws: SelectedLaws) -> None:
    """Questions the routes cannot answer together yet, as 422s naming the field."""
    other_route = "data" if request.data is not None else None
    if laws.allocation is not None:
        other_route = "laws.allocation"
    if other_route is None:
        return
    training = request.precision is not None and request.precision.training is not None
    if training:
        raise InvalidRequest(
            f"precision.training cannot be combined with {other_route} yet: plan the "
            "training format without it, or fix the format and omit precision.training",
            field="precision.training",
        )
    spec = request.inference
    if spec is None:
        return
    asked = [f"inference.{name}" for name in spec.limit_fields]
    if spec.parallel_streams != 1:
        asked.append("inference.parallel_streams")
    if spec.has_lifetime:
        asked.append(
            "inference.lifetime_tokens" if spec.lifetime_tokens else "inference.lifetime_requests"
        )
    if asked:
        raise InvalidRequest(
            f"{asked[0]} cannot be combined with {other_route} yet (the serving limits, "
            "streams and lifetime cost enter the loss-law geometric program only); the "
            "inference section may still describe the device to report serving costs",
            field=asked[0],
        )


def _build_flops(retrieval: RetrievalCost | None) -> float:
    return 0.0 if retrieval is None else retrieval.budget_flops


def _inference_inputs(
    request: PlanRequest,
    laws: SelectedLaws,
    extra: Mapping[str, Device],
    retrieval: RetrievalCost | None,
) -> InferenceInputs | None:
    if request.inference is None:
        return None
    retrieved = retrieval.prompt_tokens if retrieval is not None else 0.0
    setup = serving_setup(request, extra, retrieved)
    law = laws.allocation.law.traits if laws.allocation is not None else laws.loss.law.traits
    context = ServingContext(setup, limit_specs(setup), law.params_quantity, request.architecture)
    streams = stream_law(request.laws) if request.inference.parallel_streams != 1 else None
    return InferenceInputs(
        serving=context,
        lifetime=lifetime_cost(request, setup, extra),
        stream_law=streams,
        flops_per_param_token=law.flops_per_param_token,
    )


def _variants(
    request: PlanRequest,
    laws: SelectedLaws,
    extra: Mapping[str, Device],
    inference: InferenceInputs | None,
    retrieval: RetrievalCost | None,
) -> list[Variant]:
    base = posynomial(laws.loss.law, laws.loss.constants.name)
    if request.precision is not None and request.precision.training is not None:
        resolved = precision_law(
            request.laws.training_precision, "laws.training_precision", decisions.TRAINING_LAWS
        )
        variants = training_variants(
            request.precision.training, request.budget, base, resolved, extra
        )
    else:
        flops = None
        if request.budget is not None and request.budget.amount_kind() is not None:
            flops = budget_flops(request.budget, extra)
        variants = [base_variant(base, flops)]
    if inference is not None and inference.stream_law is not None:
        variants = with_streams(
            variants, inference.stream_law, requested_streams(request.inference)
        )
    if inference is not None and inference.lifetime is not None:
        lifetime = inference.lifetime
        variants = [
            replace(v, serving_per_param=lifetime.per_param(v.streams, v.throughput))
            for v in variants
        ]
    build = _build_flops(retrieval)
    if build > 0:
        variants = [v if v.flops is None else _after_build(v, build) for v in variants]
    return variants


def _after_build(variant: Variant, build: float) -> Variant:
    assert variant.flops is not None
    left = variant.flops - build
    if left <= 0:
        raise InvalidRequest(
            f"retrieval.datastore_tokens: building the datastore takes {build:.4g} FLOPs, "
            f"more than the budget's {variant.flops:.4g}",
            field="retrieval.datastore_tokens",
            allowed=f"build FLOPs < {variant.flops:.6g} (or retrieval.count_in_budget false)",
        )
    return replace(variant, flops=left)


def _format_of(answer: RouteAnswer) -> str | None:
    """The number format the chosen variant trains in (prices the budget at its peak)."""
    if answer.variant is None or answer.variant.chosen.format is None:
        return None
    return answer.variant.chosen.format.hardware_key


def _targets(problem: PlanProblem) -> dict[str, float]:
    assert problem.target_loss is not None
    out = {"loss": problem.target_loss}
    if problem.target_error is not None:
        out["downstream_error"] = problem.target_error
    return out


def _shape_out(account: ModelAccount, tensor_parallel: int = 1) -> ShapeOut | None:
    if account.shape is None:
        return None
    choice = account.shape
    shape: ModelShape = choice.shape
    return ShapeOut(
        n_layer=shape.n_layer,
        d_model=shape.d_model,
        n_heads=shape.n_heads,
        n_kv_heads=shape.n_kv_heads,
        d_head=shape.d_head,
        d_ff=shape.d_ff,
        gated_mlp=shape.gated_mlp,
        params_non_embedding=choice.n_params_non_embedding,
        requested_params_non_embedding=choice.requested_non_embedding_params,
        relative_deviation=choice.relative_deviation,
        aspect_ratio=choice.aspect_ratio,
        rule=f"{choice.rule}: d_model/n_layer from the Chinchilla Table A9 trend "
        f"(target {choice.target_aspect_ratio:.1f}), d_head {shape.d_head}, "
        f"d_ff {'8/3' if shape.gated_mlp else '4'} d_model"
        + (
            f"; heads, kv-heads and d_ff multiples of tensor_parallel {tensor_parallel}"
            if tensor_parallel > 1
            else ""
        ),
        counting=SHAPE_COUNTING,
    )


def _vocabulary_use(
    laws: SelectedLaws, account: ModelAccount, request: PlanRequest
) -> tuple[list[LawUse], list[AnswerWarning]]:
    if account.vocab is None:
        return [], []
    advice = account.vocab
    use = law_use(
        laws.vocabulary,
        role="vocabulary",
        produces=["vocab_size", "params_embedding", "params_non_embedding", "params_total"],
        method=f"{laws.vocabulary.ref} ({advice.method}) at the plan's non-embedding parameters "
        f"and budget, width from the shape; rounded to a multiple of 64; embeddings "
        f"{'tied' if request.architecture.tied_embeddings else 'untied'}",
    )
    warnings = range_warnings(laws.vocabulary.law, advice.quantities())
    return [use], warnings


def _accounting(answer: RouteAnswer) -> dict[str, Any]:
    accounted = answer.flops_accounted
    if accounted is None:
        return {}
    return {
        "flops_accounted": accounted,
        "flops_accounting_gap": accounted / answer.training_flops - 1,
    }


def _data_fields(answer: RouteAnswer) -> dict[str, Any]:
    data = answer.data
    if data is None:
        return {}
    return {
        "unique_tokens": data.unique_tokens,
        "epochs": data.epochs,
        "effective_tokens": data.effective_tokens,
        "effective_params": data.effective_params,
        "loss_without_repetition": data.loss_without_repetition,
        "data_mix": data.sources,
    }


def _precision(
    request: PlanRequest,
    answer: RouteAnswer,
    account: ModelAccount,
    loss: float,
    extra: Mapping[str, Device],
) -> tuple[PrecisionOut | None, list[LawUse], list[AnswerWarning]]:
    spec = request.precision
    if spec is None:
        return None, [], []
    out, uses, warnings = PrecisionOut(), [], []
    if spec.training is not None and answer.variant is not None:
        out.training, found = training_precision(answer.variant)
        uses += found
    if spec.serving is not None:
        resolved = precision_law(
            request.laws.serving_precision, "laws.serving_precision", decisions.SERVING_LAWS
        )
        out.serving, found, more = serving_precision(
            spec, resolved, account, n_tokens=answer.n_tokens, loss=loss, candidates_device=None
        )
        uses += found
        warnings += more
    return out, uses, warnings


def _loss_and_downstream(
    laws: SelectedLaws, answer: RouteAnswer
) -> tuple[float, float | None, list[LawUse]]:
    """The plan's loss (the route's, or the loss law at its (N, D)), its downstream error
    when the loss law has one, and that law's use."""
    loss_law, cset = laws.loss.law, laws.loss.constants.name
    loss = (
        answer.loss
        if answer.loss is not None
        else law_loss(loss_law, answer.n_params, answer.n_tokens, cset)
    )
    downstream = downstream_error(loss_law, loss, cset)
    if downstream is None or loss_law.traits.downstream is None:
        return loss, downstream, []
    use = law_use(
        laws.loss,
        role="downstream_error",
        produces=["downstream_error"],
        method="downstream-error law of the loss law, evaluated at the predicted loss",
        equations=[loss_law.traits.downstream.equation],
    )
    return loss, downstream, [use]


def _route_warnings(
    laws: SelectedLaws, answer: RouteAnswer, params_quantity: str
) -> list[AnswerWarning]:
    """The route's warnings, each law's fitted-range and fit warnings at the plan's point,
    and the chosen variant's."""
    point = {
        params_quantity: answer.n_params,
        "n_tokens": answer.n_tokens,
        "tokens_per_param": answer.n_tokens / answer.n_params,
        "flops": answer.training_flops,
    }
    warnings = list(answer.warnings)
    loss_law = laws.loss.law
    used: list[AnyLaw] = [loss_law]
    if laws.allocation is not None:
        used.insert(0, laws.allocation.law)
    for law in used:
        warnings += range_warnings(law, point) + fit_warnings(law)
    if answer.variant is not None:
        warnings += list(answer.variant.chosen.warnings)
    return warnings


def _plan_body(
    request: PlanRequest,
    answer: RouteAnswer,
    account: ModelAccount,
    recipe: TrainingRecipe,
    loss: float,
    downstream: float | None,
    params_quantity: str,
) -> PlanBody:
    """The ``plan`` section: the route's (N, D), the laid-out model and its recipe."""
    return PlanBody(
        params=answer.n_params,
        params_definition=params_quantity,
        tokens=answer.n_tokens,
        tokens_per_param=answer.n_tokens / answer.n_params,
        flops=answer.training_flops,
        **_accounting(answer),
        loss=loss,
        downstream_error=downstream,
        params_non_embedding=account.n_non_embedding,
        params_embedding=account.embedding_params,
        params_total=account.total_params,
        embeddings_tied=account.tied,
        vocab_size=account.vocab_size,
        model_flops_per_token=answer.published_extras.get(
            "model_flops_per_token", recipe.model_flops_per_token
        ),
        learning_rate=recipe.learning_rate,
        lr_schedule=recipe.lr_schedule,
        batch_size_tokens=recipe.batch_size_tokens,
        batch_size_sequences=recipe.batch_size_sequences,
        critical_batch_size_tokens=recipe.critical_batch_size_tokens,
        steps=recipe.steps,
        context_length=request.context_length,
        shape=_shape_out(account, request.architecture.tensor_parallel),
        **_data_fields(answer),
    )


def _assemble(
    request: PlanRequest,
    laws: SelectedLaws,
    answer: RouteAnswer,
    budget: BudgetOut,
    objective: PlanObjective,
    target: dict[str, float] | None,
    extra: Mapping[str, Device],
    inference_inputs: InferenceInputs | None = None,
    retrieval: RetrievalCost | None = None,
) -> PlanResponse:
    loss_law = laws.loss.law
    params_law = laws.allocation.law.traits if laws.allocation is not None else loss_law.traits
    loss, downstream, downstream_uses = _loss_and_downstream(laws, answer)
    provenance = [*answer.provenance, *downstream_uses]
    account = answer.account or account_model(
        answer.n_params,
        params_law.params_quantity,
        answer.training_flops,
        request.architecture,
        laws.vocabulary if request.architecture.vocab_size is None else None,
    )
    recipe = training_recipe(
        laws.hyperparams,
        account,
        n_tokens=answer.n_tokens,
        flops=answer.training_flops,
        loss=loss,
        context_length=request.context_length,
    )
    vocab_uses, vocab_warnings = _vocabulary_use(laws, account, request)
    precision, precision_uses, precision_warnings = _precision(
        request, answer, account, loss, extra
    )
    provenance += vocab_uses + recipe.provenance + precision_uses
    inference = None
    serving_warnings: list[AnswerWarning] = []
    if inference_inputs is not None:
        inference, serving_uses, serving_warnings = inference_report(
            inference_inputs, answer, account, params_law.params_quantity
        )
        provenance += serving_uses
    retrieval_out = None
    if retrieval is not None:
        retrieval_out, retrieval_use = retrieval.report(answer.training_flops)
        provenance.append(retrieval_use)
    warnings = _route_warnings(laws, answer, params_law.params_quantity)
    warnings += account.warnings + vocab_warnings + recipe.warnings + precision_warnings
    warnings += serving_warnings
    return PlanResponse(
        objective=objective,
        plan=_plan_body(
            request, answer, account, recipe, loss, downstream, params_law.params_quantity
        ),
        budget=budget,
        target=target,
        units=plan_units(laws),
        provenance=provenance,
        warnings=warnings,
        binding_constraints=list(answer.binding),
        marginal_values=list(answer.margins),
        hyperparams_by_law=recipe.rows,
        precision=precision,
        inference=inference,
        retrieval=retrieval_out,
        method="closed_form_allocation" if laws.allocation is not None else "geometric_program",
        solver_status=answer.status,
        catalog_version=CATALOG.version,
    )
