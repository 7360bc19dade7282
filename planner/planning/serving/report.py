"""The plan's ``inference`` section: what serving the planned model costs, which limit binds,
which stream count was chosen and why, and its lifetime cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from laws_catalog import ResolvedLaw
from laws_catalog.inference import ServedModel, roofline
from laws_catalog.inference._law import InferenceLaw

from ...schemas.inference_out import (
    EfficiencyOut,
    InferenceOut,
    LimitOut,
    MemoryOut,
    StreamOption,
    StreamsOut,
    TrainingOptimalComparison,
)
from ...schemas.responses import AnswerWarning, LawUse
from ..laws.provenance import law_use
from ..laws.validity import range_warnings
from ..plan.answer import RouteAnswer
from ..plan.model_account import ModelAccount, compute_terms, vocabulary_flop_params
from ..plan.optimum import minimise_compute
from ..plan.variants import Variant
from .fit import ServingContext, concrete_map
from .lifetime import LifetimeCost, serving_terms
from .limits import max_params

__all__ = ["InferenceInputs", "inference_report"]


@dataclass(frozen=True, slots=True)
class InferenceInputs:
    """What the report needs besides the route's answer."""

    serving: ServingContext
    lifetime: LifetimeCost | None
    stream_law: ResolvedLaw[InferenceLaw] | None
    flops_per_param_token: float


class _Timings(TypedDict, total=False):
    """The roofline's serving times, as :class:`InferenceOut` fields."""

    time_to_first_token_s: float
    decode_s_per_token: float
    worst_decode_s_per_token: float
    request_s: float
    decode_tokens_per_second: float
    bound: Literal["compute", "memory"]


def _performance(
    inputs: InferenceInputs, shape: ServedModel
) -> tuple[_Timings, MemoryOut, list[AnswerWarning]]:
    setup = inputs.serving.setup
    spec = setup.spec
    memory = roofline.serving_memory(
        shape, setup.precision, spec.batch_size, setup.context_tokens, setup.prompt_tokens
    )
    hw = setup.accelerators
    capacity = None if hw is None else hw.memory_bytes
    per_device = memory.total / spec.device_count
    fits = None if capacity is None else per_device <= capacity
    memory_out = MemoryOut(
        weights=memory.weights,
        kv_cache=memory.kv_cache,
        activations=memory.activations,
        total=memory.total,
        per_device=per_device,
        device_capacity=capacity,
        fits=fits,
    )
    warnings = []
    if fits is False:
        warnings.append(
            AnswerWarning(
                code="law_caveat",
                severity="warning",
                message=f"serving needs {per_device:.4g} bytes per device, more than the "
                f"{capacity:.4g} of {spec.device}: add devices (inference.device_count), "
                "quantise, or set inference.max_memory_bytes_per_device",
            )
        )
    if hw is None:
        return {}, memory_out, warnings
    found = roofline.estimate(
        shape,
        setup.precision,
        hw,
        setup.prompt_tokens,
        spec.output_tokens,
        spec.batch_size,
        setup.efficiency,
    )
    timings: _Timings = {
        "time_to_first_token_s": found.time_to_first_token,
        "decode_s_per_token": found.decode_seconds_per_token,
        "worst_decode_s_per_token": found.worst_decode_seconds,
        "request_s": found.time_to_first_token
        + found.decode_seconds_per_token * spec.output_tokens,
        "decode_tokens_per_second": found.decode_throughput,
        "bound": found.bound,
    }
    return timings, memory_out, warnings


def _limits(
    inputs: InferenceInputs, answer: RouteAnswer, account: ModelAccount, streams: int
) -> list[LimitOut]:
    served = concrete_map(inputs.serving, account, streams)
    shape = served.shape(answer.n_params)
    out = []
    for limit in inputs.serving.limits:
        n_max = max_params(limit, served, limit.bound)
        out.append(
            LimitOut(
                field=limit.label,
                limit=limit.limit,
                value=limit.value(shape),
                max_params=n_max if n_max is not None else float("inf"),
                binding=limit.label in answer.binding,
            )
        )
    return out


