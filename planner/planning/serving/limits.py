"""Serving limits as optimiser constraints: each limit of the request becomes ``N <= N_max``.

For a fixed device, serving format, stream count, batch and prompt/output lengths, latency,
time to first token and memory all grow with the model (weights are read every step, the KV
cache and attention widen with the shape), so each limit caps N. ``N_max`` is found by a
bracketing root search on ``ln N`` (scipy ``brentq``) over a monotone map from N to the served
shape (:class:`.model.ServedModelMap`); relaxing the limit by 10 % gives the
constraint's marginal value.

Every limit is stated as ``cost(shape) <= bound`` with a cost that grows with N: decode
latency and time to first token in ms, memory per device in bytes, and for a minimum
throughput the decode step's seconds (``batch / min_tokens_per_second``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from scipy.optimize import brentq

from laws_catalog.inference import ServedModel, roofline

from ...deadline import checkpoint
from ...errors import PlanInfeasible
from ...optimize.program import RELAXATION, Constraint, FieldRelaxation, bound
from .model import ServedModelMap, ServingSetup

__all__ = [
    "LimitSpec",
    "NoServableModel",
    "limit_specs",
    "max_params",
    "memory_per_device",
    "serving_bounds",
    "violated",
]

_SEARCH = (1e6, 1e14)
_TOLERANCE = 1e-9
_SHRINK = 0.03


class NoServableModel(PlanInfeasible):
    """Not even the smallest model meets a serving limit (e.g. the KV cache alone is too big)."""


@dataclass(frozen=True, slots=True)
class LimitSpec:
    """One serving limit: ``cost(shape) <= bound``, read back as ``value(shape)``."""

    field: str
    limit: float
    bound: float
    direction: str
    cost: Callable[[ServedModel], float]
    value: Callable[[ServedModel], float]
    unit: str

    @property
    def label(self) -> str:
        return f"inference.{self.field}"


def _step_seconds(setup: ServingSetup, phase: str) -> Callable[[ServedModel], float]:
    """Seconds of the slowest decode step (longest context) or of the prefill."""
    hw = setup.accelerators
    assert hw is not None
    batch = setup.spec.batch_size
    step, tokens = (
        (roofline.decode_step, setup.context_tokens)
        if phase == "decode"
        else (roofline.prefill, setup.prompt_tokens)
    )

    def seconds(shape: ServedModel) -> float:
        return step(shape, setup.precision, hw, batch, tokens, setup.efficiency).seconds

    return seconds


def memory_per_device(setup: ServingSetup, shape: ServedModel) -> float:
    memory = roofline.serving_memory(
        shape, setup.precision, setup.spec.batch_size, setup.context_tokens, setup.prompt_tokens
    )
    return memory.total / setup.spec.device_count


def _upper(
    field: str, limit: float, metric: Callable[[ServedModel], float], unit: str
) -> LimitSpec:
    """A limit on a metric that grows with N: the metric is its own cost."""
    return LimitSpec(field, limit, limit, "upper", metric, metric, unit)


def limit_specs(setup: ServingSetup) -> list[LimitSpec]:
    """The request's serving limits, in the order of :attr:`InferenceSpec.limit_fields`."""
    spec = setup.spec
    out = []
    if spec.max_decode_latency_ms is not None:
        decode = _step_seconds(setup, "decode")
        out.append(
            _upper(
                "max_decode_latency_ms",
                spec.max_decode_latency_ms,
                lambda s: decode(s) * 1e3,
                "ms per token at the longest context",
            )
        )
    if spec.max_time_to_first_token_ms is not None:
        prefill = _step_seconds(setup, "prefill")
        out.append(
            _upper(
                "max_time_to_first_token_ms",
                spec.max_time_to_first_token_ms,
                lambda s: prefill(s) * 1e3,
                "ms",
            )
        )
    if spec.max_memory_bytes_per_device is not None:
        out.append(
            _upper(
                "max_memory_bytes_per_device",
                spec.max_memory_bytes_per_device,
                lambda s: memory_per_device(setup, s),
                "bytes per device",
            )
        )
    if spec.min_tokens_per_second is not None:
        decode = _step_seconds(setup, "decode")
        batch = spec.batch_size
        # tokens/s = batch / step time falls with N: the cost is the step, capped at batch/min
        out.append(
            LimitSpec(
                "min_tokens_per_second",
                spec.min_tokens_per_second,
                batch / spec.min_tokens_per_second,
                "lower",
                decode,
                lambda s: batch / decode(s),
                "generated tokens/s of one replica at the longest context",
            )
        )
    return out


