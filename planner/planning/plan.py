"""What should I train? Budget (or target) in, traced plan out.

The routes share one assembly step:

* budget + loss law      -> :mod:`.route_budget` (geometric program, minimise loss);
* budget + allocation    -> :mod:`.route_allocation` (published N_opt(C), limits as overrides);
* target loss or error   -> :mod:`.route_target` (geometric program, minimise compute).

Before the route, the discrete choices become variants (training format, parallel streams;
:mod:`.variants`, :mod:`.streams`), a lifetime inference cost joins the compute
(:mod:`.lifetime`), a retrieval datastore's build leaves the budget (:mod:`.retrieval`) and
serving limits become parameter caps (:mod:`.serving_limits`, :mod:`.serving_fit`). A budget
whose optimum is flat is cut to the least compute within the loss tolerance
(:mod:`.saturation`, :mod:`.saturated_routes`). After the route, the model is laid out
(:mod:`.model_account`: vocabulary, shape, exact counts), the training recipe derived
(:mod:`.training_recipe`: LR, batch, steps) and serving reported (:mod:`.inference_report`).
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

from ..errors import InvalidRequest
from ..schemas.requests import PlanRequest
from ..schemas.responses import (
    BudgetOut,
    LawUse,
    PlanBody,
    PlanResponse,
    PrecisionOut,
    ShapeOut,
    Warning,
)
from .answer import RouteAnswer
from .answer_checks import checked_plan
from .budget import budget_flops, describe_budget
from .inference_report import InferenceInputs, inference_report
from .law_selection import SelectedLaws, select_laws
from .lifetime import lifetime_cost
from .model_account import ModelAccount, ModelTooSmall, account_model
from .precision_stage import (
    configured_devices,
    precision_law,
    serving_precision,
    training_precision,
)
from .provenance import law_use, units_for
from .retrieval import RetrievalCost, retrieval_cost
from .route_data import plan_with_data
from .route_target import plan_for_target, target_loss_of
from .saturated_routes import budget_answer, report_saturation, target_saturation_warning
from .serving_fit import ServingContext
from .serving_limits import limit_specs
from .serving_model import serving_setup
from .streams import requested_streams, stream_law, with_streams
from .training_recipe import training_recipe
from .uncertainty import plan_with_uncertainty
from .validity import fit_warnings, range_warnings
from .variants import Variant, base_variant, training_variants

__all__ = ["make_plan"]

_BUDGET_FIELD = {
    "flops": "budget.flops",
    "gpu_hours": "budget.gpu_hours",
    "gpu_count_hours": "budget.hours",
    "dollars": "budget.dollars",
}
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
    return _BUDGET_FIELD[request.budget.amount_kind() or "flops"], "a larger budget"


def _plan(request: PlanRequest, devices: Mapping[str, Device] | None) -> PlanResponse:
    extra = configured_devices(request, devices)
    laws = select_laws(request.laws)
    _check_combinations(request, laws)
    retrieval = retrieval_cost(request)
    inference = _inference_inputs(request, laws, extra, retrieval)
    serving = inference.serving if inference is not None else None
    variants = _variants(request, laws, extra, inference, retrieval)
    if request.target is not None:
        if request.data is not None:
            target_loss = target_loss_of(laws.loss, request.target)
            answer = plan_with_data(request, laws, None, "budget.flops", target_loss)
            target = _targets(request, target_loss)
        else:
            answer, target = plan_for_target(request, laws, request.target, variants, serving)
        found = target_saturation_warning(request, laws, answer, variants, serving)
        if found is not None:
            answer.warnings.append(found)
        spent = (answer.budget_spent or answer.flops) + _build_flops(retrieval)
        budget = describe_budget(request.budget, spent, extra, _format_of(answer))
        return _assemble(
            request, laws, answer, budget, "min_flops", target, extra, inference, retrieval
        )
    assert request.budget is not None
    label = _BUDGET_FIELD[request.budget.amount_kind() or "flops"]
    flops = budget_flops(request.budget, extra) - _build_flops(retrieval)
    answer, saturation = budget_answer(request, laws, variants, label, flops, serving)
    bought = flops
    if answer.variant is not None and answer.variant.chosen.flops is not None:
        bought = answer.variant.chosen.flops / saturation.fraction
    budget = describe_budget(
        request.budget, bought + _build_flops(retrieval), extra, _format_of(answer)
    )
    report_saturation(request, answer, budget, saturation, bought, label)
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
        variants = training_variants(request, base, resolved, extra)
    else:
        flops = None
        if request.budget is not None and request.budget.amount_kind() is not None:
            flops = budget_flops(request.budget, extra)
        variants = [base_variant(base, flops)]
    if inference is not None and inference.stream_law is not None:
        variants = with_streams(variants, inference.stream_law, requested_streams(request))
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


def _targets(request: PlanRequest, target_loss: float) -> dict[str, float]:
    assert request.target is not None
    out = {"loss": target_loss}
    if request.target.downstream_error is not None:
        out["downstream_error"] = request.target.downstream_error
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
) -> tuple[list[LawUse], list[Warning]]:
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
    accounted = answer.extras.get("flops_accounted")
    if accounted is None:
        return {}
    return {"flops_accounted": accounted, "flops_accounting_gap": accounted / answer.flops - 1}


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
) -> tuple[PrecisionOut | None, list[LawUse], list[Warning]]:
    spec = request.precision
    if spec is None:
        return None, [], []
    out, uses, warnings = PrecisionOut(), [], []
    if spec.training is not None and answer.variant is not None:
        out.training, found = training_precision(answer.variant)
        uses += found
    if spec.serving is not None:
        out.serving, found, more = serving_precision(
            request, account, n_tokens=answer.n_tokens, loss=loss, candidates_device=None
        )
        uses += found
        warnings += more
    return out, uses, warnings


def _assemble(
    request: PlanRequest,
    laws: SelectedLaws,
    answer: RouteAnswer,
    budget: BudgetOut,
    objective: str,
    target: dict[str, float] | None,
    extra: Mapping[str, Device],
    inference_inputs: InferenceInputs | None = None,
    retrieval: RetrievalCost | None = None,
) -> PlanResponse:
    loss_law = laws.loss.law
    params_law = laws.allocation.law.traits if laws.allocation is not None else loss_law.traits
    cset = laws.loss.constants.name
    loss = (
        answer.loss
        if answer.loss is not None
        else law_loss(loss_law, answer.n_params, answer.n_tokens, cset)
    )
    downstream = downstream_error(loss_law, loss, cset)
    provenance = list(answer.provenance)
    if downstream is not None and loss_law.traits.downstream is not None:
        provenance.append(
            law_use(
                laws.loss,
                role="downstream_error",
                produces=["downstream_error"],
                method="downstream-error law of the loss law, evaluated at the predicted loss",
                equations=[loss_law.traits.downstream.equation],
            )
        )
    account = answer.account or account_model(
        answer.n_params,
        params_law.params_quantity,
        answer.flops,
        request.architecture,
        laws.vocabulary if request.architecture.vocab_size is None else None,
    )
    recipe = training_recipe(
        laws.hyperparams,
        account,
        n_tokens=answer.n_tokens,
        flops=answer.flops,
        loss=loss,
        context_length=request.context_length,
    )
    vocab_uses, vocab_warnings = _vocabulary_use(laws, account, request)
    precision, precision_uses, precision_warnings = _precision(
        request, answer, account, loss, extra
    )
    provenance += vocab_uses + recipe.provenance + precision_uses
    inference = None
    serving_warnings: list[Warning] = []
    if inference_inputs is not None:
        inference, serving_uses, serving_warnings = inference_report(
            inference_inputs, answer, account, params_law.params_quantity
        )
        provenance += serving_uses
    retrieval_out = None
    if retrieval is not None:
        retrieval_out, retrieval_use = retrieval.report(answer.flops)
        provenance.append(retrieval_use)
    point = {
        params_law.params_quantity: answer.n_params,
        "n_tokens": answer.n_tokens,
        "tokens_per_param": answer.n_tokens / answer.n_params,
        "flops": answer.flops,
    }
    warnings = list(answer.warnings)
    used: list[AnyLaw] = [loss_law]
    if laws.allocation is not None:
        used.insert(0, laws.allocation.law)
    for law in used:
        warnings += range_warnings(law, point) + fit_warnings(law)
    if answer.variant is not None:
        warnings += list(answer.variant.chosen.warnings)
    warnings += account.warnings + vocab_warnings + recipe.warnings + precision_warnings
    warnings += serving_warnings
    return PlanResponse(
        objective=objective,  # type: ignore[arg-type]
        plan=PlanBody(
            params=answer.n_params,
            params_definition=params_law.params_quantity,
            tokens=answer.n_tokens,
            tokens_per_param=answer.n_tokens / answer.n_params,
            flops=answer.flops,
            **_accounting(answer),
            loss=loss,
            downstream_error=downstream,
            params_non_embedding=account.n_non_embedding,
            params_embedding=account.embedding_params,
            params_total=account.total_params,
            embeddings_tied=account.tied,
            vocab_size=account.vocab_size,
            model_flops_per_token=answer.extras.get(
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
        ),
        budget=budget,
        target=target,
        units=units_for(
            loss_law,
            params_law.params_quantity,
            params_law.flops_per_param_token,
            vocabulary_in_flops=params_law.params_quantity != "n_params_total",
        ),
        provenance=provenance,
        warnings=warnings,
        binding_constraints=answer.binding,
        marginal_values=answer.margins,
        hyperparams_by_law=recipe.rows,
        precision=precision,
        inference=inference,
        retrieval=retrieval_out,
        method="closed_form_allocation" if laws.allocation is not None else "geometric_program",
        solver_status=answer.status,
        catalog_version=CATALOG.version,
    )