def _streams(
    inputs: InferenceInputs, answer: RouteAnswer, account: ModelAccount, objective: str
) -> StreamsOut | None:
    law = inputs.stream_law
    result = answer.variant
    if law is None or result is None:
        return None
    chosen = result.chosen
    groups: dict[int, list[StreamOption]] = {}
    picked: dict[int, StreamOption] = {}
    for variant, n, d, loss in result.options:
        k = inputs.flops_per_param_token * variant.compute_scale
        option = StreamOption(
            streams=variant.streams, feasible=True, params=n, tokens=d, loss=loss, flops=k * n * d
        )
        groups.setdefault(variant.streams, []).append(option)
        if variant is chosen:
            picked[variant.streams] = option
    for p, options in groups.items():
        if p not in picked:  # several training formats at this P: show its best
            key = (lambda o: o.loss) if objective == "min_loss" else (lambda o: o.flops)
            picked[p] = min(options, key=key)
    for variant, reason in result.failures:
        if variant.streams not in picked:
            picked[variant.streams] = StreamOption(
                streams=variant.streams, feasible=False, reason=reason
            )
    options = [picked[p] for p in sorted(picked)]
    goal = "lowest loss" if objective == "min_loss" else "least cost"
    feasible = sum(o.feasible for o in options)
    reason = (
        f"P = {chosen.streams}: the {goal} of {feasible} feasible stream counts "
        f"({len(options)} weighed)"
        if len(options) > 1
        else f"P = {chosen.streams} as requested"
    )
    with_streams = concrete_map(inputs.serving, account, chosen.streams).shape(answer.n_params)
    single = concrete_map(inputs.serving, account, 1).shape(answer.n_params)
    return StreamsOut(
        streams=chosen.streams,
        law=law.ref,
        multiplier=chosen.stream_multiplier,
        effective_params=answer.n_params * chosen.stream_multiplier,
        extra_params=with_streams.params - single.params,
        training_flops_multiplier=float(chosen.streams),
        options=options,
        reason=reason,
    )


def _comparison(
    inputs: InferenceInputs, answer: RouteAnswer, variant: Variant, extra: float, total: float
) -> TrainingOptimalComparison | None:
    """The model of the same loss with the least training compute (no serving limits)."""
    posy = variant.loss
    loss = answer.loss
    if loss is None or loss <= posy.offset:
        return None
    k = inputs.flops_per_param_token * variant.compute_scale
    training = compute_terms(k, extra)
    found = minimise_compute(posy, training, posy.reducible_for_loss(loss), [], k)
    n, d = found.n_params, found.n_tokens
    other = sum(t(n, d) for t in training + serving_terms(variant.serving_per_param, extra))
    return TrainingOptimalComparison(
        params=n,
        tokens=d,
        params_ratio=answer.n_params / n,
        tokens_ratio=answer.n_tokens / d,
        cost_ratio=total / float(other),
    )


def inference_report(
    inputs: InferenceInputs, answer: RouteAnswer, account: ModelAccount, params_quantity: str
) -> tuple[InferenceOut, list[LawUse], list[AnswerWarning]]:
    setup = inputs.serving.setup
    spec = setup.spec
    variant = answer.variant.chosen if answer.variant is not None else None
    streams = variant.streams if variant is not None else 1
    shape = concrete_map(inputs.serving, account, streams).shape(answer.n_params)
    timings, memory, warnings = _performance(inputs, shape)
    limits = _limits(inputs, answer, account, streams)
    objective = "min_loss" if "target" not in answer.binding else "min_flops"
    out = InferenceOut(
        device=setup.device.id if setup.device is not None else None,
        device_name=setup.device.name if setup.device is not None else None,
        device_count=spec.device_count,
        serving_format=setup.serving_format.name,
        compute_format=setup.compute_format,
        kv_cache_format=setup.kv_format.name,
        batch_size=spec.batch_size,
        prompt_tokens=setup.prompt_tokens,
        output_tokens=spec.output_tokens,
        served_params=shape.params,
        kv_cache_bytes_per_token=roofline.kv_cache_bytes_per_token(
            shape.n_layer, shape.n_kv_heads, shape.d_head, setup.precision.bytes_per_kv
        )
        * shape.streams,
        efficiency=None
        if setup.accelerators is None
        else EfficiencyOut(
            mfu_prefill=setup.efficiency.mfu_prefill,
            mfu_decode=setup.efficiency.mfu_decode,
            mbu=setup.efficiency.mbu,
            source=setup.efficiency_source,
        ),
        memory=memory,
        limits=limits,
        binding_limit=next((lim.field for lim in limits if lim.binding), None),
        parallel_streams=_streams(inputs, answer, account, objective),
        **timings,
    )
    uses = []
    if setup.accelerators is not None or limits:
        uses.append(
            law_use(
                setup.cost_law,
                role="inference_cost",
                produces=["inference"],
                method="roofline: each step takes the longer of its FLOPs at MFU x peak and its "
                "bytes at MBU x bandwidth; limits become N <= N_max in the optimiser",
            )
        )
        warnings += range_warnings(
            setup.cost_law.law, {"n_params_total": shape.params, "parallel_streams": streams}
        )
    if inputs.stream_law is not None and out.parallel_streams is not None:
        uses.append(
            law_use(
                inputs.stream_law,
                role="parallel_streams",
                produces=["inference.parallel_streams", "loss"],
                method="one geometric program per stream count P: loss law at N (1 + k ln P), "
                "training and inference compute x P, serving limits on the P-stream shape",
            )
        )
    if inputs.lifetime is not None and variant is not None:
        extra = vocabulary_flop_params(account, params_quantity)
        total = answer.budget_flops_spent
        comparison = _comparison(inputs, answer, variant, extra, total)
        out.lifetime, use = inputs.lifetime.report(
            answer.n_params + extra, answer.training_flops, streams, comparison, variant.throughput
        )
        uses.append(use)
    return out, uses, warnings