def _cost_at(limit: LimitSpec, served: ServedModelMap, n: float) -> float | None:
    """The limit's cost at law N, or None where N is too small to hold the vocabulary."""
    try:
        return limit.cost(served.shape(n))
    except ValueError:
        return None


def max_params(limit: LimitSpec, served: ServedModelMap, cost_bound: float) -> float | None:
    """Largest law N with ``cost <= cost_bound`` (None: no limit below 1e14 parameters).

    Raises :class:`NoServableModel` when even the smallest model breaks the limit.
    """
    lo, hi = math.log(_SEARCH[0]), math.log(_SEARCH[1])
    low_cost = _cost_at(limit, served, math.exp(lo))
    while low_cost is None and lo < hi:
        lo += math.log(2.0)
        low_cost = _cost_at(limit, served, math.exp(lo))
    if low_cost is None or low_cost > cost_bound:
        reached = ""
        allowed = None
        if low_cost is not None:
            best = limit.value(served.shape(math.exp(lo)))
            relation = ">=" if limit.direction == "upper" else "<="
            reached = (
                f"; the smallest model ({math.exp(lo):.3g} parameters) reaches {best:.4g}, a "
                f"factor {max(best / limit.limit, limit.limit / best):.3g} beyond the limit"
            )
            allowed = f"{relation} {best:.6g}"
        raise NoServableModel(
            f"inference.{limit.field}: no model meets {limit.limit:.6g} ({limit.unit}) on this "
            f"device, format, batch and context{reached}",
            field=f"inference.{limit.field}",
            allowed=allowed,
            conflicting=[limit.label],
        )
    high_cost = _cost_at(limit, served, math.exp(hi))
    assert high_cost is not None
    if high_cost <= cost_bound:
        return None

    def excess(log_n: float) -> float:
        checkpoint(f"the largest model meeting inference.{limit.field}")
        cost = _cost_at(limit, served, math.exp(log_n))
        return -cost_bound if cost is None else cost - cost_bound

    root = brentq(excess, lo, hi, xtol=1e-13, rtol=1e-13)
    n = math.exp(root)
    while excess(math.log(n)) > _TOLERANCE * cost_bound:  # land on the feasible side
        n *= 1.0 - 1e-12
    return n


def serving_bounds(limits: list[LimitSpec], served_maps: list[ServedModelMap]) -> list[Constraint]:
    """``N <= N_max`` for each limit: the tightest over ``served_maps`` (the smooth rule and
    any concrete shapes already found to break it), with its 10 % relaxation."""
    out = []
    for limit in limits:
        found = [(_cap(limit, m), m) for m in served_maps]
        capped = [(n, m) for n, m in found if n is not None]
        if not capped:
            continue
        n_max, served = min(capped, key=lambda pair: pair[0])
        constraint = bound("n_max", n_max, (limit.label,))
        out.append(
            Constraint(
                constraint.key,
                constraint.posynomial,
                constraint.labels,
                "upper",
                n_max,
                FieldRelaxation(limit.direction, _relaxation(limit, served, n_max)),
            )
        )
    return out


def _cap(limit: LimitSpec, served: ServedModelMap) -> float | None:
    """``N_max`` on one map. A concrete shape that cannot meet the limit at any N only says
    the plan it came from must shrink (its dims describe that plan alone): step 3 % below."""
    try:
        return max_params(limit, served, limit.bound)
    except NoServableModel:
        if served.origin is None:
            raise
        return served.origin * (1.0 - _SHRINK)


def _relaxation(limit: LimitSpec, served: ServedModelMap, n_max: float) -> Callable[[], float]:
    """``N_max`` at the field relaxed by 10 %, over ``N_max`` (computed when asked)."""

    def factor() -> float:
        relaxed = max_params(limit, served, limit.bound * RELAXATION)
        return (relaxed if relaxed is not None else _SEARCH[1]) / n_max

    return factor


def violated(limits: list[LimitSpec], shape: ServedModel) -> list[LimitSpec]:
    """The limits ``shape`` breaks (beyond round-off)."""
    return [limit for limit in limits if limit.cost(shape) > limit.bound * (1.0 + _TOLERANCE)]
